"""Prerequisites of the proof suites: outside CI a missing one skips the test with what to
install; under CI (CI=true) it fails, so CI can never pass by skipping the proof."""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, what: str) -> None:
    """Skip (outside CI) or fail (in CI) unless ``available``; ``what`` says how to fix it."""
    if available:
        return
    if in_ci():
        pytest.fail(f"missing prerequisite in CI: {what}")
    pytest.skip(f"missing prerequisite: {what}")


def require_root() -> None:
    require(os.geteuid() == 0, "root (network namespaces, veth, iptables need it)")


def require_command(name: str, install_hint: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"`{name}` on PATH ({install_hint})")
    assert path is not None
    return path
