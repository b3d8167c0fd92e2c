from __future__ import annotations

import sys

import click

from secretctl.cmd.common import ValueCommand, get_store, preserve_case_option, warn


@click.command("write", cls=ValueCommand)
@click.argument("service")
@click.argument("key")
@click.argument("value")
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
@preserve_case_option
@click.pass_context
def write_cmd(
    ctx: click.Context,
    service: str,
    key: str,
    value: str,
    singleline: bool,
    skip_unchanged: bool,
    tier: str | None,
    preserve_case: bool,
) -> None:
    """Store VALUE as secret KEY of SERVICE (VALUE '-' reads stdin exactly)."""
    from secretctl.naming import normalize_key, writable_service
    from secretctl.secrets import write_secret
    from secretctl.values import decode_input, first_line, tier_name

    writable_service(service)
    normalize_key(key)
    if value == "-":
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
    )
    if not result.written:
        warn(f"unchanged: {result.name}")
    if result.race:
        warn(result.race)
