"""A minimal SSM client: signed JSON requests over keep-alive connections, with retries."""

from __future__ import annotations

import json
import os
import random
import threading
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from secretctl.aws.credentials import Credentials, resolve_credentials
from secretctl.aws.http import Connection
from secretctl.aws.settings import LeanSettings
from secretctl.aws.sigv4 import sign
from secretctl.store.ssm_errors import THROTTLE_CODES

# Backoff, tuned with bench scenario 5 (50 containers starting at once against 5 requests/s):
# after a throttle, "equal jitter" (half the exponential delay fixed, half random) spreads the
# fleet's retries so that the herd drains near the rate floor with few wasted requests; other
# transient failures (5xx, connection) retry quickly with full jitter.
THROTTLE_BASE_SECONDS = 3.0
THROTTLE_CAP_SECONDS = 8.0
TRANSIENT_BASE_SECONDS = 0.1
TRANSIENT_CAP_SECONDS = 2.0


class SsmCallError(Exception):
    """An error answer from SSM (or the endpoint being unreachable, code 'Connection')."""

    def __init__(self, code: str, message: str, attempts: int) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.attempts = attempts


def backoff_delay(attempt: int, throttled: bool, rng: random.Random | None = None) -> float:
    """The delay before retry number ``attempt`` (0-based)."""
    uniform = (rng or random).uniform
    if throttled:
        ceiling = min(THROTTLE_CAP_SECONDS, THROTTLE_BASE_SECONDS * 2**attempt)
        return ceiling / 2 + uniform(0.0, ceiling / 2)
    return uniform(0.0, min(TRANSIENT_CAP_SECONDS, TRANSIENT_BASE_SECONDS * 2**attempt))


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
    (``get_parameter(**params)`` ...) answer in boto3's shapes."""

    def __init__(self, settings: LeanSettings, retries: int) -> None:
        self.settings = settings
        self.retries = retries
        parts = urlsplit(settings.ssm_endpoint)
        self.host = parts.netloc
        self.path = parts.path or "/"
        self._credentials: Credentials | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    def credentials(self) -> Credentials:
        """Resolved on first use, and again when temporary credentials near their expiry (a
        long import can outlive them)."""
        with self._lock:
            if self._credentials is None or self._credentials.expiring(time.time()):
                self._credentials = resolve_credentials(os.environ, self.settings.sts_endpoint)
            return self._credentials

    def _send(self, action: str, body: bytes) -> tuple[int, bytes]:
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
            conn = self._local.conn = Connection(self.settings.ssm_endpoint, timeout=30.0)
        try:
            status, _, data = conn.request("POST", self.path, headers, body)
        except OSError:
            conn.close()
            raise
        return status, data

    def call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(params).encode()
        for attempt in range(self.retries + 1):
            try:
                status, data = self._send(action, body)
            except OSError as err:
                code, message = "Connection", str(err)
            else:
                if status == 200:
                    return json.loads(data)  # type: ignore[no-any-return]
                code, message = _error_code(data, status)
                if code not in THROTTLE_CODES and status < 500:
                    raise SsmCallError(code, message, attempt + 1)
            if attempt == self.retries:
                raise SsmCallError(code, message, attempt + 1)
            time.sleep(backoff_delay(attempt, throttled=code in THROTTLE_CODES))
        raise AssertionError("unreachable")  # pragma: no cover

    # boto3's method names for the calls the store makes, answering in boto3's shapes
    get_parameter = _boto3_style("GetParameter")
    get_parameters_by_path = _boto3_style("GetParametersByPath")
    get_parameter_history = _boto3_style("GetParameterHistory")
    describe_parameters = _boto3_style("DescribeParameters")
    put_parameter = _boto3_style("PutParameter")
    delete_parameter = _boto3_style("DeleteParameter")
