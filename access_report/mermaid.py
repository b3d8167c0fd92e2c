"""Who can read and write which secret labels, as a Mermaid flowchart (GitHub renders it in a
pull request), with the edges a change adds or removes marked.

Pure: it draws the grants of ``access_report.model`` (no Pulumi, no AWS). Edges: a service
role reads its label; a writer role reads and writes its namespaces; the audit-reader role
reads the trail's logs (and the Athena table and results); a principal or an IAM Identity
Center permission set assumes a writer or the audit-reader role. (ECS tasks assuming service
roles and EC2 assuming the host role are the same for every stack and are left out.)
"""

from __future__ import annotations

from dataclasses import dataclass

from access_report.model import ASSUME, AUDIT_READER, READ, WRITE, AccessModel, Grant

#: How an added edge, a removed edge and the nodes that only they touch are drawn.
ADDED_STYLE = "stroke:#1a7f37,stroke-width:3px"
REMOVED_STYLE = "stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5"
LEGEND = "Thick green arrows (+) are added by the change, dashed red ones (-) removed."

GROUPS = (
    ("who", "Principals and permission sets"),
    ("roles", "Roles of the stack"),
    ("secrets", "Secret labels"),
    ("audit", "Audit logs"),
)


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    label: str  # "read", "read, write" or "assume"
    target: str


def access_edges(model: AccessModel | None) -> set[Edge]:
    """The edges of one model (None: a stack that does not exist, no edges)."""
    if model is None:
        return set()
    can: dict[tuple[str, str], set[str]] = {}
    for grant in model.grants:
        if grant.can in (READ, WRITE) or _assumes_role(grant):
            can.setdefault((grant.who, grant.what), set()).add(grant.can)
    return {Edge(who, ", ".join(sorted(cans)), what) for (who, what), cans in can.items()}


def _assumes_role(grant: Grant) -> bool:
    """A principal or permission set assumes a writer or the audit-reader role."""
    return grant.can == ASSUME and (grant.what.startswith("writer:") or grant.what == AUDIT_READER)


def _group(node: str) -> str:
    if node.startswith("/"):
        return "secrets"
    if node.startswith(("service:", "writer:")) or node == AUDIT_READER:
        return "roles"
    if node.startswith(("trail-logs:", "glue-table:", "athena-results:")):
        return "audit"
    return "who"


def _text(value: str) -> str:
    """A node or edge label, quoted for Mermaid (its entity codes for quotes)."""
    return '"' + value.replace('"', "#quot;") + '"'


def render(new: AccessModel | None, old: AccessModel | None = None, compare: bool = False) -> str:
    """The flowchart of ``new``; with ``compare``, also marks what changed from ``old``
    (edges only in ``new`` added, only in ``old`` removed and still drawn)."""
    after = access_edges(new)
    before = access_edges(old) if compare else after
    added, removed = after - before, before - after
    edges = sorted(after | removed)
    nodes = sorted({e.source for e in edges} | {e.target for e in edges})
    ids = {node: f"n{i}" for i, node in enumerate(nodes)}
    lines = ["flowchart LR"]
    if not edges:
        lines.append('  none["no one reads or writes any secret"]')
        return "\n".join(lines) + "\n"
    for group, title in GROUPS:
        members = [n for n in nodes if _group(n) == group]
        if members:
            lines.append(f"  subgraph {group}[{_text(title)}]")
            lines += [f"    {ids[n]}[{_text(n)}]" for n in members]
            lines.append("  end")
    styles: list[str] = []
    for index, edge in enumerate(edges):
        source, target = ids[edge.source], ids[edge.target]
        if edge in added:
            lines.append(f"  {source} ==>|{_text('+ ' + edge.label)}| {target}")
            styles.append(f"  linkStyle {index} {ADDED_STYLE}")
        elif edge in removed:
            lines.append(f"  {source} -.->|{_text('- ' + edge.label)}| {target}")
            styles.append(f"  linkStyle {index} {REMOVED_STYLE}")
        else:
            lines.append(f"  {source} -->|{_text(edge.label)}| {target}")
    return "\n".join(lines + styles) + "\n"


def fenced(diagram: str) -> str:
    """The diagram as a Markdown code block GitHub renders."""
    return f"```mermaid\n{diagram}```\n"
