"""Reading import input and writing export files safely."""

from __future__ import annotations

import os
import sys
import tempfile

from secretctl.errors import UsageError
from secretctl.values import decode_input

_EXTENSIONS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".env": "dotenv"}


def read_input(path: str) -> tuple[str, str | None]:
    """The text of a file (or stdin for '-') and the format its name implies, if any."""
    if path == "-":
        return decode_input(sys.stdin.buffer.read(), "stdin"), None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror}") from None
    name = os.path.basename(path).lower()
    fmt = _EXTENSIONS.get(os.path.splitext(name)[1])
    if fmt is None and (name == ".env" or name.startswith(".env.")):
        fmt = "dotenv"
    return decode_input(data, path), fmt


def write_private_file(path: str, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600, atomically: readers see the old file or the
    whole new one, never a partial file, and the secrets are never world-readable."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".secretctl-", suffix=".tmp")
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
