"""A minimal HTTP/1.1 client on sockets, for the lean AWS path: keep-alive connections,
Content-Length and chunked bodies, a connect timeout and a read timeout per request. (http.client
costs more to import than a container start can spare.)

A failure without an HTTP answer is a TransportError that says whether the request had been
sent in full: a request that was not sent was certainly not applied."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

from secretctl.aws.errors import (
    CLOSED,
    MALFORMED,
    REFUSED,
    UNCONNECTABLE,
    UNRESOLVED,
    UNTRUSTED,
    no_answer_within,
    no_connection_within,
)

MAX_HEADER_BYTES = 65536

_ssl_contexts: dict[str | None, object] = {}


class TransportError(OSError):
    """No (complete) HTTP answer. ``sent``: the whole request had been sent; ``timed_out``: a
    timeout ended the wait."""

    def __init__(self, reason: str, *, sent: bool, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sent = sent
        self.timed_out = timed_out


class HttpError(TransportError):
    """A malformed or cut-short answer."""

    def __init__(self, reason: str = MALFORMED) -> None:
        super().__init__(reason, sent=True)


def ssl_context(cafile: str | None) -> object:
    """A verifying TLS context trusting ``cafile`` (AWS_CA_BUNDLE), else certifi's bundle when
    installed (as botocore does), else the system's. Built once per process and bundle."""
    context = _ssl_contexts.get(cafile)
    if context is None:
        import ssl

        bundle = cafile
        if bundle is None:
            try:
                import certifi

                bundle = certifi.where()
            except ImportError:  # pragma: no cover - certifi ships with botocore
                pass
        try:
            context = ssl.create_default_context(cafile=bundle)
        except (OSError, ssl.SSLError) as err:
            from secretctl.errors import AwsError

            if isinstance(err, ssl.SSLError):
                reason = "not a PEM file of CA certificates"
            else:
                reason = err.strerror or type(err).__name__
            raise AwsError(f"AWS_CA_BUNDLE {cafile!r} cannot be used: {reason}") from None
        _ssl_contexts[cafile] = context
    return context


def _connect_reason(err: OSError) -> str:
    if isinstance(err, ConnectionRefusedError):
        return REFUSED
    if isinstance(err, socket.gaierror):
        return UNRESOLVED
    if type(err).__name__ == "SSLCertVerificationError":
        return UNTRUSTED
    return UNCONNECTABLE


class Connection:
    """One keep-alive connection to the host of ``url``; reconnects when the server closed it.
    HTTPS verifies against ``cafile`` (AWS_CA_BUNDLE) or the default bundle."""

    def __init__(self, url: str, cafile: str | None = None) -> None:
        parts = urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.https else 80)
        self.netloc = parts.netloc
        self.cafile = cafile
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._read_until_time = 0.0
        self._read_timeout = 0.0

    def _connect(self, timeout: float) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.https:
                context = ssl_context(self.cafile)
                sock = context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
        except TimeoutError:
            raise TransportError(
                no_connection_within(timeout), sent=False, timed_out=True
            ) from None
        except OSError as err:
            raise TransportError(_connect_reason(err), sent=False) from None
        return sock

    def _idle_closed(self) -> bool:
        """Whether the server closed (or wrote on) the idle kept-alive connection."""
        import select  # already loaded by socket

        assert self._sock is not None
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._buffer = b""

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes = b"",
        *,
        connect_timeout: float,
        read_timeout: float,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; (status, lower-cased headers, body). The answer must be complete
        within ``read_timeout`` seconds of the request being sent. Any failure closes the
        connection and raises TransportError."""
        if self._sock is not None and self._idle_closed():
            self.close()
        if self._sock is None:
            self._sock = self._connect(connect_timeout)
        try:
            return self._exchange(method, path, headers, body, read_timeout)
        except TransportError:
            self.close()
            raise
        except TimeoutError:
            self.close()
            raise TransportError(
                no_answer_within(read_timeout), sent=True, timed_out=True
            ) from None
        except OSError:
            self.close()
            raise TransportError(CLOSED, sent=True) from None
        except ValueError:  # a length that is not a number
            self.close()
            raise HttpError() from None

    def _exchange(
        self, method: str, path: str, headers: dict[str, str], body: bytes, read_timeout: float
    ) -> tuple[int, dict[str, str], bytes]:
        assert self._sock is not None
        lines = [f"{method} {path} HTTP/1.1"]
        if not any(k.lower() == "host" for k in headers):
            lines.append(f"Host: {self.netloc}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        self._sock.settimeout(read_timeout)
        try:
            self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        except OSError:  # the server cannot have read a whole request: nothing was applied
            self.close()
            raise TransportError(CLOSED, sent=False) from None
        self._read_until_time = time.monotonic() + read_timeout
        self._read_timeout = read_timeout
        head = self._read_until(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise HttpError()
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

    def _recv(self) -> bytes:
        """One read, within what is left of the answer's time."""
        assert self._sock is not None
        left = self._read_until_time - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self._sock.settimeout(left)
        return self._sock.recv(65536)

    def _fill(self) -> None:
        chunk = self._recv()
        if not chunk:
            raise TransportError(CLOSED, sent=True)
        self._buffer += chunk

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            if len(self._buffer) > MAX_HEADER_BYTES:
                raise HttpError()
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
        while True:
            chunk = self._recv()
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
    cafile: str | None = None,
) -> tuple[int, bytes]:
    """One request on a fresh connection: (status, body). Raises TransportError (an OSError)."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = Connection(url, cafile)
    try:
        status, _, data = conn.request(
            method,
            path,
            dict(headers or {}),
            body or b"",
            connect_timeout=timeout,
            read_timeout=timeout,
        )
        return status, data
    finally:
        conn.close()
