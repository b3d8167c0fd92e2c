"""Helpers for the component tests (the ``run`` fixture is in conftest.py): components run
through the one mocks harness, ``access_report.harness.run_components``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from access_report.harness import DEFAULT_ACCOUNT, DEFAULT_REGION, ProgramRun
from policies.context import AwsContext

ACCOUNT = DEFAULT_ACCOUNT
REGION = DEFAULT_REGION
CTX = AwsContext(account=ACCOUNT, region=REGION)
#: The role path the tests give components (the program's is /secrets-platform/<stack>/).
ROLE_PATH = "/secrets-platform/test/"

Build = Callable[[Any], None]


def doc(run: ProgramRun, name: str, field_name: str = "policy") -> dict[str, Any]:
    return json.loads(run.named(name).inputs[field_name])


BLOCK_PUBLIC_ACCESS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def blocks_public_access(run: ProgramRun, name: str) -> bool:
    """The public-access block ``name`` sets all four of S3's settings."""
    settings = run.named(name).inputs
    return all(settings[key] is True for key in BLOCK_PUBLIC_ACCESS)
