"""Bad input gets a one-line error naming the problem, a non-zero exit, and no AWS write
(checked by counting the requests that reach the server)."""

from __future__ import annotations

import pytest

from devtools.proxy import CountingProxy
from tests.secretctl.conftest import Run

pytestmark = pytest.mark.usefixtures("both_backends")

WRITES = {
    "PutParameter",
    "DeleteParameter",
    "AddTagsToResource",
    "RemoveTagsFromResource",
    "LabelParameterVersion",
}


def assert_refused(
    result, proxy: CountingProxy, fragment: str, *, any_request: bool = False
) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0], lines[0]
    assert not (set(proxy.counts) & WRITES), proxy.counts
    if not any_request:
        assert proxy.total() == 0, proxy.counts


@pytest.fixture
def via_proxy(run: Run, proxy: CountingProxy) -> Run:
    def _run(*args: str, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("env_extra", {})["AWS_ENDPOINT_URL"] = proxy.url
        return run(*args, **kwargs)

    return _run


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["write", "bad service", "k", "v"], "invalid service name 'bad service'"),
        (["write", "api/", "k", "v"], "invalid service name 'api/'"),
        (["write", "_chamber", "k", "v"], "reserved"),
        # SSM reserves names that begin with aws or ssm, any case (AWS answered AccessDenied,
        # which read as an IAM problem, or a bare ValidationException)
        (["write", "aws-proxy", "k", "v"], "SSM reserves names that begin with 'aws' or 'ssm'"),
        (["write", "SSMtool/api", "k", "v"], "SSM reserves names that begin with 'aws' or 'ssm'"),
        (["write", "api", "bad/key", "v"], "invalid key 'bad/key'"),
        (["write", "api", "k", ""], "empty"),
        (["read", "a//b", "k"], "invalid service name"),
        (["list", "*"], "invalid service name"),
        (["exec", "ok", "bad svc", "--", "true"], "invalid service name 'bad svc'"),
        (["export", "api", "-f", "xml"], "Invalid value for '-f' / '--format'"),
        (["exec", "api", "true"], "exec needs '--'"),
        (["exec", "api", "--"], "exec needs '--'"),
        (["write", "api", "k", "v", "--tags", "owner"], "invalid tag 'owner' (--tags): write"),
        (["write", "api", "k", "v", "-t", "a=1,b"], "invalid tag 'b' (--tags)"),
        (["write", "bad svc", "k", "v", "-t", "owner"], "invalid service name"),
        (["import", "api", "-", "--tags", "owner"], "invalid tag 'owner' (--tags)"),
        (["tag", "write", "api", "k", "owner"], "invalid tag 'owner' (tag write): write each"),
        (["tag", "write", "api", "k", "aws:x=1"], "AWS reserves keys beginning with 'aws:'"),
        (["tag", "write", "api", "k"], "Missing argument 'KEY=VALUE...'"),
        (["tag", "write", "bad svc", "k", "owner"], "invalid service name 'bad svc'"),
        (["tag", "delete", "api", "k", "bad!"], "invalid tag key 'bad!' (tag delete)"),
        (["tag", "read", "api", "bad/key"], "invalid key 'bad/key'"),
        (["completion", "powershell"], "'powershell' is not one of 'bash', 'zsh', 'fish'"),
    ],
)
def test_invalid_arguments(
    via_proxy: Run, proxy: CountingProxy, args: list[str], fragment: str
) -> None:
    assert_refused(via_proxy(*args), proxy, fragment)


def test_oversized_value(via_proxy: Run, proxy: CountingProxy) -> None:
    result = via_proxy("write", "api", "k", "-", input="x" * 4097)
    assert_refused(result, proxy, "4097 bytes; the limit is 4096: use --tier advanced")
    result = via_proxy("write", "api", "k", "-", "--tier", "advanced", input="x" * 8193)
    assert_refused(result, proxy, "8193 bytes; the limit is 8192")


def test_invalid_utf8_on_stdin(via_proxy: Run, proxy: CountingProxy) -> None:
    result = via_proxy("write", "api", "k", "-", input=b"ok\xc3\x28")
    assert result.returncode != 0
    assert b"stdin is not valid UTF-8" in result.stderr
    assert proxy.total() == 0


def test_empty_stdin(via_proxy: Run, proxy: CountingProxy) -> None:
    assert_refused(via_proxy("write", "api", "k", "-", input=""), proxy, "empty")


def test_too_long_name(via_proxy: Run, proxy: CountingProxy) -> None:
    result = via_proxy("write", "s" * 1010, "key", "v")
    assert_refused(result, proxy, "SSM allows at most 1011")


def test_error_never_reveals_value(via_proxy: Run, proxy: CountingProxy) -> None:
    secret = "TOPSECRET" * 500
    result = via_proxy("write", "api", "k", "-", input=secret)
    assert result.returncode != 0 and "TOPSECRET" not in result.stderr + result.stdout


def test_aws_errors_are_one_line(run: Run) -> None:
    unreachable = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "SECRETCTL_RETRIES": "1"}
    result = run("read", "api", "k", env_extra=unreachable)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "the SSM endpoint 127.0.0.1:9 refused the connection" in result.stderr
    no_region = run("read", "api", "k", env_extra={"AWS_DEFAULT_REGION": "", "AWS_REGION": ""})
    assert no_region.returncode == 1 and "no AWS region" in no_region.stderr


@pytest.mark.parametrize(
    ("args", "data"),
    [
        (["write", "api", "k", "-"], b"before\x00after"),
        (["import", "api", "-"], b'{"ok": "v", "k": "before\\u0000after"}'),
        (["import", "api", "-", "-f", "dotenv"], b"ok=v\nk=before\x00after\n"),
    ],
)
def test_nul_in_a_value_is_refused_with_the_rule(
    via_proxy: Run, proxy: CountingProxy, args: list[str], data: bytes
) -> None:
    """exec could never pass such a value to a program: refuse it before it is stored."""
    result = via_proxy(*args, input=data)
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert "'k' contains a NUL character: secret values may be any text but NUL" in lines[0]
    assert "before" not in lines[0] and "after" not in lines[0]
    assert proxy.total() == 0, proxy.counts


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        # str.isdigit() is true for superscripts, which int() refuses
        (["-r", "²", "list", "api"], {}, "Invalid value for '-r' / '--retries'"),
        (["--retries=¹", "exec", "api", "--", "true"], {}, "Invalid value for '-r' / '--retries'"),
        (["list", "api"], {"SECRETCTL_RETRIES": "²"}, "SECRETCTL_RETRIES must be a whole number"),
        (["exec", "api", "--", "true"], {"SECRETCTL_RETRIES": "³"}, "SECRETCTL_RETRIES must be"),
    ],
)
def test_digits_that_are_not_numbers(
    via_proxy: Run, proxy: CountingProxy, args: list[str], env: dict[str, str], fragment: str
) -> None:
    result = via_proxy(*args, env_extra=env)
    assert result.returncode == 2
    assert_refused(result, proxy, fragment)


@pytest.mark.parametrize(
    "args",
    [
        ["write", "api", "pw", "--Sup3rS3cret"],  # a value that looks like an option
        ["write", "api", "pw", "-xSup3rS3cret"],
        ["write", "api", "pw", "-sSup3rS3cret"],  # -s is an option; S is not
        ["write", "api", "pw", "my", "Sup3rS3cret", "words"],  # a value with spaces, unquoted
        ["find", "--by-value", "my", "Sup3rS3cret"],
        ["find", "-v", "--Sup3rS3cret"],
    ],
)
def test_a_misplaced_value_is_not_echoed(
    via_proxy: Run, proxy: CountingProxy, args: list[str]
) -> None:
    """click's usage errors quote what they could not place, here (part of) a secret value."""
    result = via_proxy(*args)
    assert result.returncode == 2
    assert_refused(result, proxy, "not shown")
    assert "Sup3rS3cret" not in result.stderr


def test_an_import_into_a_reserved_service_is_refused(via_proxy: Run, proxy: CountingProxy) -> None:
    result = via_proxy("import", "awsome", "-", input='{"a": "1"}')
    assert_refused(result, proxy, "SSM reserves names that begin with 'aws' or 'ssm'")


@pytest.mark.parametrize(
    ("variable", "url", "problem"),
    [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:x", "its port is not a number up to 65535"),
        ("AWS_ENDPOINT_URL", "notaurl", "use http:// or https:// and a host"),
        ("AWS_ENDPOINT_URL_SSM", "https://:443", "use http:// or https:// and a host"),
        ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:99999", "its port is not a number up to 65535"),
    ],
)
def test_an_unusable_endpoint_url_is_named(run: Run, variable: str, url: str, problem: str) -> None:
    """A configuration error, before any AWS call (it was an unexpected ValueError)."""
    result = run("read", "-q", "api", "k", env_extra={variable: url})
    assert result.returncode == 2
    assert result.stderr == (
        f"secretctl: error: {variable} {url!r} cannot be used: {problem}; give "
        "http(s)://HOST[:PORT]\n"
    )
