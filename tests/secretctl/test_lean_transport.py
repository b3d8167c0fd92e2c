"""The waits and the retry policy shared by both AWS paths, and the lean HTTP client's account
of a failure: whether the request was sent (a write that was sent may have been applied)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from secretctl.aws.errors import CLOSED, REFUSED, UNTRUSTED
from secretctl.aws.http import Connection, TransportError
from secretctl.aws.retries import retry_connection
from secretctl.aws.timeouts import CONNECT_SECONDS, READ_SECONDS, Timeouts, parse_seconds
from secretctl.errors import AwsError, EndpointFailure, UsageError
from secretctl.importing import STOP_AFTER_FAILURES, ImportIncomplete, import_secrets
from secretctl.store.base import Current

# --- timeouts and retry policy ---------------------------------------------------------------


@pytest.mark.parametrize("text,seconds", [("2", 2.0), ("1.5", 1.5), (".5", 0.5), (" 10 ", 10.0)])
def test_seconds(text: str, seconds: float) -> None:
    assert parse_seconds(text, "--timeout") == seconds


@pytest.mark.parametrize("text", ["0", "-1", "", "nan", "inf", "1e3", "soon", "1,5"])
def test_bad_seconds_name_the_option(text: str) -> None:
    with pytest.raises(UsageError, match="SECRETCTL_TIMEOUT must be a number of seconds"):
        parse_seconds(text, "SECRETCTL_TIMEOUT")


def test_timeouts_from_the_environment() -> None:
    default = Timeouts.from_environ({})
    assert (default.connect, default.read, default.deadline) == (
        CONNECT_SECONDS,
        READ_SECONDS,
        None,
    )
    assert default.allows(1e9)
    tuned = Timeouts.from_environ(
        {"SECRETCTL_CONNECT_TIMEOUT": "1", "SECRETCTL_READ_TIMEOUT": "2", "SECRETCTL_TIMEOUT": "9"}
    )
    assert (tuned.connect, tuned.read, tuned.total) == (1.0, 2.0, 9.0)
    assert (
        Timeouts.from_environ({"SECRETCTL_TIMEOUT": "9"}, total=3.0).total == 3.0
    )  # the option wins
    remaining = tuned.remaining()
    assert remaining is not None and 8.0 < remaining <= 9.0
    assert tuned.allows(1.0) and not tuned.allows(10.0)


def test_retry_policy() -> None:
    read, write = "GetParametersByPath", "PutParameter"
    assert [retry_connection(read, REFUSED, False, n, 10) for n in (1, 2, 3)] == [True, True, False]
    assert not retry_connection(read, REFUSED, False, 1, 0)  # --retries 0
    assert retry_connection(read, CLOSED, True, 1, 10)  # a read may be sent again
    assert retry_connection(write, REFUSED, False, 1, 10)  # never sent: safe to send
    assert not retry_connection(write, CLOSED, True, 1, 10)  # sent: it may have been applied
    assert not retry_connection("DeleteParameter", CLOSED, True, 1, 10)
    assert not retry_connection(read, UNTRUSTED, False, 1, 10)


# --- the lean HTTP client ----------------------------------------------------------------------


class _RawServer:
    """A loopback server that runs ``serve(connection)`` for each connection it accepts."""

    def __init__(self, serve) -> None:  # type: ignore[no-untyped-def]
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = 0
        threading.Thread(target=self._loop, args=(serve,), daemon=True).start()

    def _loop(self, serve) -> None:  # type: ignore[no-untyped-def]
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=serve, args=(conn,), daemon=True).start()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    return data


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@pytest.fixture
def closes_when_idle() -> Iterator[_RawServer]:
    """Answers one request per connection, keeps it open a moment, then closes it."""

    def serve(conn: socket.socket) -> None:
        if _read_request(conn):
            conn.sendall(OK)
            time.sleep(0.1)
        conn.close()

    server = _RawServer(serve)
    yield server
    server.sock.close()


def post(conn: Connection, timeout: float = 2.0) -> tuple[int, dict[str, str], bytes]:
    return conn.request("POST", "/", {}, b"x", connect_timeout=timeout, read_timeout=timeout)


def test_an_idle_connection_the_server_closed_is_replaced_before_sending(
    closes_when_idle: _RawServer,
) -> None:
    conn = Connection(closes_when_idle.url)
    assert post(conn)[2] == b"ok"
    time.sleep(0.4)  # the server closed the kept-alive connection meanwhile
    assert post(conn)[2] == b"ok"  # not an error: nothing was sent on the dead connection
    assert closes_when_idle.accepted == 2


def test_failures_say_whether_the_request_was_sent() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(TransportError) as refused:
        post(Connection(f"http://127.0.0.1:{port}"))
    assert (refused.value.reason, refused.value.sent) == (REFUSED, False)

    def silent(conn: socket.socket) -> None:
        _read_request(conn)
        time.sleep(5)

    def cut(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
        conn.close()

    for serve, reason, timed_out in [
        (silent, "did not answer within 0.5 s", True),
        (cut, CLOSED, False),
    ]:
        server = _RawServer(serve)
        start = time.monotonic()
        with pytest.raises(TransportError) as caught:
            post(Connection(server.url), timeout=0.5)
        assert (caught.value.reason, caught.value.sent, caught.value.timed_out) == (
            reason,
            True,
            timed_out,
        )
        assert time.monotonic() - start < 4.5  # the read timeout ended the wait
        server.sock.close()


# --- import counts -----------------------------------------------------------------------------


class _Store:
    """A store whose writes fail with ``error`` from the ``fail_from``-th on."""

    def __init__(self, error: Exception, fail_from: int) -> None:
        self.error, self.fail_from, self.writes = error, fail_from, 0
        self.lock = threading.Lock()

    def read_service(self, service: str) -> dict[str, str]:
        return {}

    def read_value(self, name: str) -> str | None:
        return None  # no store config: no required tags

    def current_versions(self, names: list[str]) -> dict[str, Current]:
        return {}

    def write(
        self, name: str, value: str, version: int, tier: str | None, tags: object = None
    ) -> int:
        with self.lock:
            self.writes += 1
            number = self.writes
        if number >= self.fail_from:
            raise self.error
        return 1


ENTRIES = {f"k{i:02d}": "v" for i in range(40)}


def test_import_stops_once_the_endpoint_is_down() -> None:
    store = _Store(EndpointFailure("no answer", maybe_applied=True), fail_from=11)
    with pytest.raises(ImportIncomplete) as caught:
        import_secrets(store, "svc", ENTRIES)  # type: ignore[arg-type]
    unknown = store.writes - 10
    assert STOP_AFTER_FAILURES <= unknown < STOP_AFTER_FAILURES + 4  # at most 4 in flight
    assert str(caught.value).startswith(
        f"import incomplete: 10 written, 0 unchanged, {unknown} unknown (sent, no answer: may be "
        f"stored), 0 failed, {30 - unknown} not attempted (stopped: the endpoint failed 4 writes "
        "in a row); first error: no answer"
    )


def test_import_goes_on_past_errors_aws_answered() -> None:
    store = _Store(AwsError("access denied: ssm:PutParameter on /svc/k"), fail_from=11)
    with pytest.raises(ImportIncomplete, match="10 written, 0 unchanged, 0 unknown .* 30 failed;"):
        import_secrets(store, "svc", ENTRIES)  # type: ignore[arg-type]
    assert store.writes == 40  # an answer means the endpoint is up: every key was tried


def test_the_aws_layer_imports_nothing_above_it() -> None:
    """aws/ (both clients' transport, errors, waits) sits below store/: imports run one way."""
    import ast
    from pathlib import Path

    import secretctl.aws

    allowed = ("secretctl.aws", "secretctl.errors")
    for path in Path(secretctl.aws.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("secretctl."):
                assert str(node.module).startswith(allowed), (path.name, node.module)


def test_past_the_deadline_boto3_sends_no_new_request() -> None:
    """On the boto3 path a call runs in a thread the deadline abandons; a call made once the
    deadline has passed is not started at all (an import's writes after --timeout were still
    sent, and applied), so it was not sent: not "may have been applied"."""
    from secretctl.aws.errors import EndpointUnreachable
    from secretctl.store.boto3_client import _DeadlineClient

    started: list[str] = []

    class Client:
        class meta:  # noqa: N801 - boto3's attribute
            endpoint_url = "http://127.0.0.1:9"

        def put_parameter(self, **params: object) -> dict[str, object]:
            started.append(str(params["Name"]))
            return {"Version": 1}

    timeouts = Timeouts(total=0.01)
    time.sleep(0.05)
    with pytest.raises(EndpointUnreachable) as caught:
        _DeadlineClient(Client(), timeouts).put_parameter(Name="/svc/k", Value="v")
    time.sleep(0.05)
    assert started == []
    assert caught.value.sent is False
