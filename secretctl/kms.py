"""Which KMS key encrypts new secrets."""

from __future__ import annotations

import re
from collections.abc import Mapping

DEFAULT_KEY = "alias/parameter_store_key"
_KEY_ID_RE = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$"
)


def resolve_kms_key(environ: Mapping[str, str], flag: str | None = None) -> str:
    """The KeyId for PutParameter.

    ``--kms-key-alias`` (chamber's global flag) comes first, then ``SECRETCTL_KMS_KEY``; each
    takes an alias (``alias/x`` or bare ``x``), an alias ARN, a key ARN or a key id. chamber's
    ``CHAMBER_KMS_KEY_ALIAS`` (an alias) is the fallback.
    """
    value = (flag or "").strip() or environ.get("SECRETCTL_KMS_KEY", "").strip()
    if value:
        if value.startswith(("alias/", "arn:")) or _KEY_ID_RE.match(value):
            return value
        return f"alias/{value}"
    alias = environ.get("CHAMBER_KMS_KEY_ALIAS", "").strip()
    if alias:
        return alias if alias.startswith("alias/") else f"alias/{alias}"
    return DEFAULT_KEY
