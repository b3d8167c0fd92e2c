"""The guardrails of the services' own stacks, as pure functions over resource properties.

A service team defines its ECS task definitions (and perhaps IAM policies) in its own Pulumi
stack. These rules keep such a stack from undoing what the platform promises; the policy pack
(``policies/guard/pack.py``) wraps each one for `pulumi preview --policy-pack`. Nothing here
imports Pulumi: a rule takes a resource's type token, its properties (camelCase, as Pulumi's
policy SDK gives them) and what the platform stack exported (``Platform``), and returns the
violations as messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policies.matching import (
    arn_components,
    arn_like,
    matches_some_string_starting_with,
    wildcard_match,
)
from policies.naming import ROLE_PATH_ROOT

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
MANAGED_POLICY = "aws:iam/policy:Policy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
#: The tag a task definition names its service with (else its family is the service's name).
SERVICE_TAG = "secrets-platform:service"
#: Reading a parameter's value (the actions ``ssm:GetParameter*`` stands for).
SECRET_READS = (
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
)
DECRYPT = "kms:Decrypt"
PARAMETER_CONTEXT = "kms:EncryptionContext:PARAMETER_ARN"


class GuardConfigError(ValueError):
    """The pack's ``platform`` config is missing or malformed."""


@dataclass(frozen=True)
class Platform:
    """What the platform stack exported (its ``guardPolicyConfig`` output) about itself."""

    account: str
    region: str
    partition: str
    key_arn: str
    #: service name -> (task role ARN, secret label)
    services: Mapping[str, tuple[str, str]]
    #: writer name -> (role ARN, namespaces; "*" is every label)
    writers: Mapping[str, tuple[str, tuple[str, ...]]]
    #: The platform's roles with no secret access (the ECS host role, ...): service stacks
    #: must leave them alone too.
    other_roles: tuple[str, ...] = ()
    #: Managed policies of the platform stack, which it may attach to its own roles.
    policy_arns: tuple[str, ...] = ()

    def to_config(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "region": self.region,
            "partition": self.partition,
            "keyArn": self.key_arn,
            "services": {n: {"roleArn": r, "label": lb} for n, (r, lb) in self.services.items()},
            "writers": {
                n: {"roleArn": r, "namespaces": list(ns)} for n, (r, ns) in self.writers.items()
            },
            "otherRoleArns": list(self.other_roles),
            "policyArns": list(self.policy_arns),
        }

    @classmethod
    def from_config(cls, value: Any) -> Platform:
        if not isinstance(value, Mapping):
            raise GuardConfigError(
                "the pack needs the platform stack's output as config: `pulumi stack output "
                "guardPolicyConfig --json -s <platform stack> > guard.json`, then "
                "--policy-pack-config guard.json"
            )
        try:
            return cls(
                account=str(value["account"]),
                region=str(value["region"]),
                partition=str(value.get("partition", "aws")),
                key_arn=str(value["keyArn"]),
                services={
                    n: (str(s["roleArn"]), str(s["label"]))
                    for n, s in dict(value.get("services", {})).items()
                },
                writers={
                    n: (str(w["roleArn"]), tuple(str(x) for x in w["namespaces"]))
                    for n, w in dict(value.get("writers", {})).items()
                },
                other_roles=tuple(str(r) for r in value.get("otherRoleArns", [])),
                policy_arns=tuple(str(p) for p in value.get("policyArns", [])),
            )
        except (KeyError, TypeError) as error:
            raise GuardConfigError(f"the platform config lacks {error}") from None

    @property
    def labels(self) -> tuple[str, ...]:
        """Every secret label the platform knows (service labels and writer namespaces)."""
        labels = {label for _, label in self.services.values()}
        labels |= {ns for _, spaces in self.writers.values() for ns in spaces if ns != "*"}
        return tuple(sorted(labels))


def role_name(arn_or_name: str) -> str:
    """A role's name from its ARN (``role/path/name``) or the name itself."""
    return arn_or_name.rsplit("/", 1)[-1] if ":" in arn_or_name else arn_or_name


def _service_of_role(platform: Platform, role: str | None) -> str | None:
    if not role:
        return None
    name = role_name(role)
    return next((s for s, (arn, _) in platform.services.items() if role_name(arn) == name), None)


@dataclass(frozen=True)
class Scope:
    """What a principal may read and decrypt: its labels, or every label (``all``)."""

    labels: frozenset[str] = frozenset()
    all: bool = False
    may_decrypt: bool = False

    def covers(self, label: str) -> bool:
        return self.all or label in self.labels


def scope_of(platform: Platform, role: str | None) -> Scope:
    """A platform service role reads its label, a writer role its namespaces; any other
    principal (the service stack's own roles, users, groups) reads no secret label and
    decrypts nothing with the secrets key."""
    name = role_name(role) if role else None
    for _, (arn, label) in platform.services.items():
        if name == role_name(arn):
            return Scope(frozenset({label}), may_decrypt=True)
    for _, (arn, namespaces) in platform.writers.items():
        if name == role_name(arn):
            return Scope(frozenset(namespaces) - {"*"}, all="*" in namespaces, may_decrypt=True)
    return Scope()


def reaches_label(pattern: str, label: str, platform: Platform) -> bool:
    """Whether a parameter ARN pattern reaches a secret of ``label``: a parameter under
    ``/<label>/``, or the label's path or one of its parents (GetParametersByPath on a path
    reads every parameter below it)."""
    if pattern == "*":
        return True
    parts = arn_components(pattern)
    scope = ["arn", platform.partition, "ssm", platform.region, platform.account]
    if parts is None or not all(wildcard_match(p, v) for p, v in zip(parts, scope, strict=False)):
        return False
    resource = parts[5]
    if matches_some_string_starting_with(resource, f"parameter/{label}/"):
        return True
    segments = label.split("/")
    paths = ["", *("/".join(segments[: i + 1]) for i in range(len(segments)))]
    return any(wildcard_match(resource, f"parameter/{path}") for path in paths)


# --- policy documents ------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _document(value: Any) -> Mapping[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def _grants(statement: Mapping[str, Any], action: str) -> bool:
    """Whether an Allow statement's Action (or NotAction) covers ``action``."""
    if "NotAction" in statement:
        return not any(wildcard_match(a, action, True) for a in _as_list(statement["NotAction"]))
    return any(wildcard_match(a, action, True) for a in _as_list(statement.get("Action")))


def _resources(statement: Mapping[str, Any]) -> list[str]:
    """The statement's resource patterns; NotResource reaches everything it does not name."""
    if "NotResource" in statement:
        return ["*"]
    return [str(r) for r in _as_list(statement.get("Resource"))]


def _context_patterns(statement: Mapping[str, Any]) -> list[str] | None:
    """The ``PARAMETER_ARN`` encryption-context patterns a Decrypt grant is limited to (None:
    not limited)."""
    condition = statement.get("Condition", {})
    for operator in ("StringLike", "StringEquals", "ArnLike", "ArnEquals"):
        patterns = condition.get(operator, {}).get(PARAMETER_CONTEXT)
        if patterns is not None:
            return [str(p) for p in _as_list(patterns)]
    return None


def document_violations(
    document: Mapping[str, Any], scope: Scope, platform: Platform, where: str
) -> list[str]:
    """A policy document may grant ``ssm:GetParameter*`` only on the labels of ``scope``,
    and ``kms:Decrypt`` on the secrets key only to a platform role, for secrets of its
    labels (an encryption-context condition inside them)."""
    problems = []
    for statement in _as_list(document.get("Statement")):
        if statement.get("Effect") != "Allow":
            continue
        resources = _resources(statement)
        if any(_grants(statement, action) for action in SECRET_READS):
            for resource in resources:
                outside = [
                    label
                    for label in platform.labels
                    if not scope.covers(label) and reaches_label(resource, label, platform)
                ]
                if outside:
                    problems.append(
                        f"{where} grants ssm:GetParameter* on {resource}, which reaches the "
                        f"secrets of {', '.join('/' + x + '/*' for x in outside)}: grant only "
                        "the service's own label (its platform role already reads it)"
                    )
        if _grants(statement, DECRYPT) and any(arn_like(r, platform.key_arn) for r in resources):
            contexts = _context_patterns(statement)
            inside = (
                scope.may_decrypt
                and contexts is not None
                and not any(
                    reaches_label(c, label, platform)
                    for c in contexts
                    for label in platform.labels
                    if not scope.covers(label)
                )
            )
            if not inside:
                problems.append(
                    f"{where} grants kms:Decrypt on the secrets key ({platform.key_arn}): only "
                    "the platform's own roles decrypt secrets, through Parameter Store"
                )
    return problems


# --- the rules -------------------------------------------------------------------------------

Props = Mapping[str, Any]


def _platform_roles_used(props: Props, platform: Platform) -> list[tuple[str, str]]:
    """(property, service) for each platform service role the task definition uses."""
    used = []
    for field in ("taskRoleArn", "executionRoleArn"):
        service = _service_of_role(platform, props.get(field))
        if service:
            used.append((field, service))
    return used


def _containers(props: Props) -> list[Mapping[str, Any]]:
    value = props.get("containerDefinitions")
    return [dict(c) for c in _as_list(json.loads(value) if isinstance(value, str) else value)]


def _task(props: Props) -> str:
    return f"task definition {props.get('family', '?')!r}"


def no_host_network(type_: str, props: Props, platform: Platform) -> list[str]:
    if type_ != TASK_DEFINITION or not _platform_roles_used(props, platform):
        return []
    if props.get("networkMode") == "host":
        return [
            f"{_task(props)} uses a platform service role with networkMode host: host-network "
            "containers reach the instance metadata service (the hosts' DOCKER-USER rule does "
            "not apply) and get no task role; use awsvpc or bridge"
        ]
    return []


def not_privileged(type_: str, props: Props, platform: Platform) -> list[str]:
    if type_ != TASK_DEFINITION or not _platform_roles_used(props, platform):
        return []
    return [
        f"{_task(props)}: container {c.get('name', '?')!r} is privileged: it can change the "
        "host's firewall and read other containers' secrets; drop privileged"
        for c in _containers(props)
        if c.get("privileged") is True
    ]


def own_role(type_: str, props: Props, platform: Platform) -> list[str]:
    """A task definition uses only the role of the service it names (tag
    ``secrets-platform:service``, else its family)."""
    if type_ != TASK_DEFINITION:
        return []
    used = _platform_roles_used(props, platform)
    if not used:
        return []
    tags = dict(props.get("tags") or {})
    named = tags.get(SERVICE_TAG) or props.get("family")
    problems = []
    for field, service in used:
        if named not in platform.services:
            problems.append(
                f"{_task(props)} uses the role of service {service!r} ({field}) but names no "
                f"platform service: tag it {SERVICE_TAG}={service} (or name its family so)"
            )
        elif named != service:
            problems.append(
                f"{_task(props)} names service {named!r} but its {field} is the role of "
                f"{service!r}: it would read {service}'s secrets; use "
                f"{platform.services[named][0]}"
            )
    return problems


def _documents(type_: str, props: Props) -> list[tuple[Mapping[str, Any], str | None, str]]:
    """(document, the role it is on if any, where) for every IAM policy a resource carries."""
    if type_ == ROLE_POLICY:
        return [(_document(props.get("policy")), props.get("role"), "inline role policy")]
    if type_ in (MANAGED_POLICY, USER_POLICY, GROUP_POLICY):
        return [(_document(props.get("policy")), None, "IAM policy")]
    if type_ == ROLE:
        return [
            (_document(p.get("policy")), None, f"inline policy {p.get('name', '?')!r} of a role")
            for p in _as_list(props.get("inlinePolicies"))
            if p.get("policy")
        ]
    return []


def secret_access_in_scope(type_: str, props: Props, platform: Platform) -> list[str]:
    return [
        problem
        for document, role, where in _documents(type_, props)
        for problem in document_violations(document, scope_of(platform, role), platform, where)
    ]


def _platform_role_names(platform: Platform) -> set[str]:
    arns = [arn for arn, _ in platform.services.values()]
    arns += [arn for arn, _ in platform.writers.values()]
    return {role_name(arn) for arn in [*arns, *platform.other_roles]}


def platform_roles_untouched(type_: str, props: Props, platform: Platform) -> list[str]:
    """No role under ``/secrets-platform/`` but the platform's own (the secrets key lets every
    role under the stack's path use it), and no policy attached to a platform role but the
    platform's own."""
    own = _platform_role_names(platform)
    if type_ == ROLE:
        path = str(props.get("path") or "/")
        if path.startswith(f"/{ROLE_PATH_ROOT}/") and props.get("name") not in own:
            return [
                f"role {props.get('name', '?')!r} is under {path}: only the platform creates "
                "roles there (the secrets key trusts every role under its path)"
            ]
        return []
    attached: Iterable[Any] = ()
    if type_ == ROLE_POLICY_ATTACHMENT:
        attached = [props.get("role")]
    elif type_ == POLICY_ATTACHMENT:
        attached = _as_list(props.get("roles"))
    arn = props.get("policyArn")
    return [
        f"attaches {arn} to the platform role {role_name(str(role))}: platform roles get "
        "their policies from the platform stack only"
        for role in attached
        if role and role_name(str(role)) in own and arn not in platform.policy_arns
    ]


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    check: Callable[[str, Props, Platform], list[str]]


RULES: Sequence[Rule] = (
    Rule(
        "platform-task-no-host-network",
        "Task definitions using a platform service role do not use networkMode host.",
        no_host_network,
    ),
    Rule(
        "platform-task-not-privileged",
        "Task definitions using a platform service role run no privileged container.",
        not_privileged,
    ),
    Rule(
        "platform-task-own-role",
        "A task definition uses only the role of the service it names.",
        own_role,
    ),
    Rule(
        "secret-access-in-scope",
        "IAM policies grant ssm:GetParameter* only inside the service's label and kms:Decrypt "
        "on the secrets key only to the platform's roles.",
        secret_access_in_scope,
    ),
    Rule(
        "platform-roles-untouched",
        "No role under /secrets-platform/ but the platform's, and no foreign policy attached "
        "to a platform role.",
        platform_roles_untouched,
    ),
)


def violations(type_: str, props: Props, platform: Platform) -> dict[str, list[str]]:
    """Every rule's violations for one resource (rule name -> messages; empty ones left out)."""
    found = {rule.name: rule.check(type_, props, platform) for rule in RULES}
    return {name: messages for name, messages in found.items() if messages}


def pack_config(platform: Platform) -> dict[str, Any]:
    """The policy pack's config file (`--policy-pack-config`): each rule gets the platform."""
    return {rule.name: {"platform": platform.to_config()} for rule in RULES}
