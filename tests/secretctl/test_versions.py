"""Every stored version stays reachable: writers that race reuse chamber's counter, so history
and ``read --version`` fall back to SSM's own version numbers for that secret (and say so); a
write that raced says so on stderr; version 0 (no chamber counter) is readable as chamber
reads it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from devtools.moto_server import MotoServer
from devtools.proxy import CountingProxy, Fault, running
from secretctl.store.base import Change
from secretctl.versions import CHAMBER, SSM, numbered
from tests.secretctl.conftest import Run, secretctl_path

pytestmark = pytest.mark.usefixtures("both_backends")


def _change(counter: int, ssm_version: int) -> Change:
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return Change(
        "Created" if counter == 1 else "Updated", counter, when, "u", counter, ssm_version
    )


def test_numbering_falls_back_to_ssm_only_where_counters_repeat() -> None:
    distinct = [_change(0, 1), _change(1, 2), _change(2, 3)]
    assert numbered(distinct) == (distinct, CHAMBER)
    raced, scheme = numbered([_change(c, s) for s, c in enumerate([1, 1, 1, 1, 2], start=1)])
    assert scheme == SSM
    assert [(c.event, c.version, c.counter) for c in raced] == [
        ("Created", 1, 1),
        ("Updated", 2, 1),
        ("Updated", 3, 1),
        ("Updated", 4, 1),
        ("Updated", 5, 2),
    ]


def _put(ssm: Any, name: str, value: str, description: str | None) -> None:
    args = {"Name": name, "Value": value, "Type": "SecureString", "Overwrite": True}
    if description is not None:
        args["Description"] = description
    ssm.put_parameter(**args)


def test_raced_history_keeps_every_value_reachable(run: Run, ssm: Any) -> None:
    for i, counter in enumerate(["1", "1", "1", "1", "2"]):  # five racing writers
        _put(ssm, "/conc/k", f"v{i}", counter)
    shown = run("history", "conc", "k")
    assert shown.returncode == 0
    assert "versions are shown by SSM's own numbers" in shown.stderr
    rows = [line.split()[:2] for line in shown.stdout.splitlines()[1:]]
    assert rows == [["Created", "1"]] + [["Updated", str(n)] for n in range(2, 6)]
    data = json.loads(run("history", "conc", "k", "--json").stdout)
    assert [(d["version"], d["chamberVersion"], d["ssmVersion"]) for d in data] == [
        (1, 1, 1),
        (2, 1, 2),
        (3, 1, 3),
        (4, 1, 4),
        (5, 2, 5),
    ]
    for entry, value in zip(data, ["v0", "v1", "v2", "v3", "v4"], strict=True):
        assert isinstance(entry["version"], int)
        read = run("read", "-q", "conc", "k", "--version", str(entry["version"]))
        assert read.stdout == value + "\n", read.stderr
    as_json = json.loads(run("read", "conc", "k", "--version", "3", "--json").stdout)
    assert (as_json["version"], as_json["value"]) == (3, "v2")


def test_version_zero_is_a_version_without_chamber_counter(run: Run, ssm: Any) -> None:
    _put(ssm, "/other/k", "from-another-tool", None)
    assert run("read", "-q", "other", "k", "--version", "0").stdout == "from-another-tool\n"
    run("write", "other", "k", "by-secretctl")
    assert json.loads(run("history", "other", "k", "--json").stdout)[1]["version"] == 1
    assert run("read", "-q", "other", "k", "--version", "0").stdout == "from-another-tool\n"
    assert run("read", "-q", "other", "k", "--version", "1").stdout == "by-secretctl\n"
    refused = run("read", "other", "k", "--version", "-1")
    assert refused.returncode == 2


class _OtherWriter(CountingProxy):
    """Before the first PutParameter reaches moto, another writer writes the same secret."""

    def __init__(self, upstream: str, ssm: Any, name: str) -> None:
        super().__init__(upstream)
        self.ssm, self.name, self.done = ssm, name, False

    def fault_for(self, operation: str) -> Fault | None:
        if operation == "PutParameter" and not self.done:
            self.done = True
            _put(self.ssm, self.name, "theirs", "2")
        return None


@pytest.fixture
def other_writer(moto: MotoServer, ssm: Any) -> Iterator[_OtherWriter]:
    with running(_OtherWriter(moto.url, ssm, "/conc/k")) as proxy:
        yield proxy


def test_a_write_that_raced_says_so(
    run: Run, ssm: Any, other_writer: _OtherWriter, tmp_path: Any
) -> None:
    _put(ssm, "/conc/k", "first", "1")
    result = run("write", "conc", "k", "mine", env_extra={"AWS_ENDPOINT_URL": other_writer.url})
    assert result.returncode == 0
    assert result.stderr == (
        "warning: another writer wrote /conc/k at the same time: SSM stored this value as "
        "version 3, not 2; `secretctl history` lists every version\n"
    )
    data = json.loads(run("history", "conc", "k", "--json").stdout)
    assert [(d["version"], d["chamberVersion"]) for d in data] == [(1, 1), (2, 2), (3, 2)]
    assert run("read", "-q", "conc", "k", "--version", "2").stdout == "theirs\n"
    calm = run("write", "conc", "k", "later")  # no other writer: no warning
    assert (calm.returncode, calm.stderr) == (0, "")


def test_import_that_raced_says_so(
    run: Run, ssm: Any, other_writer: _OtherWriter, tmp_path: Any
) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps({"k": "mine"}))
    result = run("import", "conc", str(source), env_extra={"AWS_ENDPOINT_URL": other_writer.url})
    assert result.returncode == 0
    assert result.stdout == "1 written, 0 unchanged\n"
    assert "another writer wrote /conc/k at the same time" in result.stderr


def test_concurrent_writers_leave_no_value_unreachable(aws_env: dict[str, str]) -> None:
    """The issue's scenario: five writes at once; whatever the interleaving, history lists all
    five values under numbers that read --version takes."""
    writers = [
        subprocess.Popen(
            [secretctl_path(), "write", "race", "k", f"v{i}"],
            env=aws_env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(5)
    ]
    warned = sum("another writer wrote" in w.communicate(timeout=120)[1] for w in writers)
    assert all(w.returncode == 0 for w in writers)

    def run(*args: str) -> str:
        done = subprocess.run(
            [secretctl_path(), *args], env=aws_env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    history = json.loads(run("history", "race", "k", "--json"))
    assert len({h["version"] for h in history}) == 5
    values = {run("read", "-q", "race", "k", "--version", str(h["version"])) for h in history}
    assert values == {f"v{i}\n" for i in range(5)}
    # a writer warns when SSM's version is not the one after what it read: some writer warned
    # exactly when two read the same previous version, that is when counters repeat
    counters = [h["chamberVersion"] for h in history]
    assert (warned > 0) == (len(set(counters)) < len(counters))
