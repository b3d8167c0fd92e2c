"""A minimal SSM client: signed JSON requests over keep-alive connections, with the retry
policy of ``aws.retries`` and the waits of ``aws.timeouts``."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from secretctl.aws.credentials import Credentials, resolve_credentials
from secretctl.aws.errors import (
    MALFORMED,
    THROTTLE_CODES,
    EndpointUnreachable,
    SsmCallError,
    past_deadline,
)
from secretctl.aws.http import Connection, TransportError
from secretctl.aws.retries import backoff_delay, retry_connection
from secretctl.aws.settings import LeanSettings
from secretctl.aws.sigv4 import sign
from secretctl.aws.timeouts import Timeouts
from secretctl.errors import AwsError

if TYPE_CHECKING:  # a side's role (diff, copy): never on the container-start path
    from secretctl.aws.place import Role


def _error_code(data: bytes, status: int) -> tuple[str, str]:
    try:
        payload = json.loads(data)
        code = str(payload.get("__type") or payload.get("code") or f"HTTP{status}")
        message = str(payload.get("message") or payload.get("Message") or "")
    except ValueError:
        code, message = f"HTTP{status}", ""
    return code.rsplit("#", 1)[-1], message


_DATE_FIELDS = ("LastModifiedDate",)


def _with_datetimes(out: dict[str, Any]) -> dict[str, Any]:
    """Dates as boto3 gives them: the JSON protocol sends seconds since the epoch."""
    for item in [out.get("Parameter"), *out.get("Parameters", [])]:
        if isinstance(item, dict):
            for name in _DATE_FIELDS:
                if isinstance(item.get(name), (int, float)):
                    item[name] = datetime.fromtimestamp(item[name], tz=timezone.utc)
    return out


def _boto3_style(action: str) -> Any:
    """A method ``client.<snake_name>(**params)`` that calls ``action`` as boto3 would."""

    def method(self: LeanSsmClient, **params: Any) -> dict[str, Any]:
        return _with_datetimes(self.call(action, params))

    return method


class LeanSsmClient:
    """Calls SSM actions (``call("GetParameter", {...})``); thread-safe, one connection per
    thread, credentials resolved once on first use. The boto3-named methods that the store uses
    (``get_parameter(**params)`` ...) answer in boto3's shapes. With a ``role``, requests are
    made with that role's credentials (sts:AssumeRole with the current ones: ``aws.sts``)."""

    def __init__(
        self,
        settings: LeanSettings,
        retries: int,
        timeouts: Timeouts | None = None,
        role: Role | None = None,
    ) -> None:
        self.settings = settings
        self.retries = retries
        self.timeouts = timeouts or Timeouts()
        self.role = role
        parts = urlsplit(settings.ssm_endpoint)
        self.host = parts.netloc
        self.path = parts.path or "/"
        self._credentials: Credentials | None = None
        self._credentials_error: AwsError | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    def credentials(self) -> Credentials:
        """Resolved on first use, and again when temporary credentials near their expiry (a
        long import can outlive them). A failure is final for the command: the threads that
        waited for it (one per service) fail with it instead of asking again in turn."""
        with self._lock:
            if self._credentials_error is not None:
                raise self._credentials_error
            if self._credentials is None or self._credentials.expiring(time.time()):
                try:
                    session = self.role.mfa_session if self.role is not None else None
                    credentials = session or resolve_credentials(
                        os.environ, self.settings.sts_endpoint, self.timeouts
                    )
                    if self.role is not None:  # as the MFA session, when one serves two roles
                        from secretctl.aws.sts import assume_role

                        credentials = assume_role(
                            self.settings, credentials, self.role, self.timeouts
                        )
                except AwsError as err:
                    self._credentials_error = err
                    raise
                self._credentials = credentials
            return self._credentials

    def caller_account(self) -> str:
        """The account these credentials act in: the role's, else sts:GetCallerIdentity."""
        if self.role is not None:
            return self.role.account
        from secretctl.aws.sts import caller_account

        return caller_account(self.settings, self.credentials(), self.timeouts)

    def _send(self, action: str, body: bytes) -> tuple[int, bytes]:
        """One attempt, within the per-attempt timeouts and what is left of the deadline."""
        connect, read = self.timeouts.connect, self.timeouts.read
        left = self.timeouts.remaining()
        if left is not None:
            if left <= 0:
                raise TransportError(self._deadline_reason(), sent=False, timed_out=True)
            connect, read = min(connect, left), min(read, left)
        creds = self.credentials()
        headers = sign(
            method="POST",
            host=self.host,
            path=self.path,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AmazonSSM.{action}",
            },
            body=body,
            region=self.settings.region,
            service="ssm",
            access_key=creds.access_key,
            secret_key=creds.secret_key,
            session_token=creds.token,
            now=datetime.now(timezone.utc),
        )
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = Connection(
                self.settings.ssm_endpoint, self.settings.ca_bundle
            )
        try:
            status, _, data = conn.request(
                "POST", self.path, headers, body, connect_timeout=connect, read_timeout=read
            )
        except TransportError as err:
            if err.timed_out and left is not None and not self.timeouts.allows(0.0):
                err.reason = self._deadline_reason()  # the deadline, not the timeout, ended it
            raise
        return status, data

    def _deadline_reason(self) -> str:
        return past_deadline(self.timeouts.total or 0.0)

    def call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(params).encode()
        attempts = 0
        while True:
            attempts += 1
            try:
                status, data = self._send(action, body)
                if status == 200:
                    try:
                        return json.loads(data)  # type: ignore[no-any-return]
                    except ValueError:
                        raise TransportError(MALFORMED, sent=True) from None
            except TransportError as err:
                delay = backoff_delay(attempts - 1, throttled=False)
                if not (
                    retry_connection(action, err.reason, err.sent, attempts, self.retries)
                    and self.timeouts.allows(delay)
                ):
                    raise EndpointUnreachable(self.host, err.reason, attempts, err.sent) from None
                time.sleep(delay)
                continue
            code, message = _error_code(data, status)
            throttled = code in THROTTLE_CODES
            if not throttled and status < 500:
                raise SsmCallError(code, message, attempts)
            delay = backoff_delay(attempts - 1, throttled=throttled)
            if attempts > self.retries or not self.timeouts.allows(delay):
                raise SsmCallError(code, message, attempts, server_error=status >= 500)
            time.sleep(delay)

    # boto3's method names for the calls the store makes, answering in boto3's shapes
    get_parameter = _boto3_style("GetParameter")
    get_parameters_by_path = _boto3_style("GetParametersByPath")
    get_parameter_history = _boto3_style("GetParameterHistory")
    describe_parameters = _boto3_style("DescribeParameters")
    put_parameter = _boto3_style("PutParameter")
    delete_parameter = _boto3_style("DeleteParameter")
    delete_parameters = _boto3_style("DeleteParameters")
    list_tags_for_resource = _boto3_style("ListTagsForResource")
    add_tags_to_resource = _boto3_style("AddTagsToResource")
    remove_tags_from_resource = _boto3_style("RemoveTagsFromResource")
