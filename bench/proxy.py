"""``devtools.proxy.CountingProxy`` plus what the benchmarks need to know about each request:
the parameter path or name in its JSON body (so requests can be counted per service), which
process sent it (the ``app/<id>`` that botocore adds to the User-Agent from
``AWS_SDK_UA_APP_ID``), when it started and ended, and whether it was throttled.

The forwarding, latency and rate limiting are devtools' own: this wrapper reads the body
first, hands the devtools handler an in-memory copy of it, and records the answer's status.
"""

from __future__ import annotations

import io
import json
import re
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from devtools.proxy import CountingProxy, ProxySettings, running

_APP_ID = re.compile(r"\bapp/(\S+)")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


@dataclass(frozen=True)
class Request:
    operation: str
    target: str  # the body's Path, else Name, else ""
    client: str  # the SigV4 access key id, else the User-Agent's app id, else ""
    start: float  # time.monotonic()
    end: float
    status: int
    throttled: bool


class RecordingProxy(CountingProxy):
    def __init__(self, upstream: str, settings: ProxySettings | None = None) -> None:
        self.records: list[Request] = []
        super().__init__(upstream, settings)

    def reset_counts(self) -> None:
        super().reset_counts()
        with self.lock:
            self.records.clear()

    def snapshot(self) -> list[Request]:
        with self.lock:
            return list(self.records)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler()
        proxy = self

        class Handler(base):  # type: ignore[valid-type, misc]
            _status = 0
            _throttle_answer = False

            def send_response(self, code: int, message: str | None = None) -> None:
                self._status = code
                super().send_response(code, message)

            def send_header(self, keyword: str, value: str) -> None:
                if keyword.lower() == "x-amzn-errortype" and "Throttling" in value:
                    self._throttle_answer = True
                super().send_header(keyword, value)

            def _recording_forward(self) -> None:
                start = time.monotonic()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                real_rfile = self.rfile
                self.rfile = io.BytesIO(body)  # devtools' handler reads the body from here
                self._status = 0
                self._throttle_answer = False
                try:
                    base._forward(self)
                finally:
                    self.rfile = real_rfile
                target = self.headers.get("X-Amz-Target", "")
                operation = target.rsplit(".", 1)[-1] if target else self.command + " " + self.path
                app = _CREDENTIAL.search(self.headers.get("Authorization", "")) or _APP_ID.search(
                    self.headers.get("User-Agent", "")
                )
                record = Request(
                    operation=operation,
                    target=_body_target(body),
                    client=app.group(1) if app else "",
                    start=start,
                    end=time.monotonic(),
                    status=self._status,
                    throttled=self._throttle_answer,
                )
                with proxy.lock:
                    proxy.records.append(record)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _recording_forward

        return Handler


def _body_target(body: bytes) -> str:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        return ""
    if not isinstance(document, dict):
        return ""
    value = document.get("Path") or document.get("Name") or ""
    return value if isinstance(value, str) else ""


def longest_sequential_chain(records: list[Request]) -> int:
    """The most requests that ran strictly one after another (each starting after the
    previous one ended): the number of round trips on the critical path."""
    ordered = sorted(records, key=lambda r: r.end)
    best: list[int] = []
    for i, record in enumerate(ordered):
        chain = 1
        for j in range(i):
            if ordered[j].end <= record.start:
                chain = max(chain, best[j] + 1)
        best.append(chain)
    return max(best, default=0)


def recording_proxy(
    upstream: str, settings: ProxySettings | None = None
) -> AbstractContextManager[RecordingProxy]:
    return running(RecordingProxy(upstream, settings))
