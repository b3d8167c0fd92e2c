"""Offline access report: run the platform program under Pulumi's mocks for a stack config
file and print what `pulumi up` would grant.

    python -m access_report Pulumi.dev.yaml

``access_report(stack_file)`` returns the same text for tests and demos.
"""

from __future__ import annotations

from pathlib import Path

from access_report.harness import (
    PlatformMocks,
    ProgramRun,
    RecordedResource,
    load_stack_config,
    run_program,
    run_stack_file,
    run_under_mocks,
)
from access_report.report import AccessReport, RoleAccess, build_report, render_text


def access_report(
    stack_file: str | Path, account: str | None = None, region: str | None = None
) -> str:
    """The printed access report of a ``Pulumi.<stack>.yaml`` file."""
    return render_text(build_report(run_stack_file(stack_file, account=account, region=region)))


__all__ = [
    "AccessReport",
    "PlatformMocks",
    "ProgramRun",
    "RecordedResource",
    "RoleAccess",
    "access_report",
    "build_report",
    "load_stack_config",
    "render_text",
    "run_program",
    "run_stack_file",
    "run_under_mocks",
]
