from __future__ import annotations

from typing import Any

import click

from secretctl.cmd.common import (
    open_sides,
    preserve_case_option,
    quiet_option,
    side_options,
    tags_option,
    warn,
)


@click.command("copy")
@click.argument("source", metavar="SRC")
@click.argument("destination", metavar="DST")
@click.argument("keys", nargs=-1, metavar="[KEY]...")
@click.option("--dry-run", is_flag=True, help="Print the plan (keys, never values); write nothing.")
@click.option("--no-overwrite", is_flag=True, help="Leave keys that already exist in DST alone.")
@click.option(
    "--prune",
    is_flag=True,
    help="Also delete DST's keys that SRC does not have (asks on a terminal; --yes in scripts).",
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask before --prune deletes.")
@tags_option("--tags")
@quiet_option("Print nothing but warnings and errors (no progress, no counts).")
@side_options
@preserve_case_option
@click.pass_context
def copy_cmd(
    ctx: click.Context,
    source: str,
    destination: str,
    keys: tuple[str, ...],
    dry_run: bool,
    no_overwrite: bool,
    prune: bool,
    yes: bool,
    tags: tuple[str, ...],
    quiet: bool,
    preserve_case: bool,
    **options: Any,
) -> None:
    """Write DST's keys from SRC (every key, or the KEYs named): new and changed keys only;
    unchanged keys get no new version. New keys get --tags (tags are not copied); when DST's
    store config requires tags, every new key is checked before any is written (and by
    --dry-run). Prints how many were added, changed, unchanged and deleted. Either side can be
    in another account or region (--from-*/--to-* options)."""
    from secretctl import across
    from secretctl.progress import for_keys
    from secretctl.prompts import confirm, require_yes
    from secretctl.tags import parse_tags

    new_tags = parse_tags(tags)
    across.check_copy_arguments(destination, list(keys), preserve_case=preserve_case, prune=prune)
    if prune and not dry_run:
        require_yes(yes, "copy --prune")
    src_store, dst_store = open_sides(ctx, source, destination, options, preserve_case)
    with for_keys("copy", quiet=quiet, unit="keys read") as progress:
        pair = across.read_pair(
            src_store,
            dst_store,
            source,
            destination,
            preserve_case=preserve_case,
            destination_as_written=True,
            on_read=progress.add if progress.enabled else None,
        )
    plan = across.plan(
        pair, keys, no_overwrite=no_overwrite, prune=prune, preserve_case=preserve_case
    )
    across.check_required_tags(dst_store, pair, plan, new_tags)  # --dry-run too
    if dry_run:
        for line in plan.lines():
            click.echo(line)
        click.echo(
            f"dry run: would add {len(plan.add)}, change {len(plan.change)}, delete "
            f"{len(plan.delete)}; {len(plan.unchanged)} unchanged"
            + (f", {len(plan.kept)} kept (--no-overwrite)" if plan.kept else "")
        )
        return
    if plan.delete and not yes:
        warn(f"--prune deletes from DST {pair.destination}: {', '.join(plan.delete)}")
        confirm(f"Delete these {len(plan.delete)} keys of DST {pair.destination}?")
    with for_keys("copy", total=len(plan.writes), quiet=quiet) as progress:
        result = across.apply(dst_store, pair, plan, new_tags, progress.add)
    for race in result.races:
        warn(race)
    if not quiet:
        click.echo(result.summary())
