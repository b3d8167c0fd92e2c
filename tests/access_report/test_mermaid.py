"""The Mermaid picture of who reads and writes which labels: its structure against the access
model, its diff marks, and its syntax judged by Mermaid's own parser."""

from __future__ import annotations

import re
from pathlib import Path

from access_report import mermaid
from access_report.model import AUDIT_READER, READ, WRITE, access_model
from access_report.sources import load_source
from tests.access_report.conftest import Parse, run_access_report

ROOT = Path(__file__).resolve().parents[2]
STACKS = [
    ROOT / "Pulumi.dev.yaml",
    ROOT / "Pulumi.prod.yaml",
    ROOT / "tests/proof/iam/Pulumi.matrix.yaml",
]
EDGE = re.compile(r'^  (n\d+) (-->|==>|-\.->)\|"([^"]*)"\| (n\d+)$')
NODE = re.compile(r'^    (n\d+)\["([^"]*)"\]$')


def _model(path: Path):  # type: ignore[no-untyped-def]
    config = load_source(str(path)).config
    assert config is not None
    return access_model(config)


def _parsed(diagram: str) -> tuple[dict[str, str], list[tuple[str, str, str, str]], list[str]]:
    """(node id -> text, edges as (arrow, label, source text, target text), linkStyle lines)."""
    lines = diagram.splitlines()
    assert lines[0] == "flowchart LR"
    nodes = {m.group(1): m.group(2) for line in lines if (m := NODE.match(line))}
    edges = [
        (m.group(2), m.group(3), nodes[m.group(1)], nodes[m.group(4)])
        for line in lines
        if (m := EDGE.match(line))
    ]
    styles = [line for line in lines if line.startswith("  linkStyle ")]
    return nodes, edges, styles


def test_one_stack_draws_every_read_write_and_writer_assumption() -> None:
    model = _model(ROOT / "Pulumi.prod.yaml")
    nodes, edges, styles = _parsed(mermaid.render(model))
    assert len(set(nodes.values())) == len(nodes)
    assert not styles and all(arrow == "-->" for arrow, *_ in edges)
    drawn = {(source, label, target) for _, label, source, target in edges}
    can: dict[tuple[str, str], set[str]] = {}
    expected = set()
    for grant in model.grants:
        if grant.can in (READ, WRITE):
            can.setdefault((grant.who, grant.what), set()).add(grant.can)
        elif grant.what.startswith("writer:") or grant.what == AUDIT_READER:
            expected.add((grant.who, "assume", grant.what))
    for (who, what), cans in can.items():
        expected.add((who, "read, write" if cans == {READ, WRITE} else next(iter(cans)), what))
    assert drawn == expected
    assert ("sso:BreakGlass", "assume", "writer:break-glass") in drawn
    assert ("writer:break-glass", "read, write", "/*") in drawn
    assert not any("ecs-tasks" in s or "key:" in t for s, _, t in drawn)


def test_a_change_marks_added_and_removed_edges() -> None:
    old, new = _model(ROOT / "Pulumi.dev.yaml"), _model(ROOT / "Pulumi.prod.yaml")
    diagram = mermaid.render(new, old, compare=True)
    _, edges, styles = _parsed(diagram)
    added = {(s, label[2:], t) for arrow, label, s, t in edges if arrow == "==>"}
    removed = {(s, label[2:], t) for arrow, label, s, t in edges if arrow == "-.->"}
    assert ("service:billing-reconciler", "read", "/team-billing/reconciler/*") in added
    assert ("writer:engineers", "read, write", "/*") in removed
    assert all(label.startswith("+ ") for arrow, label, _, _ in edges if arrow == "==>")
    assert all(label.startswith("- ") for arrow, label, _, _ in edges if arrow == "-.->")
    # every marked edge has its linkStyle, by its index among the edges
    marked = {i for i, (arrow, *_) in enumerate(edges) if arrow != "-->"}
    assert {int(line.split()[1]) for line in styles} == marked
    for line in styles:
        arrow = edges[int(line.split()[1])][0]
        style = mermaid.ADDED_STYLE if arrow == "==>" else mermaid.REMOVED_STYLE
        assert line.endswith(style)


def test_cli_draws_one_stack() -> None:
    done = run_access_report(["--format", "mermaid", "Pulumi.prod.yaml"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == mermaid.render(_model(ROOT / "Pulumi.prod.yaml"))


def test_mermaid_accepts_every_diagram(mermaid_parse: Parse) -> None:
    models = [_model(path) for path in STACKS]
    diagrams = [mermaid.render(m) for m in models]
    diagrams += [mermaid.render(models[1], models[0], compare=True)]
    diagrams += [mermaid.render(models[0], None, compare=True)]  # a new stack
    diagrams += [mermaid.render(None, models[0], compare=True)]  # a stack that goes
    diagrams += [mermaid.render(None)]
    results = mermaid_parse(diagrams)
    assert results == [{"ok": True, "type": "flowchart-v2"}] * len(diagrams), results


def test_the_parser_rejects_broken_diagrams(mermaid_parse: Parse) -> None:
    """The check can fail: an unclosed edge label and a linkStyle past the last edge."""
    good = mermaid.render(_model(ROOT / "Pulumi.dev.yaml"))
    results = mermaid_parse([good.replace('|"read"|', '|"read"', 1), good + "  linkStyle 999 x\n"])
    assert [r["ok"] for r in results] == [False, False]


def _subgraphs(diagram: str) -> dict[str, str]:
    """Node text -> the id of the subgraph it is drawn in."""
    where: dict[str, str] = {}
    group = ""
    for line in diagram.splitlines():
        if line.startswith("  subgraph "):
            group = line.split()[1].split("[")[0]
        elif (m := NODE.match(line)) is not None:
            where[m.group(2)] = group
    return where


def test_the_audit_reader_is_a_role_and_its_logs_are_not_principals() -> None:
    """prod's audit-reader role is assumed by the SecurityAudit permission set and reads the
    trail's logs: the role is drawn with the stack's roles, what it reads is no principal, and
    who assumes it is drawn as for writers."""
    diagram = mermaid.render(_model(ROOT / "Pulumi.prod.yaml"))
    where = _subgraphs(diagram)
    _, edges, _ = _parsed(diagram)
    assert where["reader:audit"] == "roles"
    assert where["sso:SecurityAudit"] == "who"
    logs = [t for _, _, s, t in edges if s == "reader:audit"]
    assert logs and all(where[t] not in ("who", "roles") for t in logs), where
    assert ("-->", "assume", "sso:SecurityAudit", "reader:audit") in edges
