from __future__ import annotations

import click

from secretctl.cmd.common import get_store, preserve_case_option, warn
from secretctl.errors import UsageError


@click.command("rollback")
@click.argument("service")
@click.argument("key")
@click.option(
    "--to-version",
    type=click.IntRange(min=0),
    metavar="N",
    help="The version whose value to restore, as `history` numbers it.",
)
@click.option("--previous", is_flag=True, help="Restore the version before the current one.")
@preserve_case_option
@click.pass_context
def rollback_cmd(
    ctx: click.Context,
    service: str,
    key: str,
    to_version: int | None,
    previous: bool,
    preserve_case: bool,
) -> None:
    """Write an old value of secret KEY of SERVICE again, as a new version (the history is
    kept; chamber's version counter goes on). Refuses when it is the current value."""
    from secretctl.naming import lookup_names
    from secretctl.rollback import rollback

    if (to_version is None) == (not previous):
        raise UsageError("rollback needs exactly one of --to-version N and --previous")
    lookup_names(service, key, preserve_case)  # names checked before any request
    result = rollback(
        get_store(ctx),
        service,
        key,
        to_version=to_version,
        previous=previous,
        preserve_case=preserve_case,
    )
    if result.race:
        warn(result.race)
    click.echo(
        f"{result.name}: version {result.restored}'s value written again as version "
        f"{result.version}"
    )
