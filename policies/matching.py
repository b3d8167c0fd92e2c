"""IAM's wildcard matching, as data rules need it: ``*`` (any run of characters) and ``?``
(one character), and ARNs matched component by component (a wildcard never spans a colon:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache


@lru_cache(maxsize=4096)
def _regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """IAM's ``*`` (any run of characters) and ``?`` (one character) as a regular expression."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _regex(pattern, ignore_case).fullmatch(value) is not None


def matches_some_string_starting_with(pattern: str, prefix: str) -> bool:
    """Whether ``pattern`` matches at least one string that starts with ``prefix``: it can
    consume all of ``prefix`` (whatever follows in the pattern can always match something)."""

    @cache
    def walk(i: int, j: int) -> bool:
        if j == len(prefix):
            return True
        if i == len(pattern):
            return False
        if pattern[i] == "*":
            return walk(i + 1, j) or walk(i, j + 1)
        if pattern[i] == "?" or pattern[i] == prefix[j]:
            return walk(i + 1, j + 1)
        return False

    return walk(0, 0)


def arn_components(pattern: str) -> list[str] | None:
    """An ARN (pattern) as its six colon-separated components; IAM matches each one on its
    own, so a wildcard never spans a colon (``*`` alone stands for every ARN)."""
    parts = pattern.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def arn_like(pattern: str, arn: str) -> bool:
    """IAM's ARN matching: component by component, ``*`` and ``?`` within each."""
    if pattern == "*":
        return True
    want, have = arn_components(pattern), arn_components(arn)
    if want is None or have is None:
        return False
    return all(wildcard_match(w, h) for w, h in zip(want, have, strict=True))
