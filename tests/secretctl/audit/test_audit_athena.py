"""The Athena source: the SQL parses as Trino, and the protocol (StartQueryExecution, polling
GetQueryExecution, paging GetQueryResults, failure, cancellation) against moto, which does not
run SQL but returns seeded results."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import sqlglot
from moto import mock_aws
from moto.athena.models import QueryResults, athena_backends
from moto.moto_api import state_manager

from devtools.cloudtrail_events import ACCOUNT, REGION
from secretctl.audit.answers import Question
from secretctl.audit.athena import run_query
from secretctl.audit.sql import question_sql
from secretctl.errors import AwsError
from tests.secretctl.audit.support import SCOPE, TABLE, WINDOW

QUESTIONS = [
    Question("reads", ("api",)),
    Question("reads", ("api", "team/api"), "db_url"),
    Question("unused", ()),
    Question("denied", ()),
    Question("denied", ("api", "billing")),
    Question("writes", ("api",), "k"),
]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: f"{q.kind}-{len(q.services)}")
def test_sql_is_valid_trino(question: Question) -> None:
    sql = question_sql(TABLE, SCOPE, WINDOW, question, ["/api/db_url", "/api/o'brien"])
    parsed = sqlglot.parse_one(sql, read="trino", error_level=sqlglot.ErrorLevel.RAISE)
    assert parsed.find(sqlglot.exp.Select) is not None
    # partition projection keeps the scan to the window's days, account and region
    assert "\"account\" = '123456789012'" in sql and "\"region\" = 'us-east-1'" in sql
    assert "\"timestamp\" BETWEEN '2026/03/01' AND '2026/03/08'" in sql
    assert "'/api/o''brien'" in sql or question.kind != "reads"


def test_sql_syntax_errors_are_caught() -> None:
    """The check can fail: a broken query is refused by the Trino parser."""
    sql = question_sql(TABLE, SCOPE, WINDOW, QUESTIONS[0]).replace("GROUP BY", "GROUP")
    with pytest.raises(sqlglot.errors.ParseError):
        sqlglot.parse_one(sql, read="trino", error_level=sqlglot.ErrorLevel.RAISE)


@pytest.fixture
def athena() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("athena", region_name=REGION)
        client.create_work_group(
            Name="audit",
            Configuration={"ResultConfiguration": {"OutputLocation": "s3://results/audit/"}},
        )
        yield client
    state_manager.unset_transition("athena::execution")


def backend() -> Any:
    return athena_backends[ACCOUNT][REGION]


def seed(rows: list[list[str]], columns: list[str]) -> None:
    header = {"Data": [{"VarCharValue": c} for c in columns]}
    data = [{"Data": [{"VarCharValue": v} for v in row]} for row in rows]
    info = [{"Name": c, "Type": "varchar"} for c in columns]
    backend().query_results_queue.append(QueryResults([header, *data], info))


@pytest.fixture
def paged(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Teach moto to page GetQueryResults (it returns everything at once) by MaxResults and
    NextToken, as Athena does; records the page sizes served."""
    import json

    from moto.athena.responses import AthenaResponse

    served: list[int] = []
    original = AthenaResponse.get_query_results

    def get_query_results(self: Any) -> str:
        full = json.loads(original(self))
        rows = full["ResultSet"]["Rows"]
        size = int(self._get_param("MaxResults") or 1000)
        start = int(self._get_param("NextToken") or 0)
        full["ResultSet"]["Rows"] = rows[start : start + size]
        if start + size < len(rows):
            full["NextToken"] = str(start + size)
        served.append(len(full["ResultSet"]["Rows"]))
        return json.dumps(full)

    monkeypatch.setattr(AthenaResponse, "get_query_results", get_query_results)
    monkeypatch.setattr("secretctl.audit.athena.PAGE_SIZE", 2)
    return served


def test_polls_until_done_then_pages(athena: Any, paged: list[int]) -> None:
    state_manager.set_transition("athena::execution", {"progression": "manual", "times": 2})
    seed(
        [
            ["/api/a", "role", "2026-03-02T00:00:00Z", "3"],
            ["/api/b", "role", "2026-03-03T00:00:00Z", "1"],
            ["/api/c", "user", "2026-03-04T00:00:00Z", "0"],
        ],
        ["parameter", "principal", "last_read", "reads"],
    )
    states: list[str] = []
    rows = run_query(
        athena,
        "SELECT 1",
        "audit",
        sleep=lambda s: None,
        on_poll=lambda state, stats: states.append(state),
    )
    assert [r["parameter"] for r in rows] == ["/api/a", "/api/b", "/api/c"]
    assert rows[0] == {
        "parameter": "/api/a",
        "principal": "role",
        "last_read": "2026-03-02T00:00:00Z",
        "reads": "3",
    }
    assert states[0] == "QUEUED" and states[-1] == "SUCCEEDED" and "RUNNING" in states
    assert paged == [2, 2], "the header and three rows came in pages of two"
    (execution,) = backend().executions.values()
    assert execution.workgroup is not None and execution.workgroup.name == "audit"


def test_failed_query_is_one_line(athena: Any) -> None:
    state_manager.set_transition("athena::execution", {"progression": "manual", "times": 99})

    def fail(_: float) -> None:
        for execution in backend().executions.values():
            execution.status = "FAILED"

    with pytest.raises(AwsError, match=r"Athena query .* ended FAILED"):
        run_query(athena, "SELECT 1", "audit", sleep=fail)


def test_cancelled_by_someone_else(athena: Any) -> None:
    state_manager.set_transition("athena::execution", {"progression": "manual", "times": 99})

    def cancel(_: float) -> None:
        for query_id in backend().executions:
            athena.stop_query_execution(QueryExecutionId=query_id)

    with pytest.raises(AwsError, match="was cancelled"):
        run_query(athena, "SELECT 1", "audit", sleep=cancel)


def test_interrupt_stops_the_query(athena: Any) -> None:
    state_manager.set_transition("athena::execution", {"progression": "manual", "times": 99})

    def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_query(athena, "SELECT 1", "audit", sleep=interrupted)
    (execution,) = backend().executions.values()
    assert execution.status == "CANCELLED", "Ctrl-C stops the query (StopQueryExecution)"


def test_an_unknown_workgroup_says_why_in_one_line(athena: Any) -> None:
    """Athena answers InvalidRequestException for many things (no such workgroup, no result
    location, a query too long): its own message is what tells the user how to fix it."""
    with pytest.raises(AwsError) as caught:
        run_query(athena, "SELECT 1", "no-such-workgroup", sleep=lambda s: None)
    message = str(caught.value)
    assert "athena:StartQueryExecution on workgroup no-such-workgroup" in message
    assert "InvalidRequestException" in message and "WorkGroup does not exist" in message
    assert "\n" not in message


def test_the_unused_query_does_not_grow_with_the_parameters() -> None:
    """Athena refuses a query over 262,144 bytes (StartQueryExecution's QueryString limit).
    ``unused`` of every service lists every parameter of the account: naming them in the SQL
    broke at about 7,700 parameters (Parameter Store holds 10,000 standard ones, 100,000
    advanced). The query asks for the reads and the paths read; coverage is computed here."""
    names = [f"/svc{i % 300:03d}/a_fairly_long_key_name_{i:06d}" for i in range(100_000)]
    sql = question_sql(TABLE, SCOPE, WINDOW, Question("unused", ()), names)
    assert sql == question_sql(TABLE, SCOPE, WINDOW, Question("unused", ()), [])
    assert len(sql.encode()) < 262_144
    sqlglot.parse_one(sql, read="trino", error_level=sqlglot.ErrorLevel.RAISE)


class _Athena:
    """Athena answering one query at once, with ``scanned`` bytes and ``rows``."""

    def __init__(self, scanned: int, rows: list[list[str]]) -> None:
        self.scanned = scanned
        self.rows = rows

    def start_query_execution(self, **_: Any) -> dict[str, Any]:
        return {"QueryExecutionId": "q1"}

    def get_query_execution(self, **_: Any) -> dict[str, Any]:
        return {
            "QueryExecution": {
                "Status": {"State": "SUCCEEDED"},
                "Statistics": {"DataScannedInBytes": self.scanned},
            }
        }

    def get_query_results(self, **_: Any) -> dict[str, Any]:
        columns = ["kind", "subject", "recursive"]
        data = [columns, *self.rows]
        return {
            "ResultSet": {
                "ResultSetMetadata": {"ColumnInfo": [{"Name": c} for c in columns]},
                "Rows": [{"Data": [{"VarCharValue": v} for v in row]} for row in data],
            }
        }


class _Aws:
    def __init__(self, athena: _Athena) -> None:
        self.athena = athena

    def client(self, service: str) -> Any:
        return self.athena


@pytest.mark.parametrize(("scanned", "listed"), [(0, []), (2_000_000, ["/api/token"])])
def test_unused_on_athena_needs_data_scanned(scanned: int, listed: list[str]) -> None:
    """A query that scanned nothing (no log files for that account, region or days: the
    trail writes elsewhere) proves nothing: ``unused`` lists no secret, not every one."""
    from secretctl.audit.progress import Progress
    from secretctl.audit.run import AuditRequest, AuditResult, _athena
    from tests.secretctl.audit.support import existing

    request = AuditRequest(
        Question("unused", ("api",)), WINDOW, "athena", None, None, TABLE, "audit"
    )
    result = AuditResult([])
    athena = _Athena(scanned, [["read", "/api/db_url", "false"]])
    rows = _athena(
        _Aws(athena), request, SCOPE, existing("/api/db_url", "/api/token"), result, Progress()
    )
    assert [r["parameter"] for r in rows] == listed
    assert any("Athena scanned no data" in n for n in result.notes) == (scanned == 0)
