from __future__ import annotations

import click

from secretctl.cmd.common import get_store, json_option, preserve_case_option


@click.command("read")
@click.argument("service")
@click.argument("key")
@click.option("-q", "--quiet", is_flag=True, help="Print only the value and a newline.")
@click.option(
    "-v",
    "--version",
    "version",
    type=click.IntRange(min=0),
    help="Read version N, as `history` numbers it (0: a version with no chamber counter).",
)
@json_option
@preserve_case_option
@click.pass_context
def read_cmd(
    ctx: click.Context,
    service: str,
    key: str,
    quiet: bool,
    version: int | None,
    as_json: bool,
    preserve_case: bool,
) -> None:
    """Show secret KEY of SERVICE: key, value, version, last modified, user."""
    from secretctl.output import format_table, format_time, iso_time, to_json
    from secretctl.secrets import read_secret, read_value

    if quiet and version is None:
        click.echo(read_value(get_store(ctx), service, key, preserve_case=preserve_case))
        return
    secret = read_secret(get_store(ctx), service, key, version=version, preserve_case=preserve_case)
    if quiet:
        click.echo(secret.value)
    elif as_json:
        click.echo(
            to_json(
                {
                    "key": secret.name.rsplit("/", 1)[1],
                    "value": secret.value,
                    "version": secret.version,
                    "lastModified": iso_time(secret.last_modified),
                    "user": secret.user,
                }
            )
        )
    else:
        row = [
            secret.name.rsplit("/", 1)[1],
            secret.value or "",
            str(secret.version),
            format_time(secret.last_modified),
            secret.user,
        ]
        click.echo(format_table(["Key", "Value", "Version", "LastModified", "User"], [row]))
