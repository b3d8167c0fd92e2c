"""secretctl's Athena SQL asks only for what the platform's CloudTrail table declares.

The two halves meet here: `policies/athena.py` describes the Glue table the platform creates
(AWS's published DDL), and `secretctl/audit/sql.py` writes the queries `--source athena` sends
to it. Every column, nested field and partition key a query names must exist in that table,
or Athena refuses the query (COLUMN_NOT_FOUND) on a user's first try.
"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from policies.athena import CLOUDTRAIL_COLUMNS, PARTITION_KEYS
from secretctl.audit.answers import Question
from secretctl.audit.sql import question_sql
from tests.secretctl.audit.support import DDL, SCOPE, TABLE, WINDOW

QUESTIONS = [
    Question("reads", ("api",), "db_url"),
    Question("reads", ("api", "web")),
    Question("unused", ()),
    Question("writes", ("api",)),
    Question("denied", ("api",)),
    Question("denied", ()),
]


def _struct_fields(glue_type: str) -> dict[str, str]:
    """The fields of a Glue ``struct<a:t,b:struct<...>>`` type, with their types."""
    body = glue_type[len("struct<") : -1]
    fields: dict[str, str] = {}
    depth, start = 0, 0
    for i, char in enumerate(body + ","):
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
        elif char == "," and depth == 0:
            name, _, kind = body[start:i].partition(":")
            fields[name] = kind
            start = i + 1
    return fields


def _platform_paths() -> set[tuple[str, ...]]:
    """Every column path the platform's table declares: ``("useridentity", "arn")`` and so on."""
    paths: set[tuple[str, ...]] = {(key,) for key in PARTITION_KEYS}

    def walk(prefix: tuple[str, ...], glue_type: str) -> None:
        paths.add(prefix)
        if glue_type.startswith("struct<"):
            for name, kind in _struct_fields(glue_type).items():
                walk((*prefix, name), kind)

    for name, glue_type in CLOUDTRAIL_COLUMNS:
        walk((name,), glue_type)
    return paths


def _column_paths(sql: str) -> set[tuple[str, ...]]:
    """The table column paths a query names (CTE outputs and aliases left out)."""
    tree = sqlglot.parse_one(sql, read="trino")
    derived = {alias.alias.lower() for alias in tree.find_all(exp.Alias)}
    derived |= {cte.alias.lower() for cte in tree.find_all(exp.CTE)}
    tables = {t.name.lower() for t in tree.find_all(exp.TableAlias)}
    for table_alias in tree.find_all(exp.TableAlias):
        derived |= {c.name.lower() for c in table_alias.columns}
    paths: set[tuple[str, ...]] = set()
    for column in tree.find_all(exp.Column):
        if isinstance(column.this, exp.Star):
            continue
        parts = tuple(p.name.lower() for p in column.parts)
        if len(parts) > 1 and parts[0] in tables:
            parts = parts[1:]  # a table alias (``e.eventid``), not a struct
        if isinstance(column.parent, exp.Dot):
            node: exp.Expression = column.parent
            while isinstance(node, exp.Dot):
                parts = (*parts, node.expression.name.lower())
                node = node.parent
        if parts[0] not in derived:
            paths.add(parts)
    return paths


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: f"{q.kind}-{len(q.services)}")
def test_every_column_the_query_names_is_in_the_platform_table(question: Question) -> None:
    sql = question_sql(TABLE, SCOPE, WINDOW, question, ["/api/db_url"])
    named = _column_paths(sql)
    assert named, "no column found: the walk over the query is broken"
    missing = named - _platform_paths()
    assert not missing, (
        f"the {question.kind} query names {sorted(missing)}, which the platform's CloudTrail "
        "table (policies/athena.py) does not declare: Athena would refuse it"
    )


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: f"{q.kind}-{len(q.services)}")
def test_every_query_filters_on_all_three_partition_keys(question: Question) -> None:
    """Partition projection keeps a query to the window's days only when it names them; the
    platform projects ``region`` as injected, so a query without it is refused."""
    sql = question_sql(TABLE, SCOPE, WINDOW, question, [])
    named = {path[0] for path in _column_paths(sql)}
    assert set(PARTITION_KEYS) <= named, f"{question.kind} leaves out {set(PARTITION_KEYS) - named}"


def test_the_duckdb_stand_in_declares_only_platform_columns() -> None:
    """The tests run the SQL on a DuckDB table; it must be a subset of the real one, so an
    answer proven there is an answer of the table the platform creates."""
    import duckdb

    con = duckdb.connect()
    con.execute(DDL)
    declared = {row[0].lower() for row in con.execute(f"DESCRIBE {TABLE}").fetchall()}
    top = {path[0] for path in _platform_paths()}
    assert len(declared) > 20 and declared <= top, sorted(declared - top)
