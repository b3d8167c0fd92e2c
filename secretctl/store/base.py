"""The storage interface every backend implements, and the records it returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol


@dataclass(frozen=True)
class SecretMeta:
    """One secret as listed or read. ``version`` is chamber's counter (0 when absent)."""

    name: str
    version: int
    last_modified: datetime
    user: str
    value: str | None = None


@dataclass(frozen=True)
class Change:
    """One version in a secret's history. ``version`` is the number it goes by: chamber's
    counter as stored (0 when absent), or SSM's own number (see ``versions.py``)."""

    event: str  # "Created" or "Updated", as chamber reports them
    version: int
    last_modified: datetime
    user: str
    counter: int = 0  # chamber's counter as stored in the Description (0 when absent)
    ssm_version: int = 0  # SSM's own version number
    value: str | None = None  # only when asked for


class Current(NamedTuple):
    """A secret's current version: chamber's counter and SSM's own number."""

    counter: int
    ssm_version: int


class SecretReader(Protocol):
    """What container start needs: exec, env, export and ``read -q`` use only this."""

    def read_value(self, name: str) -> str | None:
        """The current value, or None when the secret does not exist (one request)."""

    def read_service(
        self, service: str, on_read: Callable[[int], None] | None = None
    ) -> dict[str, str]:
        """Every key and value directly under a service; ``on_read(n)`` as ``n`` more are
        read (for progress)."""


class Store(SecretReader, Protocol):
    """What secretctl needs from a backend. Names are full parameter names (``/svc/key``)."""

    def read(self, name: str) -> SecretMeta | None:
        """Value and metadata, or None when the secret does not exist (two requests)."""

    def current_versions(self, names: list[str]) -> dict[str, Current]:
        """The current version of each existing name (absent names are left out)."""

    def write(
        self,
        name: str,
        value: str,
        version: int,
        tier: str | None,
        tags: dict[str, str] | None = None,
    ) -> int:
        """Store a value as a new version carrying chamber's counter ``version``; return the
        version number SSM gave it. ``tags``: create a new secret with them (an error when the
        secret exists)."""

    def read_tags(self, name: str) -> dict[str, str] | None:
        """A secret's tags; None when the secret does not exist."""

    def add_tags(self, name: str, tags: dict[str, str]) -> bool:
        """Add or update tags; False when the secret does not exist."""

    def remove_tags(self, name: str, keys: list[str]) -> bool:
        """Remove tags by key; False when the secret does not exist."""

    def delete(self, name: str) -> bool:
        """Delete every version; False when the secret did not exist."""

    def delete_batch(self, names: list[str]) -> list[str]:
        """Delete up to 10 secrets in one request; returns the names that did not exist."""

    def list(self, service: str) -> list[SecretMeta]:
        """Metadata of every secret directly under a service (values not included)."""

    def list_names(self, prefix: str = "") -> list[str]:
        """Every parameter name that begins with ``prefix``."""

    def read_all(self) -> dict[str, str]:
        """Every parameter name and value in the account and region."""

    def history(self, name: str, with_values: bool = False) -> list[Change]:
        """Every version, oldest first, by chamber's counter; empty when the secret does not
        exist."""
