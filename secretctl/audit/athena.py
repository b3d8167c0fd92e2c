"""The ``athena`` source: the question as SQL (``audit/sql.py``) run by Athena in a workgroup.

StartQueryExecution, then GetQueryExecution until the query leaves QUEUED/RUNNING (waits
growing from 0.2 s to 2 s), then GetQueryResults page by page (the first row of the first
page is the header). A failed or cancelled query is one line with Athena's reason; an
interrupt (Ctrl-C) stops the query before secretctl exits, so it is not billed to the end."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from secretctl.audit.aws import aws_errors
from secretctl.errors import AwsError

RUNNING_STATES = {"QUEUED", "RUNNING"}
FIRST_WAIT = 0.2
MAX_WAIT = 2.0
PAGE_SIZE = 1000  # the most GetQueryResults returns


def run_query(
    client: Any,
    sql: str,
    workgroup: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_poll: Callable[[str, dict[str, Any]], None] | None = None,
) -> list[dict[str, str | None]]:
    """Run ``sql`` in ``workgroup``; the result rows as dicts of column name to text."""
    with aws_errors("athena:StartQueryExecution", f"workgroup {workgroup}"):
        query_id = client.start_query_execution(QueryString=sql, WorkGroup=workgroup)[
            "QueryExecutionId"
        ]
    try:
        wait_for(client, query_id, sleep, on_poll)
    except BaseException:
        _stop(client, query_id)
        raise
    return list(result_rows(client, query_id))


def _stop(client: Any, query_id: str) -> None:
    try:
        client.stop_query_execution(QueryExecutionId=query_id)
    except Exception:  # best effort: the original error is what the user must see
        pass


def wait_for(
    client: Any,
    query_id: str,
    sleep: Callable[[float], None] = time.sleep,
    on_poll: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Poll until the query is done; its QueryExecution. FAILED/CANCELLED raise AwsError."""
    wait = FIRST_WAIT
    while True:
        with aws_errors("athena:GetQueryExecution", f"query {query_id}"):
            execution = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        status = execution.get("Status", {})
        state = status.get("State", "")
        if on_poll:
            on_poll(state, execution.get("Statistics", {}))
        if state == "SUCCEEDED":
            return execution  # type: ignore[no-any-return]
        if state not in RUNNING_STATES:
            reason = status.get("StateChangeReason") or "no reason given"
            what = "was cancelled" if state == "CANCELLED" else f"ended {state}"
            raise AwsError(f"Athena query {query_id} {what}: {' '.join(reason.split())}")
        sleep(wait)
        wait = min(MAX_WAIT, wait * 1.5)


def result_rows(client: Any, query_id: str) -> Iterator[dict[str, str | None]]:
    """Every result row, page by page, keyed by column name (the header row skipped)."""
    args: dict[str, Any] = {"QueryExecutionId": query_id, "MaxResults": PAGE_SIZE}
    columns: list[str] | None = None
    first = True
    while True:
        with aws_errors("athena:GetQueryResults", f"query {query_id}"):
            page = client.get_query_results(**args)
        result = page.get("ResultSet", {})
        if columns is None:
            info = result.get("ResultSetMetadata", {}).get("ColumnInfo", [])
            columns = [c["Name"] for c in info]
        rows = result.get("Rows", [])
        for index, row in enumerate(rows):
            values = [cell.get("VarCharValue") for cell in row.get("Data", [])]
            if first and index == 0 and values == columns:
                continue  # the header row
            yield dict(zip(columns, values, strict=False))
        first = False
        token = page.get("NextToken")
        if not token:
            return
        args["NextToken"] = token
