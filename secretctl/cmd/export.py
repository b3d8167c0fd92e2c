from __future__ import annotations

import click

from secretctl.cmd.common import get_store, preserve_case_option, quiet_option, warn

FORMATS = ["json", "yaml", "dotenv", "java-properties", "csv", "tsv", "tfvars"]


@click.command("export")
@click.argument("services", nargs=-1, required=True)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, writable=True),
    help="Write here instead of stdout: a file is replaced atomically with mode 0600 (through "
    "a symlink, its target); a FIFO, a character device or /dev/fd/N is written in place.",
)
@quiet_option("No progress on the terminal (warnings and errors are still printed).")
@preserve_case_option
@click.pass_context
def export_cmd(
    ctx: click.Context,
    services: tuple[str, ...],
    fmt: str,
    output_file: str | None,
    quiet: bool,
    preserve_case: bool,
) -> None:
    """Export the secrets of SERVICES (later ones override earlier ones)."""
    from secretctl.export_formats import render
    from secretctl.files import output_target
    from secretctl.loading import load_keys
    from secretctl.progress import for_keys

    target = output_target(output_file) if output_file else None  # before any AWS call
    with for_keys("export", quiet=quiet, unit="keys read") as progress:
        secrets, warnings = load_keys(
            get_store(ctx),
            list(services),
            preserve_case=preserve_case,
            on_read=progress.add if progress.enabled else None,
        )
    for message in warnings:
        warn(message)
    text = render(fmt, secrets)
    if target is not None:
        target.write(text)
    else:
        click.echo(text, nl=False)
