"""The audit's questions as Athena (Trino) SQL, compiled from the rules in ``rules.py``.

The query runs over the standard CloudTrail table (AWS's DDL: ``useridentity`` and
``resources`` as structs, ``requestparameters`` as JSON text) partitioned by ``account``,
``region`` and ``timestamp`` (``yyyy/MM/dd``) with partition projection, so the partition
filter keeps the scan to the window's days. Every value in the text is a literal that was
validated or quoted here; the tests parse it with two Trino parsers and run it on DuckDB
against the local engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from secretctl.audit.answers import Question
from secretctl.audit.rules import (
    ASSUMED_ROLE_ARN_RE,
    DENIED_CODES,
    DENIED_FIELDS,
    DENIED_RESOURCE_RE,
    FALLBACK_PRINCIPAL_FIELDS,
    KMS,
    NAME_RULES,
    PARAMETER_ARN_RE,
    PARAMETER_CONTEXT,
    PATH_RULE,
    PRINCIPAL_FIELDS,
    RESERVED_NAME_RE,
    SECRET_NAME_RE,
    SELECTOR_RE,
    SOURCES,
    SSM,
    UNKNOWN_PRINCIPAL,
    NameRule,
    Scope,
)
from secretctl.audit.window import Window, day_folder
from secretctl.errors import UsageError

# The table's partition columns (the platform program's CloudTrail table declares the same).
PARTITION_ACCOUNT = "account"
PARTITION_REGION = "region"
PARTITION_DATE = "timestamp"  # yyyy/MM/dd, as AWS's partition-projection DDL names it
_TABLE = re.compile(r"^([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$")


def quote(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def table_name(text: str) -> str:
    """``DB.TABLE`` as a quoted identifier pair; anything else is refused."""
    match = _TABLE.match(text)
    if not match:
        raise UsageError(
            f"invalid --athena-table {text!r}: use DATABASE.TABLE (letters, digits and '_')"
        )
    return f'"{match.group(1).lower()}"."{match.group(2).lower()}"'


def _json_scalar(field: str) -> str:
    return f"json_extract_scalar(e.requestparameters, {quote('$.' + field)})"


def _json_list(field: str, column: str = "e.requestparameters") -> str:
    return f"CAST(json_extract({column}, {quote('$.' + field)}) AS ARRAY(VARCHAR))"


def _rule_list(rule: NameRule) -> str:
    """``rules._rule_values`` for a list rule: what responseElements says was done, else the
    request's names (what it says failed is left out by ``_not_failed``)."""
    request = _json_list(rule.field)
    if not rule.done:
        return request
    return f"coalesce({_json_list(rule.done, 'e.responseelements')}, {request})"


def _not_failed(rule: NameRule, value: str) -> str | None:
    if not rule.failed:
        return None
    failed = _json_list(rule.failed, "e.responseelements")
    return f"NOT coalesce(contains({failed}, {value}), false)"


def _match(value: str, pattern: str, group: int) -> str:
    """A regex group, NULL when it does not match (DuckDB answers '' where Trino answers NULL)."""
    return f"NULLIF(regexp_extract({value}, {quote(pattern)}, {group}), '')"


def normalised(value: str, scope: Scope) -> str:
    """``rules.parameter_of`` in SQL: the name without ARN or selector, NULL for another
    account's or region's ARN (the secret-name test is ``is_audited``)."""
    arn = quote(PARAMETER_ARN_RE)
    return (
        f"(CASE WHEN {value} LIKE 'arn:%' THEN (CASE WHEN regexp_like({value}, {arn}) "
        f"AND {_match(value, PARAMETER_ARN_RE, 1)} = {quote(scope.region)} "
        f"AND {_match(value, PARAMETER_ARN_RE, 2)} = {quote(scope.account)} "
        f"THEN regexp_replace({_match(value, PARAMETER_ARN_RE, 3)}, {quote(SELECTOR_RE)}, '') END) "
        f"ELSE regexp_replace({value}, {quote(SELECTOR_RE)}, '') END)"
    )


def is_audited(name: str) -> str:
    """``rules.is_audited_name`` in SQL."""
    return (
        f"({name} IS NOT NULL AND regexp_like({name}, {quote(SECRET_NAME_RE)}) "
        f"AND NOT {_reserved(name)})"
    )


def _reserved(name: str) -> str:
    return f"regexp_like(lower({name}), {quote(RESERVED_NAME_RE)})"


def principal_sql() -> str:
    """``rules.principal`` in SQL."""

    def column(path: Sequence[str]) -> str:
        return "NULLIF(useridentity." + ".".join(p.lower() for p in path) + ", '')"

    cases = " ".join(f"WHEN {quote(kind)} THEN {column(path)}" for kind, path in PRINCIPAL_FIELDS)
    arn = "useridentity.arn"
    # rules.role_of_session: NULL unless the ARN is an assumed role's (a NULL group makes ||
    # NULL); concatenated groups, as Trino and DuckDB spell group references differently
    role = (
        f"('arn:' || {_match(arn, ASSUMED_ROLE_ARN_RE, 1)} || ':iam::' "
        f"|| {_match(arn, ASSUMED_ROLE_ARN_RE, 2)} || ':role/' "
        f"|| {_match(arn, ASSUMED_ROLE_ARN_RE, 3)})"
    )
    fallbacks = ", ".join(column(path) for path in FALLBACK_PRINCIPAL_FIELDS)
    return (
        f"coalesce(CASE useridentity.type {cases} END, {role}, {fallbacks}, "
        f"{quote(UNKNOWN_PRINCIPAL)})"
    )


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(quote(v) for v in values) + ")"


def _success() -> str:
    return "coalesce(e.errorcode, '') = ''"


def events_cte(table: str, scope: Scope, window: Window) -> str:
    """The window's SSM and KMS events, each delivery of an event once."""
    days = window.days()
    return f"""events AS (
  SELECT eventid, eventtime, eventsource, eventname, errorcode, errormessage,
         requestparameters, responseelements, resources, principal
  FROM (
    SELECT eventid, eventtime, eventsource, eventname, errorcode, errormessage,
           requestparameters, responseelements, resources, {principal_sql()} AS principal,
           row_number() OVER (PARTITION BY eventid ORDER BY eventtime) AS delivery
    FROM {table_name(table)}
    WHERE "{PARTITION_ACCOUNT}" = {quote(scope.account)}
      AND "{PARTITION_REGION}" = {quote(scope.region)}
      AND "{PARTITION_DATE}" BETWEEN {quote(day_folder(days[0]))} AND {quote(day_folder(days[-1]))}
      AND eventtime >= {quote(scope.since)} AND eventtime < {quote(scope.until)}
      AND awsregion = {quote(scope.region)}
      AND coalesce(NULLIF(recipientaccountid, ''), {quote(scope.account)}) = {quote(scope.account)}
      AND eventsource IN {_in(SOURCES)}
  ) AS deliveries
  WHERE delivery = 1
)"""


def named_cte(scope: Scope) -> str:
    """One row per name of every NAME_RULES event (read, known, write), normalised."""
    selects = []
    for rule in NAME_RULES:
        # responseElements' lists (done, failed) are read for list rules only
        assert rule.many or not (rule.done or rule.failed), rule
        conditions = [
            f"e.eventsource = {quote(rule.source)}",
            f"e.eventname = {quote(rule.event)}",
            _success(),
        ]
        if rule.when:
            conditions.append(f"{_json_scalar(rule.when)} = 'true'")
        if rule.resource_type:
            conditions.append(f"{_json_scalar('resourceType')} = {quote(rule.resource_type)}")
        value = "v.value" if rule.many else _json_scalar(rule.field)
        not_failed = _not_failed(rule, value)
        if not_failed:
            conditions.append(not_failed)
        head = (
            f"SELECT e.eventid, e.eventtime, e.principal, e.eventname, {quote(rule.kind)} AS kind, "
            f"{'true' if rule.counts else 'false'} AS counts, "
        )
        if rule.many:
            selects.append(
                f"{head}v.value AS value FROM events e "
                f"CROSS JOIN UNNEST({_rule_list(rule)}) AS v(value) "
                f"WHERE {' AND '.join(conditions)}"
            )
        else:
            selects.append(
                f"{head}{_json_scalar(rule.field)} AS value FROM events e "
                f"WHERE {' AND '.join(conditions)}"
            )
    union = "\n  UNION ALL\n  ".join(selects)
    return f"""named AS (
  {union}
),
facts AS (
  SELECT DISTINCT eventid, eventtime, principal, eventname, kind, counts, parameter
  FROM (SELECT n.*, {normalised("n.value", scope)} AS parameter FROM named n) AS normal
  WHERE {is_audited("parameter")}
)"""


def paths_cte() -> str:
    rule = PATH_RULE
    return f"""paths AS (
  SELECT e.eventid, e.eventtime, e.principal,
         regexp_replace({_json_scalar(rule.field)}, '/$', '') AS path,
         coalesce({_json_scalar(rule.recursive)}, '') = 'true' AS recursive
  FROM events e
  WHERE e.eventsource = {quote(rule.source)} AND e.eventname = {quote(rule.event)}
    AND {_success()} AND {_json_scalar(rule.field)} IS NOT NULL
    AND coalesce({_json_scalar(rule.skip_if)}, '') = ''
)"""


def wants(name: str, question: Question) -> str:
    """``Question.wants`` in SQL."""
    parts = ["true"]
    if question.services:
        parent = f"regexp_replace({name}, '/[^/]*$', '')"
        parts.append(f"{parent} IN {_in('/' + s for s in question.services)}")
    if question.key is not None:
        parts.append(f"regexp_extract({name}, '[^/]*$') = {quote(question.key)}")
    return "(" + " AND ".join(parts) + ")"


def reads_sql(
    table: str, scope: Scope, window: Window, question: Question, existing: Iterable[str]
) -> str:
    """Rows (parameter, principal, last_read, reads) of ``audit reads`` (and of ``unused``,
    which keeps the parameters that have none)."""
    names = sorted(set(existing))
    known_existing = (
        "\n  UNION\n  SELECT parameter FROM (VALUES "
        + ", ".join(f"({quote(n)})" for n in names)
        + ") AS existing(parameter)"
        if names
        else ""
    )
    return f"""WITH {events_cte(table, scope, window)},
{named_cte(scope)},
{paths_cte()},
known AS (
  SELECT parameter FROM facts WHERE kind IN ('read', 'known', 'write'){known_existing}
),
counted AS (
  SELECT parameter, principal, eventtime, CASE WHEN counts THEN 1 ELSE 0 END AS n
  FROM facts WHERE kind = 'read'
  UNION ALL
  SELECT k.parameter, p.principal, p.eventtime, 1 AS n
  FROM paths p JOIN known k ON starts_with(k.parameter, p.path || '/')
    AND (p.recursive OR strpos(substr(k.parameter, length(p.path) + 2), '/') = 0)
)
SELECT parameter, principal, max(eventtime) AS last_read, sum(n) AS reads
FROM counted
WHERE {wants("parameter", question)}
GROUP BY parameter, principal
ORDER BY parameter, principal"""


def unused_sql(table: str, scope: Scope, window: Window, question: Question) -> str:
    """Rows (kind, subject, recursive) of ``audit unused``: every parameter asked about that
    a read names (``read``), and every path a ``GetParametersByPath`` read (``path``). Which
    existing parameters the paths cover is computed from SSM's list after the query, so the
    query does not name them (Athena's query text is limited to 262,144 bytes; an account's
    parameters are not)."""
    return f"""WITH {events_cte(table, scope, window)},
{named_cte(scope)},
{paths_cte()}
SELECT DISTINCT 'read' AS kind, parameter AS subject, 'false' AS recursive
FROM facts
WHERE kind = 'read' AND {wants("parameter", question)}
UNION
SELECT DISTINCT 'path' AS kind, path AS subject,
       CASE WHEN recursive THEN 'true' ELSE 'false' END AS recursive
FROM paths"""


def writes_sql(table: str, scope: Scope, window: Window, question: Question) -> str:
    return f"""WITH {events_cte(table, scope, window)},
{named_cte(scope)}
SELECT eventtime AS "time", principal, eventname AS action, parameter
FROM facts
WHERE kind = 'write' AND {wants("parameter", question)}
ORDER BY "time", parameter, principal, action"""


def denied_sql(table: str, scope: Scope, window: Window, question: Question) -> str:
    """``rules._denied`` in SQL: SSM targets from the request (else the errorMessage ARN), KMS
    refusals on the secrets key or under a parameter's encryption context."""
    fields = [f for f in DENIED_FIELDS if f[1] != "key"]
    refused = f"e.errorcode IN {_in(DENIED_CODES)}"
    resource_arn = _match("e.errormessage", DENIED_RESOURCE_RE, 1)
    selects = []
    for field, holds, many in fields:
        value = "v.value" if many else _json_scalar(field)
        source = (
            f"events e CROSS JOIN UNNEST({_json_list(field)}) AS v(value)" if many else "events e"
        )
        extra = (
            f" AND {_json_scalar('resourceType')} = 'Parameter'" if field == "resourceId" else ""
        )
        if holds == "path":
            target, under = value, f"regexp_replace({value}, '/$', '')"
        else:
            target = under = normalised(value, scope)
        selects.append(
            f"SELECT e.eventid, e.eventtime, e.principal, e.eventsource, e.eventname, "
            f"e.errorcode, {target} AS target, {under} AS under, {quote(holds)} AS holds "
            f"FROM {source} WHERE e.eventsource = {quote(SSM)} AND {refused}{extra}"
        )
    absent = " AND ".join(
        f"json_extract(e.requestparameters, {quote('$.' + f)}) IS NULL" for f, _, _ in fields
    )
    arn_name = normalised(resource_arn, scope)
    selects.append(
        f"SELECT e.eventid, e.eventtime, e.principal, e.eventsource, e.eventname, e.errorcode, "
        f"{arn_name} AS target, {arn_name} AS under, 'parameter' AS holds FROM events e "
        f"WHERE e.eventsource = {quote(SSM)} AND {refused} AND {absent}"
    )
    context = normalised(_json_scalar(PARAMETER_CONTEXT), scope)
    key_id = _json_scalar("keyId")
    first_arn = "NULLIF(element_at(e.resources, 1).arn, '')"
    keys = _in(sorted(scope.key_ids)) if scope.key_ids else "(NULL)"
    selects.append(
        f"SELECT e.eventid, e.eventtime, e.principal, e.eventsource, e.eventname, e.errorcode, "
        f"coalesce({key_id}, {resource_arn}, {first_arn}, "
        f"CASE WHEN {is_audited(context)} THEN {context} END) AS target, "
        f"CASE WHEN {is_audited(context)} THEN {context} ELSE '' END AS under, 'key' AS holds "
        f"FROM events e WHERE e.eventsource = {quote(KMS)} AND {refused} "
        f"AND ({is_audited(context)} OR {key_id} IN {keys} OR {resource_arn} IN {keys} "
        f"OR {first_arn} IN {keys})"
    )
    union = "\n  UNION ALL\n  ".join(selects)
    service_filter = "true"
    if question.services:
        paths = _in("/" + s for s in question.services)
        service_filter = (
            f"(under <> '' AND NOT starts_with(under, 'arn:') "
            f"AND ((holds = 'path' AND under IN {paths}) "
            f"OR (holds <> 'path' AND {wants('under', question)})))"
        )
    return f"""WITH {events_cte(table, scope, window)},
targets AS (
  {union}
),
refusals AS (
  SELECT DISTINCT eventid, eventtime, principal,
         split_part(eventsource, '.', 1) || ':' || eventname AS action, target, errorcode, under,
         holds
  FROM targets
  WHERE target IS NOT NULL AND (holds <> 'parameter' OR {is_audited("target")})
    AND (holds <> 'path' OR NOT {_reserved("under || '/'")})
)
SELECT eventtime AS "time", principal, action, target, errorcode AS error
FROM refusals
WHERE {service_filter}
ORDER BY "time", principal, action, target"""


def question_sql(
    table: str, scope: Scope, window: Window, question: Question, existing: Iterable[str] = ()
) -> str:
    """The query for ``question`` (``existing``: the parameters SSM lists, which ``reads``
    names for the paths its principals read; ``unused`` does not need them)."""
    if question.kind == "reads":
        return reads_sql(table, scope, window, question, existing)
    if question.kind == "unused":
        return unused_sql(table, scope, window, question)
    if question.kind == "writes":
        return writes_sql(table, scope, window, question)
    if question.kind == "denied":
        return denied_sql(table, scope, window, question)
    raise ValueError(f"unknown question {question.kind!r}")
