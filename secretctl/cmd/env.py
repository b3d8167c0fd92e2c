from __future__ import annotations

import click

from secretctl.cmd.common import get_store, preserve_case_option, warn


@click.command("env")
@click.argument("services", nargs=-1, required=True)
@preserve_case_option
@click.pass_context
def env_cmd(ctx: click.Context, services: tuple[str, ...], preserve_case: bool) -> None:
    """Print 'export NAME=value' lines for SERVICES, sorted and shell-quoted."""
    from secretctl.environ import merge_services, secrets_to_env, shell_export_lines
    from secretctl.loading import empty_service_warnings, load_services

    loaded = load_services(get_store(ctx), list(services), preserve_case=preserve_case)
    for message in empty_service_warnings(loaded):
        warn(message)
    secrets, overrides = merge_services(
        [(service, secrets_to_env(values)) for service, values in loaded]
    )
    for message in overrides:
        warn(message)
    lines = shell_export_lines(secrets)
    if lines:
        click.echo("\n".join(lines))
