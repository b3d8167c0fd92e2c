"""The audit's progress on stderr (files or pages done, events scanned): secretctl's one
progress line (``secretctl.progress``), only when stderr is a terminal, cleared at the end."""

from __future__ import annotations

from secretctl.progress import Progress as _Progress


class Progress(_Progress):
    def files(self, done: int, total: int, events: int) -> None:
        self.show(f"audit: {done}/{total} files, {events:,} events scanned", done == total)

    def pages(self, pages: int, events: int) -> None:
        self.show(f"audit: {pages} pages, {events:,} events")
