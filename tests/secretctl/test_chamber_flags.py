"""chamber v3.1.4's flags, each driven through the installed entry point with chamber's
meaning (cmd/*.go at tag v3.1.4), and the small CLI behaviours chamber users expect: help with
no arguments, a ``help`` command, one version text."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from typing import Any

import pytest
from click.testing import CliRunner

from secretctl.cli import cli
from secretctl.store.base import SecretMeta
from tests.secretctl.conftest import Run, secretctl_path


def put(ssm: Any, name: str, value: str, version: str = "1") -> None:
    ssm.put_parameter(
        Name=name, Value=value, Type="SecureString", Overwrite=True, Description=version
    )


def value_of(ssm: Any, name: str) -> str:
    return str(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])


# --- command flags ---------------------------------------------------------------------------


def test_write_s_keeps_the_first_line_of_stdin(run: Run, ssm: Any) -> None:
    assert run("write", "-s", "api", "k", "-", input="first\r\nsecond\n").returncode == 0
    assert value_of(ssm, "/api/k") == "first"  # up to the first newline, as chamber reads it
    assert run("write", "-s", "api", "v", "-", input="a\x0bb\x0cc\n").returncode == 0
    assert value_of(ssm, "/api/v") == "a\x0bb\x0cc"  # other line breaks are not newlines


def test_write_t_tags_a_new_secret(run: Run, ssm: Any) -> None:
    """chamber's ``write -t/--tags k=v,...`` (cobra's string-to-string flag, repeatable)."""
    assert run("write", "-t", "owner=a,tier=1", "-t", "app=x", "api", "k", "v").returncode == 0
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/api/k")["TagList"]
    assert {t["Key"]: t["Value"] for t in tags} == {"owner": "a", "tier": "1", "app": "x"}


def test_tag_write_delete_other_tags_flag(run: Run, ssm: Any) -> None:
    run("write", "api", "k", "v", "--tags", "a=1,b=2")
    assert run("tag", "write", "api", "k", "c=3", "--delete-other-tags").returncode == 0
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/api/k")["TagList"]
    assert {t["Key"]: t["Value"] for t in tags} == {"c": "3"}


def test_read_v_reads_a_version(run: Run) -> None:
    run("write", "api", "k", "one")
    run("write", "api", "k", "two")
    assert run("read", "-q", "-v", "1", "api", "k").stdout == "one\n"
    assert run("read", "-v", "2", "--json", "api", "k").stdout.count('"two"') == 1


class ListingStore:
    """Three secrets whose name, time, user and version orders all differ."""

    def list(self, service: str) -> list[SecretMeta]:
        def meta(key: str, day: int, user: str, version: int) -> SecretMeta:
            when = datetime(2026, 1, day, tzinfo=timezone.utc)
            return SecretMeta(f"/{service}/{key}", version, when, user)

        return [meta("a", 3, "bob", 1), meta("b", 1, "carol", 3), meta("c", 2, "alice", 2)]


@pytest.mark.parametrize(
    ("flags", "order"),
    [
        ([], "abc"),
        (["-t"], "bca"),
        (["--time"], "bca"),
        (["-u"], "cab"),
        (["--user"], "cab"),
        (["-v"], "acb"),
        (["--version"], "acb"),
        (["-t", "-u"], "cab"),  # chamber sorts by time, then user: user wins
        (["-v", "-t"], "acb"),  # ... then version: version wins
        (["--sort", "time", "-u"], "cab"),
    ],
)
def test_list_t_u_v_sort(flags: list[str], order: str) -> None:
    result = CliRunner().invoke(cli, ["list", *flags, "svc"], obj={"store": ListingStore()})
    assert result.exit_code == 0, result.output
    assert "".join(line.split()[0] for line in result.output.splitlines()[1:]) == order


def test_list_t_and_v_against_the_store(run: Run) -> None:
    run("write", "api", "b", "1")
    run("write", "api", "a", "1")
    run("write", "api", "a", "2")
    assert [line.split()[0] for line in run("list", "-t", "api").stdout.splitlines()[1:]] == [
        "b",
        "a",
    ]
    by_version = run("list", "-v", "api").stdout.splitlines()[1:]
    assert [line.split()[:2] for line in by_version] == [["b", "1"], ["a", "2"]]


def test_env_p_keeps_the_variable_names_case(run: Run, ssm: Any) -> None:
    put(ssm, "/api/Db-Url", "x")
    put(ssm, "/api/token", "t")
    assert run("env", "-p", "api").stdout == "export Db_Url=x\nexport token=t\n"
    assert run("env", "--preserve-case", "api").stdout == "export Db_Url=x\nexport token=t\n"
    assert run("env", "api").stdout == "export DB_URL=x\nexport TOKEN=t\n"
    # the variable keeps only the service's case, as for every command
    env_var = run("env", "api", env_extra={"SECRETCTL_PRESERVE_CASE": "1"})
    assert env_var.stdout == "export DB_URL=x\nexport TOKEN=t\n"
    bad = run("env", "api", env_extra={"SECRETCTL_PRESERVE_CASE": "maybe"})
    assert bad.returncode == 2 and "SECRETCTL_PRESERVE_CASE must be a boolean" in bad.stderr


def test_env_e_prints_chambers_escaped_form(run: Run, ssm: Any) -> None:
    put(ssm, "/api/k", 'a"b\\c$d`e\nf')
    put(ssm, "/api/plain", "p q")
    result = run("env", "-e", "api")
    assert result.stdout == 'export K="a\\"b\\\\c\\$d\\`e\\nf"\nexport PLAIN="p q"\n'
    assert run("env", "--escape-strings", "api").stdout == result.stdout


def test_find_v_finds_by_value(run: Run) -> None:
    run("write", "a", "k", "needle")
    run("write", "b", "needle", "other")
    assert json.loads(run("find", "-v", "--json", "needle").stdout) == [
        {"service": "a", "key": "k"}
    ]


def test_list_services_s_lists_secret_names(run: Run) -> None:
    run("write", "foo", "k1", "v")
    run("write", "foo/bar", "k2", "v")
    run("write", "foobar", "k3", "v")
    assert run("list-services", "-s", "foo").stdout.splitlines() == [
        "Service",
        "/foo/bar/k2",
        "/foo/k1",
    ]
    assert json.loads(run("list-services", "--secrets", "--json").stdout) == [
        "/foo/bar/k2",
        "/foo/k1",
        "/foobar/k3",
    ]


def test_delete_exact_key(run: Run, ssm: Any) -> None:
    put(ssm, "/api/db_url", "lower")
    put(ssm, "/api/DB_URL", "typed")
    assert run("delete", "--exact-key", "api", "DB_URL").returncode == 0
    assert [p["Name"] for p in ssm.describe_parameters()["Parameters"]] == ["/api/db_url"]
    missing = run("delete", "--exact-key", "api", "DB_URL")
    assert missing.returncode == 1 and "secret not found: /api/DB_URL" in missing.stderr


def test_import_normalize_keys(run: Run, ssm: Any) -> None:
    text = '{"DB_URL": "x"}'
    assert run("import", "--normalize-keys", "Api", "-", input=text).returncode == 0
    assert value_of(ssm, "/api/db_url") == "x"  # secretctl's default: lowercased anyway
    both = run("import", "--normalize-keys", "--preserve-case", "Api", "-", input=text)
    assert both.returncode == 0, both.stderr
    assert value_of(ssm, "/Api/db_url") == "x"  # the service keeps its case, the keys do not
    kept = run("import", "--preserve-case", "Api", "-", input=text)
    assert kept.returncode == 2 and "'db_url' already stored" in kept.stderr  # exec's DB_URL


def test_import_tier_has_help(run: Run) -> None:
    help_text = " ".join(run("import", "--help").stdout.split())
    assert "--tier [standard|advanced] SSM tier of the written secrets" in help_text


# --- global flags ----------------------------------------------------------------------------


@pytest.mark.usefixtures("both_backends")
@pytest.mark.parametrize("flag", [["-r", "3"], ["--retries", "3"], ["-r3"], ["--retries=3"]])
def test_r_retries(run: Run, flag: list[str]) -> None:
    for command in (["read", "-q", "svc", "k"], ["exec", "svc", "--", "true"]):
        result = run(*flag, "--verbose", *command)
        assert ", 3 retries" in result.stderr.splitlines()[0], result.stderr


@pytest.mark.parametrize("mode", ["standard", "adaptive", "Standard"])
def test_retry_mode_goes_through_botocore(run: Run, mode: str) -> None:
    run("write", "svc", "k", "v")
    for command in (["read", "-q", "svc", "k"], ["exec", "svc", "--", "true"]):
        result = run("--retry-mode", mode, "--verbose", *command)
        assert result.returncode == 0, result.stderr
        first = result.stderr.splitlines()[0]
        assert f"AWS path: boto3 (botocore retry mode {mode.lower()})" in first, first


def test_retry_mode_refuses_other_modes(run: Run) -> None:
    result = run("--retry-mode", "legacy", "read", "svc", "k")
    assert result.returncode == 2
    assert "Invalid value for '--retry-mode': 'legacy' is not one of 'standard', 'adaptive'" in (
        result.stderr
    )


@pytest.mark.usefixtures("both_backends")
def test_verbose_logs_requests_never_values(run: Run, ssm: Any) -> None:
    secret = "s3cr3t-value-never-shown"
    put(ssm, "/svc/k", secret)
    for command in (
        ["read", "svc", "k"],
        ["exec", "svc", "--", "true"],
        ["env", "svc"],
        ["write", "svc", "k2", secret],
        ["list", "-e", "svc"],
        ["find", "-v", secret],
        ["history", "svc", "k"],
    ):
        result = run("--verbose", *command)
        assert result.returncode == 0, result.stderr
        assert secret not in result.stderr, command
        assert result.stderr.startswith("secretctl: AWS path: "), result.stderr
    read = run("--verbose", "read", "-q", "svc", "k").stderr
    assert "secretctl: ssm:GetParameter /svc/k -> ok (" in read
    exec_log = run("--verbose", "exec", "svc", "--", "true").stderr
    assert "secretctl: ssm:GetParametersByPath /svc/ -> ok, 2 parameters (" in exec_log
    assert "secretctl: exec true with the secret variables K, K2\n" in exec_log
    missing = run("--verbose", "read", "-q", "svc", "nope").stderr
    assert "secretctl: ssm:GetParameter /svc/nope -> ParameterNotFound (" in missing


@pytest.mark.usefixtures("both_backends")
def test_kms_key_alias(run: Run, ssm: Any) -> None:
    run("--kms-key-alias", "flagged", "write", "api", "a", "v")
    run("--kms-key-alias", "alias/other", "write", "api", "b", "v",
        env_extra={"SECRETCTL_KMS_KEY": "from-env"})  # fmt: skip
    run("write", "api", "c", "v", env_extra={"SECRETCTL_KMS_KEY": "from-env"})
    keys = {p["Name"]: p["KeyId"] for p in ssm.describe_parameters()["Parameters"]}
    assert keys == {"/api/a": "alias/flagged", "/api/b": "alias/other", "/api/c": "alias/from-env"}


@pytest.mark.parametrize("spelling", [["-b", "ssm"], ["--backend", "SSM"], ["-bssm"]])
def test_backend_ssm_is_accepted(run: Run, spelling: list[str]) -> None:
    assert run(*spelling, "write", "api", "k", "v").returncode == 0
    assert run(*spelling, "read", "-q", "api", "k").stdout == "v\n"
    assert run(*spelling, "exec", "api", "--", "true").returncode == 0
    assert run("read", "-q", "api", "k", env_extra={"CHAMBER_SECRET_BACKEND": "ssm"}).stdout == (
        "v\n"
    )


@pytest.mark.parametrize(
    ("args", "env", "source"),
    [
        (["-b", "s3"], {}, "'s3' (from --backend)"),
        (
            ["--backend", "secretsmanager"],
            {"CHAMBER_SECRET_BACKEND": "ssm"},
            "'secretsmanager' (from --backend)",
        ),
        ([], {"CHAMBER_SECRET_BACKEND": "null"}, "'null' (from CHAMBER_SECRET_BACKEND)"),
    ],
)
@pytest.mark.parametrize("command", [["write", "api", "k", "v"], ["exec", "api", "--", "true"]])
def test_other_backends_are_refused(
    run: Run, ssm: Any, args: list[str], env: dict[str, str], source: str, command: list[str]
) -> None:
    result = run(*args, *command, env_extra=env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"secretctl: error: backend {source} is not available")
    assert "secretctl stores secrets in SSM Parameter Store only" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert ssm.describe_parameters()["Parameters"] == []


# --- help and version ------------------------------------------------------------------------


def test_no_arguments_prints_the_help(run: Run) -> None:
    result = run()
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: secretctl [OPTIONS] COMMAND [ARGS]...")
    assert "Commands:" in result.stdout and result.stderr == ""


def test_a_group_alone_prints_its_help(run: Run) -> None:
    """As secretctl alone does (it was the help squashed into one error line, exit 2)."""
    result = run("audit")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == run("audit", "--help").stdout


def test_help_command(run: Run) -> None:
    assert run("help").stdout == run("--help").stdout
    assert run("help", "read").stdout == run("read", "--help").stdout
    assert run("help", "audit", "reads").stdout == run("audit", "reads", "--help").stdout
    unknown = run("help", "nope")
    assert unknown.returncode == 2 and "unknown command 'nope'" in unknown.stderr
    nested = run("help", "read", "nope")
    assert nested.returncode == 2 and "unknown command 'read nope'" in nested.stderr


def test_version_and_version_flag_agree(run: Run) -> None:
    from secretctl import __version__

    assert run("--version").stdout == run("version").stdout == f"secretctl {__version__}\n"


def test_bad_retries_variable_is_named(aws_env: dict[str, str]) -> None:
    for command in (["read", "api", "k"], ["exec", "api", "--", "true"]):
        result = subprocess.run(
            [secretctl_path(), *command],
            env=dict(aws_env, SECRETCTL_RETRIES="abc"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert result.stderr == (
            "secretctl: error: SECRETCTL_RETRIES must be a whole number (0 or more), not 'abc'\n"
        )
