from __future__ import annotations

import sys

import click

from secretctl.cmd.common import (
    ValueCommand,
    get_store,
    preserve_case_option,
    tags_option,
    warn,
)


@click.command("write", cls=ValueCommand)
@click.argument("service")
@click.argument("key")
@click.argument("value", required=False, metavar="[VALUE|-]")
@click.option(
    "-s",
    "--singleline",
    is_flag=True,
    help="With '-', keep only the first line of stdin (up to its first newline).",
)
@click.option("--skip-unchanged", is_flag=True, help="Do not write when the value is unchanged.")
@click.option(
    "--tier",
    type=click.Choice(["standard", "advanced"], case_sensitive=False),
    help="SSM tier; advanced stores values up to 8 KiB.",
)
@tags_option("-t", "--tags")
@preserve_case_option
@click.pass_context
def write_cmd(
    ctx: click.Context,
    service: str,
    key: str,
    value: str | None,
    singleline: bool,
    skip_unchanged: bool,
    tier: str | None,
    tags: tuple[str, ...],
    preserve_case: bool,
) -> None:
    """Store VALUE as secret KEY of SERVICE. VALUE '-' reads stdin exactly; with no VALUE, on a
    terminal, secretctl asks for it twice without echo (so it stays out of argv and history)."""
    from secretctl.errors import UsageError
    from secretctl.naming import normalize_key, parameter_name, writable_service
    from secretctl.prompts import ask_value_twice, on_terminal
    from secretctl.secrets import write_secret
    from secretctl.tags import parse_tags
    from secretctl.values import decode_input, first_line, tier_name

    stored_as = parameter_name(
        writable_service(service, preserve_case), normalize_key(key, preserve_case)
    )
    new_tags = parse_tags(tags)
    if value is None:
        if not on_terminal():
            raise UsageError(
                "write needs VALUE, or '-' to read it from stdin (e.g. "
                f"`... | secretctl write {service} {key} -`); with neither, it asks on a "
                "terminal, and stdin is not one"
            )
        value = ask_value_twice(stored_as)
    elif value == "-":
        value = decode_input(sys.stdin.buffer.read(), "stdin")
        if singleline:
            value = first_line(value)
    result = write_secret(
        get_store(ctx),
        service,
        key,
        value,
        tier=tier_name(tier),
        skip_unchanged=skip_unchanged,
        preserve_case=preserve_case,
        tags=new_tags,
    )
    if not result.written:
        warn(f"unchanged: {result.name}")
    if result.race:
        warn(result.race)
