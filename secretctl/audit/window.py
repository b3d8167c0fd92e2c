"""The audit window ``[since, until)``: durations and ISO dates from the command line, UTC."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from secretctl.errors import UsageError

_DURATION = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
FORMAT_HINT = (
    "a duration (90m, 36h, 7d) or an ISO date or date-time (2026-03-01, 2026-03-01T12:00:00Z)"
)
DEFAULT_DAYS = 7
UNUSED_DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Window:
    since: datetime  # UTC, whole seconds
    until: datetime

    @property
    def since_text(self) -> str:
        return cloudtrail_time(self.since)

    @property
    def until_text(self) -> str:
        return cloudtrail_time(self.until)

    def days(self) -> list[datetime]:
        """Every UTC day the window touches, and the day after ``until`` (CloudTrail delivers
        events of the last minutes of a day into the next day's folder)."""
        day = self.since.replace(hour=0, minute=0, second=0)
        last = (self.until - timedelta(seconds=1)).replace(hour=0, minute=0, second=0)
        days = []
        while day <= last + timedelta(days=1):
            days.append(day)
            day += timedelta(days=1)
        return days


def day_folder(day: datetime) -> str:
    """A day as CloudTrail's folders and the Athena date partition spell it: ``2026/03/01``."""
    return f"{day:%Y}/{day:%m}/{day:%d}"


def cloudtrail_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``, as CloudTrail writes eventTime (and as --json prints times)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _whole_second(moment: datetime) -> datetime:
    """Round up to the second: eventTime has whole seconds, so [since, until) keeps its
    meaning when both ends are compared as CloudTrail text."""
    if moment.microsecond:
        return moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def parse_moment(text: str, option: str, now: datetime) -> datetime:
    """A duration before ``now`` or an ISO date / date-time (UTC when it has no zone)."""
    value = text.strip()
    match = _DURATION.match(value)
    if match:
        amount = int(match.group(1))
        return now - timedelta(**{_UNITS[match.group(2)]: amount})
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(f"invalid {option} {text!r}: use {FORMAT_HINT}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return _whole_second(moment.astimezone(timezone.utc))


def parse_window(
    since: str | None,
    until: str | None,
    *,
    default_days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> Window:
    """The window from ``--since``/``--until`` (defaults: the last ``default_days`` days)."""
    current = now or datetime.now(timezone.utc)
    current = current.astimezone(timezone.utc)
    current = current.replace(microsecond=0) + timedelta(
        seconds=math.ceil(current.microsecond / 1e6)
    )
    end = parse_moment(until, "--until", current) if until else current
    start = parse_moment(since, "--since", current) if since else end - timedelta(days=default_days)
    if start >= end:
        raise UsageError(
            f"--since ({cloudtrail_time(start)}) must be before --until ({cloudtrail_time(end)})"
        )
    return Window(start, end)
