"""The store a command works with."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from secretctl.store.base import Store


def open_store(retries: int | None) -> Store:
    """The SSM store, over the lean AWS path or boto3 (``SsmStore.from_environment``)."""
    from secretctl.store.ssm import SsmStore

    return SsmStore.from_environment(retries)
