"""secretctl under injected faults: every command of ``cases.TARGETS`` under every fault of
``cases.ROWS``, over the lean path and boto3. Each case holds secretctl to a bounded wall time
(generous: it is about correctness, not speed), a one-line error or a success, an exact and
honest count of what was written, and a rerun against the healthy endpoint that converges
with no duplicate versions."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devtools.moto_server import MotoServer
from tests.faults.cases import ROWS, SUCCESS, TARGETS, FaultRow, Target, expected, promise_table
from tests.faults.conftest import RESULTS
from tests.faults.runner import (
    EXPORT_BEFORE,
    IMPORTED,
    SEEDED,
    TO_IMPORT,
    WRITE_KEY,
    WRITE_VALUE,
    CaseResult,
    delete_report,
    import_counts,
    run_case,
)

BOUND_SECONDS = 90.0  # no faulted run may take longer (the slowest case needs about 20 s)
CONCURRENT_CASES = 8  # cases mostly wait (timeouts, backoff): run several at once
BACKENDS = ["lean", "boto3"]
MAYBE_APPLIED = "may or may not have been applied"


def case_id(row: FaultRow, target: Target, backend: str) -> str:
    return f"{target.name} / {row.name} / {backend}"


@pytest.fixture(scope="session")
def fault_results(
    request: pytest.FixtureRequest, moto: MotoServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, CaseResult]:
    """Every selected case, run once, several at a time, in the table's order."""
    selected = [
        (
            item.callspec.params["row"],
            item.callspec.params["target"],
            item.callspec.params["backend"],
        )
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_fault"
    ]
    order = sorted(range(len(selected)), key=lambda i: not selected[i][0].slow)
    with ThreadPoolExecutor(max_workers=CONCURRENT_CASES) as pool:
        futures = {
            case_id(*case): pool.submit(
                run_case,
                moto,
                f"{100000000000 + number:012d}",  # an account per case
                *case,
                tmp_path_factory.mktemp("fault"),
                f"faults{number}",
            )
            for number, case in ((i, selected[i]) for i in order)
        }
    results = {case_id(*case): futures[case_id(*case)].result() for case in selected}
    RESULTS.extend(results.values())
    return results


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name.replace(" ", "-"))
def test_fault(
    row: FaultRow, target: Target, backend: str, fault_results: dict[str, CaseResult]
) -> None:
    result = fault_results[case_id(row, target, backend)]
    check_faulted_run(result)
    check_rerun(result)


def check_faulted_run(result: CaseResult) -> None:
    first, target = result.first, result.target
    assert first.seconds < BOUND_SECONDS, result.id
    lines = first.stderr.splitlines()
    if expected(result.row, target) == SUCCESS:
        assert first.returncode == 0, first.stderr
        assert lines == [], first.stderr
    else:
        assert first.returncode == 1, (first.returncode, first.stderr)
        assert len(lines) == 1 and lines[0].startswith("secretctl: error: "), first.stderr
    ok = first.returncode == 0
    values = result.after_fault.values
    if target.name == "exec":
        assert first.stdout == ("old-7\n" if ok else "")
    elif target.name == "export":
        assert result.export_after_fault is not None
        if ok:
            assert json.loads(result.export_after_fault) == SEEDED
        else:
            assert result.export_after_fault == EXPORT_BEFORE  # untouched
    elif target.name == "write":
        applied = ok or result.puts_applied_unanswered > 0
        assert values[WRITE_KEY] == (WRITE_VALUE if applied else SEEDED[WRITE_KEY])
        if applied and not ok:
            assert MAYBE_APPLIED in first.stderr
    elif target.name in {"import", "copy"}:
        check_import_counts(result)
    elif target.name == "delete --all":
        check_delete_report(result)


def check_import_counts(result: CaseResult) -> None:
    """written <= stored <= written + unknown, exactly as the proxy saw it."""
    first = result.first
    stored = sum(result.after_fault.values.get(k) == v for k, v in TO_IMPORT.items())
    if first.returncode == 0:
        assert first.stdout == written_line(result.target, TO_IMPORT)
        assert stored == len(TO_IMPORT) == result.puts_answered
        return
    counts = import_counts(first.stderr)
    if counts is None:  # stopped before any write (its first requests failed)
        assert result.puts_answered == stored == 0, first.stderr
        return
    written, unknown = counts["written"], counts["unknown"]
    assert written == result.puts_answered
    assert counts["unchanged"] == 5
    assert written + unknown + counts["failed"] + counts["not_attempted"] == len(TO_IMPORT)
    assert written <= stored <= written + unknown
    assert stored == written + result.puts_applied_unanswered  # exact: the proxy knows
    assert unknown >= result.puts_applied_unanswered


def written_line(target: Target, written: dict[str, str]) -> str:
    """What import or copy prints when it wrote ``written`` (the rest of IMPORTED unchanged)."""
    unchanged = len(IMPORTED) - len(written)
    if target.name == "import":
        return f"{len(written)} written, {unchanged} unchanged\n"
    changed = sum(key in SEEDED for key in written)
    return f"{len(written) - changed} added, {changed} changed, {unchanged} unchanged, 0 deleted\n"


def check_delete_report(result: CaseResult) -> None:
    """The keys named as remaining remain; those named unknown remain unless the proxy let their
    batch through; the rest are gone."""
    first = result.first
    remaining = set(result.after_fault.values)
    if first.returncode == 0:
        assert first.stdout.startswith(f"{len(SEEDED)} deleted from ")
        assert remaining == set()
        return
    report = delete_report(first.stderr)
    if report is None:  # stopped before deleting (the listing failed)
        assert result.deletes_answered == 0 and remaining == set(SEEDED), first.stderr
        return
    deleted, remain, unknown = report
    assert deleted + len(remain) + len(unknown) == len(SEEDED)
    assert deleted == min(10 * result.deletes_answered, len(SEEDED))
    gone_anyway = result.deletes_applied_unanswered > 0
    assert remaining == set(remain) | (set() if gone_anyway else set(unknown))
    assert len(unknown) == (10 if batch_maybe_applied(result) else 0)


def batch_maybe_applied(result: CaseResult) -> bool:
    """Whether the failed batch was sent and got no answer (it may have been applied)."""
    return any(
        kind in {"reset", "truncate", "hang", "refuse"}
        for (operation, kind), _ in result.injected.items()
        if operation == "DeleteParameters"
    )


def check_rerun(result: CaseResult) -> None:
    """The same command against the healthy endpoint: success, the whole result, and every key
    with exactly the versions it should have (none written twice)."""
    second, target = result.second, result.target
    assert second.returncode == 0, second.stderr
    assert second.seconds < BOUND_SECONDS
    after = result.after_rerun
    expected_versions = {key: ["1"] for key in SEEDED}
    if target.name == "exec":
        assert second.stdout == "old-7\n"
    elif target.name == "export":
        assert result.export_after_rerun is not None
        assert json.loads(result.export_after_rerun) == SEEDED
    elif target.name == "write":
        assert after.values[WRITE_KEY] == WRITE_VALUE
        expected_versions[WRITE_KEY] = ["1", "2"]
    elif target.name in {"import", "copy"}:
        left = {k: v for k, v in TO_IMPORT.items() if result.after_fault.values.get(k) != v}
        assert second.stdout == written_line(target, left)
        assert {k: after.values[k] for k in IMPORTED} == IMPORTED
        expected_versions.update({k: ["1", "2"] for k in TO_IMPORT if k in SEEDED})
        expected_versions.update({k: ["1"] for k in TO_IMPORT if k not in SEEDED})
    elif target.name == "delete --all":
        remaining = len(result.after_fault.values)
        done = rf"{remaining} deleted from faults\d+\n" if remaining else ""
        assert re.fullmatch(done, second.stdout), second.stdout
        assert after.values == {}
        expected_versions = {}
    assert after.versions == expected_versions


def test_readme_states_the_promises() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert promise_table() in readme, "README's reliability table differs from cases.py"
