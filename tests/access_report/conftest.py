"""Fixtures of the access_report tests: Mermaid's own parser (a Node process, pinned in
``node/``), and stack config files written from Python data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.proof.prereq import require, require_command

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = Path(__file__).resolve().parent / "node"
PARSER = NODE_DIR / "parse.mjs"
PACKAGES = ("mermaid", "jsdom")

Parse = Callable[[Sequence[str]], list[dict[str, Any]]]


@pytest.fixture(scope="session")
def mermaid_parse() -> Parse:
    """Parse diagrams with the `mermaid` package's own parser (Node 20+, `npm ci --prefix
    tests/access_report/node`; outside CI a missing one skips, under CI=true it fails)."""
    node = require_command("node", "Node.js 20 or later, e.g. `apt-get install nodejs npm`")
    installed = all((NODE_DIR / "node_modules" / p / "package.json").is_file() for p in PACKAGES)
    require(installed, "the Mermaid parser: `npm ci --prefix tests/access_report/node`")

    def parse(diagrams: Sequence[str]) -> list[dict[str, Any]]:
        done = subprocess.run(
            [node, str(PARSER)],
            input=json.dumps(list(diagrams)),
            capture_output=True,
            text=True,
            cwd=NODE_DIR,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return parse


StackFile = Callable[..., Path]


@pytest.fixture
def stack_file(tmp_path: Path) -> StackFile:
    """Write ``Pulumi.<stack>.yaml`` from ``config`` (keys without the namespace, except
    ``aws:*``) under ``directory`` (default: a temporary directory) and return its path."""

    def write(config: dict[str, Any], stack: str = "dev", directory: Path | None = None) -> Path:
        values = {
            key if key.startswith("aws:") else f"secrets-platform:{key}": value
            for key, value in config.items()
        }
        path = (directory or tmp_path) / f"Pulumi.{stack}.yaml"
        path.write_text(yaml.safe_dump({"config": values}, sort_keys=False))
        return path

    return write


def run_access_report(
    args: Sequence[str], cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m access_report ARGS`` as a user runs it (this checkout's code)."""
    env = dict(os.environ if env is None else env, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "access_report", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )
