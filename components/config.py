"""The stack config: validated once, typed as dataclasses, one clear error when it is wrong.

``parse_config`` is pure (it takes the values of the ``secrets-platform:*`` keys, already
decoded); ``read_stack_config`` reads them from the running Pulumi program.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from policies.host_hardening import CLUSTER_NAME_PATTERN
from policies.naming import label_problem

NAMESPACE = "secrets-platform"
DEFAULT_KMS_KEY_ALIAS = "parameter_store_key"
DEFAULT_RETENTION_DAYS = 365

TOP_LEVEL_KEYS = ("services", "kmsKeyAlias", "keyAdmins", "writers", "ecsHosts", "audit")
#: Keys whose values are objects or lists: Pulumi hands them to the program as JSON text.
STRUCTURED_KEYS = frozenset({"services", "keyAdmins", "writers", "ecsHosts", "audit"})

# service and writer names: they end up in IAM role names (64 characters at most)
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
PRINCIPAL_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:(iam::\d{12}:(root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+)"
    r"|sts::\d{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+)$"
)
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


@dataclass(frozen=True)
class EcsHosts:
    cluster_name: str
    instance_type: str
    ami_id: str = DEFAULT_ECS_AMI


@dataclass(frozen=True)
class Audit:
    enabled: bool = True
    retention_days: int = DEFAULT_RETENTION_DAYS
    alert_email: str | None = None


@dataclass(frozen=True)
class PlatformConfig:
    services: tuple[Service, ...]
    kms_key_alias: str = DEFAULT_KMS_KEY_ALIAS
    key_admins: tuple[str, ...] = ()
    writers: tuple[Writer, ...] = ()
    ecs_hosts: EcsHosts | None = None
    audit: Audit = field(default_factory=Audit)

    @property
    def labels(self) -> tuple[str, ...]:
        """The distinct secret labels, sorted."""
        return tuple(sorted({s.secret_label for s in self.services}))


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


def _list(value: Any, path: str, what: str, allow_empty: bool = True) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(path, f"must be a list of {what}")
    if not value and not allow_empty:
        raise _fail(path, f"must list at least one {what.rstrip('s')}")
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


def _principal(value: Any, path: str) -> str:
    return _string(
        value,
        path,
        PRINCIPAL_ARN_PATTERN,
        "must be an IAM principal ARN without wildcards "
        "(arn:aws:iam::<account>:root, :role/<name>, :user/<name>)",
    )


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
    items = _list(value, "services", "services", allow_empty=False)
    services = []
    for i, item in enumerate(items):
        path = f"services[{i}]"
        obj = _object(item, path, ("name", "secretLabel"))
        if "name" not in obj:
            raise _fail(f"{path}.name", "required: every service needs a name")
        name = _name(obj["name"], f"{path}.name")
        if "secretLabel" in obj:
            label = _label(obj["secretLabel"], f"{path}.secretLabel")
        else:
            label = _label(name, f"{path}.secretLabel (defaults to the name)")
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
        obj = _object(item, path, ("name", "principals", "namespaces"))
        for required in ("name", "principals", "namespaces"):
            if required not in obj:
                raise _fail(f"{path}.{required}", "required")
        name = _name(obj["name"], f"{path}.name")
        principals = tuple(
            _principal(p, f"{path}.principals[{j}]")
            for j, p in enumerate(_list(obj["principals"], f"{path}.principals", "ARNs", False))
        )
        namespaces = tuple(
            ns if ns == "*" else _label(ns, f"{path}.namespaces[{j}]")
            for j, ns in enumerate(
                _list(obj["namespaces"], f"{path}.namespaces", "labels or '*'", False)
            )
        )
        writers.append(Writer(name=name, principals=principals, namespaces=namespaces))
    _unique([w.name for w in writers], "writers", "writer")
    return tuple(writers)


def _ecs_hosts(value: Any) -> EcsHosts:
    obj = _object(value, "ecsHosts", ("clusterName", "instanceType", "amiId"))
    for required in ("clusterName", "instanceType"):
        if required not in obj:
            raise _fail(f"ecsHosts.{required}", "required when ecsHosts is set")
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
    )


def _audit(value: Any) -> Audit:
    obj = _object(value, "audit", ("enabled", "retentionDays", "alertEmail"))
    enabled = obj.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail("audit.enabled", f"{enabled!r} must be true or false")
    days = obj.get("retentionDays", DEFAULT_RETENTION_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 36500:
        raise _fail("audit.retentionDays", f"{days!r} must be a whole number of days, 1 to 36500")
    email = obj.get("alertEmail")
    if email is not None:
        email = _string(email, "audit.alertEmail", EMAIL_PATTERN, "must be an email address")
    return Audit(enabled=enabled, retention_days=days, alert_email=email)


def parse_config(values: Mapping[str, Any]) -> PlatformConfig:
    """Validate the decoded ``secrets-platform:*`` values (keys without the namespace)."""
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
    admins = tuple(
        _principal(a, f"keyAdmins[{i}]")
        for i, a in enumerate(_list(values.get("keyAdmins", []), "keyAdmins", "ARNs"))
    )
    return PlatformConfig(
        services=_services(values["services"]),
        kms_key_alias=alias,
        key_admins=admins,
        writers=_writers(values.get("writers", [])),
        ecs_hosts=_ecs_hosts(values["ecsHosts"]) if values.get("ecsHosts") is not None else None,
        audit=_audit(values.get("audit", {})),
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
                raise _fail(key, f"is not valid JSON/YAML structure: {exc}") from None
        values[key] = value
    return values


def read_stack_config(namespace: str = NAMESPACE) -> PlatformConfig:
    """Read and validate this stack's config inside a running Pulumi program (or its mocks)."""
    from pulumi.runtime import config as runtime_config

    raw: dict[str, Any] = dict(runtime_config.get_config_env())
    raw.update(runtime_config.CONFIG.get())
    return parse_config(decode_config(raw, namespace))
