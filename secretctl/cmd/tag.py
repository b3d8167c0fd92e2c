"""``tag read|write|delete``: chamber v3.1.4's tag commands (same arguments, validation and
output: a Key/Value table of the tags read or written)."""

from __future__ import annotations

import click

from secretctl.cmd.common import get_store, json_option, preserve_case_option


def _print_tags(tags: dict[str, str], as_json: bool) -> None:
    from secretctl.output import format_table, to_json

    if as_json:
        click.echo(to_json(dict(sorted(tags.items()))))
    else:
        click.echo(format_table(["Key", "Value"], sorted(tags.items())))


@click.group("tag")
def tag_group() -> None:
    """Work with the tags of secrets (as chamber's tag commands)."""


@tag_group.command("read")
@click.argument("service")
@click.argument("key")
@json_option
@preserve_case_option
@click.pass_context
def tag_read_cmd(
    ctx: click.Context, service: str, key: str, as_json: bool, preserve_case: bool
) -> None:
    """Show the tags of secret KEY of SERVICE."""
    from secretctl.secret_tags import read_tags

    _print_tags(read_tags(get_store(ctx), service, key, preserve_case=preserve_case)[1], as_json)


@tag_group.command("write")
@click.argument("service")
@click.argument("key")
@click.argument("tags", nargs=-1, required=True, metavar="KEY=VALUE...")
@click.option(
    "--delete-other-tags",
    is_flag=True,
    help="Also delete the tags not given (required tags must then be given).",
)
@json_option
@preserve_case_option
@click.pass_context
def tag_write_cmd(
    ctx: click.Context,
    service: str,
    key: str,
    tags: tuple[str, ...],
    delete_other_tags: bool,
    as_json: bool,
    preserve_case: bool,
) -> None:
    """Add or update tags on secret KEY of SERVICE; print the tags written."""
    from secretctl.naming import lookup_names
    from secretctl.secret_tags import write_tags
    from secretctl.tags import parse_tag, tag_set

    lookup_names(service, key, preserve_case)  # names first, then tags: chamber's order
    parsed = tag_set((parse_tag(tag, "tag write") for tag in tags), "tag write")
    write_tags(
        get_store(ctx),
        service,
        key,
        parsed,
        delete_others=delete_other_tags,
        preserve_case=preserve_case,
    )
    _print_tags(parsed, as_json)


@tag_group.command("delete")
@click.argument("service")
@click.argument("key")
@click.argument("tag_keys", nargs=-1, required=True, metavar="TAG_KEY...")
@preserve_case_option
@click.pass_context
def tag_delete_cmd(
    ctx: click.Context, service: str, key: str, tag_keys: tuple[str, ...], preserve_case: bool
) -> None:
    """Delete tags (by key) from secret KEY of SERVICE. Required tags may not be deleted."""
    from secretctl.naming import lookup_names
    from secretctl.secret_tags import delete_tags
    from secretctl.tags import check_tag_key

    lookup_names(service, key, preserve_case)
    for tag_key in tag_keys:
        check_tag_key(tag_key, "tag delete")
    delete_tags(get_store(ctx), service, key, list(tag_keys), preserve_case=preserve_case)
