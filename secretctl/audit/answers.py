"""The four answers (reads, unused, denied, writes) from the facts of a window: pure, over
plain data. Rows are dicts in the stable ``--json`` shape, sorted as documented."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from secretctl.audit.rules import Fact, path_covers, service_of
from secretctl.audit.window import cloudtrail_time

QUESTIONS = ("reads", "unused", "denied", "writes")


@dataclass(frozen=True)
class Question:
    """``kind`` over ``services`` (empty: every service) and, for reads and writes, one
    ``key``. Services and key as stored (already normalised)."""

    kind: str
    services: tuple[str, ...] = ()
    key: str | None = None

    def wants(self, name: str) -> bool:
        """Whether parameter ``name`` is one this question is about."""
        if self.services and service_of(name) not in self.services:
            return False
        return self.key is None or name.rpartition("/")[2] == self.key

    def wants_path(self, path: str) -> bool:
        """Whether a path (trailing ``/`` removed) could cover a parameter asked about."""
        if not self.services:
            return True
        return any(f"/{s}" == path or f"/{s}".startswith(path + "/") for s in self.services)


@dataclass(frozen=True)
class Existing:
    """A parameter that exists now, as SSM lists it."""

    name: str
    last_modified: datetime
    modified_by: str


def unique(facts: Iterable[Fact]) -> list[Fact]:
    """One fact per (kind, event, subject): an event delivered twice counts once."""
    seen: dict[tuple[str, str, str], Fact] = {}
    for fact in facts:
        seen.setdefault((fact.kind, fact.event_id, fact.subject), fact)
    return list(seen.values())


def read_rows(facts: Iterable[Fact], question: Question, existing: Iterable[str]) -> list[dict]:
    """One row per (parameter, principal): the last read and the number of SSM reads."""
    facts = unique(facts)
    known = {n for n in existing if question.wants(n)}
    known |= {
        f.subject
        for f in facts
        if f.kind in ("read", "known", "write") and question.wants(f.subject)
    }
    rows: dict[tuple[str, str], list] = {}

    def add(name: str, who: str, when: str, counts: bool) -> None:
        row = rows.setdefault((name, who), [when, 0])
        if when > row[0]:
            row[0] = when
        row[1] += 1 if counts else 0

    paths: dict[tuple[str, bool, str], list] = {}  # (path, recursive, principal) -> [last, n]
    for fact in facts:
        if fact.kind == "read" and question.wants(fact.subject):
            add(fact.subject, fact.principal, fact.time, fact.flag)
        elif fact.kind == "path" and question.wants_path(fact.subject):
            entry = paths.setdefault((fact.subject, fact.flag, fact.principal), [fact.time, 0])
            entry[0] = max(entry[0], fact.time)
            entry[1] += 1
    for (path, recursive, who), (last, count) in paths.items():
        for name in known:
            if path_covers(path, recursive, name):
                row = rows.setdefault((name, who), [last, 0])
                row[0] = max(row[0], last)
                row[1] += count
    return [
        {"parameter": name, "principal": who, "last_read": last, "reads": count}
        for (name, who), (last, count) in sorted(rows.items())
    ]


def unused_rows(
    facts: Iterable[Fact], question: Question, existing: Iterable[Existing]
) -> list[dict]:
    """The parameters that exist and that nothing read in the window."""
    current = [e for e in existing if question.wants(e.name)]
    read = {r["parameter"] for r in read_rows(facts, question, [e.name for e in current])}
    return unused_from_reads(read, current)


def unused_from_reads(read: Iterable[str], existing: Iterable[Existing]) -> list[dict]:
    done = set(read)
    return [
        {
            "parameter": e.name,
            "last_modified": cloudtrail_time(e.last_modified),
            "modified_by": e.modified_by,
        }
        for e in sorted(existing, key=lambda e: e.name)
        if e.name not in done
    ]


def _denied_wanted(fact: Fact, question: Question) -> bool:
    if not question.services:
        return True
    if not fact.under:
        return False
    if fact.under.startswith("arn:"):
        return False
    if fact.flag:  # a path: the service's own (a service is one level, /api/sub is not api's)
        return any(fact.under == f"/{s}" for s in question.services)
    return question.wants(fact.under)


def denied_rows(facts: Iterable[Fact], question: Question) -> list[dict]:
    """Refusals: time, principal, action, target, error; by time, then principal."""
    rows = [
        {
            "time": f.time,
            "principal": f.principal,
            "action": f.action,
            "target": f.subject,
            "error": f.error,
        }
        for f in unique(facts)
        if f.kind == "denied" and _denied_wanted(f, question)
    ]
    return sorted(rows, key=lambda r: (r["time"], r["principal"], r["action"], r["target"]))


def write_rows(facts: Iterable[Fact], question: Question) -> list[dict]:
    """Changes: time, principal, action, parameter; by time, then parameter."""
    rows = [
        {"time": f.time, "principal": f.principal, "action": f.action, "parameter": f.subject}
        for f in unique(facts)
        if f.kind == "write" and question.wants(f.subject)
    ]
    return sorted(rows, key=lambda r: (r["time"], r["parameter"], r["principal"], r["action"]))


def relevant(fact: Fact, question: Question) -> bool:
    """Whether a fact can change this question's answer (the engines drop the rest early)."""
    if fact.kind == "path":
        return question.kind in ("reads", "unused") and question.wants_path(fact.subject)
    if fact.kind == "denied":
        return question.kind == "denied" and _denied_wanted(fact, question)
    if question.kind == "denied":
        return False
    if question.kind == "writes":
        return fact.kind == "write" and question.wants(fact.subject)
    return question.wants(fact.subject)


def answer(
    question: Question,
    facts: Iterable[Fact],
    existing: Iterable[Existing] = (),
) -> list[dict]:
    """The rows for ``question``; ``existing``: what SSM lists now for the services asked
    (needed by reads and unused)."""
    existing = list(existing)
    if question.kind == "reads":
        return read_rows(facts, question, [e.name for e in existing])
    if question.kind == "unused":
        return unused_rows(facts, question, existing)
    if question.kind == "denied":
        return denied_rows(facts, question)
    if question.kind == "writes":
        return write_rows(facts, question)
    raise ValueError(f"unknown question {question.kind!r}")
