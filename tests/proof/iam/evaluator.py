"""Drive the independent IAM evaluator (``node/evaluator.mjs``, @cloud-copilot/iam-simulate)
from pytest: one long-running Node process, JSON lines in and out, requests in batches.

A *row* of the access matrix is a claim ("api cannot read /worker/db_url"), the request that
tests it, and the expected decision. A row holds only when the engine decided it (no policy
validation error, no unknown action) without ignoring any context key, and the decision is the
expected one; anything else is a broken row, printed as a table naming the claim.
"""

from __future__ import annotations

import json
import queue
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

NODE_DIR = Path(__file__).resolve().parent / "node"
EVALUATOR_SCRIPT = NODE_DIR / "evaluator.mjs"
#: How long one answer may take before the evaluator is considered hung (a safety net against
#: a stuck process, never a performance assertion).
ANSWER_TIMEOUT_S = 600.0

Decision = Literal["Allowed", "ExplicitlyDenied", "ImplicitlyDenied"]
#: "Denied" accepts either kind of denial; the others must match exactly.
Expectation = Literal["Allowed", "Denied", "ExplicitlyDenied", "ImplicitlyDenied"]
PolicyKind = Literal["identity", "resource", "trust"]
ContextValue = str | Sequence[str]


@dataclass(frozen=True)
class NamedPolicy:
    """A policy document as the engine gets it: a name for messages, the kind it is validated
    as (identity, resource, trust) and the document."""

    name: str
    kind: PolicyKind
    document: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "policy": self.document}


@dataclass(frozen=True)
class Request:
    """One authorization request: who, what, on which resource, with which context, judged
    against the principal's identity policies and the resource's policy (if any)."""

    principal: str
    action: str
    resource: str
    resource_account: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    identity_policies: tuple[NamedPolicy, ...] = ()
    resource_policy: NamedPolicy | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "resourceAccount": self.resource_account,
            "context": {k: v if isinstance(v, str) else list(v) for k, v in self.context.items()},
            "identityPolicies": [p.to_json() for p in self.identity_policies],
            "resourcePolicy": self.resource_policy.to_json() if self.resource_policy else None,
        }


@dataclass(frozen=True)
class Row:
    """One claim of the access matrix and the request that proves it."""

    claim: str
    request: Request
    expect: Expectation


@dataclass(frozen=True)
class Outcome:
    """What the engine answered for one request."""

    result: Decision | None
    errors: tuple[str, ...] = ()
    ignored_context_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Checked:
    row: Row
    outcome: Outcome

    @property
    def holds(self) -> bool:
        outcome = self.outcome
        if outcome.errors or outcome.ignored_context_keys or outcome.result is None:
            return False
        if self.row.expect == "Denied":
            return outcome.result in ("ExplicitlyDenied", "ImplicitlyDenied")
        return outcome.result == self.row.expect


class EvaluatorError(RuntimeError):
    """The evaluator process failed or answered something that is not a result."""


class IamEvaluator:
    """A running ``node evaluator.mjs``; use as a context manager or call ``close``."""

    def __init__(self, node: str, script: Path = EVALUATOR_SCRIPT) -> None:
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._process = subprocess.Popen(
            [node, str(script)],
            cwd=script.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
        )
        self._answers: queue.Queue[str | None] = queue.Queue()
        assert self._process.stdout is not None
        self._reader = threading.Thread(
            target=self._read, args=(self._process.stdout,), daemon=True
        )
        self._reader.start()
        self._lock = threading.Lock()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._answers.put(line)
        self._answers.put(None)

    def _ask(self, message: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            stdin = self._process.stdin
            if stdin is None or self._process.poll() is not None:
                raise EvaluatorError(f"the evaluator is not running{self._stderr_tail()}")
            stdin.write(json.dumps(message, separators=(",", ":")) + "\n")
            stdin.flush()
            try:
                line = self._answers.get(timeout=ANSWER_TIMEOUT_S)
            except queue.Empty:
                raise EvaluatorError("the evaluator did not answer") from None
            if line is None:
                raise EvaluatorError(f"the evaluator exited{self._stderr_tail()}")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise EvaluatorError(f"the evaluator refused the request: {answer.get('error')}")
        return answer

    def _stderr_tail(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        text = self._stderr.read()[-2000:]
        return f": {text}" if text else ""

    def version(self) -> dict[str, str]:
        return dict(self._ask({"op": "version"})["engine"])

    def evaluate(self, requests: Sequence[Request]) -> list[Outcome]:
        answer = self._ask({"op": "evaluate", "requests": [r.to_json() for r in requests]})
        results = answer["results"]
        if len(results) != len(requests):
            raise EvaluatorError(f"{len(requests)} requests but {len(results)} results")
        return [
            Outcome(
                result=r["result"],
                errors=tuple(r.get("errors") or ()),
                ignored_context_keys=tuple(r.get("ignoredContextKeys") or ()),
            )
            for r in results
        ]

    def check(self, rows: Sequence[Row]) -> list[Checked]:
        """Evaluate every row in one batch; return all of them with their outcomes."""
        outcomes = self.evaluate([row.request for row in rows])
        return [Checked(row, outcome) for row, outcome in zip(rows, outcomes, strict=True)]

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._stderr.close()

    def __enter__(self) -> IamEvaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _context_text(context: Mapping[str, ContextValue]) -> str:
    if not context:
        return "-"
    return ", ".join(
        f"{k}={v if isinstance(v, str) else '[' + ','.join(v) + ']'}" for k, v in context.items()
    )


def format_rows(checked: Iterable[Checked]) -> str:
    """The matrix rows as a readable table (for failure messages)."""
    lines = []
    for c in checked:
        r, o = c.row, c.outcome
        got = o.result or "no decision"
        extra = ""
        if o.errors:
            extra += f"\n      errors: {'; '.join(o.errors)}"
        if o.ignored_context_keys:
            extra += f"\n      ignored context keys: {', '.join(o.ignored_context_keys)}"
        policies = [p.name for p in r.request.identity_policies]
        if r.request.resource_policy:
            policies.append(f"{r.request.resource_policy.name} ({r.request.resource_policy.kind})")
        lines.append(
            f"  [{'ok' if c.holds else 'BROKEN'}] {r.claim}\n"
            f"      expected {r.expect}, engine said {got}\n"
            f"      {r.request.principal} {r.request.action} {r.request.resource}\n"
            f"      context: {_context_text(r.request.context)}\n"
            f"      policies: {', '.join(policies) or '-'}{extra}"
        )
    return "\n".join(lines)


def assert_rows_hold(evaluator: IamEvaluator, rows: Sequence[Row]) -> None:
    """Fail naming every broken matrix row (claim, request, expected and actual decision)."""
    assert rows, "a proof needs at least one row"
    checked = evaluator.check(rows)
    broken = [c for c in checked if not c.holds]
    assert not broken, (
        f"{len(broken)} of {len(rows)} access-matrix rows broke:\n{format_rows(broken)}"
    )
