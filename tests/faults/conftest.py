"""The fault suite prints its table of cases (command, fault, path, outcome, wall time) at
the end of the run."""

from __future__ import annotations

from typing import Any

from tests.faults.runner import CaseResult, outcome

RESULTS: list[CaseResult] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    rows = [
        (
            r.target.name,
            r.row.name,
            r.backend,
            outcome(r),
            f"{r.first.seconds:.1f} s",
            f"rerun {'ok' if r.second.returncode == 0 else 'FAILED'} {r.second.seconds:.1f} s",
        )
        for r in RESULTS
    ]
    headers = ("command", "fault", "path", "faulted run", "wall", "rerun")
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    terminalreporter.section("fault cases")
    for line in [headers, *rows]:
        terminalreporter.write_line(
            "  ".join(f"{c:<{w}}" for c, w in zip(line, widths, strict=True)).rstrip()
        )
