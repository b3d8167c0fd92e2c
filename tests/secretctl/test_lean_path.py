"""The lean AWS path: when it serves, that it signs exactly as botocore does, speaks HTTP
correctly, and gets credentials from every source that matters in a container."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from secretctl.aws.credentials import Credentials, resolve_credentials
from secretctl.aws.http import Connection, request
from secretctl.aws.retries import THROTTLE_BASE_SECONDS, THROTTLE_CAP_SECONDS, backoff_delay
from secretctl.aws.settings import lean_settings
from secretctl.aws.sigv4 import sign
from secretctl.errors import AwsError

BASE_ENV = {
    "AWS_REGION": "eu-west-1",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
}


# --- when the lean path serves ---------------------------------------------------------------


def test_serves_a_container_environment() -> None:
    settings = lean_settings(BASE_ENV)
    assert settings is not None
    assert settings.ssm_endpoint == "https://ssm.eu-west-1.amazonaws.com"
    assert settings.sts_endpoint == "https://sts.eu-west-1.amazonaws.com"
    custom = lean_settings(dict(BASE_ENV, AWS_ENDPOINT_URL="http://127.0.0.1:5000"))
    assert custom is not None and custom.ssm_endpoint == "http://127.0.0.1:5000"
    ssm_only = lean_settings(dict(BASE_ENV, AWS_ENDPOINT_URL_SSM="http://ssm.local"))
    assert ssm_only is not None and ssm_only.sts_endpoint.startswith("https://sts.")
    bundle = lean_settings(dict(BASE_ENV, AWS_CA_BUNDLE="/etc/corp-ca.pem"))
    assert bundle is not None and bundle.ca_bundle == "/etc/corp-ca.pem"


@pytest.mark.parametrize(
    "extra",
    [
        {"AWS_PROFILE": "dev"},
        {"AWS_DEFAULT_PROFILE": "dev"},
        {"AWS_REGION": "", "AWS_DEFAULT_REGION": ""},
        {"AWS_REGION": "cn-north-1"},
        {"AWS_REGION": "us-gov-west-1"},
        {"AWS_USE_FIPS_ENDPOINT": "true"},
        {"AWS_USE_DUALSTACK_ENDPOINT": "true"},
        {"SECRETCTL_LEAN": "0"},
    ],
)
def test_falls_back_to_boto3(extra: dict[str, str]) -> None:
    assert lean_settings(dict(BASE_ENV, **extra)) is None


def test_falls_back_when_a_shared_file_has_content(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[profile sso]\nsso_start_url = https://x\n")
    assert lean_settings(dict(BASE_ENV, AWS_CONFIG_FILE=str(config))) is None
    config.write_text("")
    assert lean_settings(dict(BASE_ENV, AWS_CONFIG_FILE=str(config))) is not None


def _modules_after(command: list[str], env: dict[str, str]) -> dict[str, bool]:
    program = (
        "import sys\n"
        "from secretctl.cli import main\n"
        "try:\n"
        f"    main({command!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(__import__('json').dumps({m: m in sys.modules for m in "
        "['botocore', 'boto3', 'http.client', 'yaml']}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True
    )
    return json.loads(result.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_container_start_loads_no_boto3(aws_env: dict[str, str]) -> None:
    assert _modules_after(["env", "svc"], aws_env) == {
        "botocore": False,
        "boto3": False,
        "http.client": False,
        "yaml": False,
    }
    assert not _modules_after(["read", "-q", "svc", "k"], aws_env)["botocore"]
    assert _modules_after(["env", "svc"], dict(aws_env, SECRETCTL_LEAN="0"))["botocore"]
    assert not _modules_after(["list", "svc"], aws_env)["botocore"]  # every command is lean
    profile = dict(aws_env, AWS_PROFILE="dev")  # what the lean path cannot serve: boto3
    assert _modules_after(["list", "svc"], profile)["botocore"]


# --- signing ---------------------------------------------------------------------------------


AWS_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"  # from AWS's SigV4 test suite


@pytest.mark.parametrize(
    ("method", "signature"),
    [  # AWS's SigV4 test suite: get-vanilla and post-vanilla
        ("GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
    ],
)
def test_signature_against_aws_test_suite(method: str, signature: str) -> None:
    signed = sign(
        method=method,
        host="example.amazonaws.com",
        path="/",
        headers={},
        body=b"",
        region="us-east-1",
        service="service",
        access_key="AKIDEXAMPLE",
        secret_key=AWS_SECRET,
        session_token=None,
        now=datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc),
    )
    assert signed["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={signature}"
    )


@pytest.mark.parametrize("token", [None, "session-token"])
@pytest.mark.parametrize("host", ["ssm.eu-west-1.amazonaws.com", "127.0.0.1:5000"])
def test_signature_matches_botocore(token: str | None, host: str) -> None:
    """The SSM request as secretctl sends it, signed by botocore's SigV4Auth at the same time."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    body = json.dumps({"Path": "/svc/", "WithDecryption": True}).encode()
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonSSM.GetParametersByPath",
    }
    ours = sign(
        method="POST",
        host=host,
        path="/",
        headers=headers,
        body=body,
        region="eu-west-1",
        service="ssm",
        access_key="AKIDEXAMPLE",
        secret_key=AWS_SECRET,
        session_token=token,
        now=datetime(2026, 11, 29, 3, 4, 5, tzinfo=timezone.utc),
    )
    theirs = AWSRequest(method="POST", url=f"http://{host}/", data=body, headers=dict(headers))
    theirs.headers["X-Amz-Date"] = theirs.context["timestamp"] = "20261129T030405Z"
    if token:
        theirs.headers["X-Amz-Security-Token"] = token
    signer = SigV4Auth(BotoCredentials("AKIDEXAMPLE", AWS_SECRET, token), "ssm", "eu-west-1")
    canonical = signer.canonical_request(theirs)
    signature = signer.signature(signer.string_to_sign(theirs, canonical), theirs)
    assert ours["Authorization"].endswith(f"Signature={signature}")
    assert ours["X-Amz-Date"] == "20261129T030405Z"
    assert ("X-Amz-Security-Token" in ours) == (token is not None)


def test_backoff() -> None:
    import random

    rng = random.Random(7)
    for attempt in range(12):
        ceiling = min(THROTTLE_CAP_SECONDS, THROTTLE_BASE_SECONDS * 2**attempt)
        delays = [backoff_delay(attempt, True, rng) for _ in range(100)]
        assert ceiling / 2 <= min(delays) and max(delays) <= ceiling  # equal jitter
        quick = [backoff_delay(attempt, False, rng) for _ in range(100)]
        assert 0 <= min(quick) and max(quick) <= min(2.0, 0.1 * 2**attempt)  # full jitter


# --- HTTP ------------------------------------------------------------------------------------


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_server() -> Iterator[_Server]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/chunked":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for piece in (body[:3], body[3:]):
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            elif self.path == "/close":
                self.send_response(500)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"gone")
                self.close_connection = True
            else:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[::-1])

    server = _Server(Handler)
    yield server
    server.close()


def test_http_keep_alive_chunked_and_close(http_server: _Server) -> None:
    conn = Connection(http_server.url)

    def post(path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        return conn.request("POST", path, {}, body, connect_timeout=5, read_timeout=5)

    assert post("/", b"abcdef")[::2] == (200, b"fedcba")
    first = conn._sock
    assert post("/", b"xy")[2] == b"yx"
    assert conn._sock is first  # kept alive
    assert post("/chunked", b"hello world")[2] == b"hello world"
    status, headers, data = post("/close", b"")
    assert (status, data, headers["connection"]) == (500, b"gone", "close")
    assert conn._sock is None
    assert post("/", b"ok")[2] == b"ko"  # reconnects
    conn.close()
    assert request("POST", http_server.url + "/", body=b"abc") == (200, b"cba")


# --- credentials -----------------------------------------------------------------------------


def test_environment_credentials_first() -> None:
    env = dict(BASE_ENV, AWS_ACCESS_KEY_ID="AK", AWS_SECRET_ACCESS_KEY="SK", AWS_SESSION_TOKEN="T")
    env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9/never-called"
    assert resolve_credentials(env, "http://unused") == Credentials("AK", "SK", "T")


def test_full_uri_must_be_local_or_https() -> None:
    env = dict(BASE_ENV, AWS_CONTAINER_CREDENTIALS_FULL_URI="http://evil.example/creds")
    with pytest.raises(AwsError, match="over http, only a loopback or ECS address"):
        resolve_credentials(env, "http://unused")


def test_no_credentials_anywhere() -> None:
    env = dict(BASE_ENV, AWS_EC2_METADATA_DISABLED="true")
    with pytest.raises(AwsError, match="no AWS credentials found"):
        resolve_credentials(env, "http://unused")


@pytest.fixture
def fake_imds() -> Iterator[tuple[_Server, list[tuple[str, str, str | None]]]]:
    seen: list[tuple[str, str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def _answer(self, status: int, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_PUT(self) -> None:  # noqa: N802
            seen.append(
                ("PUT", self.path, self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"))
            )
            self._answer(200, "imds-token")

        def do_GET(self) -> None:  # noqa: N802
            token = self.headers.get("X-aws-ec2-metadata-token")
            seen.append(("GET", self.path, token))
            if token != "imds-token":
                self._answer(401, "")
            elif self.path == "/latest/meta-data/iam/security-credentials/":
                self._answer(200, "ecs-host-role")
            elif self.path == "/latest/meta-data/iam/security-credentials/ecs-host-role":
                self._answer(
                    200,
                    json.dumps(
                        {"AccessKeyId": "IMDSAK", "SecretAccessKey": "IMDSSK", "Token": "IMDST"}
                    ),
                )
            else:
                self._answer(404, "")

    server = _Server(Handler)
    yield server, seen
    server.close()


def test_instance_metadata_v2(fake_imds: tuple[_Server, list[tuple[str, str, str | None]]]) -> None:
    server, seen = fake_imds
    env = dict(BASE_ENV, AWS_EC2_METADATA_SERVICE_ENDPOINT=server.url)
    assert resolve_credentials(env, "http://unused") == Credentials("IMDSAK", "IMDSSK", "IMDST")
    assert seen[0] == ("PUT", "/latest/api/token", "21600")
    assert all(token == "imds-token" for method, _, token in seen if method == "GET")


def test_web_identity_through_sts(moto: Any, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("eyJhbGciOi.fake.jwt\n")
    env = dict(
        BASE_ENV,
        AWS_WEB_IDENTITY_TOKEN_FILE=str(token_file),
        AWS_ROLE_ARN="arn:aws:iam::123456789012:role/irsa",
        AWS_ROLE_SESSION_NAME="test",
    )
    creds = resolve_credentials(env, moto.url)
    assert creds.access_key and creds.secret_key and creds.token


def test_exec_with_instance_metadata_credentials(
    run: Any, ssm: Any, aws_env: dict[str, str], fake_imds: tuple[_Server, list[Any]]
) -> None:
    server, seen = fake_imds
    ssm.put_parameter(Name="/api/token", Value="from-imds-role", Type="SecureString")
    env = {
        k: v
        for k, v in aws_env.items()
        if not k.startswith(("AWS_ACCESS", "AWS_SECRET", "AWS_EC2"))
    }
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = server.url
    result = run("exec", "api", "--", "printenv", "TOKEN", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "from-imds-role\n"
    assert seen  # the credentials came from the metadata service


def test_exec_loads_neither_click_nor_boto3(aws_env: dict[str, str]) -> None:
    """The container-start path, as the entry point runs it (imports listed by -X importtime)."""
    program = (
        "import sys; sys.argv = ['secretctl', 'exec', 'svc', '--', 'true']\n"
        "from secretctl.main import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", program],
        env=aws_env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line
    }
    assert "secretctl.aws.ssm_client" in imported
    assert not {"click", "botocore", "boto3", "http.client", "yaml"} & imported


def test_temporary_credentials_are_refreshed_before_they_expire(
    credentials_server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from secretctl.aws.settings import LeanSettings
    from secretctl.aws.ssm_client import LeanSsmClient

    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", credentials_server.url + "/creds")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    client = LeanSsmClient(LeanSettings("eu-west-1", "http://unused", "http://unused"), 0)
    first = client.credentials()
    assert first.expires_at is not None and not first.expiring(time.time())
    assert client.credentials() is first  # cached while valid
    monkeypatch.setattr(time, "time", lambda: first.expires_at - 60)  # nearly expired
    assert client.credentials() is not first
    assert len(credentials_server.hits) == 2


@pytest.fixture
def credentials_server() -> Iterator[_Server]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            body = json.dumps(
                {
                    "AccessKeyId": f"AK{len(hits)}",
                    "SecretAccessKey": "SK",
                    "Token": "T",
                    "Expiration": "2099-01-01T00:00:00Z",
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _Server(Handler)
    server.hits = hits  # type: ignore[attr-defined]
    yield server
    server.close()


# --- every call the store makes, on both clients ------------------------------------------------


class _RecordingClient:
    """Answers every SSM method with an empty success and records which were called."""

    def __init__(self) -> None:
        self.called: set[str] = set()

    def __getattr__(self, method: str) -> Any:
        def call(**params: Any) -> dict[str, Any]:
            self.called.add(method)
            return {"Parameter": {"Name": "/s/k", "Value": "v"}, "Version": 1}

        return call


def test_every_call_the_store_makes_exists_on_both_clients() -> None:
    """The lean client implements each SSM method the store calls, under boto3's name and as
    the SSM action boto3 sends for it (so one store serves both paths)."""
    import boto3

    from secretctl.aws.settings import LeanSettings
    from secretctl.aws.ssm_client import LeanSsmClient
    from secretctl.store.ssm import SsmStore

    recording = _RecordingClient()
    store = SsmStore(recording, "alias/k")
    store.read_value("/s/k")
    store.read("/s/k")
    store.current_versions(["/s/k"])
    store.write("/s/k", "v", 1, None)
    store.write("/s/k", "v", 1, "Advanced", {"owner": "a"})
    store.delete("/s/k")
    store.list("s")
    store.read_service("s")
    store.list_names("/s")
    store.read_all()
    store.history("/s/k", with_values=True)
    store.read_tags("/s/k")
    store.add_tags("/s/k", {"a": "1"})
    store.remove_tags("/s/k", ["a"])
    assert {"list_tags_for_resource", "add_tags_to_resource", "put_parameter"} <= recording.called

    boto3_client = boto3.client("ssm", region_name="eu-west-1")
    lean = LeanSsmClient(LeanSettings("eu-west-1", "http://unused", "http://unused"), 0)
    sent: list[str] = []
    lean.call = lambda action, params: sent.append(action) or {}  # type: ignore[method-assign]
    for method in sorted(recording.called):
        assert hasattr(boto3_client, method), method
        getattr(lean, method)(Name="/s/k")
        assert sent[-1] == boto3_client.meta.method_to_api_mapping[method], method
