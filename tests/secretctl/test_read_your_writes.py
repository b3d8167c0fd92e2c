"""Read-your-writes: every command that looks a secret or a service up tries first the name a
write with the same flags stores (lowercased unless --preserve-case), then the name as typed.
Names as typed exist when chamber's import or --preserve-case wrote them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.secretctl.conftest import Run

pytestmark = pytest.mark.usefixtures("both_backends")


def put(ssm: Any, name: str, value: str) -> None:
    ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True, Description="1")


@pytest.fixture
def chamber_imported(ssm: Any) -> None:
    """What `chamber import rw` leaves for a file with the key DB_URL: the name as written."""
    put(ssm, "/rw/DB_URL", "old")


@pytest.mark.usefixtures("chamber_imported")
def test_read_after_write_sees_the_write(run: Run, ssm: Any) -> None:
    assert run("write", "rw", "DB_URL", "new").returncode == 0
    assert ssm.get_parameter(Name="/rw/db_url", WithDecryption=True)["Parameter"]["Value"] == "new"
    assert run("read", "-q", "rw", "DB_URL").stdout == "new\n"
    assert json.loads(run("read", "--json", "rw", "DB_URL").stdout)["value"] == "new"
    assert run("read", "-q", "rw", "DB_URL", "--version", "1").stdout == "new\n"
    # --preserve-case reads what --preserve-case writes
    assert run("read", "-q", "--preserve-case", "rw", "DB_URL").stdout == "old\n"


@pytest.mark.usefixtures("chamber_imported")
def test_history_and_delete_follow_the_write(run: Run, ssm: Any) -> None:
    run("write", "rw", "DB_URL", "new")
    run("write", "rw", "DB_URL", "newer")
    history = json.loads(run("history", "--json", "rw", "DB_URL").stdout)
    assert [h["version"] for h in history] == [1, 2]  # /rw/db_url's, not /rw/DB_URL's one
    assert run("delete", "rw", "DB_URL").returncode == 0
    names = [p["Name"] for p in ssm.describe_parameters()["Parameters"]]
    assert names == ["/rw/DB_URL"]
    # with only the name as typed left, the lookup falls back to it
    assert run("read", "-q", "rw", "DB_URL").stdout == "old\n"
    assert run("delete", "rw", "DB_URL").returncode == 0
    missing = run("delete", "rw", "DB_URL")
    assert missing.returncode == 1
    assert "secret not found: /rw/db_url or /rw/DB_URL" in missing.stderr


def test_services_written_with_preserve_case_are_found(run: Run) -> None:
    assert run("write", "--preserve-case", "MixedSvc", "token", "t0k").returncode == 0
    result = run("exec", "MixedSvc", "--", "env", "-0")
    assert result.returncode == 0, result.stderr
    assert "TOKEN=t0k" in result.stdout.split("\0")
    assert result.stderr == ""
    assert run("env", "MixedSvc").stdout == "export TOKEN=t0k\n"
    assert json.loads(run("export", "MixedSvc").stdout) == {"token": "t0k"}
    listed = json.loads(run("list", "-e", "--json", "MixedSvc").stdout)
    assert [(s["key"], s["value"]) for s in listed] == [("token", "t0k")]
    assert json.loads(run("list-services", "--json", "MixedSvc").stdout) == ["MixedSvc"]


def test_the_written_name_wins_over_the_typed_one(run: Run, ssm: Any) -> None:
    put(ssm, "/mixedsvc/token", "lower")
    put(ssm, "/MixedSvc/token", "typed")
    assert json.loads(run("export", "MixedSvc").stdout) == {"token": "lower"}
    assert json.loads(run("export", "--preserve-case", "MixedSvc").stdout) == {"token": "typed"}
    assert run("read", "-q", "MixedSvc", "token").stdout == "lower\n"


def test_exec_of_a_missing_service_fails_under_strict(run: Run) -> None:
    relaxed = run("exec", "NoSuch", "--", "true")
    assert relaxed.returncode == 0
    assert relaxed.stderr.strip() == (
        "warning: service 'NoSuch' has no secrets (looked under /nosuch/ and /NoSuch/)"
    )
    strict = run("exec", "--strict", "NoSuch", "--", "true")
    assert strict.returncode == 2
    assert strict.stderr.strip() == (
        "secretctl: error: strict mode: service 'NoSuch' has no secrets (looked under /nosuch/ "
        "and /NoSuch/); check the service name"
    )


def test_read_version_looks_at_the_secret_history_shows(run: Run, ssm: Any) -> None:
    """``read --version N`` picks from the versions ``history`` lists for the same arguments:
    a number that secret does not have is not found, never another secret's version."""
    for n in range(1, 4):  # chamber's import wrote /rw/DB_URL three times
        ssm.put_parameter(
            Name="/rw/DB_URL",
            Value=f"old{n}",
            Type="SecureString",
            Overwrite=True,
            Description=str(n),
        )
    assert run("write", "rw", "DB_URL", "new").returncode == 0  # /rw/db_url, version 1
    history = json.loads(run("history", "--json", "rw", "DB_URL").stdout)
    assert [h["version"] for h in history] == [1]
    assert run("read", "-q", "rw", "DB_URL", "--version", "1").stdout == "new\n"
    other = run("read", "-q", "rw", "DB_URL", "--version", "3")
    assert (other.returncode, other.stdout) == (1, "")
    assert "version 3 of /rw/db_url not found" in other.stderr
    # the name as typed is still read with the flags that write it
    assert run("read", "-q", "--preserve-case", "rw", "DB_URL", "-v", "3").stdout == "old3\n"
