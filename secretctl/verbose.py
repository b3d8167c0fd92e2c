"""``--verbose``: what secretctl does, on stderr. Which AWS path serves the command, with its
region, endpoint and KMS key, then every SSM request with its target, outcome and duration.

Never a value: a request is described by its action and the parameter name, path or name
filter it targets; answers and errors are described by their status or AWS error code."""

from __future__ import annotations

import re
import threading
import time
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from secretctl.store.ssm import SsmStore

PREFIX = "secretctl: "


def log_requests(store: SsmStore, stream: IO[str], label: str = "") -> None:
    """Describe the store's AWS path on ``stream`` and log each of its requests there (each
    line after ``label``, when given: SRC or DST)."""
    log = _Log(stream, PREFIX + (f"{label}: " if label else ""))
    log(describe_path(store.client) + f"; KMS key for new secrets {store.kms_key}")
    store.client = LoggingClient(store.client, log)


def describe_path(client: Any) -> str:
    settings = getattr(client, "settings", None)  # the lean client's
    if settings is not None:
        return (
            f"AWS path: lean (signed requests, no boto3), region {settings.region}, SSM "
            f"endpoint {settings.ssm_endpoint}, {client.retries} retries"
        )
    retries = client.meta.config.retries or {}
    attempts = retries.get("total_max_attempts")
    return (
        f"AWS path: boto3 (botocore retry mode {retries.get('mode')}), region "
        f"{client.meta.region_name}, SSM endpoint {client.meta.endpoint_url}, "
        f"{attempts - 1 if isinstance(attempts, int) else 'default'} retries"
    )


class _Log:
    """Whole lines, one write each (services load on several threads)."""

    def __init__(self, stream: IO[str], prefix: str = PREFIX) -> None:
        self.stream = stream
        self.prefix = prefix
        self.lock = threading.Lock()

    def __call__(self, message: str) -> None:
        with self.lock:
            self.stream.write(self.prefix + message + "\n")
            self.stream.flush()


def _action(method: str) -> str:
    """boto3's method name as the SSM action: ``get_parameter`` -> ``GetParameter``."""
    return "".join(part.capitalize() for part in method.split("_"))


def describe_target(params: dict[str, Any]) -> str:
    """What a request targets, from its parameters (never ``Value``)."""
    for field in ("Name", "Path", "ResourceId"):
        if field in params:
            return str(params[field])
    filters = params.get("ParameterFilters") or []
    if filters:
        values = [str(v) for v in filters[0].get("Values", [])]
        more = f" and {len(values) - 1} more" if len(values) > 1 else ""
        return f"{filters[0].get('Key')} {filters[0].get('Option')} {values[0]}{more}"
    return "every parameter"


def _outcome(out: Any) -> str:
    if isinstance(out, dict):
        found = out.get("Parameters")
        if isinstance(found, list):
            return f"ok, {len(found)} parameters" + (", more pages" if out.get("NextToken") else "")
    return "ok"


_CODE_RE = re.compile(r"[A-Za-z0-9.]+")


def _error(err: Exception) -> str:
    from secretctl.store.ssm_errors import error_code

    code = error_code(err)
    return code if code and _CODE_RE.fullmatch(code) else type(err).__name__


class LoggingClient:
    """Wraps an SSM client (boto3's or the lean one): each method call is logged."""

    def __init__(self, client: Any, log: _Log) -> None:
        self._client = client
        self._log = log

    def __getattr__(self, method: str) -> Any:
        call = getattr(self._client, method)
        if not callable(call) or method.startswith("_"):
            return call

        def logged(**params: Any) -> Any:
            request = f"ssm:{_action(method)} {describe_target(params)}"
            started = time.monotonic()
            try:
                out = call(**params)
            except Exception as err:
                self._log(f"{request} -> {_error(err)} ({_ms(started)})")
                raise
            self._log(f"{request} -> {_outcome(out)} ({_ms(started)})")
            return out

        return logged


def _ms(started: float) -> str:
    return f"{(time.monotonic() - started) * 1000:.0f} ms"
