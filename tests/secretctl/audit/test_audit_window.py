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
        ("2026-03-01 06:30", "2026-03-01T06:30:00Z"),
        # a date with a zone is its midnight there (Python's fromisoformat alone read the
        # '+' as the date-time separator: 2026-03-01T02:00Z, four hours late)
        ("2026-03-01+02:00", "2026-02-28T22:00:00Z"),
        ("2026-03-01-05:00", "2026-03-01T05:00:00Z"),
        ("2026-03-01Z", "2026-03-01T00:00:00Z"),
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
        ("2026-03-01x06:30", None, "invalid --since '2026-03-01x06:30'"),
        ("2026-03-05", "2026-03-05", "must be before --until"),
        ("1d", "2d", "must be before --until"),
    ],
)
def test_bad_windows(since: str | None, until: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_window(since, until, now=NOW)


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("1000000d", None, "invalid --since '1000000d': out of range"),
        ("99999999999999999999d", None, "invalid --since '99999999999999999999d': out of range"),
        ("0001-01-01", None, "invalid --since '0001-01-01': out of range"),
        (None, "0999-01-02", "invalid --until '0999-01-02': out of range"),
        (None, "9999-12-31T23:59:59.5", "invalid --until '9999-12-31T23:59:59.5': out of range"),
    ],
)
def test_moments_out_of_range_are_usage_errors(
    since: str | None, until: str | None, message: str
) -> None:
    """Not an OverflowError (``unexpected error``), nor a year CloudTrail's text cannot
    compare (``1-01-01T00:00:00Z`` sorts after ``2026-...``)."""
    with pytest.raises(UsageError, match=message):
        parse_window(since, until, now=NOW)


def test_listing_days_stop_the_day_after_now() -> None:
    """``--until`` in the future: no folder can exist after the day after now, so none is
    listed (ten years ahead were 3,650 ListObjects calls for nothing)."""
    window = parse_window("2026-03-08", "2036-01-01", now=NOW)
    assert [f"{d:%Y-%m-%d}" for d in window.days(now=NOW)] == [
        "2026-03-08",
        "2026-03-09",
        "2026-03-10",
        "2026-03-11",
    ]
    assert len(window.days()) > 3000, "without now, the window's own days (the SQL's range)"


def test_listing_days_start_when_cloudtrail_did() -> None:
    window = parse_window("1990-01-01", "2013-11-03", now=NOW)
    assert [f"{d:%Y-%m-%d}" for d in window.days(now=NOW)] == [
        "2013-11-01",
        "2013-11-02",
        "2013-11-03",
    ]


def test_the_lookup_note_is_for_windows_older_than_90_days_only() -> None:
    """``audit unused`` defaults to the last 90 days, LookupEvents' own reach: the note that
    older events are missing must not appear because the command took a second to start."""
    from datetime import timedelta

    from secretctl.audit.run import lookup_note

    default = parse_window(None, None, default_days=90, now=NOW)
    assert lookup_note(default.since, NOW + timedelta(seconds=3)) is None
    older = parse_window("91d", None, now=NOW)
    note = lookup_note(older.since, NOW + timedelta(seconds=3))
    assert note is not None and "last 90 days only" in note
