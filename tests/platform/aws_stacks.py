"""The three stacks whose every resource the AWS-side tests judge: the two examples and the IAM
proof's matrix stack, each run once (the real ``__main__.py`` under the one mocks harness)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from access_report.harness import ProgramRun, run_stack_file

ROOT = Path(__file__).resolve().parents[2]
STACK_FILES = {
    "dev": ROOT / "Pulumi.dev.yaml",
    "prod": ROOT / "Pulumi.prod.yaml",
    "matrix": ROOT / "tests" / "proof" / "iam" / "Pulumi.matrix.yaml",
}


@cache
def stack_run(stack: str) -> ProgramRun:
    """What the program registers for ``stack`` (one run per test session)."""
    return run_stack_file(STACK_FILES[stack])
