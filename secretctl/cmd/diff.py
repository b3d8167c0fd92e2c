from __future__ import annotations

from typing import Any

import click

from secretctl.cmd.common import (
    json_option,
    open_sides,
    preserve_case_option,
    quiet_option,
    side_options,
)
from secretctl.errors import exit_status_on_error


@click.command("diff")
@click.argument("source", metavar="SRC")
@click.argument("destination", metavar="DST")
@click.option("--show-values", is_flag=True, help="Show the values that differ (never by default).")
@json_option
@quiet_option("Print nothing: the exit status tells (0 equal, 1 different, 2 error).")
@side_options
@preserve_case_option
@click.pass_context
def diff_cmd(
    ctx: click.Context,
    source: str,
    destination: str,
    show_values: bool,
    as_json: bool,
    quiet: bool,
    preserve_case: bool,
    **options: Any,
) -> None:
    """Compare the secrets of services SRC and DST: keys only in SRC (-), only in DST (+), with
    different values (~), and how many are equal.

    Exit status 0 when they are equal, 1 when they differ, 2 on any error (as diff and cmp).
    Either side can be in another account or region (--from-*/--to-* options)."""
    from secretctl.across import diff, read_pair
    from secretctl.diffing import diff_document, diff_lines
    from secretctl.output import to_json
    from secretctl.progress import for_keys

    with exit_status_on_error(2):
        src_store, dst_store = open_sides(ctx, source, destination, options, preserve_case)
        with for_keys("diff", quiet=quiet, unit="keys read") as progress:
            pair = read_pair(
                src_store,
                dst_store,
                source,
                destination,
                preserve_case=preserve_case,
                on_read=progress.add if progress.enabled else None,
            )
        result = diff(pair)
    values = (result, pair.source_values, pair.destination_values, show_values)
    if as_json and not quiet:
        where = {"source": pair.source, "destination": pair.destination}
        click.echo(to_json({**where, **diff_document(*values)}))
    elif not quiet:
        click.echo("\n".join(diff_lines(*values)))
    if result.differs:
        ctx.exit(1)
