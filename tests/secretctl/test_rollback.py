"""rollback: an old value written again as a new version, numbered as `history` numbers it,
across versions written by chamber (its counter in the Description) and by secretctl."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devtools.proxy import CountingProxy
from tests.secretctl.conftest import Run

pytestmark = pytest.mark.usefixtures("both_backends")

NAME = "/api/db_url"


def chamber_write(ssm: Any, value: str, counter: str | None) -> None:
    """A write as chamber makes it: SecureString, Description = its counter (None: a tool that
    keeps no counter)."""
    args = {"Name": NAME, "Value": value, "Type": "SecureString", "Overwrite": True}
    if counter is not None:
        args["Description"] = counter
    ssm.put_parameter(**args)


def history(run: Run) -> list[tuple[int, int | None, int]]:
    """(version as history shows it, chamber's counter, SSM's version) per version."""
    result = run("history", "--json", "api", "db_url")
    assert result.returncode == 0, result.stderr
    return [(v["version"], v["chamberVersion"], v["ssmVersion"]) for v in json.loads(result.stdout)]


def current(ssm: Any) -> str:
    return str(ssm.get_parameter(Name=NAME, WithDecryption=True)["Parameter"]["Value"])


def test_across_chamber_and_secretctl_versions(
    via: Run, proxy: CountingProxy, ssm: Any, run: Run
) -> None:
    for counter, value in (("1", "one"), ("2", "two"), ("3", "three")):
        chamber_write(ssm, value, counter)
    assert run("write", "api", "db_url", "four").returncode == 0
    result = via("rollback", "api", "db_url", "--to-version", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{NAME}: version 2's value written again as version 5\n"
    assert "two" not in result.stdout + result.stderr
    assert proxy.counts == {"GetParameterHistory": 1, "PutParameter": 1}
    assert current(ssm) == "two"
    assert history(run) == [(n, n, n) for n in range(1, 6)]  # chamber's counter goes on
    result = via("rollback", "api", "db_url", "--previous")
    assert result.stdout == f"{NAME}: version 4's value written again as version 6\n"
    assert current(ssm) == "four"
    # chamber reads what secretctl wrote: the counter in the Description
    described = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [NAME]}]
    )["Parameters"][0]
    assert described["Description"] == "6"


def test_refuses_the_current_value_and_unknown_versions(
    via: Run, proxy: CountingProxy, ssm: Any
) -> None:
    for counter, value in (("1", "same"), ("2", "other"), ("3", "same")):
        chamber_write(ssm, value, counter)
    for args, status, fragment in (
        (["--to-version", "1"], 1, "version 1 of /api/db_url holds the current value (version 3)"),
        (["--to-version", "9"], 1, "version 9 of /api/db_url not found (see its history)"),
        ([], 2, "exactly one of --to-version N and --previous"),
        (["--previous", "--to-version", "2"], 2, "exactly one of"),
        (["--to-version", "-1"], 2, "--to-version"),
    ):
        result = via("rollback", "api", "db_url", *args)
        assert result.returncode == status, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and fragment in result.stderr, result.stderr
        assert "PutParameter" not in proxy.counts
        assert "same" not in result.stderr
    one = via("rollback", "api", "nothing", "--previous")
    assert one.returncode == 1 and "secret not found: /api/nothing" in one.stderr
    chamber_write(ssm, "other", "4")
    prev = via("rollback", "api", "db_url", "--previous")  # version 3 holds "same": allowed
    assert prev.returncode == 0 and current(ssm) == "same"
    again = via("rollback", "api", "db_url", "--previous")  # version 4 holds "other"
    assert again.returncode == 0 and current(ssm) == "other"
    third = via("rollback", "api", "db_url", "--to-version", "4")
    assert third.returncode == 1 and "holds the current value (version 6)" in third.stderr


def test_a_version_without_chamber_counter(via: Run, ssm: Any, run: Run) -> None:
    chamber_write(ssm, "from-another-tool", None)  # history shows it as version 0
    chamber_write(ssm, "chamber", "1")
    assert [v for v, _, _ in history(run)] == [0, 1]
    result = via("rollback", "api", "db_url", "--to-version", "0")
    assert result.stdout == f"{NAME}: version 0's value written again as version 2\n"
    assert current(ssm) == "from-another-tool"


def test_when_racing_writers_repeated_the_counter(via: Run, ssm: Any, run: Run) -> None:
    """Counters 1, 2, 2 (two writers raced): versions go by SSM's numbers, in history and in
    --to-version; the new version carries chamber's next counter and SSM's next number."""
    for counter, value in (("1", "first"), ("2", "racer-a"), ("2", "racer-b")):
        chamber_write(ssm, value, counter)
    assert history(run) == [(1, 1, 1), (2, 2, 2), (3, 2, 3)]
    result = via("rollback", "api", "db_url", "--to-version", "2")
    assert result.stdout == f"{NAME}: version 2's value written again as version 4\n"
    assert current(ssm) == "racer-a"
    assert history(run)[-1] == (4, 3, 4)


def test_history_of_several_pages(via: Run, proxy: CountingProxy, ssm: Any) -> None:
    for counter in range(1, 56):  # two pages of GetParameterHistory (50 a page)
        chamber_write(ssm, f"value-{counter}", str(counter))
    result = via("rollback", "api", "db_url", "--to-version", "3")
    assert result.stdout == f"{NAME}: version 3's value written again as version 56\n"
    assert proxy.counts == {"GetParameterHistory": 2, "PutParameter": 1}
    assert current(ssm) == "value-3"
