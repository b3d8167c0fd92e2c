"""The secretctl command line: the group, its global options, and error reporting."""

from __future__ import annotations

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
from secretctl.errors import SecretctlError, UsageError, run_reporting_errors


def _seconds(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """A positive number of seconds. (SECRETCTL_TIMEOUT is read with the other AWS settings,
    so that its errors name it.)"""
    from secretctl.aws.timeouts import parse_seconds

    return None if value is None else parse_seconds(value, "--timeout")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="secretctl")
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    envvar="SECRETCTL_RETRIES",
    help="Retries per AWS request after the first attempt, with backoff (default 10). "
    "Env: SECRETCTL_RETRIES.",
)
@click.option(
    "--timeout",
    metavar="SECONDS",
    callback=_seconds,
    help="Give up on AWS after this long in all (default: each request's own limits, "
    "under 30 s against a dead endpoint). Env: SECRETCTL_TIMEOUT.",
)
@click.pass_context
def cli(ctx: click.Context, retries: int | None, timeout: float | None) -> None:
    """Manage application secrets in AWS SSM Parameter Store (chamber v3 compatible)."""
    ctx.obj = {"retries": retries, "timeout": timeout}


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
    """Run the click CLI; report errors as one line and an exit status."""

    def run() -> None:
        try:
            cli.main(args=argv, prog_name="secretctl", standalone_mode=False)
        except click.exceptions.Exit as err:
            sys.exit(err.exit_code)
        except click.UsageError as err:
            command = err.ctx.command_path if err.ctx else "secretctl"
            message = " ".join(err.format_message().split())
            raise UsageError(f"{message} (see '{command} --help')") from None
        except click.ClickException as err:
            raise SecretctlError(" ".join(err.format_message().split())) from None
        except click.exceptions.Abort:
            raise KeyboardInterrupt from None

    run_reporting_errors(run)
