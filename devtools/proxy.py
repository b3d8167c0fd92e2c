"""A loopback HTTP proxy in front of the moto server that counts requests per AWS operation
(and the most served at once) and can add latency and enforce a per-operation rate limit,
answering over-limit requests as SSM does (HTTP 400, ThrottlingException).

``FaultInjector`` extends it to break requests the way networks and endpoints break: a port
that refuses, a connection reset mid-answer, a socket that never answers, HTTP 500/503, a body
cut short, and throttling storms (see ``Fault``)."""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit


@dataclass
class ProxySettings:
    latency: float = 0.0  # seconds added to every request
    rate_limits: dict[str, float] = field(default_factory=dict)  # operation -> requests/second


class _TokenBucket:
    """Admit at most ``rate`` requests per second (burst of one second's worth)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(rate, 1.0)
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def admit(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            return False


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # a fleet of clients connects at once

    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client that went away, or a connection a fault cut: nothing to report


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "message": message}).encode()


def _operation(target: str, body: bytes) -> str | None:
    """The AWS action of a request: the JSON protocols' X-Amz-Target (SSM), else the query
    protocol's Action (STS)."""
    if target:
        return target.rsplit(".", 1)[-1]
    if body.startswith(b"Action="):
        return body.split(b"&", 1)[0][len(b"Action=") :].decode("ascii", "replace")
    return None


def _query_error_body(code: str, message: str) -> bytes:
    """An error answer of the query protocol (STS), as AWS words it."""
    return (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
        f"<Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    ).encode()


class CountingProxy:
    """Counts requests (``counts``) and throttled answers (``throttled``) per operation."""

    def __init__(self, upstream: str, settings: ProxySettings | None = None) -> None:
        self.upstream = urlsplit(upstream)
        self.settings = settings or ProxySettings()
        self.counts: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.queries: list[dict[str, str]] = []  # query-protocol (STS) requests' parameters
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests being served at once
        self.lock = threading.Lock()
        self.stopping = threading.Event()  # set when the proxy stops (ends hung requests)
        self.buckets = {op: _TokenBucket(r) for op, r in self.settings.rate_limits.items()}
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def reset_counts(self) -> None:
        with self.lock:
            self.counts.clear()
            self.throttled.clear()
            self.queries.clear()
            self.max_in_flight = 0

    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())

    serving = False

    def start(self) -> None:
        """Serve on a background thread."""
        self.serving = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        if self.serving:
            self.server.shutdown()
        self.server.server_close()

    def fault_for(self, operation: str) -> Fault | None:
        """The fault to inject into this request (counted as it arrives); none here."""
        return None

    def answered(self, operation: str, status: int) -> None:
        """Called once a complete upstream answer has been sent to the client."""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each answer waits for a delayed ACK

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def finish(self) -> None:
                try:
                    super().finish()
                except (OSError, ValueError):
                    pass  # the connection was cut on purpose

            def _forward(self) -> None:
                with proxy.lock:
                    proxy.in_flight += 1
                    proxy.max_in_flight = max(proxy.max_in_flight, proxy.in_flight)
                try:
                    self._serve()
                finally:
                    with proxy.lock:
                        proxy.in_flight -= 1

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                operation = _operation(self.headers.get("X-Amz-Target", ""), body) or (
                    self.command + " " + self.path
                )
                with proxy.lock:
                    proxy.counts[operation] += 1
                    if body.startswith(b"Action="):  # STS: no secret values in these
                        proxy.queries.append(dict(parse_qsl(body.decode("utf-8", "replace"))))
                if proxy.settings.latency:
                    time.sleep(proxy.settings.latency)
                bucket = proxy.buckets.get(operation)
                if bucket is not None and not bucket.admit():
                    with proxy.lock:
                        proxy.throttled[operation] += 1
                    self._reply_error(400, "ThrottlingException", "Rate exceeded")
                    return
                fault = proxy.fault_for(operation)
                if fault is not None and not fault.forwards:
                    self._inject(fault, None)
                    return
                status, headers, data = self._upstream(body)
                if fault is not None:
                    self._inject(fault, (status, headers, data))
                    return
                self._reply(status, headers, data)
                proxy.answered(operation, status)

            def _upstream(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
                upstream = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=60
                )
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    headers["Host"] = proxy.upstream.netloc
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    return response.status, response.getheaders(), response.read()
                finally:
                    upstream.close()

            def _reply(
                self, status: int, headers: list[tuple[str, str]], data: bytes, cut: int = -1
            ) -> None:
                """Send an answer; with ``cut`` >= 0, only that many bytes of its body."""
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data if cut < 0 else data[:cut])
                self.wfile.flush()

            def _reply_error(self, status: int, code: str, message: str) -> None:
                if self.headers.get("X-Amz-Target"):
                    payload = _error_body(code, message)
                    headers = [
                        ("Content-Type", "application/x-amz-json-1.1"),
                        ("x-amzn-ErrorType", code),
                    ]
                else:
                    payload = _query_error_body(code, message)
                    headers = [("Content-Type", "text/xml")]
                self._reply(status, headers, payload)

            def _reset(self) -> None:
                """Cut the connection with a TCP reset (SO_LINGER 0), no answer or no more."""
                self.close_connection = True
                try:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                except OSError:
                    pass

            def _inject(
                self, fault: Fault, answer: tuple[int, list[tuple[str, str]], bytes] | None
            ) -> None:
                kind = fault.kind
                if kind == "throttle":
                    self._reply_error(400, "ThrottlingException", "Rate exceeded")
                elif kind == "deny":
                    self._reply_error(403, "AccessDenied", fault.message)
                elif kind == "status":
                    code = "ServiceUnavailable" if fault.status == 503 else "InternalServerError"
                    self._reply_error(fault.status, code, "injected fault")
                elif kind == "hang":
                    proxy.stopping.wait()
                    self._reset()
                elif kind == "refuse":
                    self._reset()
                elif answer is not None:  # reset / truncate: after upstream applied it
                    status, headers, data = answer
                    self._reply(status, headers, data, cut=len(data) // 2)
                    if kind == "reset":
                        self._reset()
                    else:
                        self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        return Handler


# --- faults ----------------------------------------------------------------------------------

KINDS = {
    "refuse": "the endpoint goes down: this request's connection is reset unanswered, every "
    "later request too, and the port is closed (new connections are refused)",
    "reset": "forwarded (applied), then the connection is reset halfway through the answer",
    "hang": "never forwarded, never answered: the socket stays open until the proxy stops",
    "status": "answered HTTP 500 InternalServerError or 503 ServiceUnavailable, not forwarded",
    "truncate": "forwarded (applied); the answer's body is cut in half and the connection closed",
    "throttle": "answered HTTP 400 ThrottlingException, not forwarded",
    "deny": "answered HTTP 403 AccessDenied with ``message``, not forwarded (IAM refusals that "
    "moto does not make, such as a role whose trust policy does not allow the caller)",
}
_FORWARDING = {"reset", "truncate"}


@dataclass(frozen=True)
class Fault:
    """Break requests of ``operations`` (all when None): the first ``after`` of them pass,
    then ``count`` of them (every later one when None) get the fault ``kind`` (see KINDS)."""

    kind: str
    operations: frozenset[str] | None = None
    after: int = 0
    count: int | None = None
    status: int = 500
    message: str = "injected fault"  # the AWS message of a "deny"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; one of {sorted(KINDS)}")

    @property
    def forwards(self) -> bool:
        """Whether the request reaches the server (and is applied) before the fault."""
        return self.kind in _FORWARDING


class FaultInjector(CountingProxy):
    """A counting proxy that injects ``faults`` (the first that matches a request wins).

    ``injected`` counts faulted requests per (operation, kind); ``completed`` counts requests
    whose complete upstream answer reached the client, per (operation, status)."""

    def __init__(self, upstream: str, faults: list[Fault] | tuple[Fault, ...] = ()) -> None:
        super().__init__(upstream)
        self.faults = list(faults)
        self.seen: Counter[int] = Counter()  # requests that matched each fault's operations
        self.injected: Counter[tuple[str, str]] = Counter()
        self.completed: Counter[tuple[str, int]] = Counter()
        self.is_down = False
        if any(f.kind == "refuse" and f.after == 0 and f.operations is None for f in faults):
            self.go_down()  # refused from the start

    def fault_for(self, operation: str) -> Fault | None:
        with self.lock:
            chosen = _DOWN if self.is_down else None
            for index, fault in enumerate(self.faults):
                if chosen is not None:
                    break
                if fault.operations is not None and operation not in fault.operations:
                    continue
                self.seen[index] += 1
                number = self.seen[index]
                if fault.after < number and (
                    fault.count is None or number <= fault.after + fault.count
                ):
                    chosen = fault
            if chosen is None:
                return None
            self.injected[(operation, chosen.kind)] += 1
        if chosen.kind == "refuse":
            self.go_down()
        return chosen

    def answered(self, operation: str, status: int) -> None:
        with self.lock:
            self.completed[(operation, status)] += 1

    def go_down(self) -> None:
        """Stop listening: new connections are refused from now on."""
        with self.lock:
            if self.is_down and self.server.socket.fileno() < 0:
                return
            self.is_down = True
        if self.serving:
            threading.Thread(target=self.server.shutdown, daemon=True).start()
        self.server.socket.close()

    def start(self) -> None:
        if not self.is_down:
            super().start()

    def forwarded_faults(self, operation: str) -> int:
        """Faulted requests of ``operation`` that the server applied anyway."""
        with self.lock:
            return sum(
                n
                for (op, kind), n in self.injected.items()
                if op == operation and kind in _FORWARDING
            )


_DOWN = Fault("refuse")


P = TypeVar("P", bound=CountingProxy)


@contextmanager
def running(proxy: P) -> Iterator[P]:
    """Serve ``proxy`` on a background thread until the block ends."""
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


def counting_proxy(
    upstream: str, settings: ProxySettings | None = None
) -> AbstractContextManager[CountingProxy]:
    return running(CountingProxy(upstream, settings))


def fault_injector(
    upstream: str, faults: list[Fault] | tuple[Fault, ...] = ()
) -> AbstractContextManager[FaultInjector]:
    return running(FaultInjector(upstream, faults))
