from __future__ import annotations

from collections.abc import Callable

import pytest

from access_report.harness import ProgramRun, run_components
from tests.components.component_support import Build


@pytest.fixture
def run() -> Callable[[Build], ProgramRun]:
    """Run ``build(context)`` under mocks and return what it registered."""
    return run_components
