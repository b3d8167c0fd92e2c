from __future__ import annotations

import click

from secretctl.cmd.common import (
    complete_paths,
    get_store,
    preserve_case_option,
    quiet_option,
    tags_option,
    warn,
)


@click.command("import")
@click.argument("service")
@click.argument("file", metavar="FILE|-", shell_complete=complete_paths)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["json", "yaml", "dotenv"]),
    help="Input format (default: from the file name, else detected).",
)
@click.option(
    "--tier",
    type=click.Choice(["standard", "advanced"], case_sensitive=False),
    help="SSM tier of the written secrets; advanced stores values up to 8 KiB.",
)
@click.option(
    "--normalize-keys",
    is_flag=True,
    help="Lowercase the keys, even with --preserve-case (chamber's flag; secretctl "
    "lowercases them by default, chamber does not).",
)
@tags_option("--tags")
@quiet_option("Print nothing but warnings and errors (no progress, no counts).")
@preserve_case_option
@click.pass_context
def import_cmd(
    ctx: click.Context,
    service: str,
    file: str,
    fmt: str | None,
    tier: str | None,
    normalize_keys: bool,
    tags: tuple[str, ...],
    quiet: bool,
    preserve_case: bool,
) -> None:
    """Import a JSON or YAML object, or a dotenv file, into SERVICE.

    Unchanged keys are not rewritten (no new version). New keys get --tags; when the store
    config requires tags, every new key is checked before any is written."""
    from functools import partial

    from secretctl.files import read_input
    from secretctl.import_formats import parse
    from secretctl.importing import import_secrets, prepare
    from secretctl.progress import for_keys
    from secretctl.tags import parse_tags
    from secretctl.values import tier_name

    new_tags = parse_tags(tags)
    text, detected = read_input(file)
    entries = parse(text, fmt or detected, source="stdin" if file == "-" else file)
    case = {"preserve_case": preserve_case, "normalize_keys": normalize_keys}
    prepare(service, entries, tier=tier_name(tier), **case)
    result = import_secrets(
        get_store(ctx),
        service,
        entries,
        tier=tier_name(tier),
        tags=new_tags,
        progress=partial(for_keys, "import", quiet=quiet),
        **case,
    )
    for race in result.races:
        warn(race)
    if not quiet:
        click.echo(f"{result.written} written, {result.unchanged} unchanged")
