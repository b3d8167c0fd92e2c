from __future__ import annotations

import click

from secretctl.cmd.common import get_store, json_option, preserve_case_option


@click.command("list-services")
@click.argument("prefix", required=False, default="")
@click.option(
    "-s",
    "--secrets",
    "with_secrets",
    is_flag=True,
    help="List the secrets' full names (/service/key) instead (as chamber's flag).",
)
@json_option
@preserve_case_option
@click.pass_context
def list_services_cmd(
    ctx: click.Context, prefix: str, with_secrets: bool, as_json: bool, preserve_case: bool
) -> None:
    """List the services that hold secrets, under PREFIX (whole path segments) if given."""
    from secretctl.output import to_json
    from secretctl.secrets import list_secret_names, list_services

    listing = list_secret_names if with_secrets else list_services
    services = listing(get_store(ctx), prefix, preserve_case=preserve_case)
    if as_json:
        click.echo(to_json(services))
    else:
        click.echo("\n".join(["Service", *services]))
