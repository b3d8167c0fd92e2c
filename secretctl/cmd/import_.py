from __future__ import annotations

import click

from secretctl.cmd.common import get_store, preserve_case_option, warn


@click.command("import")
@click.argument("service")
@click.argument("file", metavar="FILE|-")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["json", "yaml", "dotenv"]),
    help="Input format (default: from the file name, else detected).",
)
@click.option("--tier", type=click.Choice(["standard", "advanced"], case_sensitive=False))
@preserve_case_option
@click.pass_context
def import_cmd(
    ctx: click.Context,
    service: str,
    file: str,
    fmt: str | None,
    tier: str | None,
    preserve_case: bool,
) -> None:
    """Import a JSON or YAML object, or a dotenv file, into SERVICE.

    Unchanged keys are not rewritten (no new version)."""
    from secretctl.files import read_input
    from secretctl.formats import parse
    from secretctl.importing import import_secrets, prepare
    from secretctl.values import tier_name

    text, detected = read_input(file)
    entries = parse(text, fmt or detected, source="stdin" if file == "-" else file)
    prepare(service, entries, tier=tier_name(tier), preserve_case=preserve_case)
    result = import_secrets(
        get_store(ctx), service, entries, tier=tier_name(tier), preserve_case=preserve_case
    )
    for race in result.races:
        warn(race)
    click.echo(f"{result.written} written, {result.unchanged} unchanged")
