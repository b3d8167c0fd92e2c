"""A minimal HTTP/1.1 client on sockets, for the lean AWS path: keep-alive connections,
Content-Length and chunked bodies. (http.client costs more to import than a container start
can spare.)"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

MAX_HEADER_BYTES = 65536


class HttpError(OSError):
    """A malformed or cut-short response."""


class Connection:
    """One keep-alive connection to the host of ``url``; reconnects when the server closed it.
    HTTPS uses certifi's CA bundle when installed (as botocore does), else the system's."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.https else 80)
        self.netloc = parts.netloc
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.https:
            import ssl

            try:
                import certifi

                context = ssl.create_default_context(cafile=certifi.where())
            except ImportError:  # pragma: no cover - certifi ships with botocore
                context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=self.host)
        return sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._buffer = b""

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; (status, lower-cased headers, body). Retries once on a
        connection the server had already closed."""
        for reused in (self._sock is not None, False):
            if self._sock is None:
                self._sock = self._connect()
            try:
                return self._exchange(method, path, headers, body)
            except (ConnectionError, HttpError):
                self.close()
                if not reused:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        assert self._sock is not None
        lines = [f"{method} {path} HTTP/1.1"]
        if not any(k.lower() == "host" for k in headers):
            lines.append(f"Host: {self.netloc}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = self._read_until(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise HttpError(f"malformed HTTP status line from {self.netloc}")
        response_headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            response_headers[name.strip().lower()] = value.strip()
        status = int(parts[1])
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            data = b""
        elif "chunked" in response_headers.get("transfer-encoding", "").lower():
            data = self._read_chunked()
        elif "content-length" in response_headers:
            data = self._read_exactly(int(response_headers["content-length"]))
        else:
            data = self._read_to_close()
        if response_headers.get("connection", "").lower() == "close" or parts[0] == "HTTP/1.0":
            self.close()
        return status, response_headers, data

    def _fill(self) -> None:
        assert self._sock is not None
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionResetError(f"{self.netloc} closed the connection")
        self._buffer += chunk

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            if len(self._buffer) > MAX_HEADER_BYTES:
                raise HttpError(f"response headers from {self.netloc} are too large")
            self._fill()
        head, _, self._buffer = self._buffer.partition(marker)
        return head

    def _read_exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _read_chunked(self) -> bytes:
        data = b""
        while True:
            size = int(self._read_until(b"\r\n").split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self._read_until(b"\r\n"):  # trailers end with an empty line
                    pass
                return data
            data += self._read_exactly(size)
            self._read_exactly(2)

    def _read_to_close(self) -> bytes:
        assert self._sock is not None
        while True:
            chunk = self._sock.recv(65536)
            if not chunk:
                data, self._buffer = self._buffer, b""
                self.close()
                return data
            self._buffer += chunk


def request(
    method: str,
    url: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 2.0,
) -> tuple[int, bytes]:
    """One request on a fresh connection: (status, body)."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = Connection(url, timeout)
    try:
        status, _, data = conn.request(method, path, dict(headers or {}), body or b"")
        return status, data
    finally:
        conn.close()
