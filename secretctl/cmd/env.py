from __future__ import annotations

import click

from secretctl.cmd.common import PRESERVE_CASE_VARIABLE, get_store, preserve_case_from_env, warn


@click.command("env")
@click.argument("services", nargs=-1, required=True)
@click.option(
    "-p",
    "--preserve-case",
    is_flag=True,
    help="Keep the case of the variable names (as chamber's flag), and of the services as "
    f"every command's --preserve-case does. {PRESERVE_CASE_VARIABLE}=1 keeps only the "
    "services' case.",
)
@click.option(
    "-e",
    "--escape-strings",
    is_flag=True,
    help='chamber\'s escaped form: export NAME="value" with \\, ", $, ` and line breaks '
    "backslash-escaped, for dotenv readers (not for a shell's eval).",
)
@click.pass_context
def env_cmd(
    ctx: click.Context, services: tuple[str, ...], preserve_case: bool, escape_strings: bool
) -> None:
    """Print 'export NAME=value' lines for SERVICES, sorted and shell-quoted."""
    from secretctl.environ import shell_export_lines
    from secretctl.loading import load_environment

    env, warnings = load_environment(
        get_store(ctx),
        list(services),
        preserve_case=preserve_case or preserve_case_from_env(),
        keep_var_case=preserve_case,
    )
    for message in warnings:
        warn(message)
    lines = shell_export_lines(env, escaped=escape_strings)
    if lines:
        click.echo("\n".join(lines))
