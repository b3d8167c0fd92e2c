"""Which number each stored version of a secret goes by, for ``history`` and ``read --version``.

chamber numbers versions with its own counter (the Description, previous + 1). Writers that
race read the same previous counter and store the same next one, so a counter can repeat and
the versions behind it cannot be told apart. Where a secret's counters are all distinct,
versions go by chamber's counter, as chamber shows them (0 for a version another tool wrote
without one); where any repeats, every version of that secret goes by SSM's own version
number, which is unique, so that no stored value becomes unreachable.
"""

from __future__ import annotations

from dataclasses import replace

from secretctl.store.base import Change

CHAMBER, SSM = "chamber", "ssm"


def numbering(changes: list[Change]) -> str:
    """CHAMBER when chamber's counters tell every version apart, else SSM."""
    counters = [c.counter for c in changes]
    return CHAMBER if len(set(counters)) == len(counters) else SSM


def numbered(changes: list[Change]) -> tuple[list[Change], str]:
    """The history with each version under the number it goes by, and the numbering used."""
    scheme = numbering(changes)
    if scheme == CHAMBER:
        return changes, scheme
    return [
        replace(c, version=c.ssm_version, event="Created" if c.ssm_version == 1 else "Updated")
        for c in changes
    ], scheme


def repeat_note(name: str) -> str:
    """What ``history`` says when versions go by SSM's numbers."""
    return (
        f"note: chamber's version counter repeats in the history of {name} (writers raced); "
        "versions are shown by SSM's own numbers, which `read --version` takes for this secret"
    )


def race_warning(name: str, expected: int, stored: int) -> str:
    """What a write says when SSM's version number shows another writer got in between."""
    return (
        f"warning: another writer wrote {name} at the same time: SSM stored this value as "
        f"version {stored}, not {expected}; `secretctl history` lists every version"
    )
