"""The secretctl command line: the group, its global options, and error reporting."""

from __future__ import annotations

import os
import sys

import click

from secretctl import __version__
from secretctl.cmd.audit import audit_group
from secretctl.cmd.completion import COMPLETE_VARIABLE, completion_cmd
from secretctl.cmd.copy import copy_cmd
from secretctl.cmd.delete import delete_cmd
from secretctl.cmd.diff import diff_cmd
from secretctl.cmd.env import env_cmd
from secretctl.cmd.exec import exec_cmd
from secretctl.cmd.export import export_cmd
from secretctl.cmd.find import find_cmd
from secretctl.cmd.history import history_cmd
from secretctl.cmd.import_ import import_cmd
from secretctl.cmd.list import list_cmd
from secretctl.cmd.list_services import list_services_cmd
from secretctl.cmd.read import read_cmd
from secretctl.cmd.rollback import rollback_cmd
from secretctl.cmd.tag import tag_group
from secretctl.cmd.write import write_cmd
from secretctl.errors import SecretctlError, UsageError, run_reporting_errors
from secretctl.global_options import BACKEND_VARIABLE, RETRY_MODES, GlobalOptions

VERSION_MESSAGE = "secretctl %(version)s"


def _seconds(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """A positive number of seconds. (SECRETCTL_TIMEOUT is read with the other AWS settings,
    so that its errors name it.)"""
    from secretctl.aws.timeouts import parse_seconds

    return None if value is None else parse_seconds(value, "--timeout")


class SecretctlGroup(click.Group):
    """With no arguments, print the help and exit 0 (as chamber does); not while the shell
    completes a command line (click parses it resiliently then)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:
            click.echo(ctx.get_help())
            ctx.exit(0)
        return super().parse_args(ctx, args)


@click.group(cls=SecretctlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message=VERSION_MESSAGE)
@click.option(
    "-r",
    "--retries",
    type=click.IntRange(min=0),
    help="Retries per AWS request after the first attempt, with backoff (default 10). "
    "Env: SECRETCTL_RETRIES.",
)
@click.option(
    "--retry-mode",
    type=click.Choice(RETRY_MODES, case_sensitive=False),
    help="botocore's retry mode (as chamber's flag); requests then go through boto3. Without "
    "it the lean AWS path uses its own backoff and boto3 uses adaptive.",
)
@click.option(
    "--verbose",
    is_flag=True,
    help="Print on stderr which AWS path serves the command and every SSM request with its "
    "outcome (never a value).",
)
@click.option(
    "--kms-key-alias",
    metavar="KEY",
    help="KMS key for new secrets (as SECRETCTL_KMS_KEY, which it overrides).",
)
@click.option(
    "-b",
    "--backend",
    metavar="ssm",
    help="Accepted for chamber's scripts: secretctl stores secrets in SSM Parameter Store "
    f"only (any other backend, here or in {BACKEND_VARIABLE}, is an error).",
)
@click.option(
    "--timeout",
    metavar="SECONDS",
    callback=_seconds,
    help="Give up on AWS after this long in all (default: each request's own limits, "
    "under 30 s against a dead endpoint). Env: SECRETCTL_TIMEOUT.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    retries: int | None,
    retry_mode: str | None,
    verbose: bool,
    kms_key_alias: str | None,
    backend: str | None,
    timeout: float | None,
) -> None:
    """Manage application secrets in AWS SSM Parameter Store (chamber v3 compatible)."""
    ctx.ensure_object(dict)["options"] = GlobalOptions(
        retries=retries,
        retry_mode=retry_mode.lower() if retry_mode else None,
        verbose=verbose,
        kms_key_alias=kms_key_alias,
        backend=backend,
        timeout=timeout,
    )


@click.command("version")
def version_cmd() -> None:
    """Print secretctl's version (as --version does)."""
    click.echo(VERSION_MESSAGE % {"version": __version__})


def _command_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of ``help COMMAND``: the command names."""
    group = ctx.find_root().command
    assert isinstance(group, click.Group)
    if ctx.params.get(param.name or ""):
        return []  # one command only
    return [name for name in group.list_commands(ctx) if name.startswith(incomplete)]


@click.command("help")
@click.argument("command", nargs=-1, shell_complete=_command_names)
@click.pass_context
def help_cmd(ctx: click.Context, command: tuple[str, ...]) -> None:
    """Print the help of secretctl or of COMMAND (as chamber's help command)."""
    current = ctx.find_root()
    for name in command:  # down the groups: `help audit reads`
        group = current.command
        sub = group.get_command(current, name) if isinstance(group, click.Group) else None
        if sub is None:
            raise UsageError(f"unknown command {' '.join(command)!r}; see 'secretctl --help'")
        current = click.Context(sub, info_name=name, parent=current)
    click.echo(current.get_help())


for command in (
    write_cmd,
    read_cmd,
    delete_cmd,
    list_cmd,
    list_services_cmd,
    history_cmd,
    rollback_cmd,
    diff_cmd,
    copy_cmd,
    exec_cmd,
    env_cmd,
    export_cmd,
    import_cmd,
    find_cmd,
    tag_group,
    version_cmd,
    audit_group,
    completion_cmd,
    help_cmd,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Run the click CLI; report errors as one line and an exit status."""

    def run() -> None:
        if os.environ.get(COMPLETE_VARIABLE):  # the shell asks for completions (a TAB)
            from secretctl.cmd.completion import register

            register()
        try:
            status = cli.main(args=argv, prog_name="secretctl", standalone_mode=False)
            if isinstance(status, int) and status:  # ctx.exit(N) in a command (diff: differ)
                sys.exit(status)
        except click.exceptions.Exit as err:
            sys.exit(err.exit_code)
        except click.UsageError as err:
            if type(err).__name__ == "NoArgsIsHelpError" and err.ctx is not None:
                click.echo(err.ctx.get_help())  # a group alone (`secretctl audit`), click 8.2+
                sys.exit(0)
            command = err.ctx.command_path if err.ctx else "secretctl"
            message = " ".join(err.format_message().split())
            raise UsageError(f"{message} (see '{command} --help')") from None
        except click.ClickException as err:
            raise SecretctlError(" ".join(err.format_message().split())) from None
        except click.exceptions.Abort:
            raise KeyboardInterrupt from None

    run_reporting_errors(run)
