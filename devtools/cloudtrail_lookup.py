"""A small local CloudTrail endpoint that answers ``LookupEvents`` (moto has none), speaking
its JSON 1.1 protocol: filters on one EventSource / EventName / EventId attribute and
StartTime/EndTime, newest first, pages of MaxResults (default 50) with NextToken, and
``ThrottlingException`` (HTTP 400) past 2 requests in any second, as CloudTrail limits
LookupEvents per account and region. Point the SDK at it with AWS_ENDPOINT_URL_CLOUDTRAIL.

    python -m devtools.cloudtrail_lookup --logs DIR [--port N]   # serve a tree of log files
"""

from __future__ import annotations

import argparse
import gzip
import json
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
LIMIT_PER_SECOND = 2
ATTRIBUTES = {"EventSource": "eventSource", "EventName": "eventName", "EventId": "eventID"}


def _epoch(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


class LookupService:
    """The events and the request log (``times``: when each request arrived; ``asked``: the
    lookup attribute values of each admitted request; ``throttled``)."""

    def __init__(self, records: Iterable[dict[str, Any]], limit: int = LIMIT_PER_SECOND) -> None:
        unique: dict[str, dict[str, Any]] = {}
        for record in records:  # LookupEvents holds each event once
            unique.setdefault(record["eventID"], record)
        self.records = sorted(unique.values(), key=lambda r: r["eventTime"], reverse=True)
        self.limit = limit
        self.times: list[float] = []
        self.asked: list[tuple[str, ...]] = []
        self.throttled = 0
        self.recent: deque[float] = deque()
        self.lock = threading.Lock()

    def admit(self) -> bool:
        with self.lock:
            now = time.monotonic()
            while self.recent and now - self.recent[0] >= 1.0:
                self.recent.popleft()
            if len(self.recent) >= self.limit:
                self.throttled += 1
                return False
            self.recent.append(now)
            self.times.append(now)
            return True

    def max_per_second(self) -> int:
        """The most admitted requests that started within any one second."""
        times = sorted(self.times)
        best = 0
        start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def lookup(self, body: dict[str, Any]) -> dict[str, Any]:
        start = float(body.get("StartTime", 0))
        end = float(body.get("EndTime", 1e12))
        wanted = [
            (ATTRIBUTES[a["AttributeKey"]], a["AttributeValue"])
            for a in body.get("LookupAttributes", [])
        ]
        with self.lock:
            self.asked.append(tuple(value for _, value in wanted))
        matches = [
            r
            for r in self.records
            if start <= _epoch(r["eventTime"]) <= end
            and all(r.get(field) == value for field, value in wanted)
        ]
        offset = int(body.get("NextToken") or 0)
        size = min(int(body.get("MaxResults") or 50), 50)
        page = matches[offset : offset + size]
        answer: dict[str, Any] = {"Events": [self._event(r) for r in page]}
        if offset + size < len(matches):
            answer["NextToken"] = str(offset + size)
        return answer

    def _event(self, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "EventId": record["eventID"],
            "EventName": record["eventName"],
            "ReadOnly": str(record.get("readOnly", "")).lower(),
            "EventTime": _epoch(record["eventTime"]),
            "EventSource": record["eventSource"],
            "Username": (record.get("userIdentity") or {}).get("userName", ""),
            "Resources": [],
            "CloudTrailEvent": json.dumps(record),
        }


def _handler(service: LookupService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
            if status >= 400:
                self.send_header("x-amzn-ErrorType", str(payload.get("__type", "")))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("X-Amz-Target") != TARGET:
                self._send(
                    400,
                    {
                        "__type": "UnknownOperationException",
                        "message": "only LookupEvents is served here",
                    },
                )
                return
            if not service.admit():
                self._send(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
                return
            self._send(200, service.lookup(json.loads(body or b"{}")))

    return Handler


@contextmanager
def lookup_server(
    records: Iterable[dict[str, Any]], limit: int = LIMIT_PER_SECOND
) -> Iterator[tuple[str, LookupService]]:
    """Serve ``records`` on a free loopback port; yields (url, service)."""
    service = LookupService(records, limit)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", service
    finally:
        server.shutdown()
        server.server_close()


def records_under(root: Path) -> Iterator[dict[str, Any]]:
    """Every record of the log files under ``root`` (digests skipped)."""
    for path in sorted(root.rglob("*.json*")):
        if "CloudTrail-Digest" in path.as_posix():
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            yield from json.load(handle).get("Records", [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logs", type=Path, required=True, help="a tree of CloudTrail log files")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    service = LookupService(records_under(args.logs))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), _handler(service))
    print(f"AWS_ENDPOINT_URL_CLOUDTRAIL=http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
