"""Asking the person at the terminal: a secret value typed twice without echo, so that it never
lands in argv or in the shell's history."""

from __future__ import annotations

import sys

from secretctl.errors import UsageError


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
