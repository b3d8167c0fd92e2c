"""STS on the lean path, for the sides of ``diff`` and ``copy``: AssumeRole with the current
credentials (with an MFA code when the role asks for one) and GetCallerIdentity. Signed query
requests (SigV4, service ``sts``) over the lean HTTP client, one attempt each within the
per-attempt timeouts. The assumed role's credentials serve that side's SSM client as they
are; they last an hour (STS's default), and are asked for again when they near their end."""

from __future__ import annotations

import time
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
    """The one line for a role that cannot be assumed, the same from either client."""
    return AwsError(f"cannot assume role {role.arn} ({role.option}): {reason}")


def answer_reason(code: str, message: str) -> str:
    return f"{code}: {message}" if message else code


def assume_role(
    settings: LeanSettings, base: Credentials, role: Role, timeouts: Timeouts
) -> Credentials:
    """sts:AssumeRole as ``base``; the role's temporary credentials."""
    params = {"RoleArn": role.arn, "RoleSessionName": session_name()}
    if role.mfa_serial:
        params.update(SerialNumber=role.mfa_serial, TokenCode=role.mfa_code or "")
    try:
        status, text = _call(settings, base, "AssumeRole", params, timeouts)
    except EndpointUnreachable as err:
        raise role_refused(role, f"the STS endpoint {err.endpoint} {err.reason}") from None
    if status != 200:
        reason = answer_reason(xml_field(text, "Code") or f"HTTP{status}", _message(text))
        raise role_refused(role, reason)
    return sts_credentials(text, "AssumeRole")


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
