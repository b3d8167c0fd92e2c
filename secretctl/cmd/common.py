"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from secretctl.store.base import SecretReader, Store

F = TypeVar("F", bound=Callable[..., Any])

preserve_case_option = click.option(
    "--preserve-case",
    is_flag=True,
    envvar="SECRETCTL_PRESERVE_CASE",
    help="Keep the case of services and keys (default: lowercase them, as chamber does). "
    "Env: SECRETCTL_PRESERVE_CASE=1.",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def get_store(ctx: click.Context) -> Store:
    """The SSM store for this invocation, created on first use (boto3 loads only then)."""
    from secretctl.store.ssm import SsmStore

    root = ctx.find_root()
    if root.obj is None:
        root.obj = {}
    if "store" not in root.obj:
        root.obj["store"] = SsmStore.from_environment(root.obj.get("retries"))
    return root.obj["store"]  # type: ignore[no-any-return]


def get_reader(ctx: click.Context) -> SecretReader:
    """What exec, env, export and ``read -q`` read through: the lean AWS path (no boto3) where
    it serves this environment exactly as boto3 would, else the boto3 store."""
    from secretctl.aws.settings import lean_settings

    settings = lean_settings(os.environ)
    if settings is None:
        return get_store(ctx)
    from secretctl.store.ssm import retries_from_env
    from secretctl.store.ssm_lean import LeanSsmReader

    retries = (ctx.find_root().obj or {}).get("retries")
    return LeanSsmReader(settings, retries if retries is not None else retries_from_env(os.environ))


def warn(message: str) -> None:
    click.echo(message, err=True)


def stdin_is_tty() -> bool:
    return os.isatty(0)
