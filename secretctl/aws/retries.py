"""When a failed SSM request is tried again, and after how long: one policy for both clients
(the lean client applies it itself; boto3's gets it through a botocore hook, except for
throttling, which botocore's adaptive mode handles there).

- Throttled: up to ``--retries`` times, with "equal jitter" backoff (tuned with bench
  scenario 5: 50 containers starting at once drain near the rate floor with few wasted requests).
- An AWS 5xx answer: up to ``--retries`` times, quickly (full jitter, 0.1 s doubling to 2 s).
- No connection: at most CONNECTION_RETRIES times, quickly: a dead endpoint is not throttling
  (and never when the certificate does not verify).
- Sent, no answer (timeout, reset, cut short): reads as a failed connection; a write never, as
  it may have been applied and a second one would store the value again under a new version.
"""

from __future__ import annotations

import random

from secretctl.aws.errors import UNTRUSTED
from secretctl.aws.timeouts import CONNECTION_RETRIES

THROTTLE_BASE_SECONDS = 3.0
THROTTLE_CAP_SECONDS = 8.0
TRANSIENT_BASE_SECONDS = 0.1
TRANSIENT_CAP_SECONDS = 2.0

# actions safe to send again when an answer was lost: reads, and tag changes (setting or
# removing the same tags twice leaves the same tags)
IDEMPOTENT = {
    "GetParameter",
    "GetParametersByPath",
    "GetParameterHistory",
    "DescribeParameters",
    "ListTagsForResource",
    "AddTagsToResource",
    "RemoveTagsFromResource",
}


def backoff_delay(attempt: int, throttled: bool, rng: random.Random | None = None) -> float:
    """The delay before retry number ``attempt`` (0-based)."""
    uniform = (rng or random).uniform
    if throttled:
        ceiling = min(THROTTLE_CAP_SECONDS, THROTTLE_BASE_SECONDS * 2**attempt)
        return ceiling / 2 + uniform(0.0, ceiling / 2)
    return uniform(0.0, min(TRANSIENT_CAP_SECONDS, TRANSIENT_BASE_SECONDS * 2**attempt))


def retry_connection(action: str, reason: str, sent: bool, attempts: int, retries: int) -> bool:
    """Whether to try again after ``attempts`` attempts that got no answer (``reason``)."""
    if (sent and action not in IDEMPOTENT) or reason == UNTRUSTED:
        return False  # a certificate that does not verify will not verify the next time
    return attempts <= min(retries, CONNECTION_RETRIES)
