"""Asking the person at the terminal: a secret value typed twice without echo, so that it never
lands in argv or in the shell's history; confirmations before deleting (off a terminal,
``--yes`` instead); an MFA code before assuming roles."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from secretctl.errors import SecretctlError, UsageError

if TYPE_CHECKING:
    from secretctl.aws.place import Role


def on_terminal() -> bool:
    """Whether stdin is a terminal (a person can be asked)."""
    try:
        return sys.stdin.isatty()
    except (ValueError, AttributeError):  # closed
        return False


def ask_value_twice(name: str) -> str:
    """The value for secret ``name``, typed twice without echo (``getpass``, on the
    terminal); a UsageError when the two differ or input ends. Never echoes the value."""
    import getpass

    try:
        first = getpass.getpass(f"Value for {name}: ")
        second = getpass.getpass(f"Value for {name} (again): ")
    except EOFError:
        raise UsageError(f"no value entered for {name}: nothing was written") from None
    if first != second:
        raise UsageError(f"the two values entered for {name} differ: nothing was written")
    return first


def require_yes(yes: bool, what: str) -> None:
    """Off a terminal, a command that deletes needs ``--yes``: checked before any request."""
    if not yes and not on_terminal():
        raise UsageError(f"{what} asks for confirmation on a terminal; pass --yes in scripts")


def confirm(question: str) -> None:
    """A yes/no question on the terminal (stderr); anything but yes ends the command."""
    import click

    if not click.confirm(question, default=False, err=True):
        raise SecretctlError("not confirmed: nothing was changed")


def confirm_by_typing(expected: str, question: str) -> None:
    """The person types ``expected`` (a service name) to go on; anything else ends the
    command."""
    import click

    typed = str(click.prompt(question, default="", show_default=False, err=True)).strip()
    if typed != expected:
        raise SecretctlError(f"not confirmed (typed {typed!r}): nothing was deleted")


def ask_mfa_code(serial: str, roles: list[Role]) -> str:
    """The one MFA code of device ``serial`` for assuming ``roles``: asked on the terminal,
    else one line of stdin."""
    import re

    prompt = f"MFA code for {serial} (to assume {' and '.join(r.arn for r in roles)})"
    if on_terminal():
        import click

        code = str(click.prompt(prompt, err=True)).strip()
    else:
        code = sys.stdin.readline().strip()
    if not re.fullmatch(r"\d{6}", code):
        raise UsageError(f"{prompt}: expected the 6 digits the device shows")
    return code
