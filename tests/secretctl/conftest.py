"""Run the installed ``secretctl`` entry point in a subprocess against the moto server."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devtools.moto_server import MotoServer
from devtools.proxy import CountingProxy, counting_proxy

Run = Callable[..., subprocess.CompletedProcess[str]]


def secretctl_path() -> str:
    path = shutil.which("secretctl")
    if path is None:
        pytest.fail("the secretctl entry point is not installed: run `pip install -e '.[test]'`")
    return path


@pytest.fixture
def run(aws_env: dict[str, str]) -> Run:
    """``run("read", "svc", "key", input=..., env_extra=...)`` -> CompletedProcess (text)."""
    exe = secretctl_path()

    def _run(
        *args: str,
        input: str | bytes | None = None,  # noqa: A002
        env_extra: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[Any]:
        full_env = dict(env if env is not None else aws_env)
        full_env.update(env_extra or {})
        return subprocess.run(
            [exe, *args],
            input=input,
            env=full_env,
            capture_output=True,
            text=not isinstance(input, bytes),
            timeout=timeout,
        )

    return _run


@pytest.fixture
def proxy(moto: MotoServer, aws_env: dict[str, str]) -> Iterator[CountingProxy]:
    """A counting proxy in front of the (reset) moto server."""
    with counting_proxy(moto.url) as p:
        yield p


@pytest.fixture
def ssm(aws_env: dict[str, str]) -> Any:
    """A boto3 SSM client on the moto server, to arrange and inspect state directly."""
    import boto3

    return boto3.client(
        "ssm",
        endpoint_url=aws_env["AWS_ENDPOINT_URL"],
        region_name=aws_env["AWS_DEFAULT_REGION"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(params=["lean", "boto3"])
def both_backends(request: pytest.FixtureRequest, aws_env: dict[str, str]) -> str:
    """Run a test once over the lean AWS path and once over boto3 (SECRETCTL_LEAN=0)."""
    if request.param == "boto3":
        aws_env["SECRETCTL_LEAN"] = "0"
    return str(request.param)


@pytest.fixture
def via(run: Run, proxy: CountingProxy) -> Run:
    """``run`` through the counting proxy (its counts reset first), unless ``env_extra`` names
    another AWS_ENDPOINT_URL."""

    def _run(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[Any]:
        proxy.reset_counts()
        kwargs.setdefault("env_extra", {}).setdefault("AWS_ENDPOINT_URL", proxy.url)
        return run(*args, **kwargs)

    return _run
