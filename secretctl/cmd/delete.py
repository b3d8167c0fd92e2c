from __future__ import annotations

import click

from secretctl.cmd.common import get_store, preserve_case_option


@click.command("delete")
@click.argument("service")
@click.argument("key")
@click.option(
    "--exact-key",
    is_flag=True,
    help="Never lowercase KEY: delete the key with exactly this case (as chamber's flag).",
)
@preserve_case_option
@click.pass_context
def delete_cmd(
    ctx: click.Context, service: str, key: str, exact_key: bool, preserve_case: bool
) -> None:
    """Delete secret KEY of SERVICE, every version. A missing key is an error."""
    from secretctl.secrets import delete_secret

    delete_secret(get_store(ctx), service, key, preserve_case=preserve_case, exact_key=exact_key)
