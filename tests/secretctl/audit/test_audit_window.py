"""--since / --until: durations, ISO dates and date-times (UTC when no zone), [since, until)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from secretctl.audit.window import parse_window
from secretctl.errors import UsageError

NOW = datetime(2026, 3, 10, 12, 0, 0, 250000, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("90m", "2026-03-10T10:30:01Z"),
        ("36h", "2026-03-09T00:00:01Z"),
        ("7d", "2026-03-03T12:00:01Z"),
        ("2026-03-01", "2026-03-01T00:00:00Z"),
        ("2026-03-01T06:30", "2026-03-01T06:30:00Z"),
        ("2026-03-01T06:30:00Z", "2026-03-01T06:30:00Z"),
        ("2026-03-01T08:30:00+02:00", "2026-03-01T06:30:00Z"),
        ("2026-03-01T06:30:00.5", "2026-03-01T06:30:01Z"),
    ],
)
def test_since(since: str, expected: str) -> None:
    assert parse_window(since, None, now=NOW).since_text == expected


def test_defaults() -> None:
    window = parse_window(None, None, now=NOW)
    assert (window.since_text, window.until_text) == (
        "2026-03-03T12:00:01Z",
        "2026-03-10T12:00:01Z",
    )
    assert parse_window(None, None, default_days=90, now=NOW).since_text == "2025-12-10T12:00:01Z"


def test_days_include_the_day_after_until() -> None:
    window = parse_window("2026-02-28T23:00", "2026-03-01T00:00", now=NOW)
    assert [f"{d:%Y-%m-%d}" for d in window.days()] == ["2026-02-28", "2026-03-01"]


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("7x", None, "invalid --since '7x'"),
        ("-3d", None, "invalid --since '-3d'"),
        (None, "yesterday", "invalid --until 'yesterday'"),
        ("2026-02-30", None, "invalid --since '2026-02-30'"),
        ("2026-03-05", "2026-03-05", "must be before --until"),
        ("1d", "2d", "must be before --until"),
    ],
)
def test_bad_windows(since: str | None, until: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_window(since, until, now=NOW)
