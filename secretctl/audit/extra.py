"""The optional ``audit`` extra: a missing package is one line naming the install command."""

from __future__ import annotations

import importlib
from types import ModuleType

from secretctl.errors import SecretctlError

INSTALL = "pip install 'secretctl[audit]'"


class MissingExtraError(SecretctlError):
    """The audit extra is not installed."""


def require_extra(module: str) -> ModuleType:
    """Import ``module`` from the audit extra, or raise the one-line install hint."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"secretctl audit needs the optional package {module!r}: {INSTALL}"
        ) from None
