"""The ``lookup`` source: CloudTrail's LookupEvents in the current region (management events
of the last 90 days; nothing to set up).

CloudTrail allows 2 LookupEvents requests per second per account and region: requests are
spaced so that no second holds more than two, and a throttled request waits (doubling, up to
8 s) and is tried again. One attribute per lookup is allowed, so SSM and KMS are two chains of
pages (50 events each), and a question asks only for the sources its rules use (``writes``:
SSM only)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from secretctl.audit.aws import Aws, aws_errors, describe
from secretctl.audit.rules import SOURCES
from secretctl.errors import AwsError
from secretctl.store.ssm_errors import THROTTLE_CODES, error_code

REQUESTS_PER_SECOND = 2
SPACING = 1.0 / REQUESTS_PER_SECOND + 0.02  # a little over: the service counts by its clock
PAGE_SIZE = 50
MAX_BACKOFF = 8.0


class Pacer:
    """Start requests at least ``spacing`` seconds apart (so at most 2 in any second)."""

    def __init__(
        self,
        spacing: float = SPACING,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.spacing = spacing
        self.clock = clock
        self.sleep = sleep
        self.next_start = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = self.clock()
            if now < self.next_start:
                self.sleep(self.next_start - now)
                now = self.next_start
            self.next_start = now + self.spacing


def lookup_records(
    aws: Aws,
    since: datetime,
    until: datetime,
    retries: int,
    pacer: Pacer | None = None,
    on_page: Callable[[int], None] | None = None,
    sources: tuple[str, ...] = SOURCES,
) -> Iterator[dict[str, Any]]:
    """Every management event of ``sources`` (SSM and KMS) in ``[since, until)`` as a
    CloudTrail record."""
    client = aws.client("cloudtrail", mode="standard", retries=0)  # we pace and retry ourselves
    pacer = pacer or Pacer()
    for source in sources:
        args: dict[str, Any] = {
            "LookupAttributes": [{"AttributeKey": "EventSource", "AttributeValue": source}],
            "StartTime": since,
            "EndTime": until,
            "MaxResults": PAGE_SIZE,
        }
        while True:
            page = _call(client, args, pacer, retries)
            events = page.get("Events", [])
            if on_page:
                on_page(len(events))
            for item in events:
                text = item.get("CloudTrailEvent")
                if text:
                    yield json.loads(text)
            token = page.get("NextToken")
            if not token:
                break
            args["NextToken"] = token


def _call(client: Any, args: dict[str, Any], pacer: Pacer, retries: int) -> dict[str, Any]:
    delay = 1.0
    for attempt in range(retries + 1):
        pacer.wait()
        try:
            return client.lookup_events(**args)  # type: ignore[no-any-return]
        except Exception as err:
            if error_code(err) not in THROTTLE_CODES or attempt == retries:
                with aws_errors("cloudtrail:LookupEvents", f"region {client.meta.region_name}"):
                    raise
            pacer.sleep(delay)
            delay = min(MAX_BACKOFF, delay * 2)
    raise AwsError(describe(RuntimeError("retries"), "cloudtrail:LookupEvents", "CloudTrail"))
