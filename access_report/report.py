"""The access matrix: what `pulumi up` would grant, read from the resources the program
registered under mocks (the same documents AWS would receive)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from access_report.harness import (
    AUTONAME_SUFFIX,
    KMS_ALIAS,
    KMS_KEY,
    ProgramRun,
    RecordedResource,
)
from access_report.model import AccessModel, Grant, access_model
from components.config import DEFAULT_KMS_KEY_ALIAS, decode_config, parse_config
from policies.host_hardening import ECS_CONFIG_PATH, IMDS_ADDRESS

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
TRAIL = "aws:cloudtrail/trail:Trail"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
CLUSTER = "aws:ecs/cluster:Cluster"
WORKGROUP = "aws:athena/workgroup:Workgroup"
GLUE_TABLE = "aws:glue/catalogTable:CatalogTable"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
#: The export service stacks give the guard policy pack (policies/guard) as its config.
GUARD_CONFIG_EXPORT = "guardPolicyConfig"
#: The console's Switch Role takes a role whose path and name have at most 64 characters
#: together (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage.html); the
#: roles people assume (writers, break-glass in the SSM console, the audit reader) past it
#: are assumed with the CLI or an SDK.
SWITCH_ROLE_MAX = 64
PEOPLE_ASSUME = ("writer", "reader")
#: secretctl's key when SECRETCTL_KMS_KEY is not set (chamber's default alias too).
SECRETCTL_DEFAULT_KEY = f"alias/{DEFAULT_KMS_KEY_ALIAS}"

SSM_READ = {
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
}
SSM_WRITE = {
    "ssm:PutParameter",
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",
    "ssm:LabelParameterVersion",
    "ssm:AddTagsToResource",
}
_PARAMETER_ARN = re.compile(r"^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(/.*)$")


@dataclass
class KmsGrant:
    actions: list[str]
    resource: str
    conditions: dict[str, dict[str, Any]]


@dataclass
class RoleAccess:
    """One IAM role: who may assume it, and what it may do with secrets."""

    kind: str  # service | writer | reader | host | other
    name: str  # service, writer or cluster name
    role: str
    secret_label: str | None
    trusted: list[str]
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    lists_all_names: bool = False
    kms: list[KmsGrant] = field(default_factory=list)
    #: "actions on resources [when conditions]" outside SSM and KMS, one per statement
    other: list[str] = field(default_factory=list)
    #: Characters of the role's path and name in AWS (Pulumi's generated name).
    path_and_name_length: int = 0


@dataclass
class HostsReport:
    cluster: str
    cluster_created: bool
    container_insights: str | None
    launch_template: str
    image_id: str
    instance_type: str
    metadata_options: dict[str, Any]
    ecs_config: dict[str, str]
    firewall_rules: list[str]
    user_data_runs: str
    instance_role: str


@dataclass
class AccessReport:
    stack: str
    account: str
    region: str
    key: dict[str, Any]
    roles: list[RoleAccess]
    shared_labels: dict[str, list[str]]
    hosts: HostsReport | None
    audit: dict[str, Any] | None
    exports: dict[str, Any]
    #: What writers set so secretctl encrypts new secrets with this stack's key.
    secretctl_kms_key: str
    #: Who can read, write, administer and assume what (from the config; see model.py).
    access: AccessModel

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parameter_path(arn: str) -> str:
    """``arn:aws:ssm:r:a:parameter/api/*`` -> ``/api/*``; other resources as they are."""
    match = _PARAMETER_ARN.match(arn)
    return match.group(1) if match else arn


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return _as_list(document.get("Statement"))


def _trusted(trust: dict[str, Any]) -> list[str]:
    lines = []
    for st in _statements(trust):
        principal = st.get("Principal", {})
        who = [f"{k.lower()}:{p}" for k, v in sorted(principal.items()) for p in _as_list(v)]
        cond = st.get("Condition", {})
        conds = [
            f"{key} {op} {' | '.join(map(str, _as_list(val)))}"
            for op, body in sorted(cond.items())
            for key, val in sorted(body.items())
        ]
        for w in who:
            lines.append(w + (f" [{'; '.join(conds)}]" if conds else ""))
    return lines


def _apply_permissions(access: RoleAccess, document: dict[str, Any]) -> None:
    for st in _statements(document):
        if st.get("Effect") != "Allow":
            actions = ", ".join(map(str, _as_list(st.get("Action"))))
            resources = ", ".join(map(str, _as_list(st.get("Resource"))))
            access.other.append(f"DENY {actions} on {resources}")
            continue
        actions = _as_list(st.get("Action"))
        resources = [str(r) for r in _as_list(st.get("Resource"))]
        paths = [parameter_path(r) for r in resources]
        kms_actions = sorted(a for a in actions if a.startswith("kms:"))
        if kms_actions:
            for resource in resources:
                access.kms.append(KmsGrant(kms_actions, resource, dict(st.get("Condition", {}))))
        others = []
        for action in actions:
            if action in SSM_READ:
                access.reads.extend(p for p in paths if p not in access.reads)
            elif action in SSM_WRITE:
                access.writes.extend(p for p in paths if p not in access.writes)
            elif action == "ssm:DescribeParameters":
                access.lists_all_names = True
            elif not action.startswith("kms:"):
                others.append(action)
        if others:
            condition = st.get("Condition")
            when = f" when {_conditions(condition)}" if condition else ""
            access.other.append(f"{', '.join(others)} on {', '.join(resources)}{when}")


def _kind_and_name(role: RecordedResource, trust: dict[str, Any]) -> tuple[str, str, str | None]:
    tags = role.inputs.get("tags") or {}
    if "secrets-platform:service" in tags:
        return "service", tags["secrets-platform:service"], tags.get("secrets-platform:label")
    if "secrets-platform:writer" in tags:
        return "writer", tags["secrets-platform:writer"], None
    if "secrets-platform:audit-reader" in tags:
        return "reader", "audit", None
    services = [
        p for st in _statements(trust) for p in _as_list(st.get("Principal", {}).get("Service"))
    ]
    if "ec2.amazonaws.com" in services:
        return "host", role.name, None
    return "other", role.name, None


def role_accesses(run: ProgramRun) -> list[RoleAccess]:
    """Every role the program creates, with its trust and its effective secret access."""
    result = []
    for documents in run.roles():
        kind, name, label = _kind_and_name(documents.role, documents.trust)
        role = documents.role
        access = RoleAccess(
            kind=kind,
            name=name,
            role=role.outputs["arn"],
            secret_label=label,
            trusted=_trusted(documents.trust),
            path_and_name_length=len(role.inputs.get("path", "/"))
            + len(role.inputs.get("name") or f"{role.name}{'x' * AUTONAME_SUFFIX}"),
        )
        for _, document in documents.policies:
            _apply_permissions(access, document)
        result.append(access)
    order = {"service": 0, "writer": 1, "reader": 2, "host": 3, "other": 4}
    return sorted(result, key=lambda a: (order[a.kind], a.name))


def _key_report(run: ProgramRun) -> dict[str, Any]:
    keys = run.of_type(KMS_KEY)
    if len(keys) != 1:
        return {}
    key = keys[0]
    policy = json.loads(key.inputs["policy"])
    aliases = [a.inputs["name"] for a in run.of_type(KMS_ALIAS)]
    denies = [st for st in _statements(policy) if st.get("Effect") == "Deny"]
    admins = [
        p
        for st in _statements(policy)
        if st.get("Sid") == "KeyAdministratorsManageWithoutUse"
        for p in _as_list(st["Principal"]["AWS"])
    ]
    return {
        "arn": key.outputs["arn"],
        "aliases": aliases,
        "protected": key.protect and all(a.protect for a in run.of_type(KMS_ALIAS)),
        "rotation": bool(key.inputs.get("enableKeyRotation")),
        "deletion_window_days": key.inputs.get("deletionWindowInDays"),
        "administrators": admins,
        "denied_unless": [
            {
                "actions": _as_list(st.get("Action")),
                "condition": st.get("Condition", {}),
            }
            for st in denies
        ],
    }


def _hosts_report(run: ProgramRun) -> HostsReport | None:
    templates = run.of_type(LAUNCH_TEMPLATE)
    if not templates:
        return None
    lt = templates[0]
    user_data = base64.b64decode(lt.inputs["userData"]).decode()
    ecs_config: dict[str, str] = {}
    marker = "SECRETS_PLATFORM_ECS_CONFIG"
    if f"<<'{marker}'" in user_data:
        body = user_data.split(f"<<'{marker}'\n", 1)[1].split(f"\n{marker}\n", 1)[0]
        ecs_config = dict(line.split("=", 1) for line in body.splitlines() if "=" in line)
    rules = sorted(set(re.findall(r'-I (DOCKER-USER [^\n"]*)', user_data)))
    hosts = [a for a in role_accesses(run) if a.kind == "host"]
    clusters = run.of_type(CLUSTER)
    settings = {
        setting["name"]: setting["value"]
        for cluster in clusters
        for setting in cluster.inputs.get("settings", [])
    }
    return HostsReport(
        cluster=str(run.exports.get("ecsClusterArn", "")),
        cluster_created=bool(clusters),
        container_insights=settings.get("containerInsights"),
        launch_template=lt.id,
        image_id=lt.inputs.get("imageId", ""),
        instance_type=lt.inputs.get("instanceType", ""),
        metadata_options=dict(lt.inputs.get("metadataOptions", {})),
        ecs_config=ecs_config,
        firewall_rules=rules,
        user_data_runs=user_data.splitlines()[0] if user_data else "",
        instance_role=hosts[0].role if hosts else "",
    )


def _audit_report(run: ProgramRun) -> dict[str, Any] | None:
    trails = run.of_type(TRAIL)
    if not trails:
        return None
    trail = trails[0].inputs
    rules = run.of_type(EVENT_RULE)
    lock = run.of_type(OBJECT_LOCK)
    retention = lock[0].inputs.get("rule", {}).get("defaultRetention", {}) if lock else {}
    return {
        "trail": run.exports.get("trailArn"),
        "bucket": run.exports.get("auditBucketName"),
        "multi_region": trail.get("isMultiRegionTrail"),
        "global_service_events": trail.get("includeGlobalServiceEvents"),
        "log_file_validation": trail.get("enableLogFileValidation"),
        "event_selectors": trail.get("eventSelectors"),
        "object_lock": retention,
        "alert_rule_state": rules[0].inputs.get("state") if rules else None,
        "alert_pattern": json.loads(rules[0].inputs["eventPattern"]) if rules else None,
        "alert_emails": [s.inputs.get("endpoint") for s in run.of_type(SUBSCRIPTION)],
        "alert_subscription_pending": bool(run.exports.get("alertSubscriptionPending")),
        "settings_changed_only_by": _deployer(run),
        "athena": _athena_report(run),
        "reader_role": run.exports.get("auditReaderRoleArn"),
    }


def _athena_report(run: ProgramRun) -> dict[str, Any] | None:
    """The trail's Athena table and workgroup, as the program configures them."""
    workgroups, tables = run.of_type(WORKGROUP), run.of_type(GLUE_TABLE)
    if not workgroups or not tables:
        return None
    settings = workgroups[0].inputs.get("configuration", {})
    results = settings.get("resultConfiguration", {})
    table = tables[0].inputs
    expiry = [
        rule["expiration"]["days"]
        for lifecycle in run.of_type(LIFECYCLE)
        for rule in lifecycle.inputs.get("rules", [])
        if rule.get("status") == "Enabled" and "expiration" in rule
    ]
    return {
        "table": run.exports.get("auditAthenaTable"),
        "workgroup": run.exports.get("auditAthenaWorkgroup"),
        "location": table.get("storageDescriptor", {}).get("location"),
        "partitions": [key["name"] for key in table.get("partitionKeys", [])],
        "projection": {
            k: v for k, v in table.get("parameters", {}).items() if k.startswith("projection.")
        },
        "settings_enforced": bool(settings.get("enforceWorkgroupConfiguration")),
        "bytes_scanned_cutoff_per_query": settings.get("bytesScannedCutoffPerQuery"),
        "engine": settings.get("engineVersion", {}).get("selectedEngineVersion"),
        "results": results.get("outputLocation"),
        "results_encryption": results.get("encryptionConfiguration", {}).get("encryptionOption"),
        "results_expire_days": expiry[0] if len(expiry) == 1 else None,
    }


def _deployer(run: ProgramRun) -> str:
    """Who may change the audit bucket's policy, versioning and object lock."""
    for policy in run.of_type(BUCKET_POLICY):
        for st in _statements(json.loads(policy.inputs["policy"])):
            if st.get("Sid") == "DenyChangingAuditSettings":
                deployer = st.get("Condition", {}).get("ArnNotEquals", {}).get("aws:PrincipalArn")
                return deployer or "the account root user only (no audit.deployerRoleArn)"
    return ""


def build_report(run: ProgramRun) -> AccessReport:
    config = parse_config(decode_config(run.config), run.stack)
    roles = role_accesses(run)
    by_label: dict[str, list[str]] = {}
    for access in roles:
        if access.kind == "service" and access.secret_label:
            by_label.setdefault(access.secret_label, []).append(access.name)
    return AccessReport(
        stack=run.stack,
        account=run.account,
        region=run.region,
        key=_key_report(run),
        roles=roles,
        shared_labels={k: sorted(v) for k, v in sorted(by_label.items()) if len(v) > 1},
        hosts=_hosts_report(run),
        audit=_audit_report(run),
        exports=run.exports,
        secretctl_kms_key=str(run.exports.get("secretctlKmsKey", "")),
        access=access_model(config),
    )


def _conditions(conditions: dict[str, dict[str, Any]]) -> str:
    parts = []
    for op, body in sorted(conditions.items()):
        for key, value in sorted(body.items()):
            shown = " | ".join(parameter_path(str(v)) for v in _as_list(value))
            parts.append(f"{key} {op} {shown}")
    return "; ".join(parts) if parts else "no condition"


def _join(items: Iterable[str]) -> str:
    items = list(items)
    return ", ".join(items) if items else "(none)"


def _role_lines(access: RoleAccess) -> list[str]:
    lines = [f"  {access.name}  ({access.role})"]
    if access.secret_label:
        lines.append(f"    secret label : {access.secret_label}")
    for trusted in access.trusted:
        lines.append(f"    assumed by   : {trusted}")
    lines.append(f"    reads        : {_join(access.reads)}")
    lines.append(f"    writes       : {_join(access.writes)}")
    if access.lists_all_names:
        lines.append("    lists        : every parameter name (ssm:DescribeParameters needs '*')")
    for grant in access.kms:
        lines.append(f"    kms          : {', '.join(grant.actions)} on {grant.resource}")
        lines.append(f"                   when {_conditions(grant.conditions)}")
    for other in access.other:
        lines.append(f"    also         : {other}")
    if access.kind in PEOPLE_ASSUME and access.path_and_name_length > SWITCH_ROLE_MAX:
        lines.append(
            f"    console      : no Switch Role (path and name: {access.path_and_name_length} "
            f"characters; the console takes {SWITCH_ROLE_MAX}): assume it with the CLI or an SDK"
        )
    return lines


def _secretctl_line(key: str) -> str:
    if key == SECRETCTL_DEFAULT_KEY:
        return f"  writers: secretctl uses {key} by default (no SECRETCTL_KMS_KEY needed)"
    return (
        f"  writers: export SECRETCTL_KMS_KEY={key}  "
        f"(secretctl's default is {SECRETCTL_DEFAULT_KEY})"
    )


def _grant_line(grant: Grant) -> str:
    condition = f"  [{grant.condition}]" if grant.condition else ""
    return f"  {grant.who}  {grant.can}  {grant.what}{condition}"


def _access_lines(model: AccessModel) -> list[str]:
    lines = ["Who can do what (from the stack config):"]
    lines += [_grant_line(g) for g in model.grants]
    lines.append("")
    if model.must_exist:
        lines.append(
            "Must exist before `pulumi up` (IAM and KMS refuse a policy naming a missing "
            "principal):"
        )
        lines += [f"  {arn}" for arn in model.must_exist]
        lines.append("")
    return lines


def _athena_lines(athena: dict[str, Any] | None) -> list[str]:
    if not athena:
        return []
    cutoff = athena["bytes_scanned_cutoff_per_query"]
    projected = ", ".join(
        f"{key} ({athena['projection'].get(f'projection.{key}.type')})"
        for key in athena["partitions"]
    )
    return [
        f"  Athena table {athena['table']} over {athena['location']} "
        f"(partitions projected: {projected})",
        f"  Athena workgroup {athena['workgroup']}: settings "
        f"{'enforced' if athena['settings_enforced'] else 'NOT enforced'}, "
        f"{athena['engine']}, a query scanning over {cutoff / 1e9:g} GB ({cutoff:,} bytes) is "
        "cancelled",
        f"  query results: {athena['results']} ({athena['results_encryption']}, expire after "
        f"{athena['results_expire_days']} days)",
    ]


def render_text(report: AccessReport) -> str:
    """The access matrix as a reviewer reads it in a pull request."""
    out: list[str] = [
        f"secrets-platform stack {report.stack!r}: what `pulumi up` would grant "
        f"(account {report.account}, {report.region}; offline, under Pulumi mocks)",
        "",
    ]
    key = report.key
    if key:
        out.append(f"KMS key {_join(key['aliases'])}  ({key['arn']})")
        protection = "protected" if key["protected"] else "NOT protected"
        out.append(
            f"  rotation {'on' if key['rotation'] else 'OFF'}, "
            f"deletion window {key['deletion_window_days']} days, {protection} "
            "(`pulumi destroy` refuses to delete a protected key or alias)"
        )
        out.append(
            "  administrators (no encrypt/decrypt, no key policy change): "
            + _join(key["administrators"])
        )
        out.append(
            "  key policy changes: only through IAM permissions on the account statement "
            "(whoever runs `pulumi up`)"
        )
        for deny in key["denied_unless"]:
            out.append(
                f"  denied to everyone: {', '.join(deny['actions'])}"
                f"  when {_conditions(deny['condition'])}"
            )
        out.append(_secretctl_line(report.secretctl_kms_key))
        out.append("")
    sections: Sequence[tuple[str, str]] = (
        ("service", "Service roles (ECS task roles; read only)"),
        ("writer", "Writer roles"),
        ("reader", "Audit reader role (reads and queries the audit trail; no secret, no key)"),
        ("host", "ECS instance role"),
        ("other", "Other roles"),
    )
    for kind, title in sections:
        group = [a for a in report.roles if a.kind == kind]
        if not group:
            continue
        out.append(f"{title}:")
        for access in group:
            out.extend(_role_lines(access))
        out.append("")
    if report.shared_labels:
        out.append("Shared secret labels:")
        for label, names in report.shared_labels.items():
            out.append(f"  /{label}/*  read by {', '.join(names)}")
        out.append("")
    hosts = report.hosts
    if hosts:
        md = hosts.metadata_options
        insights = (
            f", Container Insights {hosts.container_insights}" if hosts.container_insights else ""
        )
        origin = "created by this stack" if hosts.cluster_created else "existing, managed elsewhere"
        out.append(f"ECS cluster {hosts.cluster} ({origin}{insights})")
        out.append(f"ECS hosts: launch template {hosts.launch_template}")
        out.append(f"  image {hosts.image_id}, instance type {hosts.instance_type}")
        out.append(
            f"  instance metadata: tokens {md.get('httpTokens')}, hop limit "
            f"{md.get('httpPutResponseHopLimit')}, IPv6 endpoint {md.get('httpProtocolIpv6')}, "
            f"tags {md.get('instanceMetadataTags')}"
        )
        out.append(
            f"  {ECS_CONFIG_PATH}: " + ", ".join(f"{k}={v}" for k, v in hosts.ecs_config.items())
        )
        out.append(
            f"  firewall ({hosts.user_data_runs}, every boot, before docker.service): "
            + _join(f"iptables -I {rule}" for rule in hosts.firewall_rules)
        )
        out.append(f"  blocks {IMDS_ADDRESS} only; 169.254.170.2 (task credentials) stays open")
        out.append("")
    audit = report.audit
    if audit:
        lock = audit["object_lock"]
        out.append(f"Audit: trail {audit['trail']} -> bucket {audit['bucket']}")
        out.append(
            f"  multi-region {audit['multi_region']}, global service events "
            f"{audit['global_service_events']}, log-file validation "
            f"{audit['log_file_validation']}, selectors {json.dumps(audit['event_selectors'])}"
        )
        out.append(f"  object lock {lock.get('mode')} for {lock.get('days')} days")
        out.append(
            f"  access-denied alert: rule state {audit['alert_rule_state']}, "
            f"emails {_join(e for e in audit['alert_emails'] if e)}"
        )
        if audit["alert_subscription_pending"]:
            out.append(
                "  the email subscription is PENDING until the link AWS mails is clicked "
                "(within 48 hours): alerts reach no one before"
            )
        out.append(
            f"  bucket policy, versioning, object lock changed only by: "
            f"{audit['settings_changed_only_by']}"
        )
        out.extend(_athena_lines(audit["athena"]))
        if audit["reader_role"]:
            out.append(f"  audit reader role: {audit['reader_role']}")
        out.append("")
    out.extend(_access_lines(report.access))
    out.append("Exports:")
    for name, value in sorted(report.exports.items()):
        if name == GUARD_CONFIG_EXPORT:  # long and repetitive: the --json report has it whole
            out.append(f"  {name}: the guard policy pack's config ({len(value)} rules)")
            continue
        out.append(f"  {name}: {json.dumps(value, sort_keys=True)}")
    return "\n".join(out) + "\n"
