"""Options and helpers shared by the subcommands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from secretctl.errors import UsageError
from secretctl.global_options import GlobalOptions
from secretctl.store.base import Store

PRESERVE_CASE_VARIABLE = "SECRETCTL_PRESERVE_CASE"
F = TypeVar("F", bound=Callable[..., Any])

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


def tags_option(*names: str) -> Callable[[F], F]:
    """``--tags k=v,...`` for commands that create secrets: the tags of new secrets (chamber's
    ``write -t/--tags``); repeatable. Parsed with ``tags.parse_tags``."""
    return click.option(
        *names,
        "tags",
        multiple=True,
        metavar="K=V,...",
        help="Tags for new secrets only, e.g. owner=team-a,tier=1 (repeatable); the tags "
        "that /_chamber/store-config requires must be among them.",
    )


def complete_paths(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of an argument that names a file: the shell completes paths."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def quiet_option(help: str) -> Callable[[F], F]:  # noqa: A002
    """``-q/--quiet`` for commands that show progress on a terminal."""
    return click.option("-q", "--quiet", is_flag=True, help=help)


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
