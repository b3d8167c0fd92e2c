"""What counts: the audit's rules, as data and pure functions over plain CloudTrail records.

This module is the one definition. The local engine applies ``classify`` to each record (a
``dict`` as CloudTrail writes it); ``audit/sql.py`` compiles the same tables and patterns
below (``NAME_RULES``, ``PATH_RULE``, ``DENIED_FIELDS``, ``PRINCIPAL_FIELDS``, the regular
expressions) into the Athena query. Change a rule here and both follow.

A record becomes zero or more ``Fact``s:

- ``read``:   a successful read naming a parameter (``flag``: it counts in ``reads``; a
              Parameter Store ``kms:Decrypt`` only sets ``last_read``)
- ``path``:   a successful first page of ``GetParametersByPath`` (``subject``: the path
              without its trailing ``/``; ``flag``: recursive)
- ``known``:  a parameter named by a KMS encryption context (it exists for path coverage)
- ``write``:  a successful change to a parameter (``action``: the event name)
- ``denied``: a refusal (``subject``: the target as reported; ``under``: the parameter or path
              that decides which service it belongs to, "" when none; ``flag``: a path)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from secretctl.naming import RESERVED_SERVICE, SSM_RESERVED_PREFIXES

SSM = "ssm.amazonaws.com"
KMS = "kms.amazonaws.com"
SOURCES = (SSM, KMS)
DENIED_CODES = ("AccessDenied", "AccessDeniedException")
# Names no secretctl service holds (matched on the lowercased name): chamber's own
# configuration /_chamber/..., and every name SSM reserves, beginning with aws or ssm in any case
# (PutParameter refuses them; SSM publishes /aws/service/... public parameters and
# /aws/reference/secretsmanager/... references there).
RESERVED_NAME_RE = (
    "^/(" + "|".join([re.escape(RESERVED_SERVICE) + "/", *SSM_RESERVED_PREFIXES]) + ")"
)

# --- patterns (the same text runs in Python's re, Trino's and DuckDB's regexp functions) ---
SEGMENT = "[A-Za-z0-9_.-]+"
# a secretctl secret: /<service>/<key>, the service one or more segments, the key one
SECRET_NAME_RE = f"^/{SEGMENT}(/{SEGMENT})*/{SEGMENT}$"
# a parameter ARN: region, account and the name (with its leading slash)
PARAMETER_ARN_RE = "^arn:aws[a-z-]*:ssm:([a-z0-9-]+):([0-9]{12}):parameter(/.*)$"
# a version or label selector at the end of a name: /svc/key:3, /svc/key:live
SELECTOR_RE = ":[^/:]*$"
# the resource a refusal names: "... on resource: arn:aws:ssm:...:parameter/svc/key because ..."
DENIED_RESOURCE_RE = "on resource: (arn:[^ ]+)"
# an assumed role's session ARN: partition, account, role name (the role's path is not in it)
ASSUMED_ROLE_ARN_RE = "^arn:(aws[a-z-]*):sts::([0-9]{12}):assumed-role/([^/]+)/"

_SECRET_NAME = re.compile(SECRET_NAME_RE)
_PARAMETER_ARN = re.compile(PARAMETER_ARN_RE)
_SELECTOR = re.compile(SELECTOR_RE)
_DENIED_RESOURCE = re.compile(DENIED_RESOURCE_RE)
_RESERVED_NAME = re.compile(RESERVED_NAME_RE)
_ASSUMED_ROLE_ARN = re.compile(ASSUMED_ROLE_ARN_RE)


@dataclass(frozen=True)
class NameRule:
    """Events of ``source``/``event`` name parameters in ``requestParameters.<field>`` (a
    dotted path; a list when ``many``). ``kind`` is the fact they make; ``counts``: a read that
    counts in ``reads``; ``when``: a boolean request flag that must be true;
    ``resource_type``: ``requestParameters.resourceType`` must equal it. ``done``: a list in
    ``responseElements`` naming what the call actually changed, used instead of the request's
    names when present; ``failed``: a list in ``responseElements`` of names it did not change,
    always left out (both for ``many`` rules: the SQL reads them as lists)."""

    source: str
    event: str
    field: str
    kind: str
    many: bool = False
    counts: bool = False
    when: str | None = None
    resource_type: str | None = None
    done: str | None = None
    failed: str | None = None


PARAMETER_CONTEXT = "encryptionContext.PARAMETER_ARN"

NAME_RULES: tuple[NameRule, ...] = (
    NameRule(SSM, "GetParameter", "name", "read", counts=True),
    NameRule(SSM, "GetParameters", "names", "read", many=True, counts=True),
    NameRule(SSM, "GetParameterHistory", "name", "read", counts=True, when="withDecryption"),
    NameRule(KMS, "Decrypt", PARAMETER_CONTEXT, "read"),
    NameRule(KMS, "Encrypt", PARAMETER_CONTEXT, "known"),
    NameRule(KMS, "GenerateDataKey", PARAMETER_CONTEXT, "known"),
    NameRule(KMS, "ReEncrypt", PARAMETER_CONTEXT, "known"),
    NameRule(SSM, "PutParameter", "name", "write"),
    NameRule(SSM, "DeleteParameter", "name", "write"),
    # SSM answers which names it deleted and which did not exist (nothing deleted); the
    # API's DeletedParameters / InvalidParameters, camel-cased in CloudTrail's responseElements
    NameRule(
        SSM,
        "DeleteParameters",
        "names",
        "write",
        many=True,
        done="deletedParameters",
        failed="invalidParameters",
    ),
    NameRule(SSM, "LabelParameterVersion", "name", "write"),
    NameRule(SSM, "AddTagsToResource", "resourceId", "write", resource_type="Parameter"),
    NameRule(SSM, "RemoveTagsFromResource", "resourceId", "write", resource_type="Parameter"),
)


@dataclass(frozen=True)
class PathRule:
    """The read that names a path: it covers every known parameter under it. A request with
    ``skip_if`` (the next page's token) is a page of a read already counted."""

    source: str = SSM
    event: str = "GetParametersByPath"
    field: str = "path"
    recursive: str = "recursive"
    skip_if: str = "nextToken"


PATH_RULE = PathRule()

# Where a refusal names its targets: for SSM every name, path and (tags) parameter resource id
# of the request, and only when the request has none of them, the resource ARN in
# errorMessage; for KMS the request's key id, else the ARN in errorMessage, else the first
# of the event's resources, else the parameter of its PARAMETER_ARN context.
DENIED_FIELDS: tuple[tuple[str, str, bool], ...] = (  # (field, what it holds, a list)
    ("name", "parameter", False),
    ("names", "parameter", True),
    ("path", "path", False),
    ("resourceId", "parameter", False),
    ("keyId", "key", False),
)

# The principal: by userIdentity.type, the field that names the IAM identity (not the session);
# then, for a session recorded without its sessionIssuer (some web-identity and federated
# sessions), the role named in its assumed-role ARN (ASSUMED_ROLE_ARN_RE; the role's path is
# not in that ARN, so the role ARN has none); then the first present of
# FALLBACK_PRINCIPAL_FIELDS.
PRINCIPAL_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("AssumedRole", ("sessionContext", "sessionIssuer", "arn")),
    ("FederatedUser", ("sessionContext", "sessionIssuer", "arn")),
    ("AWSService", ("invokedBy",)),
)
FALLBACK_PRINCIPAL_FIELDS: tuple[tuple[str, ...], ...] = (
    ("arn",),
    ("invokedBy",),
    ("principalId",),
)
UNKNOWN_PRINCIPAL = "unknown"


@dataclass(frozen=True)
class Scope:
    """Which account and region the audit is about, its window ``[since, until)`` as
    CloudTrail times (``YYYY-MM-DDTHH:MM:SSZ``, compared as text), and the identifiers of the
    secrets key (key ARN, key id, alias name, alias ARN) for KMS refusals."""

    account: str
    region: str
    since: str
    until: str
    key_ids: frozenset[str] = frozenset()


class Fact(NamedTuple):
    kind: str  # read | path | known | write | denied
    event_id: str
    time: str
    principal: str
    subject: str
    flag: bool = False
    action: str = ""
    error: str = ""
    under: str = ""


# --- pure helpers ------------------------------------------------------------------------


def dig(data: Any, path: tuple[str, ...] | list[str]) -> Any:
    """``data[a][b]...`` or None when any step is missing or not an object."""
    for step in path:
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data


def principal(identity: Any) -> str:
    """The IAM identity behind a userIdentity: an assumed role's role ARN (with its path), an
    IAM user's ARN, the root's ARN, an AWS service's name."""
    if not isinstance(identity, dict):
        return UNKNOWN_PRINCIPAL
    kind = identity.get("type")
    for type_, path in PRINCIPAL_FIELDS:
        if kind == type_:
            found = dig(identity, path)
            if isinstance(found, str) and found:
                return found
    role = role_of_session(identity.get("arn"))
    if role:
        return role
    for path in FALLBACK_PRINCIPAL_FIELDS:
        found = dig(identity, path)
        if isinstance(found, str) and found:
            return found
    return UNKNOWN_PRINCIPAL


def role_of_session(arn: Any) -> str | None:
    """``arn:aws:sts::ACCT:assumed-role/NAME/SESSION`` -> ``arn:aws:iam::ACCT:role/NAME`` (the
    role's path, if any, is unknown); None for any other value."""
    match = _ASSUMED_ROLE_ARN.match(arn) if isinstance(arn, str) else None
    if not match:
        return None
    return f"arn:{match.group(1)}:iam::{match.group(2)}:role/{match.group(3)}"


def is_audited_name(name: str) -> bool:
    """A secretctl secret ``/<service>/<key>``: never chamber's ``/_chamber/...``, nor a name
    SSM reserves (``/aws...``, ``/ssm...``)."""
    return bool(_SECRET_NAME.match(name)) and not _RESERVED_NAME.match(name.lower())


def is_audited_path(path: str) -> bool:
    """Whether a path (trailing ``/`` removed) may hold secretctl secrets: not ``/_chamber``
    nor a path SSM reserves (``/aws/service``); the root ``/`` may."""
    return not _RESERVED_NAME.match(path.lower() + "/")


def parameter_of(value: Any, scope: Scope) -> str | None:
    """A name as an event gives it (``/svc/key``, its ARN, with a ``:version`` or ``:label``
    selector) as ``/svc/key``; None for another account's or region's parameter, or a name
    that is not a secretctl secret."""
    if not isinstance(value, str):
        return None
    if value.startswith("arn:"):
        match = _PARAMETER_ARN.match(value)
        if not match or match.group(1) != scope.region or match.group(2) != scope.account:
            return None
        value = match.group(3)
    name = _SELECTOR.sub("", value)
    return name if is_audited_name(name) else None


def same_account(recipient: Any, scope: Scope) -> bool:
    """Whether an event with this ``recipientAccountId`` is about the audited account's
    parameters (an organisation trail holds every account's events; an event without the
    field is kept)."""
    return not recipient or recipient == scope.account


def service_of(name: str) -> str:
    """``/team/api/key`` -> ``team/api``."""
    return name[1:].rpartition("/")[0]


def path_covers(path: str, recursive: bool, name: str) -> bool:
    """Whether ``GetParametersByPath`` on ``path`` (trailing ``/`` removed) returns ``name``:
    one level below it, or any depth when recursive."""
    if not name.startswith(path + "/"):
        return False
    return recursive or "/" not in name[len(path) + 1 :]


def strip_path(path: str) -> str:
    return path[:-1] if path.endswith("/") else path


def _flag(request: Mapping[str, Any], field: str) -> bool:
    return request.get(field) is True


def _values(request: Mapping[str, Any], field: str, many: bool) -> list[Any]:
    found = dig(request, field.split("."))
    if many:
        return list(found) if isinstance(found, list) else []
    return [found] if found is not None else []


def _rule_values(rule: NameRule, request: Mapping[str, Any], response: Any) -> list[Any]:
    """The names a rule's event is about: the request's, or what ``responseElements`` says
    was done (``rule.done``), less what it says failed (``rule.failed``)."""
    values = _values(request, rule.field, rule.many)
    if rule.done:
        done = dig(response, (rule.done,))
        if isinstance(done, list):
            values = done
    if rule.failed:
        failed = dig(response, (rule.failed,))
        if isinstance(failed, list):
            values = [v for v in values if v not in failed]
    return values


_RULES_BY_EVENT: dict[tuple[str, str], list[NameRule]] = {}
for _rule in NAME_RULES:
    _RULES_BY_EVENT.setdefault((_rule.source, _rule.event), []).append(_rule)
# every (source, event) a rule names: the local engine decodes other successful events no further
RULE_EVENTS = frozenset(_RULES_BY_EVENT) | {(PATH_RULE.source, PATH_RULE.event)}


def sources_for(question_kind: str) -> tuple[str, ...]:
    """The event sources whose events can change a question's answer: ``writes`` come from
    the write rules only; ``reads`` and ``unused`` from the read, path and known rules (and
    writes, which make parameters known); ``denied`` from both sources."""
    if question_kind == "denied":
        return SOURCES
    kinds = {"write"} if question_kind == "writes" else {"read", "known", "write"}
    found = {rule.source for rule in NAME_RULES if rule.kind in kinds}
    if question_kind != "writes":
        found.add(PATH_RULE.source)
    return tuple(source for source in SOURCES if source in found)


def classify(record: Mapping[str, Any], scope: Scope) -> list[Fact]:
    """The facts one CloudTrail record holds for ``scope`` (none for most records)."""
    source = record.get("eventSource")
    if source not in SOURCES or record.get("awsRegion") != scope.region:
        return []
    if not same_account(record.get("recipientAccountId"), scope):
        return []
    when = record.get("eventTime")
    if not isinstance(when, str) or not scope.since <= when < scope.until:
        return []
    event_name = record.get("eventName")
    request = record.get("requestParameters")
    if not isinstance(request, dict):
        request = {}
    error = record.get("errorCode")
    event_id = str(record.get("eventID") or "")
    who = principal(record.get("userIdentity"))
    if error:
        if error in DENIED_CODES:
            return _denied(record, source, str(event_name), request, scope, event_id, when, who)
        return []
    facts: list[Fact] = []
    if source == PATH_RULE.source and event_name == PATH_RULE.event:
        path = request.get(PATH_RULE.field)
        if isinstance(path, str) and not request.get(PATH_RULE.skip_if):
            recursive = _flag(request, PATH_RULE.recursive)
            facts.append(Fact("path", event_id, when, who, strip_path(path), recursive))
        return facts
    for rule in _RULES_BY_EVENT.get((str(source), str(event_name)), ()):
        if rule.when and not _flag(request, rule.when):
            continue
        if rule.resource_type and request.get("resourceType") != rule.resource_type:
            continue
        for value in _rule_values(rule, request, record.get("responseElements")):
            name = parameter_of(value, scope)
            if name is None:
                continue
            if rule.kind == "read":
                facts.append(Fact("read", event_id, when, who, name, rule.counts))
            elif rule.kind == "write":
                facts.append(Fact("write", event_id, when, who, name, action=str(event_name)))
            else:
                facts.append(Fact("known", event_id, when, who, name))
    return facts


def _denied(
    record: Mapping[str, Any],
    source: str,
    event_name: str,
    request: Mapping[str, Any],
    scope: Scope,
    event_id: str,
    when: str,
    who: str,
) -> list[Fact]:
    """One ``denied`` fact per target of a refusal by SSM on parameters, or by KMS on the
    secrets key."""
    action = f"{source.split('.')[0]}:{event_name}"
    error = str(record.get("errorCode"))
    message = record.get("errorMessage")
    found = _DENIED_RESOURCE.search(message) if isinstance(message, str) else None
    resource_arn = found.group(1) if found else None
    if source == SSM:
        # (target as reported, what decides its service, whether it is a path)
        targets: list[tuple[str, str, bool]] = []
        fields = [f for f in DENIED_FIELDS if f[1] != "key"]
        for field, holds, many in fields:
            if field == "resourceId" and request.get("resourceType") != "Parameter":
                continue
            for value in _values(request, field, many):
                if holds == "path" and isinstance(value, str):
                    if is_audited_path(strip_path(value)):
                        targets.append((value, strip_path(value), True))
                elif holds == "parameter" and (name := parameter_of(value, scope)):
                    targets.append((name, name, False))
        if all(request.get(field) is None for field, _, _ in fields):
            name = parameter_of(resource_arn, scope)
            if name:
                targets.append((name, name, False))
        return [
            Fact("denied", event_id, when, who, target, path, action, error, under)
            for target, under, path in targets
        ]
    # KMS: a refusal on the secrets key, or with a parameter's encryption context
    context = parameter_of(dig(request, PARAMETER_CONTEXT.split(".")), scope)
    key_id = request.get("keyId") if isinstance(request.get("keyId"), str) else None
    resources = record.get("resources")
    first = resources[0] if isinstance(resources, list) and resources else None
    first_arn = first.get("ARN") if isinstance(first, dict) else None
    named = {key_id, resource_arn, first_arn} - {None}
    if context is None and not named & scope.key_ids:
        return []
    # A refused Parameter Store decrypt often names no key at all (KMS does not tell a caller
    # it may not use the key which key it is): the secret it was for is then the target.
    target = key_id or resource_arn or first_arn or context
    if not target:
        return []
    return [
        Fact("denied", event_id, when, who, target, action=action, error=error, under=context or "")
    ]
