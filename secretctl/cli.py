"""The secretctl command line: the group, its global options, and error reporting."""

from __future__ import annotations

import os
import sys

import click

from secretctl import __version__
from secretctl.cmd.delete import delete_cmd
from secretctl.cmd.env import env_cmd
from secretctl.cmd.exec import exec_cmd
from secretctl.cmd.export import export_cmd
from secretctl.cmd.find import find_cmd
from secretctl.cmd.history import history_cmd
from secretctl.cmd.import_ import import_cmd
from secretctl.cmd.list import list_cmd
from secretctl.cmd.list_services import list_services_cmd
from secretctl.cmd.read import read_cmd
from secretctl.cmd.write import write_cmd
from secretctl.errors import SecretctlError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="secretctl")
@click.option(
    "--retries",
    type=click.IntRange(min=1),
    envvar="SECRETCTL_RETRIES",
    help="Attempts per AWS request, with adaptive backoff (default 10). Env: SECRETCTL_RETRIES.",
)
@click.pass_context
def cli(ctx: click.Context, retries: int | None) -> None:
    """Manage application secrets in AWS SSM Parameter Store (chamber v3 compatible)."""
    ctx.obj = {"retries": retries}


@click.command("version")
def version_cmd() -> None:
    """Print secretctl's version."""
    click.echo(f"secretctl {__version__}")


for command in (
    write_cmd,
    read_cmd,
    delete_cmd,
    list_cmd,
    list_services_cmd,
    history_cmd,
    exec_cmd,
    env_cmd,
    export_cmd,
    import_cmd,
    find_cmd,
    version_cmd,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command; report errors as one line and an exit status."""
    try:
        cli.main(args=argv, prog_name="secretctl", standalone_mode=False)
    except SecretctlError as err:
        click.echo(f"secretctl: error: {err}", err=True)
        sys.exit(err.exit_code)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
    except click.UsageError as err:
        command = err.ctx.command_path if err.ctx else "secretctl"
        message = " ".join(err.format_message().split())
        click.echo(f"secretctl: error: {message} (see '{command} --help')", err=True)
        sys.exit(err.exit_code)
    except click.ClickException as err:
        click.echo(f"secretctl: error: {' '.join(err.format_message().split())}", err=True)
        sys.exit(err.exit_code)
    except click.exceptions.Abort:
        click.echo("secretctl: aborted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(141)
    except Exception as err:  # never a traceback (or a value in one) unless asked for
        if os.environ.get("SECRETCTL_DEBUG"):
            raise
        click.echo(
            f"secretctl: unexpected error ({type(err).__name__}); "
            "run with SECRETCTL_DEBUG=1 for details",
            err=True,
        )
        sys.exit(1)
    sys.exit(0)
