"""What AWS's own validation refuses, as data: the size and name limits the stack config is
checked against before any resource is registered (mocks accept anything; AWS does not)."""

from __future__ import annotations

import json
import re

#: IAM (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): a role's
#: inline policies together, and its trust policy (the default quota; it can be raised to
#: 4,096), in characters without whitespace; a role description; a tag value.
ROLE_INLINE_POLICIES_MAX = 10_240
ROLE_TRUST_POLICY_MAX = 2_048
ROLE_DESCRIPTION_MAX = 1_000
TAG_VALUE_MAX = 256
#: KMS: a key policy is at most 32 KB (https://docs.aws.amazon.com/kms/latest/developerguide/
#: resource-limits.html).
KEY_POLICY_MAX = 32_768

#: CloudTrail trail names (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/
#: API_CreateTrail.html): 3-128 ASCII letters, digits, '.', '_' and '-', starting and ending
#: with a letter or digit, no two of '.', '_', '-' next to each other, not an IP address.
TRAIL_NAME_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?=[A-Za-z0-9])){2,127}$"
_TRAIL_NAME_RE = re.compile(TRAIL_NAME_PATTERN)
_IP_ADDRESS_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def policy_size(document: dict) -> int:
    """A policy's size as IAM counts it: the JSON text without whitespace."""
    return len(json.dumps(document, separators=(",", ":")))


def trail_name_problem(name: str) -> str | None:
    """Why CloudTrail would refuse ``name`` as a trail name, or None."""
    if not _TRAIL_NAME_RE.match(name):
        return (
            "must be 3-128 letters, digits, '.', '_' or '-', start and end with a letter or "
            "digit, and have no two of '.', '_', '-' in a row (CloudTrail's rule)"
        )
    if _IP_ADDRESS_RE.match(name):
        return "must not look like an IP address (CloudTrail's rule)"
    return None
