"""What a stack config change does to access: who gains or loses the right to read, write,
administer and assume, for a pull request review.

    python -m access_report --diff git:main Pulumi.prod.yaml     # Markdown (with a diagram)
    python -m access_report --diff OLD.yaml NEW.yaml --json

Pure over two validated configs (``access_report.sources`` reads them): the grants of
``access_model`` compared as sets, plus the config-level view a reviewer asks about (services
and their labels, who shares a label, writers, break-glass, key administrators, hosts, audit).
It informs and never gates: a change and no change both exit 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from access_report import mermaid
from access_report.model import AccessModel, Grant, access_model, label_secrets, sso
from access_report.sources import StackSource
from components.config import PlatformConfig, Writer

NO_CHANGE = "no change in access"


def _delta(before: Iterable[str], after: Iterable[str]) -> dict[str, list[str]]:
    old, new = set(before), set(after)
    return {"added": sorted(new - old), "removed": sorted(old - new)}


def _empty(delta: Mapping[str, list[str]]) -> bool:
    return not delta["added"] and not delta["removed"]


def _assumers(writer: Writer) -> list[str]:
    return [*writer.principals, *(sso(ps) for ps in writer.sso_permission_sets)]


@dataclass(frozen=True)
class AccessDiff:
    old: str
    new: str
    added: tuple[Grant, ...]
    removed: tuple[Grant, ...]
    old_model: AccessModel | None
    new_model: AccessModel | None
    services: dict[str, Any] = field(default_factory=dict)
    shared_labels: list[dict[str, Any]] = field(default_factory=list)
    writers: dict[str, Any] = field(default_factory=dict)
    break_glass: dict[str, list[str]] = field(default_factory=dict)
    audit_readers: dict[str, list[str]] = field(default_factory=dict)
    key_admins: dict[str, list[str]] = field(default_factory=dict)
    key_alias: dict[str, str] | None = None
    hosts: dict[str, str | None] | None = None
    audit: list[str] = field(default_factory=list)
    must_exist: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.key_alias or self.audit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "changed": self.changed,
            "summary": summary(self),
            "added": [asdict(g) for g in self.added],
            "removed": [asdict(g) for g in self.removed],
            "services": self.services,
            "shared_labels": self.shared_labels,
            "writers": self.writers,
            "break_glass": self.break_glass,
            "audit_readers": self.audit_readers,
            "key_admins": self.key_admins,
            "key_alias": self.key_alias,
            "hosts": self.hosts,
            "audit": self.audit,
            "must_exist": self.must_exist,
        }


def _services(old: PlatformConfig | None, new: PlatformConfig | None) -> dict[str, Any]:
    before = {s.name: s.secret_label for s in (old.services if old else ())}
    after = {s.name: s.secret_label for s in (new.services if new else ())}
    return {
        "added": [{"name": n, "label": after[n]} for n in sorted(set(after) - set(before))],
        "removed": [{"name": n, "label": before[n]} for n in sorted(set(before) - set(after))],
        "relabelled": [
            {"name": n, "old": before[n], "new": after[n]}
            for n in sorted(set(before) & set(after))
            if before[n] != after[n]
        ],
    }


def _readers(config: PlatformConfig | None) -> dict[str, list[str]]:
    readers: dict[str, list[str]] = {}
    for service in config.services if config else ():
        readers.setdefault(service.secret_label, []).append(service.name)
    return {label: sorted(names) for label, names in readers.items()}


def _shared_labels(old: PlatformConfig | None, new: PlatformConfig | None) -> list[dict[str, Any]]:
    """Labels read by more than one service after the change whose readers changed."""
    before, after = _readers(old), _readers(new)
    return [
        {"label": label, "readers": names, "before": before.get(label, [])}
        for label, names in sorted(after.items())
        if len(names) > 1 and names != before.get(label, [])
    ]


def _writers(old: PlatformConfig | None, new: PlatformConfig | None) -> dict[str, Any]:
    before = {w.name: w for w in (old.writers if old else ())}
    after = {w.name: w for w in (new.writers if new else ())}

    def described(writer: Writer) -> dict[str, Any]:
        return {
            "name": writer.name,
            "assumed_by": sorted(_assumers(writer)),
            "namespaces": list(writer.namespaces),
        }

    changed = []
    for name in sorted(set(before) & set(after)):
        b, a = before[name], after[name]
        change = {
            "name": name,
            "principals": _delta(b.principals, a.principals),
            "sso_permission_sets": _delta(b.sso_permission_sets, a.sso_permission_sets),
            "namespaces": _delta(b.namespaces, a.namespaces),
        }
        if not all(_empty(change[k]) for k in ("principals", "sso_permission_sets", "namespaces")):
            changed.append(change)
    return {
        "added": [described(after[n]) for n in sorted(set(after) - set(before))],
        "removed": [described(before[n]) for n in sorted(set(before) - set(after))],
        "changed": changed,
    }


def _break_glass(config: PlatformConfig | None) -> set[str]:
    """Who can assume a writer of every secret (namespace ``*``)."""
    return {
        f"{who} (writer {w.name})"
        for w in (config.writers if config else ())
        if "*" in w.namespaces
        for who in _assumers(w)
    }


def _audit_readers(config: PlatformConfig | None) -> list[str]:
    """Who may assume the audit-reader role."""
    if config is None or not config.audit.enabled:
        return []
    audit = config.audit
    return [*audit.readers, *(sso(ps) for ps in audit.reader_sso_permission_sets)]


def _hosts(old: PlatformConfig | None, new: PlatformConfig | None) -> dict[str, str | None] | None:
    before = old.ecs_hosts.cluster_name if old and old.ecs_hosts else None
    after = new.ecs_hosts.cluster_name if new and new.ecs_hosts else None
    return None if before == after else {"old": before, "new": after}


def _audit(old: PlatformConfig | None, new: PlatformConfig | None) -> list[str]:
    if old is None or new is None:
        return []
    notes = []
    if old.audit.enabled != new.audit.enabled:
        notes.append(
            "the audit trail is turned "
            + ("ON" if new.audit.enabled else "OFF: secret reads are no longer recorded")
        )
    if old.audit.deployer_role_arn != new.audit.deployer_role_arn:
        notes.append(
            "who may change the audit bucket's policy, versioning and object lock: "
            f"{old.audit.deployer_role_arn or 'the root user only'} -> "
            f"{new.audit.deployer_role_arn or 'the root user only'}"
        )
    return notes


def diff_configs(old: StackSource, new: StackSource) -> AccessDiff:
    """What changes in access from ``old`` to ``new``."""
    old_model = access_model(old.config) if old.config else None
    new_model = access_model(new.config) if new.config else None
    before = set(old_model.grants) if old_model else set()
    after = set(new_model.grants) if new_model else set()
    alias_before = f"alias/{old.config.kms_key_alias}" if old.config else None
    alias_after = f"alias/{new.config.kms_key_alias}" if new.config else None
    return AccessDiff(
        old=old.label,
        new=new.label,
        added=tuple(sorted(after - before)),
        removed=tuple(sorted(before - after)),
        old_model=old_model,
        new_model=new_model,
        services=_services(old.config, new.config),
        shared_labels=_shared_labels(old.config, new.config),
        writers=_writers(old.config, new.config),
        break_glass=_delta(_break_glass(old.config), _break_glass(new.config)),
        audit_readers=_delta(_audit_readers(old.config), _audit_readers(new.config)),
        key_admins=_delta(
            old.config.key_admins if old.config else (), new.config.key_admins if new.config else ()
        ),
        key_alias=(
            {"old": alias_before, "new": alias_after}
            if alias_before and alias_after and alias_before != alias_after
            else None
        ),
        hosts=_hosts(old.config, new.config),
        audit=_audit(old.config, new.config),
        must_exist=_delta(
            old_model.must_exist if old_model else (), new_model.must_exist if new_model else ()
        ),
    )


def summary(diff: AccessDiff) -> str:
    if not diff.changed:
        return NO_CHANGE
    return f"{len(diff.added)} grant(s) added, {len(diff.removed)} removed"


def _code(value: str) -> str:
    return f"`{value}`"


def _codes(values: Iterable[str]) -> str:
    return ", ".join(_code(v) for v in values)


def _cluster(name: str | None) -> str:
    """A cluster name as code, or (none) for a stack without ECS hosts."""
    return "(none)" if name is None else _code(name)


def _delta_bullets(delta: Mapping[str, list[str]], added: str, removed: str) -> list[str]:
    lines = [f"- {added} {_code(v)}" for v in delta["added"]]
    return lines + [f"- {removed} {_code(v)}" for v in delta["removed"]]


def _service_lines(services: Mapping[str, Any]) -> list[str]:
    lines = [
        f"- added {_code(s['name'])}, reading {_code(label_secrets(s['label']))}"
        for s in services["added"]
    ]
    lines += [
        f"- removed {_code(s['name'])} (read {_code(label_secrets(s['label']))})"
        for s in services["removed"]
    ]
    lines += [
        f"- {_code(s['name'])} now reads {_code(label_secrets(s['new']))} instead of "
        f"{_code(label_secrets(s['old']))}"
        for s in services["relabelled"]
    ]
    return lines


def _writer_lines(writers: Mapping[str, Any]) -> list[str]:
    lines = [
        f"- added {_code(w['name'])}: assumed by {_codes(w['assumed_by'])}; reads and writes "
        f"{_codes(label_secrets(n) for n in w['namespaces'])}"
        for w in writers["added"]
    ]
    lines += [
        f"- removed {_code(w['name'])} (was assumed by {_codes(w['assumed_by'])}; wrote "
        f"{_codes(label_secrets(n) for n in w['namespaces'])})"
        for w in writers["removed"]
    ]
    for w in writers["changed"]:
        parts = []
        for key, title, show in (
            ("principals", "principals", str),
            ("sso_permission_sets", "SSO permission sets", str),
            ("namespaces", "namespaces", label_secrets),
        ):
            delta = w[key]
            parts += [f"{title} + {_code(show(v))}" for v in delta["added"]]
            parts += [f"{title} - {_code(show(v))}" for v in delta["removed"]]
        lines.append(f"- {_code(w['name'])}: " + "; ".join(parts))
    return lines


def _grant_table(diff: AccessDiff) -> list[str]:
    rows = [("+", g) for g in diff.added] + [("-", g) for g in diff.removed]
    lines = ["| | who | can | what | condition |", "|---|---|---|---|---|"]
    for sign, grant in sorted(rows, key=lambda row: (row[1], row[0])):
        condition = grant.condition.replace("|", "\\|")
        lines.append(
            f"| {sign} | {_code(grant.who)} | {grant.can} | {_code(grant.what)} | {condition} |"
        )
    return lines


def render_markdown(diff: AccessDiff) -> str:
    """The diff as Markdown for a pull request: sections, every changed grant, a diagram."""
    out = [f"## Access changes: {diff.old} -> {diff.new}", ""]
    if not diff.changed:
        return "\n".join(out + [f"**{NO_CHANGE}.**", ""])
    if diff.old_model is None:
        out += [f"{diff.old} did not exist: everything below is new.", ""]
    if diff.new_model is None:
        out += [f"{diff.new} does not exist: the stack and all its access go.", ""]
    out += [f"**{summary(diff)}.**", ""]
    sections: list[tuple[str, list[str]]] = [
        ("Services", _service_lines(diff.services)),
        (
            "Shared labels",
            [
                f"- {_code(label_secrets(s['label']))} is now read by {_codes(s['readers'])}"
                + (f" (before: {_codes(s['before'])})" if s["before"] else "")
                for s in diff.shared_labels
            ],
        ),
        ("Writers", _writer_lines(diff.writers)),
        (
            "Break-glass (who can assume a writer of every secret)",
            _delta_bullets(diff.break_glass, "gains:", "loses:"),
        ),
        (
            "Audit readers (assume the audit-reader role: read the trail's logs)",
            _delta_bullets(diff.audit_readers, "gains:", "loses:"),
        ),
        (
            "Key administrators (manage the key, never use it)",
            _delta_bullets(diff.key_admins, "added", "removed"),
        ),
        (
            "Key",
            [
                f"- alias {_code(diff.key_alias['old'])} -> {_code(diff.key_alias['new'])}: "
                f"writers set `SECRETCTL_KMS_KEY={diff.key_alias['new']}`; the protected alias "
                "is replaced (`pulumi state unprotect` it first)"
            ]
            if diff.key_alias
            else [],
        ),
        (
            "ECS hosts",
            [f"- cluster {_cluster(diff.hosts['old'])} -> {_cluster(diff.hosts['new'])}"]
            if diff.hosts
            else [],
        ),
        ("Audit", [f"- {note}" for note in diff.audit]),
        (
            "Must exist before `pulumi up`",
            _delta_bullets(diff.must_exist, "new:", "no longer:"),
        ),
    ]
    for title, lines in sections:
        if lines:
            out += [f"### {title}", "", *lines, ""]
    if diff.added or diff.removed:
        out += ["### Every grant that changed", "", *_grant_table(diff), ""]
    out += [
        "### Who reads and writes which labels after the change",
        "",
        mermaid.fenced(mermaid.render(diff.new_model, diff.old_model, compare=True)).rstrip(),
        "",
        mermaid.LEGEND,
        "",
    ]
    return "\n".join(out)
