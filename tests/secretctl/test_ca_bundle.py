"""AWS_CA_BUNDLE on the lean path: an endpoint serving TLS with a certificate from a local CA
is trusted when AWS_CA_BUNDLE names that CA, without falling back to boto3; without it the
certificate does not verify, with the same one-line message on both paths."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.moto_server import MotoServer
from devtools.proxy import CountingProxy, running
from tests.secretctl.conftest import Run


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def build(subject: str, issuer: str, public: Any, signer: Any, ca: bool) -> Any:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("secretctl test CA", "secretctl test CA", ca_key.public_key(), ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build("127.0.0.1", "secretctl test CA", key.public_key(), ca_key, False)
    pem = serialization.Encoding.PEM
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca_cert.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@pytest.fixture
def tls_endpoint(
    moto: MotoServer, aws_env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[str, Path]]:
    """(https URL of a TLS proxy in front of moto, the CA bundle that trusts it)."""
    ca, cert, key = _certificates(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    proxy = CountingProxy(moto.url)
    proxy.server.socket = context.wrap_socket(proxy.server.socket, server_side=True)
    with running(proxy):
        yield f"https://127.0.0.1:{proxy.server.server_address[1]}", ca


def test_lean_path_trusts_aws_ca_bundle(
    run: Run, ssm: Any, tls_endpoint: tuple[str, Path], aws_env: dict[str, str]
) -> None:
    url, ca = tls_endpoint
    ssm.put_parameter(Name="/tls/token", Value="over-tls", Type="SecureString", Description="1")
    env = dict(aws_env, AWS_ENDPOINT_URL=url, AWS_CA_BUNDLE=str(ca))
    for extra in ({}, {"SECRETCTL_LEAN": "0"}):
        result = run("exec", "tls", "--", "printenv", "TOKEN", env=dict(env, **extra))
        assert (result.returncode, result.stdout) == (0, "over-tls\n"), result.stderr
    program = (
        "import sys\nfrom secretctl.cli import main\ntry:\n    main(['env', 'tls'])\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "print(json.dumps('botocore' in sys.modules))\n"
    )
    served = subprocess.run(
        [sys.executable, "-c", "import json\n" + program], env=env, capture_output=True, text=True
    )
    assert served.returncode == 0, served.stderr
    assert json.loads(served.stdout.splitlines()[-1]) is False  # the lean path served it


def test_untrusted_certificate_is_one_line_on_both_paths(
    run: Run, tls_endpoint: tuple[str, Path], aws_env: dict[str, str], tmp_path: Path
) -> None:
    url, _ = tls_endpoint
    messages = []
    for extra in ({}, {"SECRETCTL_LEAN": "0"}):
        result = run("read", "-q", "tls", "token", env=dict(aws_env, AWS_ENDPOINT_URL=url, **extra))
        assert result.returncode == 1
        messages.append(result.stderr)
    assert messages[0] == messages[1]
    assert messages[0].count("\n") == 1
    assert "presented a certificate that does not verify" in messages[0]
    missing = dict(aws_env, AWS_ENDPOINT_URL=url, AWS_CA_BUNDLE=str(tmp_path / "none.pem"))
    result = run("read", "-q", "tls", "token", env=missing)
    assert result.returncode == 1
    assert "none.pem' cannot be used: No such file or directory" in result.stderr
