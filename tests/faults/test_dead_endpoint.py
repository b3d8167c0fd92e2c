"""Every command against a dead endpoint, with the default waits, over both AWS paths: a port
that accepts connections and never answers, and a port that refuses them. Each ends with the
same one-line message on both paths, within a bound (generous: before the fix a hung endpoint
cost 337 s on the lean path and 700 s over boto3; the defaults now give about 19 s: see
README, Reliability). ``--timeout`` ends a command sooner, on both paths."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devtools.moto_server import MotoServer
from tests.secretctl.conftest import secretctl_path

BOUND_SECONDS = 90.0
COMMANDS = {
    "write": ["write", "svc", "k", "v"],
    "read": ["read", "svc", "k"],
    "read -q": ["read", "-q", "svc", "k"],
    "read --version": ["read", "--version", "1", "svc", "k"],
    "delete": ["delete", "svc", "k"],
    "list": ["list", "svc"],
    "list-services": ["list-services"],
    "history": ["history", "svc", "k"],
    "exec": ["exec", "svc", "--", "true"],
    "env": ["env", "svc"],
    "export": ["export", "svc"],
    "import": ["import", "svc", "IMPORT_FILE"],
    "find": ["find", "k"],
    "find --by-value": ["find", "--by-value", "v"],
    "rollback": ["rollback", "svc", "k", "--previous"],
    "delete --all": ["delete", "svc", "--all", "--yes"],
    "diff": ["diff", "svc", "other"],
    "copy": ["copy", "svc", "other"],
}
STATUS = {"diff": 2}  # diff's status for any error (1 means "they differ"); 1 for the others
REASONS = {"hung": "did not answer within 6 s", "refused": "refused the connection"}
SENT = "; the request was sent, so it may or may not have been applied"


@pytest.fixture(scope="module")
def endpoints() -> Iterator[dict[str, str]]:
    """A port that accepts and never answers (listening, never accepting) and a closed one."""
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(256)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    yield {
        "hung": f"http://127.0.0.1:{hung.getsockname()[1]}",
        "refused": f"http://127.0.0.1:{refused_port}",
    }
    hung.close()


def run(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.monotonic()
    done = subprocess.run(
        [secretctl_path(), *args], env=env, capture_output=True, text=True, timeout=600
    )
    return time.monotonic() - start, done


def test_every_command_is_bounded_with_one_message(
    moto: MotoServer, endpoints: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "import.json"
    source.write_text(json.dumps({"a": "1"}))
    jobs = []
    for kind, url in endpoints.items():
        for backend in ("lean", "boto3"):
            env = dict(moto.client_env(), AWS_ENDPOINT_URL=url)
            if backend == "boto3":
                env["SECRETCTL_LEAN"] = "0"
            for name, args in COMMANDS.items():
                args = [str(source) if a == "IMPORT_FILE" else a for a in args]
                jobs.append(((kind, backend, name), args, env))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {key: pool.submit(run, args, env) for key, args, env in jobs}
    results = {key: future.result() for key, future in futures.items()}
    for (kind, backend, name), (seconds, done) in results.items():
        lines = done.stderr.splitlines()
        assert done.returncode == STATUS.get(name, 1), (kind, backend, name, done.stderr)
        assert len(lines) == 1 and lines[0].startswith("secretctl: error: ssm:"), done.stderr
        # a delete is never resent once sent (it may have been applied); reads and the write's
        # first request (DescribeParameters) are tried three times
        tail = " (1 attempt)" + SENT if (kind, name) == ("hung", "delete") else " (3 attempts)"
        assert lines[0].endswith(REASONS[kind] + tail), (kind, backend, name, lines)
        assert seconds < BOUND_SECONDS, (kind, backend, name, seconds)
    for kind in endpoints:
        for name in COMMANDS:  # word for word, whichever client failed
            lean = results[(kind, "lean", name)][1].stderr
            assert lean == results[(kind, "boto3", name)][1].stderr, (kind, name)


@pytest.mark.parametrize("backend", ["lean", "boto3"])
def test_timeout_bounds_the_whole_command(
    moto: MotoServer, endpoints: dict[str, str], backend: str
) -> None:
    env = dict(moto.client_env(), AWS_ENDPOINT_URL=endpoints["hung"])
    if backend == "boto3":
        env["SECRETCTL_LEAN"] = "0"
    by_option = run(["--timeout", "1.5", "exec", "svc", "--", "true"], env)
    by_variable = run(["list", "svc"], dict(env, SECRETCTL_TIMEOUT="1.5"))
    for seconds, done in (by_option, by_variable):
        assert done.returncode == 1
        assert done.stderr.count("\n") == 1
        assert "did not answer within the command's --timeout of 1.5 s" in done.stderr
        assert seconds < BOUND_SECONDS


def test_bad_timeouts_name_what_was_wrong(moto: MotoServer) -> None:
    env = moto.client_env()
    for args, extra, named in [
        (["--timeout", "0", "list", "svc"], {}, "--timeout"),
        (["--timeout", "soon", "exec", "svc", "--", "true"], {}, "--timeout"),
        (["list", "svc"], {"SECRETCTL_TIMEOUT": "-1"}, "SECRETCTL_TIMEOUT"),
        (["list", "svc"], {"SECRETCTL_READ_TIMEOUT": "x"}, "SECRETCTL_READ_TIMEOUT"),
        (["exec", "svc", "--", "true"], {"SECRETCTL_CONNECT_TIMEOUT": "0"}, "CONNECT_TIMEOUT"),
    ]:
        _, done = run(args, dict(env, **extra))
        assert done.returncode == 2, (args, extra, done.stderr)
        assert named in done.stderr and "number of seconds greater than 0" in done.stderr


def test_timeout_is_worded_alike_on_both_paths(moto: MotoServer, endpoints: dict[str, str]) -> None:
    """The lean path added "(1 attempt)" where boto3's line ended at the --timeout."""
    env = dict(moto.client_env(), AWS_ENDPOINT_URL=endpoints["hung"])
    for args in (["--timeout", "1.5", "read", "-q", "svc", "k"], ["--timeout", "1", "list", "s"]):
        lean = run(args, env)[1]
        boto3 = run(args, dict(env, SECRETCTL_LEAN="0"))[1]
        assert (lean.returncode, lean.stderr) == (boto3.returncode, boto3.stderr)
        assert lean.stderr.endswith(
            f"did not answer within the command's --timeout of {args[1]} s\n"
        )


@pytest.fixture
def trickling() -> Iterator[str]:
    """An endpoint that answers 200 with a 1000-byte body and sends one byte of it every
    half second: each read gets something, the answer never completes."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
                    b"Content-Length: 1000\r\n\r\n"
                )
                while not stop.wait(0.5):
                    conn.sendall(b" ")
            except OSError:
                pass

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()


def test_an_answer_that_never_completes_is_bounded_on_both_paths(
    moto: MotoServer, trickling: str
) -> None:
    """botocore's read timeout bounds each socket read, not the answer: a byte every half
    second held a boto3 command for ever. Each attempt gets a complete answer within the
    read timeout on both paths."""
    env = dict(moto.client_env(), AWS_ENDPOINT_URL=trickling, SECRETCTL_READ_TIMEOUT="2")
    results = {}
    for backend in ("lean", "boto3"):
        backend_env = dict(env, SECRETCTL_LEAN="0") if backend == "boto3" else env
        start = time.monotonic()
        try:
            done = subprocess.run(
                [secretctl_path(), "read", "-q", "svc", "k"],
                env=backend_env,
                capture_output=True,
                text=True,
                timeout=BOUND_SECONDS,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{backend}: still waiting after {BOUND_SECONDS} s")
        results[backend] = (done.returncode, done.stderr)
        assert time.monotonic() - start < BOUND_SECONDS
    host = trickling.removeprefix("http://")
    expected = f"ssm:GetParameter on /svc/k: the SSM endpoint {host} did not answer within 2 s"
    assert (
        results["lean"]
        == results["boto3"]
        == (
            1,
            f"secretctl: error: {expected} (3 attempts)\n",
        )
    )
