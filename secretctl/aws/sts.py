"""STS on the lean path, for the sides of ``diff`` and ``copy``: AssumeRole with the current
credentials (with an MFA code when the role asks for one), GetSessionToken with an MFA code
(when one code serves two roles) and GetCallerIdentity. Signed query
requests (SigV4, service ``sts``) over the lean HTTP client, one attempt each within the
per-attempt timeouts. The assumed role's credentials serve that side's SSM client as they
are; they last an hour (STS's default), and are asked for again when they near their end."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from urllib.parse import urlencode, urlsplit

from secretctl.aws.credentials import Credentials, sts_credentials, xml_field
from secretctl.aws.errors import EndpointUnreachable
from secretctl.aws.http import TransportError, request
from secretctl.aws.place import Role
from secretctl.aws.settings import LeanSettings
from secretctl.aws.sigv4 import sign
from secretctl.aws.timeouts import Timeouts
from secretctl.errors import AwsError

VERSION = "2011-06-15"


def session_name() -> str:
    """The RoleSessionName CloudTrail shows for secretctl's assumed-role sessions."""
    return f"secretctl-{int(time.time())}"


def role_refused(role: Role, reason: str) -> AwsError:
    """The one line for a role that cannot be assumed, the same from either client (naming
    the MFA device when the code went with the request)."""
    device = f" with MFA device {role.mfa_serial}" if role.sends_code else ""
    return AwsError(f"cannot assume role {role.arn} ({role.option}){device}: {reason}")


def mfa_session_refused(serial: str, reason: str) -> AwsError:
    """The one line for an MFA session STS would not start (a wrong or reused code, or
    credentials that are not an IAM user's), the same from either client."""
    return AwsError(f"cannot start an MFA session with device {serial} (--mfa-serial): {reason}")


def answer_reason(code: str, message: str) -> str:
    return f"{code}: {message}" if message else code


def assume_role(
    settings: LeanSettings, base: Credentials, role: Role, timeouts: Timeouts
) -> Credentials:
    """sts:AssumeRole as ``base`` (the role's MFA session when it has one); the role's
    temporary credentials."""
    params = {"RoleArn": role.arn, "RoleSessionName": session_name()}
    if role.sends_code:
        params.update(SerialNumber=role.mfa_serial or "", TokenCode=role.mfa_code or "")
    refused = lambda reason: role_refused(role, reason)  # noqa: E731
    return _temporary(settings, base, "AssumeRole", params, timeouts, refused)


def session_token(
    settings: LeanSettings, base: Credentials, serial: str, code: str, timeouts: Timeouts
) -> Credentials:
    """sts:GetSessionToken as ``base`` with the MFA device and code: an MFA session (STS's
    default length, 12 hours for an IAM user), to assume roles that require MFA. ``base``
    must be an IAM user's long-term keys, and the session may call sts:AssumeRole:
    https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html"""
    params = {"SerialNumber": serial, "TokenCode": code}
    refused = lambda reason: mfa_session_refused(serial, reason)  # noqa: E731
    return _temporary(settings, base, "GetSessionToken", params, timeouts, refused)


def _temporary(
    settings: LeanSettings,
    base: Credentials,
    action: str,
    params: dict[str, str],
    timeouts: Timeouts,
    refused: Callable[[str], AwsError],
) -> Credentials:
    """The temporary credentials ``action`` answers with; a failure as ``refused(reason)``."""
    try:
        status, text = _call(settings, base, action, params, timeouts)
    except EndpointUnreachable as err:
        raise refused(f"the STS endpoint {err.endpoint} {err.reason}") from None
    if status != 200:
        raise refused(answer_reason(xml_field(text, "Code") or f"HTTP{status}", _message(text)))
    return sts_credentials(text, action)


def caller_account(settings: LeanSettings, credentials: Credentials, timeouts: Timeouts) -> str:
    """sts:GetCallerIdentity: the account the credentials act in."""
    try:
        status, text = _call(settings, credentials, "GetCallerIdentity", {}, timeouts)
    except EndpointUnreachable as err:
        raise AwsError(
            f"sts:GetCallerIdentity: the STS endpoint {err.endpoint} {err.reason}"
        ) from None
    account = xml_field(text, "Account")
    if status != 200 or not account:
        reason = answer_reason(xml_field(text, "Code") or f"HTTP{status}", _message(text))
        raise AwsError(f"sts:GetCallerIdentity failed: {reason}")
    return account


def _message(text: str) -> str:
    return " ".join((xml_field(text, "Message") or "").split())


def _call(
    settings: LeanSettings,
    credentials: Credentials,
    action: str,
    params: dict[str, str],
    timeouts: Timeouts,
) -> tuple[int, str]:
    url = settings.sts_endpoint.rstrip("/") + "/"
    parts = urlsplit(url)
    body = urlencode({"Action": action, "Version": VERSION, **params}).encode()
    headers = sign(
        method="POST",
        host=parts.netloc,
        path=parts.path or "/",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        body=body,
        region=settings.region,
        service="sts",
        access_key=credentials.access_key,
        secret_key=credentials.secret_key,
        session_token=credentials.token,
        now=datetime.now(timezone.utc),
    )
    left = timeouts.remaining()
    wait = timeouts.read if left is None else max(0.0, min(timeouts.read, left))
    try:
        status, data = request("POST", url, headers, body, timeout=wait, cafile=settings.ca_bundle)
    except TransportError as err:
        raise EndpointUnreachable(parts.netloc, err.reason, 1, err.sent) from None
    return status, data.decode("utf-8", "replace")
