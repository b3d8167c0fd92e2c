"""A loopback HTTP proxy in front of the moto server that counts requests per AWS operation
(and the most served at once) and can add latency and enforce a per-operation rate limit,
answering over-limit requests as SSM does (HTTP 400, ThrottlingException)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar
from urllib.parse import urlsplit


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


class CountingProxy:
    """Counts requests (``counts``) and throttled answers (``throttled``) per operation."""

    def __init__(self, upstream: str, settings: ProxySettings | None = None) -> None:
        self.upstream = urlsplit(upstream)
        self.settings = settings or ProxySettings()
        self.counts: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests being served at once
        self.lock = threading.Lock()
        self.buckets = {op: _TokenBucket(r) for op, r in self.settings.rate_limits.items()}
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def reset_counts(self) -> None:
        with self.lock:
            self.counts.clear()
            self.throttled.clear()
            self.max_in_flight = 0

    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each answer waits for a delayed ACK

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

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
                target = self.headers.get("X-Amz-Target", "")
                operation = target.rsplit(".", 1)[-1] if target else self.command + " " + self.path
                with proxy.lock:
                    proxy.counts[operation] += 1
                if proxy.settings.latency:
                    time.sleep(proxy.settings.latency)
                bucket = proxy.buckets.get(operation)
                if bucket is not None and not bucket.admit():
                    with proxy.lock:
                        proxy.throttled[operation] += 1
                    payload = json.dumps(
                        {"__type": "ThrottlingException", "message": "Rate exceeded"}
                    ).encode()
                    self.send_response(400)
                    self.send_header("Content-Type", "application/x-amz-json-1.1")
                    self.send_header("x-amzn-ErrorType", "ThrottlingException")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                upstream = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=60
                )
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["Host"] = proxy.upstream.netloc
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        return Handler


P = TypeVar("P", bound=CountingProxy)


@contextmanager
def running(proxy: P) -> Iterator[P]:
    """Serve ``proxy`` on a background thread until the block ends."""
    thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()


def counting_proxy(
    upstream: str, settings: ProxySettings | None = None
) -> AbstractContextManager[CountingProxy]:
    return running(CountingProxy(upstream, settings))
