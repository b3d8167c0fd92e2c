"""Progress on stderr for commands that take a while: one line rewritten in place, only when
stderr is a terminal, cleared at the end. Nothing is ever written to a file or a pipe, so
scripts and logs never see it.

For commands over many keys (import, export; copy, diff and ``delete --all`` too)::

    with for_keys("import", total=len(to_write), quiet=quiet) as progress:
        for key in to_write:
            ...
            progress.add()          # thread-safe: one more key done

``for_keys`` shows nothing with ``quiet``, off a terminal, or while no more than a screenful
of keys is in play (the total when it is known, else the keys counted so far). Leaving the
``with`` block clears the line, so an error message after it starts on a clean line.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import TextIO

DEFAULT_LINES = 24  # a terminal's height when it does not say
BAR_WIDTH = 20


def screenful(stream: TextIO) -> int:
    """How many lines the terminal behind ``stream`` shows (DEFAULT_LINES when unknown)."""
    try:
        return os.get_terminal_size(stream.fileno()).lines or DEFAULT_LINES
    except (OSError, ValueError, AttributeError):
        return DEFAULT_LINES


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        return 80


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, AttributeError):  # closed, or not a file
        return False


class Progress:
    """A line of progress text on a terminal. ``show(text)`` rewrites it (at most every
    ``interval`` seconds unless forced); ``add(n)`` counts items done and shows a bar (or a
    count, when no total is known) once more than ``minimum`` items are in play; ``done()``
    clears it. Disabled (every call does nothing) unless ``enabled``, which defaults to whether
    the stream is a terminal."""

    def __init__(
        self,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        interval: float = 0.2,
        *,
        label: str = "",
        total: int | None = None,
        unit: str = "keys",
        minimum: int = 0,
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.interval = interval
        self.last = 0.0
        self.shown = False
        self.label = label
        self.total = total
        self.unit = unit
        self.minimum = minimum
        self.count = 0
        self._lock = threading.Lock()

    def show(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        with self._lock:
            now = time.monotonic()
            if not force and now - self.last < self.interval:
                return
            self.last = now
            text = text[: max(_columns(self.stream) - 1, 10)]  # a wrapped line cannot be redrawn
            self.stream.write(f"\r\033[K{text}")
            self.stream.flush()
            self.shown = True

    def add(self, n: int = 1) -> None:
        """``n`` more items done."""
        with self._lock:
            self.count += n
            count = self.count
        if not self.enabled or max(self.total or 0, count) <= self.minimum:
            return
        self.show(self.render(count), force=count == self.total)

    def render(self, count: int) -> str:
        prefix = f"{self.label}: " if self.label else ""
        if not self.total:
            return f"{prefix}{count:,} {self.unit}"
        filled = min(BAR_WIDTH, BAR_WIDTH * count // self.total)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        return f"{prefix}[{bar}] {count:,}/{self.total:,} {self.unit}"

    def done(self) -> None:
        if self.enabled and self.shown:
            with self._lock:
                self.stream.write("\r\033[K")
                self.stream.flush()
                self.shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.done()


def for_keys(
    label: str,
    total: int | None = None,
    *,
    quiet: bool = False,
    unit: str = "keys",
    stream: TextIO | None = None,
) -> Progress:
    """Progress of a command over keys (``label``: the command's name), on stderr: shown only
    on a terminal, never with ``quiet``, and only over more than a screenful of keys. With no
    ``total`` it counts (``export: 1,200 keys``); with one it draws a bar."""
    stream = stream or sys.stderr
    enabled = not quiet and _is_terminal(stream)
    minimum = screenful(stream) if enabled else 0
    return Progress(stream, enabled, 0.1, label=label, total=total, unit=unit, minimum=minimum)
