"""What the audit tests share: a scope and window, the engines that answer a question over a
list of records (the local rules, the file engine's decoding and pre-filter, and the Athena SQL
run on DuckDB), and the CloudTrail table
in the shape of AWS's DDL."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from devtools.cloudtrail_events import ACCOUNT, REGION, LogWriter, TrailLayout
from secretctl.audit.answers import Existing, Question, answer, relevant
from secretctl.audit.rules import Scope, classify
from secretctl.audit.run import athena_answer
from secretctl.audit.sql import question_sql
from secretctl.audit.window import Window, cloudtrail_time

SINCE = datetime(2026, 3, 1, tzinfo=timezone.utc)
UNTIL = datetime(2026, 3, 8, tzinfo=timezone.utc)
WINDOW = Window(SINCE, UNTIL)
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SCOPE = Scope(
    ACCOUNT,
    REGION,
    cloudtrail_time(SINCE),
    cloudtrail_time(UNTIL),
    frozenset({KEY_ARN, "alias/parameter_store_key"}),
)
TABLE = "audit_db.cloudtrail"
MODIFIED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    """A moment ``day`` days into the window."""
    return SINCE + timedelta(days=day, hours=hour, minutes=minute, seconds=second)


def existing(*names: str) -> list[Existing]:
    return [Existing(n, MODIFIED, "arn:aws:iam::123456789012:user/alice") for n in names]


def local_answer(
    records: Iterable[dict[str, Any]],
    question: Question,
    present: Iterable[Existing] = (),
    scope: Scope = SCOPE,
) -> list[dict]:
    facts = [f for r in records for f in classify(r, scope) if relevant(f, question)]
    return answer(question, facts, present)


# --- the Athena side: AWS's CloudTrail table in DuckDB --------------------------------------

DDL = """
CREATE SCHEMA IF NOT EXISTS audit_db;
CREATE TABLE audit_db.cloudtrail (
  eventversion VARCHAR,
  useridentity STRUCT(type VARCHAR, principalid VARCHAR, arn VARCHAR, accountid VARCHAR,
    invokedby VARCHAR, accesskeyid VARCHAR, username VARCHAR,
    sessioncontext STRUCT(attributes STRUCT(mfaauthenticated VARCHAR, creationdate VARCHAR),
      sessionissuer STRUCT(type VARCHAR, principalid VARCHAR, arn VARCHAR, accountid VARCHAR,
        username VARCHAR))),
  eventtime VARCHAR, eventsource VARCHAR, eventname VARCHAR, awsregion VARCHAR,
  sourceipaddress VARCHAR, useragent VARCHAR, errorcode VARCHAR, errormessage VARCHAR,
  requestparameters VARCHAR, responseelements VARCHAR, requestid VARCHAR, eventid VARCHAR,
  readonly VARCHAR, resources STRUCT(arn VARCHAR, accountid VARCHAR, type VARCHAR)[],
  eventtype VARCHAR, recipientaccountid VARCHAR,
  account VARCHAR, region VARCHAR, "timestamp" VARCHAR
);
"""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _identity(identity: dict[str, Any] | None) -> dict[str, Any] | None:
    """userIdentity as the CloudTrail SerDe maps it onto the DDL's struct."""
    if not identity:
        return None
    context = identity.get("sessionContext") or {}
    issuer = context.get("sessionIssuer") or {}
    attributes = context.get("attributes") or {}
    return {
        "type": identity.get("type"),
        "principalid": identity.get("principalId"),
        "arn": identity.get("arn"),
        "accountid": identity.get("accountId"),
        "invokedby": identity.get("invokedBy"),
        "accesskeyid": identity.get("accessKeyId"),
        "username": identity.get("userName"),
        "sessioncontext": {
            "attributes": {
                "mfaauthenticated": _text(attributes.get("mfaAuthenticated")),
                "creationdate": attributes.get("creationDate"),
            },
            "sessionissuer": {
                "type": issuer.get("type"),
                "principalid": issuer.get("principalId"),
                "arn": issuer.get("arn"),
                "accountid": issuer.get("accountId"),
                "username": issuer.get("userName"),
            },
        },
    }


def table_row(record: dict[str, Any], delivered: datetime) -> list[Any]:
    resources = [
        {"arn": r.get("ARN"), "accountid": r.get("accountId"), "type": r.get("type")}
        for r in record.get("resources") or []
    ]
    return [
        record.get("eventVersion"),
        _identity(record.get("userIdentity")),
        record.get("eventTime"),
        record.get("eventSource"),
        record.get("eventName"),
        record.get("awsRegion"),
        record.get("sourceIPAddress"),
        record.get("userAgent"),
        record.get("errorCode"),
        record.get("errorMessage"),
        _text(record.get("requestParameters")),
        _text(record.get("responseElements")),
        record.get("requestID"),
        record.get("eventID"),
        _text(record.get("readOnly")),
        resources or None,
        record.get("eventType"),
        record.get("recipientAccountId"),
        record.get("recipientAccountId") or ACCOUNT,
        record.get("awsRegion"),
        f"{delivered:%Y/%m/%d}",
    ]


def duckdb_sql(trino_sql: str) -> str:
    import sqlglot

    return sqlglot.transpile(trino_sql, read="trino", write="duckdb")[0]


def athena_answer_on_duckdb(
    records: Iterable[dict[str, Any]],
    question: Question,
    present: Iterable[Existing] = (),
    scope: Scope = SCOPE,
    window: Window = WINDOW,
) -> list[dict]:
    """The Athena query for ``question``, transpiled to DuckDB and run over ``records``."""
    import duckdb

    present = list(present)
    writer = LogWriter(TrailLayout(root=None))  # type: ignore[arg-type]
    con = duckdb.connect()
    con.execute(DDL)
    rows = [table_row(r, writer.delivery(r)) for r in records]
    if rows:
        marks = ", ".join("?" for _ in rows[0])
        con.executemany(f"INSERT INTO audit_db.cloudtrail VALUES ({marks})", rows)
    sql = question_sql(TABLE, scope, window, question, [e.name for e in present])
    cursor = con.execute(duckdb_sql(sql))
    names = [d[0] for d in cursor.description]
    found = [
        dict(zip(names, (None if v is None else str(v) for v in row), strict=True))
        for row in cursor.fetchall()
    ]
    return athena_answer(question, found, present)


def files_answer(
    records: Iterable[dict[str, Any]],
    question: Question,
    present: Iterable[Existing] = (),
    scope: Scope = SCOPE,
) -> list[dict]:
    """The file engine (directories and s3://): the records as one gzip log file, decoded and
    pre-filtered by ``scan.facts_of_log`` as every file is."""
    import gzip

    from secretctl.audit.scan import facts_of_log

    data = gzip.compress(json.dumps({"Records": list(records)}).encode())
    facts, _ = facts_of_log(data, scope, question)
    return answer(question, facts, present)


ENGINES = {"local": local_answer, "files": files_answer, "athena-sql": athena_answer_on_duckdb}
