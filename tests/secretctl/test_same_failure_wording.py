"""The lean AWS path and boto3 word every failure the same way: the same command against the
same failing endpoint prints the same line and exits with the same status on both."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.secretctl.conftest import Run

# (HTTP status, body) answered to every request
ANSWERS: dict[str, tuple[int, object]] = {
    "server error": (500, {"__type": "InternalServerError", "message": "internal"}),
    "unavailable, no error code": (503, "<html>Service Unavailable</html>"),
    "throttled": (400, {"__type": "ThrottlingException", "message": "Rate exceeded"}),
    "access denied": (400, {"__type": "AccessDeniedException", "message": "not authorized"}),
    "kms disabled": (400, {"__type": "KMSDisabledException", "message": "disabled"}),
    "bad token": (400, {"__type": "UnrecognizedClientException", "message": "invalid token"}),
    "invalid request": (400, {"__type": "ValidationException", "message": "bad"}),
    "not found": (400, {"__type": "ParameterNotFound", "message": ""}),
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[str, dict[str, str]]]:
    """A local endpoint answering every request with ``ANSWERS[answer["name"]]``."""
    answer = {"name": "server error"}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, body = ANSWERS[answer["name"]]
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", answer
    server.shutdown()
    server.server_close()


def both_paths(run: Run, *args: str, env: dict[str, str]) -> list[tuple[int, str]]:
    return [
        (r.returncode, r.stderr)
        for r in (run(*args, env_extra=dict(env, SECRETCTL_LEAN=lean)) for lean in ("1", "0"))
    ]


@pytest.mark.parametrize("name", sorted(ANSWERS))
@pytest.mark.parametrize(
    "command", [["read", "-q", "svc", "k"], ["exec", "svc", "--", "true"], ["write", "s", "k", "v"]]
)
def test_an_answer_is_worded_alike(
    run: Run, endpoint: tuple[str, dict[str, str]], name: str, command: list[str]
) -> None:
    url, answer = endpoint
    answer["name"] = name
    lean, boto3 = both_paths(run, "--retries", "0", *command, env={"AWS_ENDPOINT_URL": url})
    assert lean == boto3
    if name != "not found" or command[0] == "read":  # elsewhere "not found" means empty
        assert lean[0] != 0 and lean[1].startswith("secretctl: error: ")
    assert len(lean[1].strip().splitlines()) == 1


def test_an_unreachable_endpoint_is_worded_alike(run: Run) -> None:
    refused = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    lean, boto3 = both_paths(run, "--retries", "0", "read", "-q", "svc", "k", env=refused)
    expected = (
        "ssm:GetParameter on /svc/k: the SSM endpoint 127.0.0.1:9 refused the connection "
        "(1 attempt)"
    )
    assert lean == boto3 == (1, f"secretctl: error: {expected}\n")


def test_a_tls_failure_is_worded_alike(run: Run, endpoint: tuple[str, dict[str, str]]) -> None:
    """https:// to an endpoint that does not speak TLS is no certificate problem."""
    url = endpoint[0].replace("http://", "https://")
    lean, boto3 = both_paths(
        run,
        "--retries",
        "0",
        "read",
        "-q",
        "svc",
        "k",
        env={"AWS_ENDPOINT_URL": url, "AWS_CA_BUNDLE": ""},
    )
    host = url.removeprefix("https://")
    expected = f"ssm:GetParameter on /svc/k: the SSM endpoint {host} cannot be connected to"
    assert lean == boto3 == (1, f"secretctl: error: {expected} (1 attempt)\n")


@pytest.mark.parametrize("bundle", ["missing", "garbage", "directory"])
def test_an_unusable_ca_bundle_is_worded_alike(
    run: Run, endpoint: tuple[str, dict[str, str]], tmp_path: Path, bundle: str
) -> None:
    path = tmp_path / "ca.pem"
    if bundle == "garbage":
        path.write_text("not a certificate\n")
    elif bundle == "directory":
        path.mkdir()
    url = endpoint[0].replace("http://", "https://")
    env = {"AWS_ENDPOINT_URL": url, "AWS_CA_BUNDLE": str(path)}
    lean, boto3 = both_paths(run, "--retries", "0", "read", "-q", "svc", "k", env=env)
    assert lean == boto3
    assert lean[0] == 1
    assert lean[1].startswith(f"secretctl: error: AWS_CA_BUNDLE '{path}' cannot be used: ")
    assert lean[1].count("\n") == 1
