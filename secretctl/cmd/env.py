from __future__ import annotations

import click

from secretctl.cmd.common import get_store, preserve_case_option, warn


@click.command("env")
@click.argument("services", nargs=-1, required=True)
@preserve_case_option
@click.pass_context
def env_cmd(ctx: click.Context, services: tuple[str, ...], preserve_case: bool) -> None:
    """Print 'export NAME=value' lines for SERVICES, sorted and shell-quoted."""
    from secretctl.environ import shell_export_lines
    from secretctl.loading import load_environment

    env, warnings = load_environment(get_store(ctx), list(services), preserve_case=preserve_case)
    for message in warnings:
        warn(message)
    lines = shell_export_lines(env)
    if lines:
        click.echo("\n".join(lines))
