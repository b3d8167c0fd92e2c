"""write, read, delete, list, list-services, history and find, end to end through the installed
entry point against the moto server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.secretctl.conftest import Run

pytestmark = pytest.mark.usefixtures("both_backends")


def test_write_stores_chamber_layout(run: Run, ssm: Any) -> None:
    assert run("write", "Team/API", "DB_URL", "postgres://u@h/db").returncode == 0
    param = ssm.get_parameter(Name="/team/api/db_url", WithDecryption=True)["Parameter"]
    assert param["Type"] == "SecureString"
    assert param["Value"] == "postgres://u@h/db"
    meta = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": ["/team/api/db_url"]}]
    )["Parameters"][0]
    assert meta["Description"] == "1"
    assert meta["KeyId"] == "alias/parameter_store_key"
    assert run("write", "team/api", "db_url", "v2").returncode == 0
    meta = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": ["/team/api/db_url"]}]
    )["Parameters"][0]
    assert meta["Description"] == "2"


def test_write_uses_configured_kms_key(run: Run, ssm: Any) -> None:
    run("write", "api", "a", "v", env_extra={"SECRETCTL_KMS_KEY": "other"})
    run("write", "api", "b", "v", env_extra={"CHAMBER_KMS_KEY_ALIAS": "legacy"})
    keys = {p["Name"]: p["KeyId"] for p in ssm.describe_parameters()["Parameters"]}
    assert keys == {"/api/a": "alias/other", "/api/b": "alias/legacy"}


def test_write_from_stdin_is_exact(run: Run, ssm: Any) -> None:
    assert run("write", "api", "cert", "-", input="line1\nline2\n").returncode == 0
    value = ssm.get_parameter(Name="/api/cert", WithDecryption=True)["Parameter"]["Value"]
    assert value == "line1\nline2\n"
    assert run("write", "api", "one", "-", "--singleline", input="first\nsecond\n").returncode == 0
    assert run("read", "-q", "api", "one").stdout == "first\n"


def test_skip_unchanged_makes_no_new_version(run: Run, ssm: Any) -> None:
    run("write", "api", "k", "v")
    result = run("write", "api", "k", "v", "--skip-unchanged")
    assert result.returncode == 0 and "unchanged: /api/k" in result.stderr
    assert len(ssm.get_parameter_history(Name="/api/k")["Parameters"]) == 1
    run("write", "api", "k", "v2", "--skip-unchanged")
    assert len(ssm.get_parameter_history(Name="/api/k")["Parameters"]) == 2


def test_advanced_tier(run: Run, ssm: Any) -> None:
    big = "x" * 6000
    refused = run("write", "api", "big", "-", input=big)
    assert refused.returncode != 0 and "--tier advanced" in refused.stderr
    assert run("write", "api", "big", "-", "--tier", "advanced", input=big).returncode == 0
    meta = ssm.describe_parameters()["Parameters"][0]
    assert meta["Tier"] == "Advanced"
    assert run("read", "-q", "api", "big").stdout == big + "\n"


def test_read_table_quiet_json_and_versions(run: Run) -> None:
    run("write", "api", "db_url", "one")
    run("write", "api", "db_url", "two")
    table = run("read", "api", "db_url").stdout.splitlines()
    assert table[0].split() == ["Key", "Value", "Version", "LastModified", "User"]
    assert table[1].split()[:3] == ["db_url", "two", "2"]
    assert run("read", "-q", "api", "db_url").stdout == "two\n"
    assert run("read", "-q", "api", "db_url", "--version", "1").stdout == "one\n"
    data = json.loads(run("read", "--json", "api", "db_url").stdout)
    assert data["key"] == "db_url" and data["value"] == "two" and data["version"] == 2
    assert set(data) == {"key", "value", "version", "lastModified", "user"}
    missing = run("read", "api", "db_url", "--version", "7")
    assert missing.returncode == 1 and "version 7 of /api/db_url not found" in missing.stderr


def test_read_missing_is_an_error(run: Run) -> None:
    result = run("read", "api", "nope")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "secretctl: error: secret not found: /api/nope (list the service to see its keys)"
    )


def test_preserve_case_and_mixed_case_reads(run: Run, ssm: Any) -> None:
    assert run("write", "--preserve-case", "Api", "DB_Url", "mixed").returncode == 0
    assert ssm.get_parameter(Name="/Api/DB_Url")["Parameter"]["Name"] == "/Api/DB_Url"
    assert run("read", "-q", "Api", "DB_Url").stdout == "mixed\n"  # found as typed
    run("write", "api", "plain", "lower")
    assert run("read", "-q", "API", "PLAIN").stdout == "lower\n"  # falls back to lowercase
    env_case = run("write", "Svc", "Key", "v", env_extra={"SECRETCTL_PRESERVE_CASE": "1"})
    assert env_case.returncode == 0
    assert ssm.get_parameter(Name="/Svc/Key")["Parameter"]["Name"] == "/Svc/Key"


def test_delete(run: Run, ssm: Any) -> None:
    run("write", "api", "k", "v")
    run("write", "api", "k", "v2")
    assert run("delete", "api", "k").returncode == 0
    assert ssm.describe_parameters()["Parameters"] == []
    missing = run("delete", "api", "k")
    assert missing.returncode == 1 and "secret not found: /api/k" in missing.stderr


def test_list_sorts_and_expands(run: Run) -> None:
    run("write", "api", "b", "vb")
    run("write", "api", "a", "va")
    run("write", "api", "a", "va2")
    run("write", "api/sub", "deep", "x")  # one level only
    run("write", "apiv2", "other", "x")
    lines = run("list", "api").stdout.splitlines()
    assert lines[0].split() == ["Key", "Version", "LastModified", "User"]
    assert [line.split()[0] for line in lines[1:]] == ["a", "b"]
    by_time = run("list", "api", "--sort", "time").stdout.splitlines()
    assert [line.split()[0] for line in by_time[1:]] == ["b", "a"]
    by_version = run("list", "api", "-s", "version").stdout.splitlines()
    assert [line.split()[:2] for line in by_version[1:]] == [["b", "1"], ["a", "2"]]
    expanded = run("list", "-e", "api").stdout.splitlines()
    assert expanded[0].split()[-1] == "Value" and expanded[1].split()[-1] == "va2"
    data = json.loads(run("list", "api", "-e", "--json").stdout)
    assert [(d["key"], d["version"], d["value"]) for d in data] == [("a", 2, "va2"), ("b", 1, "vb")]
    assert "value" not in json.loads(run("list", "api", "--json").stdout)[0]


def test_list_services_matches_whole_segments(run: Run) -> None:
    for service in ["foo", "foo/bar", "foobar", "other"]:
        run("write", service, "k", "v")
    assert run("list-services").stdout.splitlines() == [
        "Service",
        "foo",
        "foo/bar",
        "foobar",
        "other",
    ]
    assert run("list-services", "foo").stdout.splitlines() == ["Service", "foo", "foo/bar"]
    assert json.loads(run("list-services", "foo/bar", "--json").stdout) == ["foo/bar"]
    assert json.loads(run("list-services", "fo", "--json").stdout) == []


def test_history(run: Run) -> None:
    run("write", "api", "k", "1")
    run("write", "api", "k", "2")
    run("write", "api", "k", "3")
    lines = run("history", "api", "k").stdout.splitlines()
    assert lines[0].split() == ["Event", "Version", "Date", "User"]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["Created", "1"],
        ["Updated", "2"],
        ["Updated", "3"],
    ]
    data = json.loads(run("history", "api", "k", "--json").stdout)
    assert [d["event"] for d in data] == ["Created", "Updated", "Updated"]
    assert "value" not in data[0]
    assert run("history", "api", "missing").returncode == 1


def test_find_by_key_and_value(run: Run) -> None:
    run("write", "a", "db_url", "shared-value")
    run("write", "b/c", "db_url", "other")
    run("write", "d", "token", "shared-value")
    found = run("find", "db_url").stdout.splitlines()
    assert [line.split() for line in found] == [
        ["Service", "Key"],
        ["a", "db_url"],
        ["b/c", "db_url"],
    ]
    by_value = json.loads(run("find", "--by-value", "--json", "shared-value").stdout)
    assert by_value == [{"service": "a", "key": "db_url"}, {"service": "d", "key": "token"}]
    from_stdin = run("find", "--by-value", "-", "--json", input="shared-value")
    assert json.loads(from_stdin.stdout) == by_value
    assert "shared-value" not in run("find", "--by-value", "shared-value").stdout


def test_reads_what_chamber_wrote(run: Run, ssm: Any) -> None:
    """chamber v3 writes SecureStrings with its counter in Description; secretctl continues it."""
    for version, value in enumerate(["c1", "c2"], start=1):
        ssm.put_parameter(
            Name="/legacy/api_key",
            Value=value,
            Type="SecureString",
            KeyId="alias/parameter_store_key",
            Overwrite=True,
            Description=str(version),
        )
    assert run("read", "-q", "legacy", "api_key").stdout == "c2\n"
    assert run("read", "-q", "legacy", "api_key", "--version", "1").stdout == "c1\n"
    run("write", "legacy", "api_key", "s3")
    history = [
        h["Description"] for h in ssm.get_parameter_history(Name="/legacy/api_key")["Parameters"]
    ]
    assert history == ["1", "2", "3"]


def test_version_and_help_everywhere(run: Run) -> None:
    assert run("--version").stdout.strip() == "secretctl 0.1.0"
    assert run("version").stdout.strip() == "secretctl 0.1.0"
    for command in [
        "write",
        "read",
        "delete",
        "list",
        "list-services",
        "history",
        "exec",
        "env",
        "export",
        "import",
        "find",
        "version",
        "help",
    ]:
        result = run(command, "--help")
        assert result.returncode == 0, command
        assert result.stdout.startswith(f"Usage: secretctl {command}"), command


def test_find_by_value_reads_stdin_exactly_as_write_does(run: Run) -> None:
    """A value written from stdin is found from the same stdin, trailing newline and all."""
    cert = "-----BEGIN-----\nabc\n-----END-----\n"
    assert run("write", "a", "cert", "-", input=cert).returncode == 0
    assert run("write", "b", "cert", "-", input=cert.rstrip("\n")).returncode == 0
    found = json.loads(run("find", "--by-value", "-", "--json", input=cert).stdout)
    assert found == [{"service": "a", "key": "cert"}]
    found = json.loads(run("find", "--by-value", "-", "--json", input=cert.rstrip("\n")).stdout)
    assert found == [{"service": "b", "key": "cert"}]
