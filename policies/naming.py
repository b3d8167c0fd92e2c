"""Secret labels: the path prefix ``/<label>/<key>`` under which a service's secrets live.

The rules match what secretctl (and chamber) accept as a *service*, so a label in the stack
config always names the path the CLI writes to.
"""

from __future__ import annotations

import re

LABEL_PATTERN = r"^[a-z0-9_.-]+(/[a-z0-9_.-]+)*$"
_LABEL_RE = re.compile(LABEL_PATTERN)
RESERVED_SEGMENT = "_chamber"
MAX_LABEL_LENGTH = 900  # leaves room for '/<key>' under SSM's 1011-character name limit
MAX_LEVELS = 14  # SSM allows 15 levels; one is the key
#: IAM tag values are at most 256 characters, and every service role is tagged with its label.
MAX_TAGGED_LABEL_LENGTH = 256
#: Every role the platform creates lives under ``/secrets-platform/<stack>/``: the key policy
#: denies use of the key to every principal outside that path.
ROLE_PATH_ROOT = "secrets-platform"


def label_problem(label: object) -> str | None:
    """Why ``label`` is not a valid secret label, or None when it is."""
    if not isinstance(label, str) or not label:
        return "must be a non-empty string"
    if "*" in label or "?" in label:
        return "must not contain the IAM wildcards '*' or '?'"
    if label.startswith("/") or label.endswith("/"):
        return "must not start or end with '/' (write 'team/api', not '/team/api/')"
    if "//" in label:
        return "must not contain '//' (empty path segment)"
    if any(segment.lower() == RESERVED_SEGMENT for segment in label.split("/")):
        return f"must not use {RESERVED_SEGMENT!r}: chamber reserves it for its own configuration"
    if label != label.lower():
        return "must be lowercase, as secretctl and chamber store service paths in lowercase"
    if not _LABEL_RE.match(label):
        return (
            "must use only lowercase letters, digits, '_', '.' and '-' in segments separated "
            f"by single '/' (pattern {LABEL_PATTERN})"
        )
    if len(label) > MAX_LABEL_LENGTH:
        return f"must be at most {MAX_LABEL_LENGTH} characters"
    if label.count("/") + 1 > MAX_LEVELS:
        return f"must have at most {MAX_LEVELS} segments (SSM allows 15 levels with the key)"
    return None


def role_path(stack: str) -> str:
    """The IAM path of every role a stack creates: ``/secrets-platform/<stack>/``."""
    return f"/{ROLE_PATH_ROOT}/{stack}/"
