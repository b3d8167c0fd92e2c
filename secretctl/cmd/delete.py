from __future__ import annotations

import click

from secretctl.cmd.common import get_store, preserve_case_option, quiet_option, warn
from secretctl.errors import UsageError


@click.command("delete")
@click.argument("service")
@click.argument("key", required=False)
@click.option(
    "--exact-key",
    is_flag=True,
    help="Never lowercase KEY: delete the key with exactly this case (as chamber's flag).",
)
@click.option(
    "--all",
    "every_key",
    is_flag=True,
    help="Delete every secret of SERVICE (asks to type the service name on a terminal).",
)
@click.option("-y", "--yes", is_flag=True, help="With --all: do not ask (required off a terminal).")
@quiet_option("With --all: no progress and no count (warnings and errors are still printed).")
@preserve_case_option
@click.pass_context
def delete_cmd(
    ctx: click.Context,
    service: str,
    key: str | None,
    exact_key: bool,
    every_key: bool,
    yes: bool,
    quiet: bool,
    preserve_case: bool,
) -> None:
    """Delete secret KEY of SERVICE, every version (a missing key is an error); or, with
    --all, every secret of SERVICE."""
    from secretctl.naming import normalize_service
    from secretctl.secrets import delete_secret

    if every_key:
        if key is not None:
            raise UsageError("delete --all deletes every key of SERVICE: leave out KEY")
        from secretctl.prompts import require_yes

        normalize_service(service, preserve_case)
        require_yes(yes, "delete --all")
        _delete_all(ctx, service, yes, quiet, preserve_case)
        return
    if key is None:
        raise UsageError("delete needs KEY, or --all to delete every secret of SERVICE")
    delete_secret(get_store(ctx), service, key, preserve_case=preserve_case, exact_key=exact_key)


def _delete_all(
    ctx: click.Context, service: str, yes: bool, quiet: bool, preserve_case: bool
) -> None:
    from secretctl.deleting import delete_keys, service_keys
    from secretctl.progress import for_keys
    from secretctl.prompts import confirm_by_typing, on_terminal

    store = get_store(ctx)
    found, keys = service_keys(store, service, preserve_case=preserve_case)
    if not keys:
        warn(f"nothing to delete: service {service!r} has no secrets (looked under /{found}/)")
        return
    if not yes and on_terminal():
        noun = "secret" if len(keys) == 1 else "secrets"
        warn(f"{len(keys)} {noun} of {found}: {', '.join(keys)}")
        confirm_by_typing(found, f"Type the service name ({found}) to delete them all")
    with for_keys("delete --all", total=len(keys), quiet=quiet) as progress:
        deleted = delete_keys(store, found, keys, command="delete --all", on_deleted=progress.add)
    if not quiet:
        click.echo(f"{deleted} deleted from {found}")
