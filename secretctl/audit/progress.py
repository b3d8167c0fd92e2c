"""Progress on stderr while reading (files or pages done, events scanned), only when stderr is
a terminal; one line rewritten in place, cleared at the end."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self, stream: TextIO | None = None, enabled: bool | None = None, interval: float = 0.2
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.interval = interval
        self.last = 0.0
        self.shown = False

    def show(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        self.stream.write(f"\r\033[K{text}")
        self.stream.flush()
        self.shown = True

    def files(self, done: int, total: int, events: int) -> None:
        self.show(f"audit: {done}/{total} files, {events:,} events scanned", done == total)

    def pages(self, pages: int, events: int) -> None:
        self.show(f"audit: {pages} pages, {events:,} events")

    def done(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
