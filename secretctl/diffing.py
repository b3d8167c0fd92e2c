"""Pure: what differs between two services' secrets, and what ``copy`` does about it. Plain
functions over key -> value maps, tested without AWS."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ServiceDiff:
    """Keys only in SRC, only in DST, in both with different values (each sorted), and how
    many are in both with the same value."""

    only_in_source: list[str]
    only_in_destination: list[str]
    different: list[str]
    equal: int

    @property
    def differs(self) -> bool:
        return bool(self.only_in_source or self.only_in_destination or self.different)

    def summary(self) -> str:
        return (
            f"{len(self.only_in_source)} only in SRC, {len(self.only_in_destination)} only in "
            f"DST, {len(self.different)} different, {self.equal} equal"
        )


def diff_services(source: dict[str, str], destination: dict[str, str]) -> ServiceDiff:
    both = source.keys() & destination.keys()
    return ServiceDiff(
        only_in_source=sorted(source.keys() - destination.keys()),
        only_in_destination=sorted(destination.keys() - source.keys()),
        different=sorted(k for k in both if source[k] != destination[k]),
        equal=sum(source[k] == destination[k] for k in both),
    )


def diff_lines(
    diff: ServiceDiff, source: dict[str, str], destination: dict[str, str], show_values: bool
) -> list[str]:
    """``diff``'s text: ``- key`` only in SRC, ``+ key`` only in DST, ``~ key`` different, in
    key order, then the counts. Values (JSON-quoted) only with ``show_values``."""
    marks = [(k, "-") for k in diff.only_in_source] + [(k, "+") for k in diff.only_in_destination]
    lines = []
    for key, mark in sorted(marks + [(k, "~") for k in diff.different]):
        line = f"{mark} {key}"
        if show_values and mark == "~":
            line += f": {_quoted(source[key])} -> {_quoted(destination[key])}"
        elif show_values:
            line += f" = {_quoted((source if mark == '-' else destination)[key])}"
        lines.append(line)
    return [*lines, diff.summary()]


def diff_document(
    diff: ServiceDiff, source: dict[str, str], destination: dict[str, str], show_values: bool
) -> dict[str, Any]:
    """``diff --json``: the keys of each kind and the count of equal ones; with
    ``show_values``, ``values``: for each key listed, its value on each side that has it."""
    document: dict[str, Any] = {
        "onlyInSource": diff.only_in_source,
        "onlyInDestination": diff.only_in_destination,
        "different": diff.different,
        "equal": diff.equal,
    }
    if show_values:
        listed = diff.only_in_source + diff.only_in_destination + diff.different
        document["values"] = {
            key: {
                side: values[key]
                for side, values in (("source", source), ("destination", destination))
                if key in values
            }
            for key in sorted(listed)
        }
    return document


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class CopyPlan:
    """What ``copy`` writes and deletes in DST. ``kept``: keys that differ and are left alone
    (``--no-overwrite``)."""

    add: list[str]
    change: list[str]
    unchanged: list[str]
    kept: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)

    @property
    def writes(self) -> list[str]:
        return sorted(self.add + self.change)

    def lines(self) -> list[str]:
        """``--dry-run``'s plan: one line per key that would change, never a value."""
        actions = [(k, "add") for k in self.add] + [(k, "change") for k in self.change]
        actions += [(k, "delete") for k in self.delete]
        return [f"{action} {key}" for key, action in sorted(actions)]


def plan_copy(
    source: dict[str, str],
    destination: dict[str, str],
    *,
    no_overwrite: bool = False,
    prune: bool = False,
) -> CopyPlan:
    """New and changed keys of ``source`` (unchanged ones get no new version); with
    ``no_overwrite`` keys that exist in DST are left alone; with ``prune`` DST's keys that
    SRC does not have are deleted."""
    diff = diff_services(source, destination)
    return CopyPlan(
        add=diff.only_in_source,
        change=[] if no_overwrite else diff.different,
        unchanged=sorted(k for k in source.keys() & destination.keys() if k not in diff.different),
        kept=diff.different if no_overwrite else [],
        delete=diff.only_in_destination if prune else [],
    )
