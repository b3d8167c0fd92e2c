"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import click

from secretctl.store.base import Store

preserve_case_option = click.option(
    "--preserve-case",
    is_flag=True,
    envvar="SECRETCTL_PRESERVE_CASE",
    help="Keep the case of services and keys (default: lowercase them, as chamber does). "
    "Env: SECRETCTL_PRESERVE_CASE=1.",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _retries(ctx: click.Context) -> int | None:
    return (ctx.find_root().obj or {}).get("retries")  # type: ignore[no-any-return]


def get_store(ctx: click.Context) -> Store:
    """The SSM store for this invocation, created on first use (boto3 loads only then)."""
    from secretctl.store.ssm import SsmStore

    root = ctx.find_root()
    if root.obj is None:
        root.obj = {}
    if "store" not in root.obj:
        root.obj["store"] = SsmStore.from_environment(_retries(ctx))
    return root.obj["store"]  # type: ignore[no-any-return]


def warn(message: str) -> None:
    click.echo(message, err=True)
