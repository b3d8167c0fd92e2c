"""Plain-text tables, times and JSON for command output (no third-party printers)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any


def format_time(moment: datetime) -> str:
    """UTC, to the second: ``2026-11-29 03:36:07``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def iso_time(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=0).isoformat()


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell and separated by two spaces; the last is not padded."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = []
    for cells in [list(headers), *map(list, rows)]:
        padded = [c.ljust(w) for c, w in zip(cells[:-1], widths[:-1], strict=True)] + [cells[-1]]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
