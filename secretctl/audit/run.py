"""One audit, from the command's options to the answer's rows: which source, which scope,
what exists now, then the rules. The function commands and tests call."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from secretctl.audit.answers import Existing, Question, answer, relevant, unused_from_reads
from secretctl.audit.progress import Progress
from secretctl.audit.rules import Fact, Scope, classify, path_covers, sources_for
from secretctl.audit.window import Window
from secretctl.errors import UsageError

LOOKUP_DAYS = 90
LOOKUP_SLACK = timedelta(minutes=5)
SOURCE_HINT = "use lookup, athena, s3://BUCKET[/PREFIX] or a directory of CloudTrail log files"


@dataclass(frozen=True)
class AuditRequest:
    question: Question
    window: Window
    source: str = "lookup"
    account: str | None = None
    region: str | None = None
    athena_table: str | None = None
    athena_workgroup: str | None = None
    retries: int | None = None


@dataclass
class AuditResult:
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)  # for stderr: skipped files, empty windows
    # why an `unused` answer is incomplete ("" when it is not): some log files of the window
    # could not be read, so a secret read only in them is listed (exit INCOMPLETE_STATUS)
    incomplete: str = ""


INCOMPLETE_STATUS = 3


def source_kind(request: AuditRequest) -> str:
    """``lookup``, ``athena``, ``s3`` or ``dir``; bad input is refused before any AWS call."""
    if request.account is not None and not re.fullmatch(r"[0-9]{12}", request.account):
        raise UsageError(f"invalid --account {request.account!r}: an AWS account id is 12 digits")
    source = request.source
    if source == "lookup":
        return "lookup"
    if source == "athena":
        from secretctl.audit.sql import table_name

        if not request.athena_table or not request.athena_workgroup:
            raise UsageError(
                "--source athena needs --athena-table DB.TABLE and --athena-workgroup WG "
                "(or SECRETCTL_AUDIT_ATHENA_TABLE and SECRETCTL_AUDIT_ATHENA_WORKGROUP)"
            )
        table_name(request.athena_table)
        return "athena"
    if source.startswith("s3://"):
        from secretctl.audit.logfiles import S3Location

        S3Location.parse(source)
        return "s3"
    if Path(source).is_dir():
        return "dir"
    if Path(source).exists():
        raise UsageError(f"--source {source}: not a directory; {SOURCE_HINT}")
    raise UsageError(f"unknown --source {source!r}: {SOURCE_HINT}")


def run_audit(request: AuditRequest, progress: Progress | None = None) -> AuditResult:
    from secretctl.audit.aws import Aws
    from secretctl.kms import resolve_kms_key

    kind = source_kind(request)
    if kind in ("s3", "dir"):
        from secretctl.audit import scan  # noqa: F401 - the extra's message before any AWS call
    progress = progress or Progress(enabled=False)
    question, window = request.question, request.window
    aws = Aws(request.region, request.retries)
    account = request.account or aws.account()
    if kind == "lookup" and request.account:
        caller = aws.account()
        if caller != request.account:
            raise UsageError(
                f"--account {request.account} with --source lookup: LookupEvents sees only the "
                f"caller's account ({caller}); read another account's trail with "
                "--source s3://BUCKET, a directory or --source athena"
            )
    result = AuditResult([])
    key_ids: frozenset[str] = frozenset()
    if question.kind == "denied":
        configured = resolve_kms_key(os.environ)
        key_ids, known = aws.secrets_key_ids(configured, account)
        if request.account and not known:
            result.notes.append(
                f"note: --account {account}: its secrets key ({configured}) could not be "
                "described with the caller's credentials (kms:DescribeKey): a KMS refusal "
                "counts only when it names the key by its alias or carries a PARAMETER_ARN "
                f"context of that account; set SECRETCTL_KMS_KEY to account {account}'s key "
                "ARN to count the others"
            )
    scope = Scope(account, aws.region, window.since_text, window.until_text, key_ids)
    existing: list[Existing] = []
    if question.kind in ("reads", "unused"):
        if _caller_lists(aws, request):
            existing = aws.existing(question.services)
        else:  # reads: path reads count for the parameters the window's events name
            result.notes.append(
                f"note: --account {account} is not the caller's: path reads "
                "(GetParametersByPath) count only for parameters named in the window's events "
                "(SSM lists the caller's parameters, not that account's)"
            )
    try:
        if kind == "athena":
            result.rows = _athena(aws, request, scope, existing, result, progress)
            return result
        if kind == "lookup":
            facts: list[Fact] | None = _lookup(aws, request, scope, result, progress)
        else:
            facts = _files(aws, kind, request, scope, result, progress)
    finally:
        progress.done()
    if facts is None:  # not one log file was read: no evidence of anything
        if question.kind == "unused":
            result.notes.append(
                "note: no log file was read: no secret is reported unused without the events "
                "to prove it"
            )
            return result
        facts = []
    result.rows = answer(question, facts, existing)
    return result


def _caller_lists(aws: Any, request: AuditRequest) -> bool:
    """Whether SSM's list of the parameters that exist (the caller's credentials) is of the
    audited account. ``unused`` for another account is refused: it would list the caller's
    secrets as unread in that account's trail."""
    if request.account is None:
        return True
    caller = aws.account()
    if caller == request.account:
        return True
    if request.question.kind == "unused":
        raise UsageError(
            f"--account {request.account} with audit unused: the secrets that exist are listed "
            f"from SSM in the caller's account ({caller}); run it with credentials for account "
            f"{request.account}"
        )
    return False


def _lookup(
    aws: Any, request: AuditRequest, scope: Scope, result: AuditResult, progress: Progress
) -> list[Fact]:
    from datetime import datetime, timezone

    from secretctl.audit.lookup import lookup_records

    window = request.window
    note = lookup_note(window.since, datetime.now(timezone.utc))
    if note and request.question.kind == "unused":
        result.incomplete = (
            f"warning: the answer is incomplete: LookupEvents holds the last {LOOKUP_DAYS} "
            "days only, and a secret read only before them is listed as unused; use --source "
            f"s3://BUCKET or --source athena (exit status {INCOMPLETE_STATUS})"
        )
    elif note:
        result.notes.append(note)
    pages = [0, 0]

    def on_page(events: int) -> None:
        pages[0] += 1
        pages[1] += events
        progress.pages(pages[0], pages[1])

    facts = []
    retries = aws.retries
    sources = sources_for(request.question.kind)
    records = lookup_records(
        aws, window.since, window.until, retries, on_page=on_page, sources=sources
    )
    for record in records:
        facts.extend(f for f in classify(record, scope) if relevant(f, request.question))
    return facts


def lookup_note(since: datetime, now: datetime) -> str | None:
    """The note for a window that starts before LookupEvents' reach. A window that starts
    within a few minutes of it (``unused``'s default 90 days, measured when the command
    started) gets none."""
    if since >= now - timedelta(days=LOOKUP_DAYS) - LOOKUP_SLACK:
        return None
    return (
        f"note: LookupEvents holds the last {LOOKUP_DAYS} days only; for older events use "
        "--source s3://BUCKET (the trail's log files) or --source athena"
    )


def _files(
    aws: Any,
    kind: str,
    request: AuditRequest,
    scope: Scope,
    result: AuditResult,
    progress: Progress,
) -> list[Fact] | None:
    """The facts of the window's log files; None when not one file could be read."""
    from secretctl.audit import logfiles, scan

    window = request.window
    if kind == "dir":
        root = Path(request.source)
        refs: list[Any] = logfiles.local_files(root, scope.account, scope.region, window)
        where = str(root)
        make_fetch: Any = scan.local_fetch
        threads = 1
    else:
        location = logfiles.S3Location.parse(request.source)
        refs = logfiles.s3_files(aws, location, scope.account, scope.region, window)
        where = str(location)
        make_fetch = logfiles.s3_fetch_factory(location.bucket, aws.region, request.retries)
        threads = scan.FETCH_THREADS
    if not refs:
        result.notes.append(
            f"note: no CloudTrail log files for account {scope.account}, region {scope.region} "
            f"between {scope.since} and {scope.until} under {where}"
        )
        return None
    scanned = scan.scan(
        refs, make_fetch, scope, request.question, threads=threads, on_progress=progress.files
    )
    result.notes.extend(f"warning: {w}" for w in scanned.warnings)
    if not scanned.files:
        return None
    if scanned.warnings and request.question.kind == "unused":
        result.incomplete = (
            f"warning: the answer is incomplete: {len(scanned.warnings)} of {len(refs)} log "
            "files could not be read, and a secret read only in them is listed as unused "
            f"(exit status {INCOMPLETE_STATUS})"
        )
    return scanned.facts


def _athena(
    aws: Any,
    request: AuditRequest,
    scope: Scope,
    existing: list[Existing],
    result: AuditResult,
    progress: Progress,
) -> list[dict[str, Any]]:
    from secretctl.audit.athena import run_query
    from secretctl.audit.sql import question_sql

    question = request.question
    assert request.athena_table and request.athena_workgroup
    sql = question_sql(
        request.athena_table, scope, request.window, question, [e.name for e in existing]
    )
    scanned = [0]

    def on_poll(state: str, stats: dict[str, Any]) -> None:
        scanned[0] = int(stats.get("DataScannedInBytes") or 0)
        progress.show(f"audit: Athena query {state.lower()}, {scanned[0] / 1e6:,.1f} MB scanned")

    rows = run_query(aws.client("athena"), sql, request.athena_workgroup, on_poll=on_poll)
    if question.kind == "unused" and not scanned[0]:
        # no log file under the table's partitions for this account, region and days
        result.notes.append(
            f"note: Athena scanned no data for account {scope.account}, region {scope.region} "
            f"between {scope.since} and {scope.until}: no secret is reported unused without "
            "the events to prove it"
        )
        return []
    return athena_answer(question, rows, existing)


def athena_answer(
    question: Question, rows: list[dict[str, Any]], existing: list[Existing]
) -> list[dict[str, Any]]:
    """Athena's text cells in the ``--json`` shapes and orders of the local engine."""
    if question.kind == "unused":
        read = {r["subject"] for r in rows if r["kind"] == "read"}
        paths = [
            (r["subject"] or "", r["recursive"] == "true") for r in rows if r["kind"] == "path"
        ]
        read |= {
            e.name
            for e in existing
            if any(path_covers(p, recursive, e.name) for p, recursive in paths)
        }
        return unused_from_reads(read, existing)
    if question.kind == "reads":
        shaped = [
            {
                "parameter": r["parameter"],
                "principal": r["principal"],
                "last_read": r["last_read"],
                "reads": int(r["reads"] or 0),
            }
            for r in rows
        ]
        return sorted(shaped, key=lambda r: (r["parameter"], r["principal"]))
    if question.kind == "writes":
        shaped = [{k: r[k] for k in ("time", "principal", "action", "parameter")} for r in rows]
        return sorted(
            shaped, key=lambda r: (r["time"], r["parameter"], r["principal"], r["action"])
        )
    shaped = [{k: r[k] for k in ("time", "principal", "action", "target", "error")} for r in rows]
    return sorted(shaped, key=lambda r: (r["time"], r["principal"], r["action"], r["target"]))
