from __future__ import annotations

import click

from secretctl.cmd.common import get_store, json_option, preserve_case_option, warn


@click.command("history")
@click.argument("service")
@click.argument("key")
@json_option
@preserve_case_option
@click.pass_context
def history_cmd(
    ctx: click.Context, service: str, key: str, as_json: bool, preserve_case: bool
) -> None:
    """Show every version of secret KEY of SERVICE.

    Versions go by chamber's counter; where concurrent writers made it repeat, by SSM's own
    version numbers (said on stderr). `read --version` takes the numbers shown."""
    from secretctl.output import format_table, format_time, iso_time, to_json
    from secretctl.secrets import history
    from secretctl.versions import SSM, repeat_note

    name, changes, numbering = history(get_store(ctx), service, key, preserve_case=preserve_case)
    if numbering == SSM:
        warn(repeat_note(name))
    if as_json:
        click.echo(
            to_json(
                [
                    {
                        "event": c.event,
                        "version": c.version,
                        "date": iso_time(c.last_modified),
                        "user": c.user,
                        "chamberVersion": c.counter,
                        "ssmVersion": c.ssm_version,
                    }
                    for c in changes
                ]
            )
        )
        return
    rows = [[c.event, str(c.version), format_time(c.last_modified), c.user] for c in changes]
    click.echo(format_table(["Event", "Version", "Date", "User"], rows))
