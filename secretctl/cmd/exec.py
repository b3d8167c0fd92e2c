from __future__ import annotations

from typing import Any

import click

from secretctl.cmd.common import get_store, global_options, preserve_case_option
from secretctl.errors import UsageError


class ExecCommand(click.Command):
    """Splits argv at the first '--': services and options before, the command after."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            at = args.index("--")
            ctx.meta["exec_argv"] = args[at + 1 :]
            args = args[:at]
        else:
            ctx.meta["exec_argv"] = None
        return super().parse_args(ctx, args)


def _commands_on_path(prefix: str) -> list[str]:
    """The programs on PATH whose names begin with ``prefix`` (what a shell completes)."""
    import os

    found: set[str] = set()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        try:
            with os.scandir(directory or ".") as entries:
                for entry in entries:
                    if entry.name.startswith(prefix) and os.access(entry.path, os.X_OK):
                        found.add(entry.name)
        except OSError:
            continue
    return sorted(found)


def _complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of exec's arguments: services are not completed (that would need
    AWS); after '--', a program on PATH (or a path), then files."""
    from click.shell_completion import CompletionItem

    argv = ctx.meta.get("exec_argv")
    if argv is None:
        return []
    if argv or "/" in incomplete:
        return [CompletionItem(incomplete, type="file")]
    return [CompletionItem(name) for name in _commands_on_path(incomplete)]


@click.command("exec", cls=ExecCommand)
@click.argument("services", nargs=-1, required=True, shell_complete=_complete)
@click.option("--pristine", is_flag=True, help="Give the command only the secrets.")
@click.option(
    "--strict",
    is_flag=True,
    help="Fill only variables already set to the placeholder; a placeholder without a "
    "secret is an error.",
)
@click.option(
    "--strict-value", default="chamberme", show_default=True, help="The placeholder value."
)
@preserve_case_option
@click.pass_context
def exec_cmd(
    ctx: click.Context,
    services: tuple[str, ...],
    pristine: bool,
    strict: bool,
    strict_value: str,
    preserve_case: bool,
) -> None:
    """Run a command with the secrets of SERVICES in its environment.

    Usage: secretctl exec SERVICE... -- COMMAND [ARGS]. Later services override earlier
    ones. secretctl replaces itself with COMMAND, so signals and the exit status are its own.
    """
    from secretctl.execing import run_exec

    argv = ctx.meta.get("exec_argv")
    if not argv:
        raise UsageError(
            "exec needs '--' and a command after the services: "
            "secretctl exec SERVICE... -- COMMAND [ARGS]"
        )
    run_exec(
        get_store(ctx),
        list(services),
        argv,
        pristine=pristine,
        strict=strict,
        strict_value=strict_value,
        preserve_case=preserve_case,
        verbose=global_options(ctx).verbose,
    )
