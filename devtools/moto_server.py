"""Start and stop a local moto server: real HTTP on loopback, as users reach AWS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

REGION = "us-east-1"


@dataclass(frozen=True)
class MotoServer:
    url: str
    process: subprocess.Popen[bytes]

    def reset(self) -> None:
        """Forget every resource (moto's own reset endpoint)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).read()

    def client_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """An environment that points the AWS SDK at this server with dummy credentials and
        nothing from the user's own AWS configuration."""
        env = dict(os.environ if base is None else base)
        for name in list(env):
            if name.startswith(("AWS_", "SECRETCTL_", "CHAMBER_")):
                del env[name]
        env.update(
            AWS_ENDPOINT_URL=self.url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
        )
        return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=2).read()
            return True
        except OSError:
            time.sleep(0.05)
    return False


@contextmanager
def moto_server(host: str = "127.0.0.1", timeout: float = 30.0) -> Iterator[MotoServer]:
    """A moto server on a free port of ``host``, stopped (and waited for) on exit."""
    for _ in range(3):  # the free port can be taken between probe and bind: try another
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://{host}:{port}"
        if _wait_ready(url, process, timeout):
            break
        process.kill()
        process.wait()
    else:
        raise RuntimeError("moto server did not start; is moto[server] installed?")
    try:
        yield MotoServer(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
