"""A credentials endpoint that accepts connections and never answers (the ECS task endpoint,
instance metadata, STS for web identity), over both AWS paths: the wait is bounded as the
SSM endpoint's is, the credentials are asked for once per command however many services
load at once, and ``--timeout`` bounds it too. Each connection the endpoint accepts is one
attempt, so the counts are exact and do not depend on the machine's speed."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.moto_server import MotoServer
from tests.secretctl.conftest import secretctl_path

BOUND_SECONDS = 60.0  # generous: about correctness, not speed
SERVICES = [f"svc{i}" for i in range(8)]  # loaded by 8 threads at once
ROLE = "arn:aws:iam::123456789012:role/task"


class HungEndpoint:
    """Accepts every connection (counting them) and never answers."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.accepted.append(conn)

    def connections(self) -> int:
        with self.lock:
            return len(self.accepted)

    def close(self) -> None:
        self.listener.close()
        with self.lock:
            for conn in self.accepted:
                conn.close()


@pytest.fixture
def hung() -> Iterator[HungEndpoint]:
    endpoint = HungEndpoint()
    yield endpoint
    endpoint.close()


def credential_env(moto: MotoServer, source: str, url: str, tmp_path: Path) -> dict[str, str]:
    """An environment whose only credential source is ``source`` at ``url``."""
    env = moto.client_env()
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    if source == "ecs":
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = url + "/v2/credentials/task"
    elif source == "imds":
        env["AWS_EC2_METADATA_DISABLED"] = "false"
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = url
    else:
        token = tmp_path / "token"
        token.write_text("a-web-identity-token")
        env.update(
            AWS_WEB_IDENTITY_TOKEN_FILE=str(token), AWS_ROLE_ARN=ROLE, AWS_ENDPOINT_URL_STS=url
        )
    return env


def run(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.monotonic()
    done = subprocess.run(
        [secretctl_path(), *args], env=env, capture_output=True, text=True, timeout=900
    )
    return time.monotonic() - start, done


# the attempts each source gets on each path (botocore's own for ECS and IMDS; for STS, the
# lean path sends one request with a 5 s timeout, boto3 secretctl's connection retries)
ATTEMPTS = {
    ("ecs", "lean"): 3,
    ("ecs", "boto3"): 3,
    ("imds", "lean"): 1,
    ("imds", "boto3"): 4,  # botocore: the token, then the role without one, each tried twice
    ("sts", "lean"): 1,
    ("sts", "boto3"): 3,
}
MESSAGES = {
    "ecs": "cannot get credentials from the ECS task credentials endpoint: ",
    "imds": "no AWS credentials found",
    "sts": "cannot reach STS for AssumeRoleWithWebIdentity: ",
}


@pytest.mark.parametrize("backend", ["lean", "boto3"])
@pytest.mark.parametrize("source", ["ecs", "imds", "sts"])
def test_a_hung_credentials_endpoint_is_asked_once_per_command(
    moto: MotoServer, hung: HungEndpoint, tmp_path: Path, source: str, backend: str
) -> None:
    """Before: each service's thread asked again in turn (8 services: 8 x 6.6 s against a hung
    ECS endpoint), and boto3's STS client waited 5 x 60 s."""
    env = credential_env(moto, source, hung.url, tmp_path)
    env["SECRETCTL_READ_TIMEOUT"] = "2"  # STS is bounded by secretctl's waits
    if backend == "boto3":
        env["SECRETCTL_LEAN"] = "0"
    seconds, done = run(["exec", *SERVICES, "--", "true"], env)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("secretctl: error: "), done.stderr
    assert MESSAGES[source] in lines[0], lines[0]
    assert hung.connections() == ATTEMPTS[(source, backend)]
    assert seconds < BOUND_SECONDS


@pytest.mark.parametrize("backend", ["lean", "boto3"])
@pytest.mark.parametrize("source", ["ecs", "sts"])
def test_timeout_bounds_getting_credentials(
    moto: MotoServer, hung: HungEndpoint, tmp_path: Path, source: str, backend: str
) -> None:
    env = credential_env(moto, source, hung.url, tmp_path)
    if backend == "boto3":
        env["SECRETCTL_LEAN"] = "0"
    seconds, done = run(["--timeout", "1.5", "read", "-q", "svc", "k"], env)
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("secretctl: error: ")
    assert "credentials" in done.stderr or "STS" in done.stderr, done.stderr
    assert done.stderr.endswith("did not answer within the command's --timeout of 1.5 s\n")
    assert seconds < BOUND_SECONDS
