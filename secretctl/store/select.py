"""Which backend serves a command: the boto3 store, or the lean reader for container start."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from secretctl.store.base import SecretReader, Store


def open_store(retries: int | None) -> Store:
    """The full SSM store over boto3 (every command but container start)."""
    from secretctl.store.ssm import SsmStore

    return SsmStore.from_environment(retries)


def open_reader(retries: int | None) -> SecretReader:
    """What exec, env, export and ``read -q`` read through: the lean AWS path (no boto3) where
    it serves this environment exactly as boto3 would, else the boto3 store."""
    from secretctl.aws.settings import lean_settings

    settings = lean_settings(os.environ)
    if settings is None:
        return open_store(retries)
    from secretctl.store.ssm import retries_from_env
    from secretctl.store.ssm_lean import LeanSsmReader

    return LeanSsmReader(settings, retries if retries is not None else retries_from_env(os.environ))
