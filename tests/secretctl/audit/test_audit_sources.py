"""``secretctl audit`` end to end, in a subprocess over HTTP: the same questions over
``lookup`` (the local LookupEvents endpoint), ``s3://`` (moto, an organisation trail), a
directory, and the Athena SQL (run on DuckDB) give the same answers; and the bad inputs."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from devtools.cloudtrail_events import (
    ACCOUNT,
    ORG_ID,
    OTHER_ACCOUNT,
    REGION,
    LogWriter,
    TrailLayout,
    assumed_role,
    decrypt,
    delete_parameter,
    delete_parameters,
    event,
    get_parameter,
    get_parameters,
    get_parameters_by_path,
    iam_user,
    key_arn,
    kms,
    parameter_arn,
    put_parameter,
    root,
    upload_tree,
)
from devtools.cloudtrail_lookup import lookup_server
from secretctl.audit.answers import Existing, Question
from secretctl.audit.rules import Scope
from secretctl.audit.window import Window, cloudtrail_time
from tests.secretctl.audit.support import athena_answer_on_duckdb
from tests.secretctl.conftest import Run

DAY = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
SINCE = DAY - timedelta(days=3)
UNTIL = DAY - timedelta(days=1)
WINDOW_ARGS = ["--since", cloudtrail_time(SINCE), "--until", cloudtrail_time(UNTIL)]
BUCKET = "trail-bucket"
TASK = assumed_role("api-task", "t1", path="/ecs/")
ALICE = iam_user("alice")
INCOMPLETE = 3  # the exit status of an `unused` answer that some log files are missing from


def moto_client(service: str, aws_env: dict[str, str]) -> Any:
    return boto3.client(
        service,
        endpoint_url=aws_env["AWS_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def scenario() -> tuple[list[dict[str, Any]], list[str]]:
    """Records inside and around the window, and the ids delivered twice."""
    rng = random.Random(3)

    def t(hours: float) -> datetime:
        return SINCE + timedelta(hours=hours)

    records = [
        get_parameters_by_path(t(1), TASK, "/api/", rng=rng),
        get_parameters_by_path(t(1), TASK, "/api/", next_token="AAE=", rng=rng),
        decrypt(t(1), TASK, parameter_arn("/api/db_url"), rng=rng),
        decrypt(t(2), ALICE, parameter_arn("/api/token"), rng=rng),  # no SSM read by alice
        get_parameter(t(5), ALICE, parameter_arn("/api/db_url") + ":live", rng=rng),
        get_parameters(t(6), root(), ["/api/token", "/billing/key"], rng=rng),
        put_parameter(t(7), ALICE, "/api/new_key", rng=rng),
        delete_parameter(t(8), ALICE, "/api/old_key", rng=rng),
        get_parameter(
            t(9), iam_user("mallory"), "/billing/key", denied=parameter_arn("/billing/key"), rng=rng
        ),
        kms(
            "Decrypt",
            t(10),
            iam_user("mallory"),
            parameter=parameter_arn("/api/db_url"),
            denied=True,
            rng=rng,
        ),
        get_parameter(
            SINCE + timedelta(days=1, hours=23, minutes=58), ALICE, "/billing/key", rng=rng
        ),  # delivered into the next day's folder
        get_parameter(  # a name SSM reserves: no secretctl service's
            t(11),
            iam_user("mallory"),
            "/aws/reference/secretsmanager/prod-db",
            denied=parameter_arn("/aws/reference/secretsmanager/prod-db"),
            rng=rng,
        ),
        get_parameters_by_path(
            t(11), iam_user("mallory"), "/_chamber/", denied=parameter_arn("/_chamber"), rng=rng
        ),
        get_parameter(SINCE - timedelta(minutes=1), ALICE, "/api/unused", rng=rng),  # before
        get_parameter(UNTIL, ALICE, "/api/unused", rng=rng),  # at until: excluded
        delete_parameters(  # /api/ghost did not exist: nothing was deleted, no write
            t(8.5), ALICE, ["/api/old_key2", "/api/ghost"], invalid=["/api/ghost"], rng=rng
        ),
        get_parameter(  # a web-identity session recorded without its sessionIssuer
            t(5.5), assumed_role("gha-deploy", "run-1", issuer=False), "/api/token", rng=rng
        ),
    ]
    # enough SSM traffic for several LookupEvents pages
    records += [
        event(
            "ssm.amazonaws.com",
            "UpdateInstanceInformation",
            t(12 + i / 60),
            TASK,
            {"instanceId": "i-0123456789abcdef0"},
            rng=rng,
        )
        for i in range(120)
    ]
    return records, [records[4]["eventID"], records[6]["eventID"]]


@pytest.fixture
def trail(tmp_path: Path, aws_env: dict[str, str]) -> Iterator[dict[str, Any]]:
    records, twice = scenario()
    plain = tmp_path / "synced"
    LogWriter(TrailLayout(plain)).write(records, duplicate=twice)
    (plain / "notes").mkdir()
    (plain / "notes" / "readme.json.gz").write_bytes(b"not gzip at all")
    org = tmp_path / "org"
    LogWriter(TrailLayout(org, prefix="trail", org_id=ORG_ID)).write(records, duplicate=twice)
    s3 = moto_client("s3", aws_env)
    s3.create_bucket(Bucket=BUCKET)
    upload_tree(s3, BUCKET, org)
    ssm = moto_client("ssm", aws_env)
    for name in (
        "/api/db_url",
        "/api/token",
        "/api/unused",
        "/billing/key",
        "/billing/spare",
        "/_chamber/x",
    ):
        ssm.put_parameter(Name=name, Value="v", Type="SecureString")
    present = [
        Existing(p["Name"], p["LastModifiedDate"], p.get("LastModifiedUser", ""))
        for p in ssm.describe_parameters()["Parameters"]
        if not p["Name"].startswith("/_chamber")
    ]
    with lookup_server(records) as (url, service):
        yield {
            "records": records,
            "dir": plain,
            "url": url,
            "service": service,
            "existing": present,
        }


QUESTIONS = [
    ("reads", ["api"]),
    ("reads", ["api", "db_url"]),
    ("unused", []),
    ("unused", ["billing"]),
    ("denied", []),
    ("writes", ["api"]),
    ("denied", ["billing"]),
]


def audit_json(
    run: Run, trail: dict[str, Any], source: str, *args: str, status: int = 0
) -> list[dict]:
    result = run(
        "audit",
        *args,
        *WINDOW_ARGS,
        "--source",
        source,
        "--json",
        env_extra={"AWS_ENDPOINT_URL_CLOUDTRAIL": trail["url"]},
        timeout=120,
    )
    assert result.returncode == status, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_same_answers_over_every_source(run: Run, trail: dict[str, Any]) -> None:
    scope = Scope(
        ACCOUNT,
        REGION,
        cloudtrail_time(SINCE),
        cloudtrail_time(UNTIL),
        frozenset({"alias/parameter_store_key"}),
    )
    for kind, services in QUESTIONS:
        answers = {
            source: audit_json(run, trail, source, kind, *services, status=status)
            for source, status in (
                ("lookup", 0),
                (f"s3://{BUCKET}/trail", 0),
                # the directory holds a file that is no log: unused's answer is incomplete
                (str(trail["dir"]), INCOMPLETE if kind == "unused" else 0),
            )
        }
        if kind in ("reads", "writes"):  # SERVICE [KEY]
            question = Question(kind, (services[0],), (services[1:] or [None])[0])
        else:
            question = Question(kind, tuple(services))
        answers["athena-sql"] = athena_answer_on_duckdb(
            trail["records"],
            question,
            [e for e in trail["existing"] if question.wants(e.name)],
            scope,
            Window(SINCE, UNTIL),
        )
        assert answers["lookup"], f"{kind} {services}: an empty answer proves nothing"
        for source, rows in answers.items():
            assert rows == answers["lookup"], f"{kind} {services}: {source} differs from lookup"
    reads = audit_json(run, trail, "lookup", "reads", "api")
    task = "arn:aws:iam::123456789012:role/ecs/api-task"
    assert [(r["parameter"], r["principal"], r["reads"]) for r in reads] == [
        ("/api/db_url", task, 1),  # the path read (its next page not counted), and a Decrypt
        ("/api/db_url", "arn:aws:iam::123456789012:user/alice", 1),  # by ARN with a label
        ("/api/new_key", task, 1),  # known from the write in the window
        ("/api/old_key", task, 1),  # known from the delete
        ("/api/old_key2", task, 1),  # known from the delete (not /api/ghost: never deleted)
        ("/api/token", task, 1),
        ("/api/token", "arn:aws:iam::123456789012:role/gha-deploy", 1),  # no sessionIssuer
        ("/api/token", "arn:aws:iam::123456789012:root", 1),
        ("/api/token", "arn:aws:iam::123456789012:user/alice", 0),  # a Decrypt alone
        ("/api/unused", task, 1),  # listed by SSM: the path read covers it
    ]
    writes = audit_json(run, trail, "lookup", "writes", "api")
    assert [(r["action"], r["parameter"]) for r in writes] == [
        ("PutParameter", "/api/new_key"),
        ("DeleteParameter", "/api/old_key"),
        ("DeleteParameters", "/api/old_key2"),
    ], "a DeleteParameters writes only what it deleted (not its invalidParameters)"
    unused = audit_json(run, trail, "lookup", "unused")
    assert [r["parameter"] for r in unused] == ["/billing/spare"]
    denied = audit_json(run, trail, "lookup", "denied")
    assert [r["target"][:13] for r in denied] == ["/billing/key", "arn:aws:kms:u"], (
        "no refusal on a name SSM reserves (/aws/...) or on /_chamber/ is a secretctl service's"
    )


def test_lookup_stays_under_two_requests_per_second(run: Run, trail: dict[str, Any]) -> None:
    audit_json(run, trail, "lookup", "denied")  # SSM's pages and KMS's
    service = trail["service"]
    assert len(service.times) >= 4, "several pages were asked for"
    assert service.max_per_second() <= 2
    assert service.throttled == 0


def test_lookup_asks_only_for_the_events_a_question_can_use(
    run: Run, trail: dict[str, Any]
) -> None:
    """``writes`` are SSM events only: paging through every KMS event of the window (in a
    busy account, most of CloudTrail's events) at 2 requests a second is time for nothing."""
    service = trail["service"]
    audit_json(run, trail, "lookup", "writes", "api")
    assert set(service.asked) == {("ssm.amazonaws.com",)}
    service.asked.clear()
    audit_json(run, trail, "lookup", "reads", "api")
    assert set(service.asked) == {("ssm.amazonaws.com",), ("kms.amazonaws.com",)}


def _writes_over_a_throttling_lookup(run: Run, *global_options: str) -> tuple[Any, Any]:
    """``audit writes api`` over a LookupEvents endpoint that allows 1 request a second."""
    records, _ = scenario()
    with lookup_server(records, limit=1) as (url, service):
        result = run(
            *global_options,
            "audit",
            "writes",
            "api",
            *WINDOW_ARGS,
            "--json",
            env_extra={"AWS_ENDPOINT_URL_CLOUDTRAIL": url},
            timeout=120,
        )
    return result, service


def test_lookup_retries_throttling(run: Run, aws_env: dict[str, str]) -> None:
    result, service = _writes_over_a_throttling_lookup(run)
    assert result.returncode == 0, result.stderr
    assert service.throttled >= 1, "the endpoint throttled (limit 1/s)"
    assert [r["action"] for r in json.loads(result.stdout)] == [
        "PutParameter",
        "DeleteParameter",
        "DeleteParameters",
    ]


def test_global_retries_reach_the_audit(run: Run, aws_env: dict[str, str]) -> None:
    """``secretctl -r 0 audit ...``: the global option (chamber's ``-r``) holds for the audit's
    own pacing too, so the first throttle is the answer."""
    result, service = _writes_over_a_throttling_lookup(run, "-r", "0")
    assert service.throttled == 1, "no retry after the throttle"
    assert result.returncode == 1
    assert "throttled" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_table_output_and_skipped_file_warning(run: Run, trail: dict[str, Any]) -> None:
    result = run("audit", "writes", "api", *WINDOW_ARGS, "--source", str(trail["dir"]))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Time", "Principal", "Action", "Parameter"]
    assert "PutParameter" in lines[1] and "/api/new_key" in lines[1]
    assert "readme.json.gz" in result.stderr and "skipped" in result.stderr
    assert "\r" not in result.stderr, "no progress when stderr is not a terminal"


def test_empty_bucket_is_an_empty_answer_with_a_note(run: Run, aws_env: dict[str, str]) -> None:
    s3 = moto_client("s3", aws_env)
    s3.create_bucket(Bucket="empty-trail")
    result = run("audit", "writes", "api", *WINDOW_ARGS, "--source", "s3://empty-trail", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert "no CloudTrail log files" in result.stderr and "s3://empty-trail" in result.stderr


def test_unused_without_a_log_file_read_lists_no_secret(
    run: Run, aws_env: dict[str, str], tmp_path: Path
) -> None:
    """``unused`` is the list of secrets to delete. A wrong prefix, region or directory, or
    files none of which could be read, prove nothing: no secret is listed (the empty result
    and note the issue asks for), not every secret."""
    moto_client("s3", aws_env).create_bucket(Bucket="empty-trail")
    moto_client("ssm", aws_env).put_parameter(Name="/api/db_url", Value="v", Type="SecureString")
    (tmp_path / "not-a-log.json").write_text("{}")
    for source in ("s3://empty-trail/wrong-prefix", str(tmp_path)):
        result = run("audit", "unused", *WINDOW_ARGS, "--source", source, "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == [], source
        assert "no log file was read: no secret is reported unused" in result.stderr, source


def test_unused_over_unreadable_files_is_a_distinct_exit_status(
    run: Run, trail: dict[str, Any]
) -> None:
    """``unused`` is the list of secrets to delete: when some log files of the window could
    not be read, a secret read only in them is listed. Scripts that delete what ``unused``
    lists must see that in the exit status (3), and people in the last line of stderr."""
    result = run(
        "audit", "unused", *WINDOW_ARGS, "--source", str(trail["dir"]), "--json", timeout=120
    )
    assert result.returncode == INCOMPLETE, result.stderr
    assert [r["parameter"] for r in json.loads(result.stdout)] == ["/billing/spare"]
    last = result.stderr.splitlines()[-1]
    assert "incomplete" in last and "1 of" in last and "log files could not be read" in last
    for kind, services in (("reads", ["api"]), ("writes", ["api"]), ("denied", [])):
        other = run(
            "audit", kind, *services, *WINDOW_ARGS, "--source", str(trail["dir"]), timeout=120
        )
        assert other.returncode == 0, f"{kind}: a skipped file is a warning ({other.stderr})"


def test_another_account_of_an_organisation_trail(
    run: Run, trail: dict[str, Any], aws_env: dict[str, str], tmp_path: Path
) -> None:
    """``--account`` reads that account's folder of an organisation trail, in s3:// and in a
    synced directory. The secrets that exist are listed from SSM with the caller's
    credentials, so ``unused`` for another account would list the caller's secrets as unread
    in the other account's trail: it is refused; ``reads`` does not mix the caller's
    parameters into the other account's answer."""
    other = assumed_role("api-task", "t9", account=OTHER_ACCOUNT)
    other_role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/api-task"
    records = [
        put_parameter(SINCE + timedelta(hours=2), other, "/api/theirs", account=OTHER_ACCOUNT),
        get_parameters_by_path(SINCE + timedelta(hours=3), other, "/api/", account=OTHER_ACCOUNT),
    ]
    org = tmp_path / "org-other"
    layout = TrailLayout(org, prefix="trail", org_id=ORG_ID, account=OTHER_ACCOUNT)
    LogWriter(layout).write(records)
    upload_tree(moto_client("s3", aws_env), BUCKET, org)
    for source in (f"s3://{BUCKET}/trail", str(org / "trail")):
        writes = audit_json(run, trail, source, "writes", "api", "--account", OTHER_ACCOUNT)
        assert [(r["parameter"], r["principal"]) for r in writes] == [
            ("/api/theirs", other_role)
        ], source
        reads = audit_json(run, trail, source, "reads", "api", "--account", OTHER_ACCOUNT)
        assert [(r["parameter"], r["principal"]) for r in reads] == [("/api/theirs", other_role)], (
            f"{source}: the caller's /api/db_url, /api/token are not the other account's"
        )
        result = run(
            "audit", "unused", *WINDOW_ARGS, "--source", source, "--account", OTHER_ACCOUNT
        )
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert f"--account {OTHER_ACCOUNT}" in result.stderr
        assert f"caller's account ({ACCOUNT})" in result.stderr


def test_denied_for_another_account_attributes_kms_refusals_to_its_own_key(
    run: Run, aws_env: dict[str, str], tmp_path: Path
) -> None:
    """With another ``--account``, the caller's secrets key (described with the caller's
    credentials) is not that account's: a KMS refusal counts when it names that account's
    secrets key by its alias (name or alias ARN in that account) or carries a PARAMETER_ARN
    of that account; one that names a key only by its ARN or id is not attributed (that
    account's key cannot be described with the caller's credentials), and a note says so."""
    client = moto_client("kms", aws_env)
    caller_key = client.create_key()["KeyMetadata"]["Arn"]
    client.create_alias(AliasName="alias/parameter_store_key", TargetKeyId=caller_key)
    mallory = iam_user("mallory", account=OTHER_ACCOUNT)
    alias_arn = f"arn:aws:kms:{REGION}:{OTHER_ACCOUNT}:alias/parameter_store_key"

    def refused(hours: int, **kw: Any) -> dict[str, Any]:
        return kms(
            "GenerateDataKey" if "key_id" in kw else "Decrypt",
            SINCE + timedelta(hours=hours),
            mallory,
            denied=True,
            account=OTHER_ACCOUNT,
            **kw,
        )

    records = [
        refused(1, key_id=caller_key),  # the caller's key: not the other account's
        refused(2, key_id=alias_arn),  # the other account's secrets key, by its alias ARN
        refused(3, key_id="alias/parameter_store_key"),  # by its alias name
        refused(4, parameter=parameter_arn("/api/x", account=OTHER_ACCOUNT)),
        refused(5),  # a key ARN only: whose key it is cannot be told
    ]
    records[0]["resources"][0]["ARN"] = caller_key
    records[0]["errorMessage"] = records[0]["errorMessage"].replace(
        key_arn(OTHER_ACCOUNT), caller_key
    )
    org = tmp_path / "org-other"
    LogWriter(TrailLayout(org, account=OTHER_ACCOUNT)).write(records)

    def denied(**env: str) -> tuple[list[str], str]:
        args = ["--source", str(org), "--account", OTHER_ACCOUNT, "--json"]
        result = run("audit", "denied", *WINDOW_ARGS, *args, env_extra=env, timeout=120)
        assert result.returncode == 0, result.stderr
        return [r["target"] for r in json.loads(result.stdout)], result.stderr

    targets, stderr = denied()
    assert targets == [alias_arn, "alias/parameter_store_key", key_arn(OTHER_ACCOUNT)], (
        "a KMS refusal for another account counts on that account's secrets key only"
    )
    assert f"--account {OTHER_ACCOUNT}" in stderr and "PARAMETER_ARN" in stderr, (
        "a note says which KMS refusals are not attributed for another account"
    )
    their_key = key_arn(OTHER_ACCOUNT)
    targets, stderr = denied(SECRETCTL_KMS_KEY=their_key)
    assert targets == [alias_arn, "alias/parameter_store_key", their_key, their_key], (
        "SECRETCTL_KMS_KEY set to that account's key ARN counts the refusals naming it"
    )
    assert "PARAMETER_ARN" not in stderr


def test_unused_over_lookup_beyond_its_90_days_is_incomplete(
    run: Run, trail: dict[str, Any]
) -> None:
    """LookupEvents holds 90 days: ``unused --since 120d`` over it cannot see a read 100 days
    ago, and would list that secret for deletion. It is the incomplete answer (exit 3, the
    last stderr line says why); the default 90 days is complete."""
    env = {"AWS_ENDPOINT_URL_CLOUDTRAIL": trail["url"]}
    result = run("audit", "unused", "--since", "120d", "--json", env_extra=env, timeout=120)
    assert result.returncode == INCOMPLETE, result.stderr
    last = result.stderr.splitlines()[-1]
    assert "incomplete" in last and "90 days" in last, last
    result = run("audit", "unused", "--json", env_extra=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "incomplete" not in result.stderr


class _Denying(BaseHTTPRequestHandler):
    """An S3 endpoint that refuses everything, as S3 does without s3:ListBucket; with
    ``listing`` (moto's URL) it lists the bucket as moto does and refuses every object, as S3
    does with s3:ListBucket but without s3:GetObject."""

    listing: str | None = None

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        import urllib.request

        status, body = (
            403,
            (
                b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                b"<Message>Access Denied</Message></Error>"
            ),
        )
        if self.listing and ("list-type=" in self.path or "delimiter=" in self.path):
            with urllib.request.urlopen(self.listing + self.path) as answer:  # noqa: S310
                status, body = 200, answer.read()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def audit_over_s3_stub(run: Run, listing: str | None, *args: str) -> Any:
    """``secretctl audit ARGS`` with S3 at a _Denying endpoint."""
    handler = type("Stub", (_Denying,), {"listing": listing})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        return run(
            "audit",
            *args,
            *WINDOW_ARGS,
            env_extra={"AWS_ENDPOINT_URL_S3": url, "SECRETCTL_RETRIES": "0"},
            timeout=120,
        )
    finally:
        server.shutdown()
        server.server_close()


def test_access_denied_on_the_bucket_is_one_line(run: Run, aws_env: dict[str, str]) -> None:
    result = audit_over_s3_stub(run, None, "writes", "api", "--source", "s3://locked-trail")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "secretctl: error: access denied: s3:ListBucket on bucket locked-trail "
        "(the caller's IAM policy does not allow it)"
    ]


def test_access_denied_on_the_log_files_is_one_line(
    run: Run, trail: dict[str, Any], aws_env: dict[str, str]
) -> None:
    result = audit_over_s3_stub(
        run, aws_env["AWS_ENDPOINT_URL"], "unused", "--source", f"s3://{BUCKET}/trail"
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"secretctl: error: access denied: s3:GetObject on s3://{BUCKET}/trail/AWSLogs/"
    ), lines[0]
    assert result.stdout == "", "no secret listed unused from logs that could not be read"


@pytest.mark.parametrize(
    "args",
    [
        ["reads", "aws"],
        ["writes", "aws/service", "key"],
        ["unused", "api", "SSM"],
        ["denied", "awsconfig"],
    ],
)
def test_a_service_ssm_reserves_is_bad_input(run: Run, args: list[str]) -> None:
    """Names that begin with aws or ssm are SSM's (public parameters, Secrets Manager
    references): no secretctl service can be there, so asking about one is a mistake."""
    result = run("audit", *args)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "SSM reserves names that begin with 'aws' or 'ssm'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "kafka"], "unknown --source 'kafka': use lookup, athena, s3://BUCKET"),
        (["--since", "7x"], "invalid --since '7x': use a duration (90m, 36h, 7d)"),
        (["--until", "2026-13-01"], "invalid --until '2026-13-01'"),
        (
            ["--since", "2026-03-02", "--until", "2026-03-01"],
            "--since (2026-03-02T00:00:00Z) must be before --until (2026-03-01T00:00:00Z)",
        ),
        (["--source", "athena"], "--source athena needs --athena-table DB.TABLE"),
        (
            ["--source", "athena", "--athena-table", "x;drop", "--athena-workgroup", "wg"],
            "invalid --athena-table 'x;drop'",
        ),
        (
            ["--source", "athena", "--athena-table", "cloudtrail", "--athena-workgroup", "wg"],
            "invalid --athena-table 'cloudtrail': use DATABASE.TABLE",
        ),
        (["--source", "s3://Bad_Bucket"], "not a valid bucket name"),
        (
            ["--source", "s3://trail/logs/AWSLogs/123456789012/CloudTrail/us-east-1/"],
            "--source s3://trail/logs/AWSLogs/123456789012/CloudTrail/us-east-1/: give the "
            "trail's bucket and prefix, the part before AWSLogs/ (s3://trail/logs)",
        ),
        (["--account", "12", "--source", "."], "invalid --account '12': an AWS account id is"),
        (
            ["--account", "444455556666"],
            "--account 444455556666 with --source lookup: LookupEvents sees only the caller's "
            "account (123456789012)",
        ),
    ],
)
def test_bad_input(run: Run, args: list[str], message: str) -> None:
    result = run("audit", "writes", "api", *args)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr
