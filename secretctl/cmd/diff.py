from __future__ import annotations

from typing import Any

import click

from secretctl.cmd.common import (
    ask_mfa_code,
    global_options,
    json_option,
    preserve_case_option,
    side_options,
    sides_from,
)
from secretctl.errors import SecretctlError


@click.command("diff")
@click.argument("source", metavar="SRC")
@click.argument("destination", metavar="DST")
@click.option("--show-values", is_flag=True, help="Show the values that differ (never by default).")
@json_option
@side_options
@preserve_case_option
@click.pass_context
def diff_cmd(
    ctx: click.Context,
    source: str,
    destination: str,
    show_values: bool,
    as_json: bool,
    preserve_case: bool,
    **options: Any,
) -> None:
    """Compare the secrets of services SRC and DST: keys only in SRC (-), only in DST (+), with
    different values (~), and how many are equal.

    Exit status 0 when they are equal, 1 when they differ, 2 on any error (as diff and cmp).
    Either side can be in another account or region (--from-*/--to-* options)."""
    try:
        differs = _diff(ctx, source, destination, show_values, as_json, preserve_case, options)
    except SecretctlError as err:
        err.exit_code = 2
        raise
    except (click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
        raise
    except Exception as err:
        from secretctl.errors import unexpected

        raise unexpected(err, exit_code=2) from err
    if differs:
        ctx.exit(1)


def _diff(
    ctx: click.Context,
    source: str,
    destination: str,
    show_values: bool,
    as_json: bool,
    preserve_case: bool,
    options: dict[str, Any],
) -> bool:
    from secretctl.across import diff, read_pair
    from secretctl.diffing import diff_document, diff_lines
    from secretctl.output import to_json
    from secretctl.sides import open_stores

    src, dst = sides_from(source, destination, options)
    src_store, dst_store = open_stores(
        global_options(ctx), src, dst, preserve_case=preserve_case, ask_code=ask_mfa_code
    )
    pair = read_pair(src_store, dst_store, source, destination, preserve_case=preserve_case)
    result = diff(pair)
    if as_json:
        document = diff_document(result, pair.source_values, pair.destination_values, show_values)
        click.echo(to_json({"source": pair.source, "destination": pair.destination, **document}))
    else:
        lines = diff_lines(result, pair.source_values, pair.destination_values, show_values)
        click.echo("\n".join(lines))
    return result.differs
