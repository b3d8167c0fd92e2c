"""Reading import input and writing export files safely."""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile

from secretctl.errors import SecretctlError, UsageError
from secretctl.values import decode_input

_EXTENSIONS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".env": "dotenv"}
_MAX_LINKS = 40  # as the kernel's limit on nested symlinks
# The directories of a process's open descriptors: /dev/fd and /proc/self/fd lead here.
_DESCRIPTOR_DIR_RE = re.compile(r"/proc/(self|thread-self|\d+)(?:/task/\d+)?/fd")


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


class OutputTarget:
    """Where ``export -o PATH`` writes, checked before any AWS call (``output_target``)."""

    __slots__ = ("path", "descriptor", "in_place", "target")

    def __init__(
        self, path: str, *, descriptor: int | None = None, in_place: bool = False, target: str = ""
    ) -> None:
        self.path = path
        self.descriptor = descriptor  # an inherited descriptor, open for writing
        self.in_place = in_place  # a FIFO or character device, opened and written
        self.target = target  # else the file to replace atomically

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        if self.descriptor is not None:
            _write_descriptor(self.descriptor, data, self.path)
        elif self.in_place:
            _write_in_place(self.path, data)
        else:
            _replace_atomically(self.target, data, self.path)


def output_target(path: str) -> OutputTarget:
    """What ``export -o PATH`` will write to, or a UsageError; run it before any AWS call.

    - A regular file or a new path is replaced atomically with a new file of mode 0600:
      readers see the old file or the whole new one, and the secrets are never
      world-readable. Through a symlink, its target is replaced the same way; the link stays.
    - An open descriptor (``/dev/fd/N``, ``/dev/stdout``, ``/proc/self/fd/N``, bash's
      ``>(cmd)``), a FIFO or a character device is written in place: no rename, no chmod.
      The descriptor must be open for writing now: a closed one's number would be taken by
      the first socket secretctl opens to AWS, and the secrets written onto it.
    - Anything else (a directory, a block device, a socket, a path ending in '/') is refused.
    """
    descriptor = _open_descriptor(path)
    if descriptor is not None:
        _check_writable_descriptor(descriptor, path)
        return OutputTarget(path, descriptor=descriptor)
    if path.endswith("/"):
        raise UsageError(f"cannot write {path}: a path ending in '/' names a directory")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None  # a new path, or a symlink to one
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror}") from None
    if mode is None or stat.S_ISREG(mode):
        target = os.path.realpath(path)
        if not os.path.isdir(os.path.dirname(target)):
            raise UsageError(f"cannot write {path}: its directory does not exist")
        return OutputTarget(path, target=target)
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return OutputTarget(path, in_place=True)
    raise UsageError(
        f"cannot write {path}: it is {_kind(mode)}; give a file path, a FIFO, a character "
        "device or /dev/fd/N"
    )


def write_private_file(path: str, text: str) -> None:
    """Write ``text`` to ``path`` as ``output_target`` says (checking it first)."""
    output_target(path).write(text)


def _check_writable_descriptor(fd: int, path: str) -> None:
    import fcntl

    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    except OSError:
        flags = None
    if flags is None or flags & os.O_ACCMODE == os.O_RDONLY:
        raise UsageError(
            f"cannot write {path}: descriptor {fd} is not open for writing (in the shell, "
            f"open it for the command, e.g. {fd}>file)"
        )


def _open_descriptor(path: str) -> int | None:
    """The descriptor number when ``path`` leads, through any symlinks, into this process's
    ``/proc/<pid>/fd`` (as ``/dev/fd/N`` and ``/dev/stdout`` do); None otherwise."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        parent = os.path.realpath(os.path.dirname(current))
        name = os.path.basename(current)
        match = _DESCRIPTOR_DIR_RE.fullmatch(parent)
        if match is not None:
            own = match.group(1) in ("self", "thread-self", str(os.getpid()))
            return int(name) if own and name.isdigit() else None
        current = os.path.join(parent, name)
        if not os.path.islink(current):
            return None
        current = os.path.join(parent, os.readlink(current))
    return None


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_failed(path: str, err: OSError) -> SecretctlError:
    """A write to a target that passed ``output_target``'s checks failed (a full disk, an I/O
    error): an error of the run (exit status 1), not bad input."""
    return SecretctlError(f"cannot write {path}: {err.strerror or type(err).__name__}")


def _write_descriptor(fd: int, data: bytes, path: str) -> None:
    """Write to an inherited descriptor, sharing its offset (``3>>file`` appends)."""
    try:
        _write_all(fd, data)
    except BrokenPipeError:
        raise
    except OSError as err:
        raise _write_failed(path, err) from None


def _write_in_place(path: str, data: bytes) -> None:
    """Open and write a FIFO or character device (opening a FIFO waits for its reader)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror}") from None
    try:
        _write_descriptor(fd, data, path)
    finally:
        os.close(fd)


def _replace_atomically(target: str, data: bytes, path: str) -> None:
    """A new file of mode 0600 beside ``target``, fsynced, then renamed over it."""
    directory = os.path.dirname(target)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".secretctl-", suffix=".tmp")
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror}") from None
    try:
        try:
            os.fchmod(fd, 0o600)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as err:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise _write_failed(path, err) from None
        raise
