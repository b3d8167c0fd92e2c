"""The audit window ``[since, until)``: durations and ISO dates from the command line, UTC."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from secretctl.errors import UsageError

_DURATION = re.compile(r"^(\d+)([mhd])$")
# a calendar date and what follows it: a time after T or a space, or a zone alone
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(.*)$")
_ZONE = re.compile(r"^(Z|[+-]\d{2}(:?\d{2})?)$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
FORMAT_HINT = (
    "a duration (90m, 36h, 7d) or an ISO date or date-time (2026-03-01, 2026-03-01T12:00:00Z)"
)
DEFAULT_DAYS = 7
UNUSED_DEFAULT_DAYS = 90
# Moments the window may name: four-digit years (CloudTrail times compare as text) far from
# the ends of datetime's range (a window's days never overflow).
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)
RANGE_HINT = "out of range (use a moment from 1970 to 8999)"
# CloudTrail started in November 2013: no trail holds a folder of an earlier day.
CLOUDTRAIL_START = datetime(2013, 11, 1, tzinfo=timezone.utc)


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

    def days(self, now: datetime | None = None) -> list[datetime]:
        """Every UTC day the window touches, and the day after ``until`` (CloudTrail delivers
        events of the last minutes of a day into the next day's folder). With ``now`` (to list
        folders), only days a trail can have written: from CloudTrail's start to the day
        after ``now``."""
        day = self.since.replace(hour=0, minute=0, second=0)
        last = (self.until - timedelta(seconds=1)).replace(hour=0, minute=0, second=0)
        if now is not None:
            day = max(day, CLOUDTRAIL_START)
            last = min(last, now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0))
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
    try:
        if match:
            amount = int(match.group(1))
            moment = now - timedelta(**{_UNITS[match.group(2)]: amount})
        else:
            moment = _iso_moment(value, option, text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            moment = _whole_second(moment.astimezone(timezone.utc))
    except OverflowError:
        moment = LATEST
    if not EARLIEST <= moment < LATEST:
        raise UsageError(f"invalid {option} {text!r}: {RANGE_HINT}")
    return moment


def _iso_moment(value: str, option: str, text: str) -> datetime:
    """An ISO date or date-time. A date with a zone alone (``2026-03-01+02:00``) is its
    midnight there; a date followed by anything but ``T``, a space or a zone is refused
    (``datetime.fromisoformat`` takes any character between date and time)."""
    date = _DATE.match(value)
    if date and date.group(2):
        rest = date.group(2)
        if _ZONE.match(rest):
            value = f"{date.group(1)}T00:00:00{rest}"
        elif rest[0] not in "Tt ":
            raise UsageError(f"invalid {option} {text!r}: use {FORMAT_HINT}")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(f"invalid {option} {text!r}: use {FORMAT_HINT}") from None


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
