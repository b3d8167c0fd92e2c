from __future__ import annotations

import click

from secretctl.cmd.common import get_store, preserve_case_option


@click.command("delete")
@click.argument("service")
@click.argument("key")
@preserve_case_option
@click.pass_context
def delete_cmd(ctx: click.Context, service: str, key: str, preserve_case: bool) -> None:
    """Delete secret KEY of SERVICE, every version. A missing key is an error."""
    from secretctl.secrets import delete_secret

    delete_secret(get_store(ctx), service, key, preserve_case=preserve_case)
