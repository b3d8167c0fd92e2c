"""AWS access through the standard chains: ECS task credentials from a local endpoint, and
throttling that outlasts the retries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devtools.moto_server import MotoServer
from devtools.proxy import ProxySettings, counting_proxy
from tests.secretctl.conftest import Run

pytestmark = pytest.mark.usefixtures("both_backends")

TOKEN = "task-auth-token"


class CredentialsEndpoint:
    """Serves temporary credentials as the ECS agent does; records the requests it got."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str | None]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def do_GET(self) -> None:  # noqa: N802
                endpoint.requests.append((self.path, self.headers.get("Authorization")))
                expiry = datetime.now(timezone.utc) + timedelta(hours=1)
                body = json.dumps(
                    {
                        "AccessKeyId": "ASIATASKROLE",
                        "SecretAccessKey": "task-secret",
                        "Token": "task-session-token",
                        "Expiration": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "RoleArn": "arn:aws:iam::123456789012:role/svc-api-role",
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v2/credentials/task-1"


@pytest.fixture
def credentials_endpoint() -> Iterator[CredentialsEndpoint]:
    endpoint = CredentialsEndpoint()
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def test_container_credentials_endpoint(
    run: Run, ssm: Any, aws_env: dict[str, str], credentials_endpoint: CredentialsEndpoint
) -> None:
    ssm.put_parameter(Name="/api/db_url", Value="postgres://task", Type="SecureString")
    env = {
        k: v for k, v in aws_env.items() if k not in {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    }
    env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = credentials_endpoint.url
    env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = TOKEN
    result = run("exec", "api", "--", "printenv", "DB_URL", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "postgres://task\n"
    assert credentials_endpoint.requests == [("/v2/credentials/task-1", TOKEN)]


def test_without_any_credentials(run: Run, aws_env: dict[str, str]) -> None:
    env = {
        k: v for k, v in aws_env.items() if k not in {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    }
    result = run("read", "-q", "api", "k", env=env)
    assert result.returncode == 1
    assert "no AWS credentials found" in result.stderr


def test_throttling_after_retries_is_reported(run: Run, moto: MotoServer) -> None:
    settings = ProxySettings(rate_limits={"GetParameter": 0.001})
    with counting_proxy(moto.url, settings) as proxy:
        proxy.buckets["GetParameter"].tokens = 0  # no burst: every request is throttled
        result = run(
            "--retries", "2", "read", "-q", "api", "k", env_extra={"AWS_ENDPOINT_URL": proxy.url}
        )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "secretctl: error: AWS throttled ssm:GetParameter on /api/k after 3 attempts; "
        "try again later or raise --retries / SECRETCTL_RETRIES"
    )
    assert proxy.throttled["GetParameter"] == 3  # the first attempt and two retries


def test_region_from_aws_region_alone(run: Run, ssm: Any, aws_env: dict[str, str]) -> None:
    """AWS_REGION is honoured on both paths (botocore itself reads only AWS_DEFAULT_REGION)."""
    ssm.put_parameter(Name="/api/k", Value="v", Type="SecureString")
    env = {k: v for k, v in aws_env.items() if k != "AWS_DEFAULT_REGION"}
    for args in (["read", "-q", "api", "k"], ["list", "api"]):
        result = run(*args, env=env)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:notaport/creds", "its port is not a number up to 65535"),
        ("ftp://127.0.0.1/creds", "use http:// or https:// and a host"),
        ("creds", "use http:// or https:// and a host"),
        (
            "http://10.0.0.1/creds",
            "over http, only a loopback or ECS address (got host '10.0.0.1')",
        ),
    ],
)
def test_an_unusable_container_credentials_url_is_named(
    run: Run, aws_env: dict[str, str], url: str, problem: str
) -> None:
    """The same line on both paths (it was an unexpected ValueError, on one path or the other)."""
    env = {
        k: v for k, v in aws_env.items() if k not in {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    }
    env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = url
    result = run("read", "-q", "api", "k", env=env)
    assert result.returncode == 1
    assert result.stderr == (
        f"secretctl: error: AWS_CONTAINER_CREDENTIALS_FULL_URI {url!r} cannot be used: {problem}\n"
    )


@pytest.mark.parametrize("url", ["http://127.0.0.1:x", "notaurl"])
def test_an_unusable_metadata_endpoint_is_named(
    run: Run, aws_env: dict[str, str], url: str
) -> None:
    """Only when instance metadata is asked (the last source): one line, both paths (it was
    an unexpected ValueError on the lean path, botocore's class name over boto3)."""
    env = {
        k: v for k, v in aws_env.items() if k not in {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    }
    env.update(AWS_EC2_METADATA_DISABLED="false", AWS_EC2_METADATA_SERVICE_ENDPOINT=url)
    result = run("read", "-q", "api", "k", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"secretctl: error: AWS_EC2_METADATA_SERVICE_ENDPOINT {url!r} cannot be used: "
    )
    assert result.stderr.count("\n") == 1
