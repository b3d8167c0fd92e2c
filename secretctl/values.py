"""Secret values: SSM's limits, checked before any AWS call, and exact stdin decoding."""

from __future__ import annotations

from secretctl.errors import UsageError

STANDARD_MAX_BYTES = 4096
ADVANCED_MAX_BYTES = 8192
TIERS = {"standard": "Standard", "advanced": "Advanced"}
# Why a NUL is refused: exec passes values to execve as C strings, which end at the first NUL
# (the other characters, control ones included, pass).
NUL_RULE = "secret values may be any text but NUL, which a program's environment cannot hold"


def check_value(value: str, tier: str | None, key: str) -> None:
    """Raise UsageError when SSM would refuse ``value`` (never quoting it)."""
    if value == "":
        raise UsageError(f"value for key {key!r} is empty; SSM requires at least one character")
    if "\x00" in value:
        raise UsageError(f"value for key {key!r} contains a NUL character: {NUL_RULE}")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise UsageError(f"value for key {key!r} is not valid UTF-8 text") from None
    limit = ADVANCED_MAX_BYTES if tier == "Advanced" else STANDARD_MAX_BYTES
    if size > limit:
        hint = (
            "use --tier advanced (up to 8192 bytes)"
            if tier != "Advanced"
            else "SSM stores at most 8192 bytes per parameter"
        )
        raise UsageError(f"value for key {key!r} is {size} bytes; the limit is {limit}: {hint}")


def tier_for(value: str, tier: str | None = None) -> str | None:
    """``tier``, else Advanced for a value only that tier holds (copy, rollback: a value SSM
    already stored), else None (SSM's default)."""
    if tier is None and len(value.encode("utf-8")) > STANDARD_MAX_BYTES:
        return TIERS["advanced"]
    return tier


def tier_name(tier: str | None) -> str | None:
    """The SSM tier name for ``--tier`` (None leaves the parameter's tier to SSM)."""
    if tier is None:
        return None
    try:
        return TIERS[tier.lower()]
    except KeyError:
        raise UsageError(f"unknown tier {tier!r}: use standard or advanced") from None


def decode_input(data: bytes, source: str) -> str:
    """Decode bytes read from stdin or a file as strict UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UsageError(
            f"{source} is not valid UTF-8 (bad byte at offset {err.start}); secrets must be text"
        ) from None


def first_line(text: str) -> str:
    """``-s/--singleline``: the text up to its first newline (as chamber reads it), without
    the carriage return of a CRLF line ending."""
    line = text.split("\n", 1)[0]
    return line[:-1] if line.endswith("\r") else line
