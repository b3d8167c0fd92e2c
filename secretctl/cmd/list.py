from __future__ import annotations

import click

from secretctl.cmd.common import get_store, json_option, preserve_case_option


@click.command("list")
@click.argument("service")
@click.option("-e", "--expand", is_flag=True, help="Include the values.")
@click.option(
    "-s",
    "--sort",
    type=click.Choice(["name", "time", "user", "version"]),
    default="name",
    show_default=True,
)
@click.option("-t", "--time", "by_time", is_flag=True, help="Sort by time (as --sort time).")
@click.option("-u", "--user", "by_user", is_flag=True, help="Sort by user (as --sort user).")
@click.option(
    "-v", "--version", "by_version", is_flag=True, help="Sort by version (as --sort version)."
)
@json_option
@preserve_case_option
@click.pass_context
def list_cmd(
    ctx: click.Context,
    service: str,
    expand: bool,
    sort: str,
    by_time: bool,
    by_user: bool,
    by_version: bool,
    as_json: bool,
    preserve_case: bool,
) -> None:
    """List the secrets of SERVICE with version, date and user.

    chamber's -t, -u and -v sort too; given together, the last of time, user, version wins
    (as in chamber), and any of them wins over --sort."""
    from secretctl.output import format_table, format_time, iso_time, to_json
    from secretctl.secrets import list_secrets

    for flag, order in ((by_time, "time"), (by_user, "user"), (by_version, "version")):
        sort = order if flag else sort
    secrets = list_secrets(
        get_store(ctx), service, with_values=expand, sort=sort, preserve_case=preserve_case
    )
    if as_json:
        items = []
        for s in secrets:
            item = {
                "key": s.name.rsplit("/", 1)[1],
                "version": s.version,
                "lastModified": iso_time(s.last_modified),
                "user": s.user,
            }
            if expand:
                item["value"] = s.value
            items.append(item)
        click.echo(to_json(items))
        return
    headers = ["Key", "Version", "LastModified", "User"] + (["Value"] if expand else [])
    rows = [
        [s.name.rsplit("/", 1)[1], str(s.version), format_time(s.last_modified), s.user]
        + ([s.value or ""] if expand else [])
        for s in secrets
    ]
    click.echo(format_table(headers, rows))
