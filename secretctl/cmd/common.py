"""Options and helpers shared by the subcommands."""

from __future__ import annotations

from typing import Any

import click

from secretctl.errors import UsageError
from secretctl.global_options import GlobalOptions
from secretctl.store.base import Store

PRESERVE_CASE_VARIABLE = "SECRETCTL_PRESERVE_CASE"

preserve_case_option = click.option(
    "--preserve-case",
    is_flag=True,
    envvar=PRESERVE_CASE_VARIABLE,
    help="Keep the case of services and keys (default: lowercase them, as chamber does). "
    f"Env: {PRESERVE_CASE_VARIABLE}=1.",
)


def preserve_case_from_env() -> bool:
    """SECRETCTL_PRESERVE_CASE as click reads a flag's variable (for ``env``, whose ``-p``
    is chamber's and does more than the variable)."""
    import os

    raw = os.environ.get(PRESERVE_CASE_VARIABLE, "")
    try:
        return bool(click.BOOL.convert(raw, None, None)) if raw.strip() else False
    except click.BadParameter:
        raise UsageError(
            f"{PRESERVE_CASE_VARIABLE} must be a boolean (1/0, true/false, yes/no), not {raw!r}"
        ) from None


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def global_options(ctx: click.Context) -> GlobalOptions:
    """The options given before the command (``secretctl -r 3 read ...``)."""
    obj = ctx.find_root().obj or {}
    return obj.get("options") or GlobalOptions()  # type: ignore[no-any-return]


def get_store(ctx: click.Context) -> Store:
    """The SSM store for this invocation, created on first use (boto3 loads only then)."""
    from secretctl.global_options import open_store

    root = ctx.find_root()
    if root.obj is None:
        root.obj = {}
    if "store" not in root.obj:
        root.obj["store"] = open_store(global_options(ctx))
    return root.obj["store"]  # type: ignore[no-any-return]


def warn(message: str) -> None:
    click.echo(message, err=True)


class ValueCommand(click.Command):
    """A command with an argument that may be a secret value (``write``'s VALUE, ``find``'s
    TERM). click's usage errors quote the arguments they could not place, which may be (part
    of) that value: these say what was wrong without showing them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context_settings = {**self.context_settings, "allow_extra_args": True}  # see below

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            rest = super().parse_args(ctx, args)
        except click.NoSuchOption:
            raise click.UsageError(
                f"{self.name} was given an option it does not have (not shown: it may be a "
                "value); a value that starts with '-' goes after '--' (secretctl "
                f"{self.name} ... -- VALUE) or on stdin ('-')",
                ctx=ctx,
            ) from None
        if ctx.args:
            extra = len(ctx.args)
            raise click.UsageError(
                f"{self.name} was given {extra} more argument{'s' if extra > 1 else ''} than "
                f"it takes (not shown: {'they' if extra > 1 else 'it'} may be part of a "
                "value); quote a value that holds spaces, or give '-' and pass it on stdin",
                ctx=ctx,
            )
        return rest
