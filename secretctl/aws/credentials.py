"""The credential sources that matter in a container, in botocore's order once profiles and
shared files are ruled out: environment, web identity, ECS task endpoint, instance metadata.

Each request to a credentials endpoint has its own short timeout, and none outlasts the
command's deadline (``--timeout``)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

from secretctl.aws.errors import NO_CREDENTIALS, past_deadline
from secretctl.aws.http import TransportError, request
from secretctl.aws.settings import url_problem
from secretctl.aws.timeouts import Timeouts
from secretctl.errors import AwsError

ECS_HOST = "http://169.254.170.2"
_ECS_ALLOWED_HOSTS = {"169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"}
IMDS_ENDPOINT = "http://169.254.169.254"


class Credentials(NamedTuple):
    access_key: str
    secret_key: str
    token: str | None = None
    expires_at: float | None = None  # seconds since the epoch; None for long-lived keys

    def expiring(self, now: float, margin: float = 300.0) -> bool:
        """Whether these credentials expire within ``margin`` seconds (refresh them first)."""
        return self.expires_at is not None and now + margin >= self.expires_at


def _epoch(text: str | None) -> float | None:
    """An ISO 8601 expiration (``2026-11-29T04:00:00Z``) as seconds since the epoch."""
    if not text:
        return None
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _fetch(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None = None,
    *,
    timeout: float,
    timeouts: Timeouts | None,
    cafile: str | None = None,
) -> tuple[int, bytes]:
    """One request to a credentials endpoint, within ``timeout`` and the command's deadline
    (a TransportError that says so once the deadline has passed)."""
    left = timeouts.remaining() if timeouts is not None else None
    if left is not None:
        deadline = past_deadline(timeouts.total or 0.0)  # type: ignore[union-attr]
        if left <= 0:
            raise TransportError(deadline, sent=False, timed_out=True)
        timeout = min(timeout, left)
    try:
        return request(method, url, headers, body, timeout=timeout, cafile=cafile)
    except TransportError as err:
        if err.timed_out and timeouts is not None and not timeouts.allows(0.0):
            # the deadline, not the endpoint's own timeout, ended it
            raise TransportError(deadline, sent=err.sent, timed_out=True) from None
        raise


def resolve_credentials(
    environ: Mapping[str, str], sts_endpoint: str, timeouts: Timeouts | None = None
) -> Credentials:
    """The first source that is configured; an error when none is. ``timeouts``: the
    command's deadline, which no request here outlasts."""
    access_key = environ.get("AWS_ACCESS_KEY_ID")
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY")
    if access_key and secret_key:
        return Credentials(access_key, secret_key, environ.get("AWS_SESSION_TOKEN") or None)
    if environ.get("AWS_WEB_IDENTITY_TOKEN_FILE") and environ.get("AWS_ROLE_ARN"):
        return from_web_identity(environ, sts_endpoint, timeouts)
    if environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or environ.get(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI"
    ):
        return from_container(environ, timeouts)
    if environ.get("AWS_EC2_METADATA_DISABLED", "").lower() != "true":
        found = from_instance_metadata(environ, timeouts)
        if found is not None:
            return found
    raise AwsError(NO_CREDENTIALS)


def check_container_url(url: str) -> None:
    """AwsError unless AWS_CONTAINER_CREDENTIALS_FULL_URI can be asked as botocore would ask
    it: http or https, a numeric port, and over http only a loopback or ECS address."""
    parts = urlsplit(url)
    problem = url_problem(url)
    if problem is None and parts.scheme == "http" and not _allowed_http_host(parts.hostname):
        problem = f"over http, only a loopback or ECS address (got host {parts.hostname!r})"
    if problem is not None:
        raise AwsError(f"AWS_CONTAINER_CREDENTIALS_FULL_URI {url!r} cannot be used: {problem}")


def check_metadata_url(url: str) -> None:
    """AwsError when AWS_EC2_METADATA_SERVICE_ENDPOINT is no usable URL."""
    problem = url_problem(url)
    if problem is not None:
        raise AwsError(f"AWS_EC2_METADATA_SERVICE_ENDPOINT {url!r} cannot be used: {problem}")


def _allowed_http_host(host: str | None) -> bool:
    if host in _ECS_ALLOWED_HOSTS:
        return True
    import ipaddress  # only for a FULL_URI that is neither https nor a known ECS address

    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _parse_credentials(data: bytes, source: str) -> Credentials:
    try:
        payload = json.loads(data)
        return Credentials(
            payload["AccessKeyId"],
            payload["SecretAccessKey"],
            payload.get("Token") or None,
            _epoch(payload.get("Expiration")),
        )
    except (ValueError, KeyError, TypeError):
        raise AwsError(f"the {source} answered without usable credentials") from None


def from_container(environ: Mapping[str, str], timeouts: Timeouts | None = None) -> Credentials:
    """The ECS task credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI)."""
    relative = environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
    url = ECS_HOST + relative if relative else environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    if not relative:
        check_container_url(url)
    headers = {"Accept": "application/json"}
    token_file = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as handle:
                headers["Authorization"] = handle.read().strip()
        except OSError as err:
            raise AwsError(
                f"cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: {err.strerror}"
            ) from None
    elif environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN"):
        headers["Authorization"] = environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    last_error = ""
    for attempt in range(3):
        try:
            status, data = _fetch("GET", url, headers, timeout=2.0, timeouts=timeouts)
        except OSError as err:
            last_error = str(err)
        else:
            if status == 200:
                return _parse_credentials(data, "ECS task credentials endpoint")
            last_error = f"HTTP {status}"
            if status < 500:
                break
        time.sleep(0.1 * (attempt + 1))
    raise AwsError(f"cannot get credentials from the ECS task credentials endpoint: {last_error}")


def from_instance_metadata(
    environ: Mapping[str, str], timeouts: Timeouts | None = None
) -> Credentials | None:
    """The instance role through IMDSv2 (IMDSv1 when no token can be had); None when the
    metadata service does not answer or has no role, as botocore does."""
    configured = environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT")
    if configured:
        check_metadata_url(configured)
    base = (configured or IMDS_ENDPOINT).rstrip("/")
    headers: dict[str, str] = {}
    try:
        status, token = _fetch(
            "PUT",
            f"{base}/latest/api/token",
            {"X-aws-ec2-metadata-token-ttl-seconds": "21600"},
            timeout=1.0,
            timeouts=timeouts,
        )
        if status == 200:
            headers["X-aws-ec2-metadata-token"] = token.decode()
        elif status not in (403, 404, 405):
            return None
        path = f"{base}/latest/meta-data/iam/security-credentials/"
        status, names = _fetch("GET", path, headers, timeout=1.0, timeouts=timeouts)
        if status != 200 or not names.strip():
            return None
        role = names.decode().split()[0]
        status, data = _fetch("GET", path + role, headers, timeout=1.0, timeouts=timeouts)
    except OSError:
        return None
    if status != 200:
        return None
    return _parse_credentials(data, "instance metadata service")


def from_web_identity(
    environ: Mapping[str, str], sts_endpoint: str, timeouts: Timeouts | None = None
) -> Credentials:
    """STS AssumeRoleWithWebIdentity with the token file (EKS IRSA and similar)."""
    try:
        with open(environ["AWS_WEB_IDENTITY_TOKEN_FILE"], encoding="utf-8") as handle:
            token = handle.read().strip()
    except OSError as err:
        raise AwsError(f"cannot read AWS_WEB_IDENTITY_TOKEN_FILE: {err.strerror}") from None
    body = urlencode(
        {
            "Action": "AssumeRoleWithWebIdentity",
            "Version": "2011-06-15",
            "RoleArn": environ["AWS_ROLE_ARN"],
            "RoleSessionName": environ.get("AWS_ROLE_SESSION_NAME")
            or f"secretctl-{int(time.time())}",
            "WebIdentityToken": token,
        }
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    try:
        status, data = _fetch(
            "POST",
            sts_endpoint.rstrip("/") + "/",
            headers,
            body,
            timeout=5.0,
            timeouts=timeouts,
            cafile=environ.get("AWS_CA_BUNDLE") or None,
        )
    except OSError as err:
        raise AwsError(f"cannot reach STS for AssumeRoleWithWebIdentity: {err}") from None
    text = data.decode("utf-8", "replace")
    if status != 200:
        code = xml_field(text, "Code") or f"HTTP {status}"
        role = environ["AWS_ROLE_ARN"]
        raise AwsError(f"sts:AssumeRoleWithWebIdentity for {role} failed: {code}")
    return sts_credentials(text, "AssumeRoleWithWebIdentity")


def xml_field(text: str, name: str) -> str | None:
    """The text of the first ``<name>`` element of an STS answer (entities decoded)."""
    found = re.search(rf"<{name}>([^<]*)</{name}>", text)
    if found is None:
        return None
    value = found.group(1)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        value = value.replace(entity, char)
    return value.replace("&amp;", "&")


def sts_credentials(text: str, action: str) -> Credentials:
    """The temporary credentials of an STS answer to ``action``."""
    access_key, secret_key = xml_field(text, "AccessKeyId"), xml_field(text, "SecretAccessKey")
    if not access_key or not secret_key:
        raise AwsError(f"STS answered {action} without credentials")
    return Credentials(
        access_key,
        secret_key,
        xml_field(text, "SessionToken"),
        _epoch(xml_field(text, "Expiration")),
    )
