"""``secretctl audit``: reads, unused, denied, writes, from CloudTrail (docs/audit.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from secretctl.cmd.common import global_options, json_option, preserve_case_option, warn

COLUMNS = {  # question -> (table header, JSON field) pairs
    "reads": [
        ("Parameter", "parameter"),
        ("Principal", "principal"),
        ("LastRead", "last_read"),
        ("Reads", "reads"),
    ],
    "unused": [
        ("Parameter", "parameter"),
        ("LastModified", "last_modified"),
        ("ModifiedBy", "modified_by"),
    ],
    "denied": [
        ("Time", "time"),
        ("Principal", "principal"),
        ("Action", "action"),
        ("Target", "target"),
        ("Error", "error"),
    ],
    "writes": [
        ("Time", "time"),
        ("Principal", "principal"),
        ("Action", "action"),
        ("Parameter", "parameter"),
    ],
}
TIME_FIELDS = {"last_read", "last_modified", "time"}


def audit_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every audit question takes."""
    for option in reversed(
        [
            click.option(
                "--since",
                metavar="WHEN",
                help="Start of the window: a duration (90m, 36h, 7d) or an ISO date or "
                "date-time, UTC when no zone. Default: 7 days ago (unused: 90).",
            ),
            click.option(
                "--until", metavar="WHEN", help="End of the window (excluded). Default: now."
            ),
            click.option(
                "--source",
                default="lookup",
                show_default=True,
                envvar="SECRETCTL_AUDIT_SOURCE",
                metavar="lookup|s3://BUCKET[/PREFIX]|DIR|athena",
                help="Where the events come from. Env: SECRETCTL_AUDIT_SOURCE.",
            ),
            click.option(
                "--account",
                metavar="ID",
                help="Account whose logs to read (s3://, DIR, athena). Default: the caller's.",
            ),
            click.option(
                "--region",
                metavar="REGION",
                help="Region whose parameters and logs to audit. Default: the configured one.",
            ),
            click.option(
                "--athena-table",
                metavar="DB.TABLE",
                envvar="SECRETCTL_AUDIT_ATHENA_TABLE",
                help=(
                    "The CloudTrail table (the platform's auditAthenaTable export). "
                    "Env: SECRETCTL_AUDIT_ATHENA_TABLE."
                ),
            ),
            click.option(
                "--athena-workgroup",
                metavar="WG",
                envvar="SECRETCTL_AUDIT_ATHENA_WORKGROUP",
                help=(
                    "The workgroup (the platform's auditAthenaWorkgroup export). "
                    "Env: SECRETCTL_AUDIT_ATHENA_WORKGROUP."
                ),
            ),
            json_option,
            preserve_case_option,
            click.pass_context,
        ]
    ):
        command = option(command)
    return command


def _run(
    ctx: click.Context,
    kind: str,
    services: tuple[str, ...],
    key: str | None,
    options: dict[str, Any],
) -> None:
    from secretctl.audit.answers import Question
    from secretctl.audit.progress import Progress
    from secretctl.audit.run import INCOMPLETE_STATUS, AuditRequest, run_audit
    from secretctl.audit.window import DEFAULT_DAYS, UNUSED_DEFAULT_DAYS, parse_window
    from secretctl.naming import normalize_key, normalize_service
    from secretctl.output import format_table, to_json

    preserve = options["preserve_case"]
    question = Question(
        kind,
        tuple(_audited_service(normalize_service(s, preserve), s) for s in services),
        normalize_key(key, preserve) if key is not None else None,
    )
    window = parse_window(
        options["since"],
        options["until"],
        default_days=UNUSED_DEFAULT_DAYS if kind == "unused" else DEFAULT_DAYS,
    )
    request = AuditRequest(
        question,
        window,
        options["source"],
        options["account"],
        options["region"],
        options["athena_table"],
        options["athena_workgroup"],
        global_options(ctx).retries,
    )
    result = run_audit(request, Progress())
    for note in result.notes:
        warn(note)
    if options["as_json"]:
        click.echo(to_json(result.rows))
    elif result.rows:
        columns = COLUMNS[kind]
        table = [[_cell(field, row[field]) for _, field in columns] for row in result.rows]
        click.echo(format_table([header for header, _ in columns], table))
    else:
        warn(f"no {kind} found between {window.since_text} and {window.until_text}")
    if result.incomplete:  # the last line, and a status scripts that delete cannot miss
        warn(result.incomplete)
        ctx.exit(INCOMPLETE_STATUS)


def _audited_service(stored: str, typed: str) -> str:
    """A service the audit can be about: not one whose names SSM reserves."""
    from secretctl.errors import UsageError
    from secretctl.naming import SSM_RESERVED_PREFIXES

    if stored.lower().startswith(SSM_RESERVED_PREFIXES):
        raise UsageError(
            f"invalid service name {typed!r}: SSM reserves names that begin with 'aws' or "
            "'ssm' (in any case), so no secretctl secret is there"
        )
    return stored


def _cell(field: str, value: Any) -> str:
    text = str(value)
    if field in TIME_FIELDS and text.endswith("Z"):
        return text[:-1].replace("T", " ")
    return text


@click.group("audit")
def audit_group() -> None:
    """Who read, changed or was refused secrets, and which are unused, from CloudTrail."""


@audit_group.command("reads")
@click.argument("service")
@click.argument("key", required=False)
@audit_options
def reads_cmd(ctx: click.Context, service: str, key: str | None, **options: Any) -> None:
    """Who read SERVICE's secrets (or KEY) and when: one row per parameter and principal."""
    _run(ctx, "reads", (service,), key, options)


@audit_group.command("unused")
@click.argument("services", nargs=-1)
@audit_options
def unused_cmd(ctx: click.Context, services: tuple[str, ...], **options: Any) -> None:
    """Secrets that exist and that nothing read in the window (default 90 days). No SERVICE:
    every service."""
    _run(ctx, "unused", services, None, options)


@audit_group.command("denied")
@click.argument("services", nargs=-1)
@audit_options
def denied_cmd(ctx: click.Context, services: tuple[str, ...], **options: Any) -> None:
    """Refused attempts on secrets or on the secrets key."""
    _run(ctx, "denied", services, None, options)


@audit_group.command("writes")
@click.argument("service")
@click.argument("key", required=False)
@audit_options
def writes_cmd(ctx: click.Context, service: str, key: str | None, **options: Any) -> None:
    """Who created, changed, labelled, tagged or deleted SERVICE's secrets (or KEY)."""
    _run(ctx, "writes", (service,), key, options)
