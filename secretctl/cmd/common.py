"""Options and helpers shared by the subcommands."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from secretctl.errors import UsageError
from secretctl.global_options import GlobalOptions
from secretctl.store.base import Store

if TYPE_CHECKING:
    from secretctl.sides import Side
    from secretctl.store.ssm import SsmStore

PRESERVE_CASE_VARIABLE = "SECRETCTL_PRESERVE_CASE"
F = TypeVar("F", bound=Callable[..., Any])

preserve_case_option = click.option(
    "--preserve-case",
    is_flag=True,
    envvar=PRESERVE_CASE_VARIABLE,
    help="Keep the case of services and keys (default: lowercase them, as chamber does). "
    f"Env: {PRESERVE_CASE_VARIABLE}=1.",
)


def preserve_case_from_env() -> bool:
    """SECRETCTL_PRESERVE_CASE as click reads a flag's variable (for ``env``, whose ``-p``
    is chamber's and does more than the variable)."""
    import os

    raw = os.environ.get(PRESERVE_CASE_VARIABLE, "")
    try:
        return bool(click.BOOL.convert(raw, None, None)) if raw.strip() else False
    except click.BadParameter:
        raise UsageError(
            f"{PRESERVE_CASE_VARIABLE} must be a boolean (1/0, true/false, yes/no), not {raw!r}"
        ) from None


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def tags_option(*names: str) -> Callable[[F], F]:
    """``--tags k=v,...`` for commands that create secrets: the tags of new secrets (chamber's
    ``write -t/--tags``); repeatable. Parsed with ``tags.parse_tags``."""
    return click.option(
        *names,
        "tags",
        multiple=True,
        metavar="K=V,...",
        help="Tags for new secrets only, e.g. owner=team-a,tier=1 (repeatable); the tags "
        "that /_chamber/store-config requires must be among them.",
    )


def complete_paths(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of an argument that names a file: the shell completes paths."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def quiet_option(help: str) -> Callable[[F], F]:  # noqa: A002
    """``-q/--quiet`` for commands that show progress on a terminal."""
    return click.option("-q", "--quiet", is_flag=True, help=help)


def global_options(ctx: click.Context) -> GlobalOptions:
    """The options given before the command (``secretctl -r 3 read ...``)."""
    obj = ctx.find_root().obj or {}
    return obj.get("options") or GlobalOptions()  # type: ignore[no-any-return]


def get_store(ctx: click.Context) -> Store:
    """The SSM store for this invocation, created on first use (boto3 loads only then)."""
    from secretctl.global_options import open_store

    root = ctx.find_root()
    if root.obj is None:
        root.obj = {}
    if "store" not in root.obj:
        root.obj["store"] = open_store(global_options(ctx))
    return root.obj["store"]  # type: ignore[no-any-return]


def warn(message: str) -> None:
    click.echo(message, err=True)


def side_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Where SRC and DST are (diff, copy): the current account and region unless told."""
    options = []
    for side, label in (("from", "SRC"), ("to", "DST")):
        options += [
            click.option(f"--{side}-profile", metavar="PROFILE", help=f"{label}'s AWS profile."),
            click.option(
                f"--{side}-role",
                metavar="ROLE_ARN",
                help=f"A role to assume for {label}, with the current credentials (or "
                f"--{side}-profile's): e.g. the platform's writer role of another account.",
            ),
            click.option(
                f"--{side}-region",
                metavar="REGION",
                help=f"{label}'s region (default: its profile's region, else the current one).",
            ),
        ]
    options.append(
        click.option(
            "--mfa-serial",
            metavar="ARN",
            help="The MFA device the roles need: secretctl asks for one code before assuming "
            "them (two roles share one MFA session).",
        )
    )
    for option in reversed(options):
        command = option(command)
    return command


def sides_from(source: str, destination: str, options: dict[str, Any]) -> tuple[Side, Side]:
    """The two sides the options name, checked before any request."""
    from secretctl.aws.place import Role, check_mfa_serial, check_role_arn
    from secretctl.sides import Side, check_mfa_sides, check_region

    serial = options.pop("mfa_serial")
    built = []
    for side, label, service in (("from", "SRC", source), ("to", "DST", destination)):
        arn = options.pop(f"{side}_role")
        role = None
        if arn is not None:
            role = Role(check_role_arn(arn, f"--{side}-role"), f"--{side}-role", serial)
        region = options.pop(f"{side}_region")
        built.append(
            Side(label, service, options.pop(f"{side}_profile"), role, check_region(region))
        )
    if serial and not any(s.role for s in built):
        raise UsageError("--mfa-serial is for the role of --from-role or --to-role; name one")
    if serial:
        check_mfa_serial(serial)
        check_mfa_sides(built[0], built[1])
    return built[0], built[1]


def open_sides(
    ctx: click.Context,
    source: str,
    destination: str,
    options: dict[str, Any],
    preserve_case: bool,
) -> tuple[SsmStore, SsmStore]:
    """The stores of SRC and DST (diff, copy), as the side options name them."""
    from secretctl.prompts import ask_mfa_code
    from secretctl.sides import open_stores

    src, dst = sides_from(source, destination, options)
    return open_stores(
        global_options(ctx), src, dst, preserve_case=preserve_case, ask_code=ask_mfa_code
    )


class ValueCommand(click.Command):
    """A command with an argument that may be a secret value (``write``'s VALUE, ``find``'s
    TERM). click's usage errors quote the arguments they could not place, which may be (part
    of) that value: these say what was wrong without showing them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context_settings = {**self.context_settings, "allow_extra_args": True}  # see below

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            rest = super().parse_args(ctx, args)
        except click.NoSuchOption:
            raise click.UsageError(
                f"{self.name} was given an option it does not have (not shown: it may be a "
                "value); a value that starts with '-' goes after '--' (secretctl "
                f"{self.name} ... -- VALUE) or on stdin ('-')",
                ctx=ctx,
            ) from None
        if ctx.args:
            extra = len(ctx.args)
            raise click.UsageError(
                f"{self.name} was given {extra} more argument{'s' if extra > 1 else ''} than "
                f"it takes (not shown: {'they' if extra > 1 else 'it'} may be part of a "
                "value); quote a value that holds spaces, or give '-' and pass it on stdin",
                ctx=ctx,
            )
        return rest
