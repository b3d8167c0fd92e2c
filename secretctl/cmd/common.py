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


def _global(ctx: click.Context, name: str) -> object:
    """A global option's value (``secretctl --retries 3 read ...``)."""
    return (ctx.find_root().obj or {}).get(name)


def get_store(ctx: click.Context) -> Store:
    """The SSM store for this invocation, created on first use (boto3 loads only then)."""
    from secretctl.store.ssm import SsmStore

    root = ctx.find_root()
    if root.obj is None:
        root.obj = {}
    if "store" not in root.obj:
        root.obj["store"] = SsmStore.from_environment(
            _global(ctx, "retries"),  # type: ignore[arg-type]
            _global(ctx, "timeout"),  # type: ignore[arg-type]
        )
    return root.obj["store"]  # type: ignore[no-any-return]


def warn(message: str) -> None:
    click.echo(message, err=True)
