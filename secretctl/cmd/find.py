from __future__ import annotations

import click

from secretctl.cmd.common import ValueCommand, get_store, json_option


@click.command("find", cls=ValueCommand)
@click.argument("term")
@click.option("-v", "--by-value", is_flag=True, help="Match values instead of key names.")
@json_option
@click.pass_context
def find_cmd(ctx: click.Context, term: str, by_value: bool, as_json: bool) -> None:
    """Find the services holding a key (or, with --by-value, a value) equal to TERM.

    With --by-value, TERM '-' reads the value from stdin, exactly as 'write -' does (a
    trailing newline is part of it), so it stays out of argv."""
    from secretctl.output import format_table, to_json
    from secretctl.secrets import find

    if by_value and term == "-":  # keeps the value out of argv
        import sys

        from secretctl.values import decode_input

        term = decode_input(sys.stdin.buffer.read(), "stdin")
    matches = find(get_store(ctx), term, by_value=by_value)
    if as_json:
        click.echo(to_json([{"service": m.service, "key": m.key} for m in matches]))
    else:
        click.echo(format_table(["Service", "Key"], [[m.service, m.key] for m in matches]))
