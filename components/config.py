"""The stack config: validated once, typed as dataclasses, one clear error when it is wrong.

``parse_config`` is pure (it takes the values of the ``secrets-platform:*`` keys, already
decoded, and the stack name; given the account and region it also checks the rendered policy
documents against AWS's size limits); ``read_stack_config`` reads them from the running Pulumi
program.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policies import kms
from policies.athena import AthenaNames, athena_names, athena_names_problem
from policies.audit_reader import audit_reader_trust_policy
from policies.context import AwsContext
from policies.host_hardening import CLUSTER_NAME_PATTERN
from policies.iam import (
    SSO_ROLE_PREFIX,
    is_account_root,
    writer_policy,
    writer_role_description,
    writer_trust_policy,
)
from policies.limits import (
    KEY_POLICY_MAX,
    ROLE_DESCRIPTION_MAX,
    ROLE_INLINE_POLICIES_MAX,
    ROLE_TRUST_POLICY_MAX,
    TAG_VALUE_MAX,
    policy_size,
    trail_name_problem,
)
from policies.naming import label_problem, role_path

NAMESPACE = "secrets-platform"
DEFAULT_KMS_KEY_ALIAS = "parameter_store_key"
DEFAULT_RETENTION_DAYS = 365
#: Athena bills per byte scanned ($5 per TB in most regions): a query that would scan more
#: than this is cancelled (about $0.50 at most). A month of a busy account's trail in one
#: region is a few GB.
DEFAULT_ATHENA_SCAN_LIMIT_GB = 100
MAX_ATHENA_SCAN_LIMIT_GB = 100_000
#: Query results are kept this long, then S3 expires them.
DEFAULT_ATHENA_RESULTS_DAYS = 7
MAX_ATHENA_RESULTS_DAYS = 365

TOP_LEVEL_KEYS = ("services", "kmsKeyAlias", "keyAdmins", "writers", "ecsHosts", "audit")
WRITER_KEYS = ("name", "principals", "ssoPermissionSets", "namespaces")
ECS_HOSTS_KEYS = ("clusterName", "instanceType", "amiId", "existingCluster", "containerInsights")
AUDIT_KEYS = (
    "enabled",
    "retentionDays",
    "alertEmail",
    "deployerRoleArn",
    "trailName",
    "athena",
    "athenaScanLimitGb",
    "athenaResultsDays",
    "readers",
    "readerSsoPermissionSets",
)
#: Keys of ``audit`` that only mean something with ``athena: true``.
ATHENA_ONLY_KEYS = ("athenaScanLimitGb", "athenaResultsDays")
#: ECS's containerInsights cluster setting values.
CONTAINER_INSIGHTS = ("disabled", "enabled", "enhanced")
#: Keys whose values are objects or lists: Pulumi hands them to the program as JSON text.
STRUCTURED_KEYS = frozenset({"services", "keyAdmins", "writers", "ecsHosts", "audit"})

# service and writer names: they end up in IAM role names (64 characters at most)
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
PRINCIPAL_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:(iam::\d{12}:(root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+)"
    r"|sts::\d{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+)$"
)
ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$"
#: IAM Identity Center permission set names.
PERMISSION_SET_PATTERN = r"^[\w+=,.@-]{1,32}$"
#: An Identity Center role named by ARN: its suffix changes when the permission set is
#: provisioned again, so it is named by its permission set instead.
_SSO_ROLE_ARN = re.compile(rf":role/(?:.*/)?{SSO_ROLE_PREFIX}([\w+=,.@-]+)_[0-9a-f]+$")
KMS_ALIAS_PATTERN = r"^[A-Za-z0-9/_-]{1,250}$"
INSTANCE_TYPE_PATTERN = r"^[a-z0-9-]+\.[a-z0-9-]+$"
AMI_ID_PATTERN = r"^(ami-[0-9a-f]{8,17}|resolve:ssm:/[\w./-]+)$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
#: What ``ecsHosts.amiId`` defaults to: the current ECS-optimized Amazon Linux 2023 AMI,
#: resolved by EC2 at launch from AWS's public SSM parameter.
DEFAULT_ECS_AMI = (
    "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
)


class ConfigError(ValueError):
    """The stack config breaks a rule; the message names the key and the rule."""


@dataclass(frozen=True)
class Service:
    name: str
    secret_label: str


@dataclass(frozen=True)
class Writer:
    name: str
    principals: tuple[str, ...]
    namespaces: tuple[str, ...]
    #: IAM Identity Center permission sets whose users may assume the writer role.
    sso_permission_sets: tuple[str, ...] = ()


@dataclass(frozen=True)
class EcsHosts:
    cluster_name: str
    instance_type: str
    ami_id: str = DEFAULT_ECS_AMI
    #: True: the cluster exists and is managed elsewhere; False: the program creates it.
    existing_cluster: bool = False
    container_insights: str = "disabled"


@dataclass(frozen=True)
class AuditAthena:
    """The trail as an Athena table, queried in a workgroup of its own."""

    names: AthenaNames
    #: Bytes scanned per query before Athena cancels it, in GB (10^9 bytes).
    scan_limit_gb: int = DEFAULT_ATHENA_SCAN_LIMIT_GB
    #: Days a query's results are kept.
    results_days: int = DEFAULT_ATHENA_RESULTS_DAYS


@dataclass(frozen=True)
class Audit:
    trail_name: str
    enabled: bool = True
    retention_days: int = DEFAULT_RETENTION_DAYS
    alert_email: str | None = None
    #: The role that runs `pulumi up`: the only principal allowed to change the audit bucket's
    #: policy, versioning and object-lock settings.
    deployer_role_arn: str | None = None
    #: None: no Athena table or workgroup.
    athena: AuditAthena | None = None
    #: Who may assume the audit-reader role: IAM principal ARNs, and Identity Center
    #: permission sets by name (the trust shape of writers).
    readers: tuple[str, ...] = ()
    reader_sso_permission_sets: tuple[str, ...] = ()

    @property
    def has_readers(self) -> bool:
        return bool(self.readers or self.reader_sso_permission_sets)


@dataclass(frozen=True)
class PlatformConfig:
    stack: str
    services: tuple[Service, ...]
    audit: Audit
    kms_key_alias: str = DEFAULT_KMS_KEY_ALIAS
    key_admins: tuple[str, ...] = ()
    writers: tuple[Writer, ...] = ()
    ecs_hosts: EcsHosts | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        """The distinct secret labels, sorted."""
        return tuple(sorted({s.secret_label for s in self.services}))

    @property
    def role_path(self) -> str:
        """The IAM path of every role the stack creates."""
        return role_path(self.stack)


def default_trail_name(stack: str) -> str:
    return f"secrets-platform-{stack}"


def _key(path: str) -> str:
    return f"{NAMESPACE}:{path}"


def _fail(path: str, rule: str) -> ConfigError:
    return ConfigError(f"{_key(path)}: {rule}")


def _object(value: Any, path: str, allowed: Sequence[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, f"must be an object with keys {', '.join(allowed)}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise _fail(
            f"{path}.{unknown[0]}" if path else unknown[0],
            f"unknown key; allowed keys are {', '.join(allowed)}",
        )
    return value


def _list(value: Any, path: str, what: str, one: str | None = None) -> list[Any]:
    """A list of ``what``; with ``one`` (its singular), at least one."""
    if not isinstance(value, list):
        raise _fail(path, f"must be a list of {what}")
    if not value and one is not None:
        raise _fail(path, f"must list at least one {one}")
    return value


def _string(value: Any, path: str, pattern: str, rule: str) -> str:
    if not isinstance(value, str) or not re.match(pattern, value):
        raise _fail(path, f"{value!r} {rule}")
    return value


def _label(value: Any, path: str) -> str:
    problem = label_problem(value)
    if problem:
        raise _fail(path, f"secret label {value!r} {problem}")
    return str(value)


def _principal(value: Any, path: str, sso_hint: str) -> str:
    arn = _string(
        value,
        path,
        PRINCIPAL_ARN_PATTERN,
        "must be an IAM principal ARN without wildcards "
        "(arn:aws:iam::<account>:root, :role/<name>, :user/<name>)",
    )
    sso = _SSO_ROLE_ARN.search(arn)
    if sso:
        raise _fail(
            path,
            f"{arn!r} is an IAM Identity Center role, whose name changes when the permission "
            f"set is provisioned again: {sso_hint.format(permission_set=sso.group(1))}",
        )
    return arn


def _permission_set(value: Any, path: str) -> str:
    return _string(
        value,
        path,
        PERMISSION_SET_PATTERN,
        "must be an IAM Identity Center permission set name (1-32 letters, digits and +=,.@_-)",
    )


def _whole_number(value: Any, path: str, low: int, high: int, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(path, f"{value!r} must be a whole number of {unit}, {low} to {high}")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, f"{value!r} must be true or false")
    return value


def _unique(names: Sequence[str], path: str, what: str) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise _fail(
                f"{path}[{index}].name", f"duplicate {what} name {name!r}: names must be unique"
            )
        seen.add(name)


def _name(value: Any, path: str) -> str:
    return _string(
        value,
        path,
        NAME_PATTERN,
        "must be 1-40 letters, digits, '_', '.' or '-', starting with a letter or digit",
    )


def _services(value: Any) -> tuple[Service, ...]:
    items = _list(value, "services", "services", one="service")
    services = []
    for i, item in enumerate(items):
        path = f"services[{i}]"
        obj = _object(item, path, ("name", "secretLabel"))
        if "name" not in obj:
            raise _fail(f"{path}.name", "required: every service needs a name")
        name = _name(obj["name"], f"{path}.name")
        label_path = f"{path}.secretLabel"
        if "secretLabel" not in obj:
            label_path += " (defaults to the name)"
        label = _label(obj.get("secretLabel", name), label_path)
        if len(label) > TAG_VALUE_MAX:
            raise _fail(
                label_path,
                f"secret label is {len(label)} characters: service roles are tagged with their "
                f"label and IAM tag values allow {TAG_VALUE_MAX}",
            )
        services.append(Service(name=name, secret_label=label))
    _unique([s.name for s in services], "services", "service")
    _no_nested_labels(services)
    return tuple(services)


def _no_nested_labels(services: list[Service]) -> None:
    """A label may not be the parent path of another (``team`` and ``team/api``): the parent's
    ``/team/*`` grant would reach every secret of the child. Equal labels share secrets."""
    for j, service in enumerate(services):
        for other in services:
            if service.secret_label.startswith(other.secret_label + "/"):
                raise _fail(
                    f"services[{j}].secretLabel",
                    f"'{service.secret_label}' lies under '{other.secret_label}' (service "
                    f"'{other.name}'), whose read grant would cover it: use labels that are "
                    "not parent paths of each other",
                )


def _writers(value: Any) -> tuple[Writer, ...]:
    writers = []
    for i, item in enumerate(_list(value, "writers", "writers")):
        path = f"writers[{i}]"
        obj = _object(item, path, WRITER_KEYS)
        for required in ("name", "namespaces"):
            if required not in obj:
                raise _fail(f"{path}.{required}", "required")
        if not obj.get("principals") and not obj.get("ssoPermissionSets"):
            raise _fail(
                f"{path}.principals",
                "required: list IAM principal ARNs in principals, IAM Identity Center "
                "permission sets in ssoPermissionSets, or both",
            )
        name = _name(obj["name"], f"{path}.name")
        sso_hint = "list {permission_set!r} in ssoPermissionSets instead"
        principals = tuple(
            _principal(p, f"{path}.principals[{j}]", sso_hint)
            for j, p in enumerate(_list(obj.get("principals", []), f"{path}.principals", "ARNs"))
        )
        permission_sets = tuple(
            _permission_set(ps, f"{path}.ssoPermissionSets[{j}]")
            for j, ps in enumerate(
                _list(obj.get("ssoPermissionSets", []), f"{path}.ssoPermissionSets", "names")
            )
        )
        namespaces = tuple(
            ns if ns == "*" else _label(ns, f"{path}.namespaces[{j}]")
            for j, ns in enumerate(
                _list(obj["namespaces"], f"{path}.namespaces", "labels or '*'", "label or '*'")
            )
        )
        description = writer_role_description(namespaces)
        if len(description) > ROLE_DESCRIPTION_MAX:
            raise _fail(
                f"{path}.namespaces",
                f"the role description listing them is {len(description):,} characters; IAM "
                f"allows {ROLE_DESCRIPTION_MAX:,}: split the namespaces over two writers",
            )
        writers.append(
            Writer(
                name=name,
                principals=principals,
                namespaces=namespaces,
                sso_permission_sets=permission_sets,
            )
        )
    _unique([w.name for w in writers], "writers", "writer")
    return tuple(writers)


def _ecs_hosts(value: Any) -> EcsHosts:
    obj = _object(value, "ecsHosts", ECS_HOSTS_KEYS)
    for required in ("clusterName", "instanceType"):
        if required not in obj:
            raise _fail(f"ecsHosts.{required}", "required when ecsHosts is set")
    existing = _bool(obj.get("existingCluster", False), "ecsHosts.existingCluster")
    insights = obj.get("containerInsights", "disabled")
    if insights not in CONTAINER_INSIGHTS:
        raise _fail(
            "ecsHosts.containerInsights",
            f"{insights!r} must be one of {', '.join(CONTAINER_INSIGHTS)}",
        )
    if existing and "containerInsights" in obj:
        raise _fail(
            "ecsHosts.containerInsights",
            "applies only to a cluster this stack creates (existingCluster is true)",
        )
    return EcsHosts(
        cluster_name=_string(
            obj["clusterName"],
            "ecsHosts.clusterName",
            CLUSTER_NAME_PATTERN,
            "must be 1-255 letters, digits, '-' or '_' (an ECS cluster name)",
        ),
        instance_type=_string(
            obj["instanceType"],
            "ecsHosts.instanceType",
            INSTANCE_TYPE_PATTERN,
            "must be an EC2 instance type such as 't3.medium'",
        ),
        ami_id=_string(
            obj.get("amiId", DEFAULT_ECS_AMI),
            "ecsHosts.amiId",
            AMI_ID_PATTERN,
            "must be an AMI id (ami-0123456789abcdef0) or resolve:ssm:/<parameter>",
        ),
        existing_cluster=existing,
        container_insights=insights,
    )


def _audit(value: Any, stack: str) -> Audit:
    obj = _object(value, "audit", AUDIT_KEYS)
    enabled = _bool(obj.get("enabled", True), "audit.enabled")
    days = _whole_number(
        obj.get("retentionDays", DEFAULT_RETENTION_DAYS), "audit.retentionDays", 1, 36500, "days"
    )
    email = obj.get("alertEmail")
    if email is not None:
        email = _string(email, "audit.alertEmail", EMAIL_PATTERN, "must be an email address")
    deployer = obj.get("deployerRoleArn")
    if deployer is not None:
        deployer = _string(
            deployer,
            "audit.deployerRoleArn",
            ROLE_ARN_PATTERN,
            "must be the ARN of the IAM role that runs `pulumi up` "
            "(arn:aws:iam::<account>:role/<path/name>)",
        )
    if "trailName" in obj:
        trail_path, trail_name = "audit.trailName", obj["trailName"]
    else:
        trail_path = f"audit.trailName (defaults to secrets-platform-<stack> for stack {stack!r})"
        trail_name = default_trail_name(stack)
    problem = trail_name_problem(trail_name) if isinstance(trail_name, str) else "must be text"
    if problem:
        raise _fail(trail_path, f"{trail_name!r} {problem}")
    readers, permission_sets = _audit_readers(obj)
    athena = _audit_athena(obj, stack)
    if not enabled:
        for key in ("athena", "readers", "readerSsoPermissionSets"):
            if obj.get(key):
                raise _fail(f"audit.{key}", "applies only when audit.enabled is true")
    return Audit(
        trail_name=trail_name,
        enabled=enabled,
        retention_days=days,
        alert_email=email,
        deployer_role_arn=deployer,
        athena=athena,
        readers=readers,
        reader_sso_permission_sets=permission_sets,
    )


def _audit_readers(obj: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    hint = "list {permission_set!r} in audit.readerSsoPermissionSets instead"
    readers = tuple(
        _principal(p, f"audit.readers[{j}]", hint)
        for j, p in enumerate(_list(obj.get("readers", []), "audit.readers", "ARNs"))
    )
    permission_sets = tuple(
        _permission_set(ps, f"audit.readerSsoPermissionSets[{j}]")
        for j, ps in enumerate(
            _list(obj.get("readerSsoPermissionSets", []), "audit.readerSsoPermissionSets", "names")
        )
    )
    return readers, permission_sets


def _audit_athena(obj: Mapping[str, Any], stack: str) -> AuditAthena | None:
    if not _bool(obj.get("athena", False), "audit.athena"):
        for key in ATHENA_ONLY_KEYS:
            if key in obj:
                raise _fail(f"audit.{key}", "applies only when audit.athena is true")
        return None
    names = athena_names(stack)
    problem = athena_names_problem(names)
    if problem:
        raise _fail("audit.athena", f"{problem} (derived from the stack name {stack!r})")
    return AuditAthena(
        names=names,
        scan_limit_gb=_whole_number(
            obj.get("athenaScanLimitGb", DEFAULT_ATHENA_SCAN_LIMIT_GB),
            "audit.athenaScanLimitGb",
            1,
            MAX_ATHENA_SCAN_LIMIT_GB,
            "GB",
        ),
        results_days=_whole_number(
            obj.get("athenaResultsDays", DEFAULT_ATHENA_RESULTS_DAYS),
            "audit.athenaResultsDays",
            1,
            MAX_ATHENA_RESULTS_DAYS,
            "days",
        ),
    )


def parse_config(
    values: Mapping[str, Any], stack: str, context: AwsContext | None = None
) -> PlatformConfig:
    """Validate the decoded ``secrets-platform:*`` values (keys without the namespace) of the
    stack ``stack``. With ``context`` (the account and region), the policy documents the
    program would create are rendered and checked against AWS's size limits too."""
    _object(values, "", TOP_LEVEL_KEYS)
    if "services" not in values:
        raise _fail("services", "required: list the services, each {name, secretLabel?}")
    alias = values.get("kmsKeyAlias", DEFAULT_KMS_KEY_ALIAS)
    if isinstance(alias, str) and alias.startswith("alias/"):
        alias = alias[len("alias/") :]
    alias = _string(
        alias,
        "kmsKeyAlias",
        KMS_ALIAS_PATTERN,
        "must be a KMS alias name: letters, digits, '/', '_' and '-'",
    )
    if alias.startswith("aws/"):
        raise _fail("kmsKeyAlias", f"{alias!r} must not start with 'aws/' (reserved by AWS)")
    admin_hint = (
        "an SSO permission set administers the key through its own IAM policy (the key "
        "policy's account statement delegates to IAM), so leave it out of keyAdmins"
    )
    admins = tuple(
        _principal(a, f"keyAdmins[{i}]", admin_hint)
        for i, a in enumerate(_list(values.get("keyAdmins", []), "keyAdmins", "ARNs"))
    )
    for i, admin in enumerate(admins):
        if is_account_root(admin):
            raise _fail(
                f"keyAdmins[{i}]",
                f"{admin!r} is the account, which already manages the key through IAM: list "
                "the roles or users that administer it",
            )
    config = PlatformConfig(
        stack=stack,
        services=_services(values["services"]),
        audit=_audit(values.get("audit", {}), stack),
        kms_key_alias=alias,
        key_admins=admins,
        writers=_writers(values.get("writers", [])),
        ecs_hosts=_ecs_hosts(values["ecsHosts"]) if values.get("ecsHosts") is not None else None,
    )
    if context is not None:
        check_sizes(config, context)
    return config


def key_arn_standin(ctx: AwsContext) -> str:
    """A key ARN as long as the real one will be (key ids are 36 characters), for measuring
    documents before the key exists."""
    return f"arn:{ctx.partition}:kms:{ctx.region}:{ctx.account}:key/{'0' * 36}"


def _check_size(document: dict, limit: int, path: str, what: str, fix: str) -> None:
    size = policy_size(document)
    if size > limit:
        raise _fail(
            path,
            f"{what} would be {size:,} characters (without whitespace); AWS allows "
            f"{limit:,}: {fix}",
        )


def check_sizes(config: PlatformConfig, ctx: AwsContext) -> None:
    """Render the policy documents that grow with the config and hold them to AWS's limits,
    so a stack that IAM or KMS would refuse stops here with the key to change. (A service's
    documents and description are bounded by its label, which the tag limit keeps under 256
    characters; the host role's by the cluster name: neither can reach a limit.)"""
    key_arn = key_arn_standin(ctx)
    for i, writer in enumerate(config.writers):
        _check_size(
            writer_trust_policy(writer.principals, writer.sso_permission_sets, ctx),
            ROLE_TRUST_POLICY_MAX,
            f"writers[{i}]",
            f"the trust policy of writer {writer.name!r}",
            "split its principals and ssoPermissionSets over two writers (or raise the IAM "
            "quota 'Role trust policy length' and this limit with it)",
        )
        _check_size(
            writer_policy(writer.namespaces, ctx, key_arn),
            ROLE_INLINE_POLICIES_MAX,
            f"writers[{i}].namespaces",
            f"the policy of writer {writer.name!r}",
            "split the namespaces over two writers",
        )
    audit = config.audit
    if audit.enabled and audit.has_readers:
        _check_size(
            audit_reader_trust_policy(audit.readers, audit.reader_sso_permission_sets, ctx),
            ROLE_TRUST_POLICY_MAX,
            "audit.readers",
            "the trust policy of the audit-reader role",
            "list fewer readers (an account root with MFA, or a permission set in "
            "readerSsoPermissionSets, admits many people in one entry)",
        )
    _check_size(
        kms.secrets_key_policy(ctx, config.key_admins, config.role_path),
        KEY_POLICY_MAX,
        "keyAdmins",
        "the key policy",
        "list fewer key administrators",
    )


def decode_config(raw: Mapping[str, Any], namespace: str = NAMESPACE) -> dict[str, Any]:
    """Take the ``<namespace>:<key>`` entries of Pulumi's config map and decode them: objects
    and lists arrive as JSON text, plain strings as they are."""
    values: dict[str, Any] = {}
    prefix = f"{namespace}:"
    for full_key, value in raw.items():
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix) :]
        if key in STRUCTURED_KEYS and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                if value.lstrip().startswith(("[", "{")):
                    raise _fail(key, f"is not valid JSON/YAML structure: {exc}") from None
                # A plain value (`services: api`): the key's own check says what belongs.
        values[key] = value
    return values


def read_stack_config(context: AwsContext, namespace: str = NAMESPACE) -> PlatformConfig:
    """Read and validate this stack's config inside a running Pulumi program (or its mocks),
    for the account and region of ``context``."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    raw: dict[str, Any] = dict(runtime_config.get_config_env())
    raw.update(runtime_config.CONFIG.get())
    return parse_config(decode_config(raw, namespace), pulumi.get_stack(), context)
