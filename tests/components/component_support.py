"""Run components under Pulumi mocks and read back what they registered (helpers for the
component tests; the ``run`` fixture is in conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from access_report.harness import ProgramRun, run_under_mocks
from components import current_context
from policies.context import AwsContext

ACCOUNT = "123456789012"
REGION = "us-east-1"
CTX = AwsContext(account=ACCOUNT, region=REGION)

Build = Callable[[Any], None]


def run_components(build: Build) -> ProgramRun:
    """Run ``build(context)`` under mocks; ``context`` is the provider's account and region."""
    return run_under_mocks(lambda: build(current_context()), account=ACCOUNT, region=REGION)


def doc(run: ProgramRun, name: str, field_name: str = "policy") -> dict[str, Any]:
    return json.loads(run.named(name).inputs[field_name])
