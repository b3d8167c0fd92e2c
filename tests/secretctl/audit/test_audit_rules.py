"""Every rule of "What counts" (issue 8), each run by every engine: the local rules
(``rules.classify`` + ``answers``), the file engine (``scan.facts_of_log``: the log file
decoded and pre-filtered as directories and s3:// are) and the Athena SQL compiled from the
same rules, run on DuckDB over the same records. A failure names the rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from devtools.cloudtrail_events import (
    ACCOUNT,
    OTHER_ACCOUNT,
    assumed_role,
    aws_service,
    decrypt,
    delete_parameter,
    delete_parameters,
    get_parameter,
    get_parameter_history,
    get_parameters,
    get_parameters_by_path,
    iam_user,
    kms,
    label_parameter_version,
    parameter_arn,
    put_parameter,
    root,
    tag_parameter,
)
from secretctl.audit.answers import Question
from tests.secretctl.audit.support import ENGINES, KEY_ARN, at, existing

Engine = Callable[..., list[dict[str, Any]]]
TASK = assumed_role("api-task", "task-1", path="/ecs/")
TASK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecs/api-task"
ALICE = iam_user("alice")
ALICE_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
READS = Question("reads", ("api",))


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> Engine:
    return ENGINES[request.param]


def reads(
    engine: Engine, records: list[dict], present: tuple[str, ...] = (), question: Question = READS
) -> dict[tuple[str, str], tuple[str, int]]:
    rows = engine(records, question, existing(*present))
    return {(r["parameter"], r["principal"]): (r["last_read"], r["reads"]) for r in rows}


# --- reads by name ------------------------------------------------------------------------


def test_rule_get_parameter_is_a_read(engine: Engine) -> None:
    found = reads(engine, [get_parameter(at(1), TASK, "/api/db_url")])
    assert found == {("/api/db_url", TASK_ROLE): ("2026-03-02T12:00:00Z", 1)}, (
        "RULE: a successful ssm:GetParameter naming P is a read of P by the caller"
    )


def test_rule_get_parameters_reads_each_name(engine: Engine) -> None:
    found = reads(engine, [get_parameters(at(1), TASK, ["/api/a", "/api/b", "/api/a:2"])])
    assert found == {
        ("/api/a", TASK_ROLE): ("2026-03-02T12:00:00Z", 1),
        ("/api/b", TASK_ROLE): ("2026-03-02T12:00:00Z", 1),
    }, (
        "RULE: ssm:GetParameters is one read of every parameter among its names "
        "(a name given twice, once with a selector, is still one read)"
    )


def test_rule_history_counts_only_with_decryption(engine: Engine) -> None:
    records = [
        get_parameter_history(at(1), TASK, "/api/a", decrypt=True),
        get_parameter_history(at(2), TASK, "/api/b", decrypt=False),
    ]
    assert reads(engine, records) == {("/api/a", TASK_ROLE): ("2026-03-02T12:00:00Z", 1)}, (
        "RULE: ssm:GetParameterHistory is a read only with decryption"
    )


@pytest.mark.parametrize(
    "given",
    [
        "/api/db_url",
        parameter_arn("/api/db_url"),
        "/api/db_url:3",
        "/api/db_url:live",
        parameter_arn("/api/db_url") + ":live",
    ],
)
def test_rule_names_are_normalised(engine: Engine, given: str) -> None:
    found = reads(engine, [get_parameter(at(1), TASK, given)])
    assert list(found) == [("/api/db_url", TASK_ROLE)], (
        f"RULE: {given!r} (ARN, version or label selector) is read as /api/db_url"
    )


def test_rule_a_name_that_does_not_exist_still_makes_a_row(engine: Engine) -> None:
    found = reads(engine, [get_parameter(at(1), TASK, "/api/never_created")], ("/api/db_url",))
    assert ("/api/never_created", TASK_ROLE) in found, (
        "RULE: CloudTrail does not say whether a named parameter existed: it still makes a row"
    )


def test_rule_failed_reads_do_not_count(engine: Engine) -> None:
    records = [get_parameter(at(1), TASK, "/api/db_url", denied=parameter_arn("/api/db_url"))]
    assert reads(engine, records) == {}, "RULE: only successful events (no errorCode) are reads"


# --- reads by path ------------------------------------------------------------------------


def test_rule_by_path_covers_one_level_of_known_parameters(engine: Engine) -> None:
    records = [
        get_parameters_by_path(at(1), TASK, "/api/"),
        put_parameter(at(0), ALICE, "/api/written"),  # known from a write in the window
        kms("GenerateDataKey", at(0), ALICE, parameter=parameter_arn("/api/encrypted")),
    ]
    present = ("/api/db_url", "/api/token")
    found = reads(engine, records, present, Question("reads", ("api",)))
    assert {p for p, _ in found} == {
        "/api/db_url",
        "/api/token",
        "/api/written",
        "/api/encrypted",
    }, (
        "RULE: GetParametersByPath counts for every known parameter one level below the path: "
        "listed by SSM, or named by a read, write or KMS encryption context in the window"
    )
    assert all(
        v == ("2026-03-02T12:00:00Z", 1) for (p, who), v in found.items() if who == TASK_ROLE
    )


def test_rule_by_path_non_recursive_is_one_level(engine: Engine) -> None:
    records = [
        get_parameters_by_path(at(1), TASK, "/team"),
        get_parameter(at(0), ALICE, "/team/api/key"),
    ]
    found = reads(engine, records, ("/team/key",), Question("reads", ("team",)))
    assert ("/team/key", TASK_ROLE) in found, "RULE: a path covers one level below it"
    found = reads(engine, records, ("/team/api/key",), Question("reads", ("team/api",)))
    assert ("/team/api/key", TASK_ROLE) not in found, (
        "RULE: a non-recursive path does not cover deeper parameters"
    )


def test_rule_by_path_recursive_covers_any_depth(engine: Engine) -> None:
    records = [get_parameters_by_path(at(1), TASK, "/", recursive=True)]
    found = reads(engine, records, ("/team/api/key",), Question("reads", ("team/api",)))
    assert found == {("/team/api/key", TASK_ROLE): ("2026-03-02T12:00:00Z", 1)}, (
        "RULE: a recursive GetParametersByPath covers every depth below its path"
    )


def test_rule_next_page_is_not_counted_again(engine: Engine) -> None:
    records = [get_parameters_by_path(at(1), TASK, "/api/")] + [
        get_parameters_by_path(at(1, second=i), TASK, "/api/", next_token=f"page{i}")
        for i in range(1, 10)
    ]
    found = reads(engine, records, ("/api/db_url",))
    assert found == {("/api/db_url", TASK_ROLE): ("2026-03-02T12:00:00Z", 1)}, (
        "RULE: a GetParametersByPath with a nextToken is the next page of a read already "
        "counted (one exec of a 100-key service is one read)"
    )


# --- KMS Decrypt --------------------------------------------------------------------------


def test_rule_decrypt_sets_last_read_but_not_the_count(engine: Engine) -> None:
    records = [
        get_parameter(at(1), TASK, "/api/db_url"),
        decrypt(at(1, second=1), TASK, parameter_arn("/api/db_url")),
    ]
    assert reads(engine, records) == {("/api/db_url", TASK_ROLE): ("2026-03-02T12:00:01Z", 1)}, (
        "RULE: a kms:Decrypt with P's PARAMETER_ARN context counts for last_read, not reads"
    )


def test_rule_decrypt_alone_makes_a_row_and_keeps_off_unused(engine: Engine) -> None:
    records = [decrypt(at(1), TASK, parameter_arn("/api/db_url"))]
    assert reads(engine, records) == {("/api/db_url", TASK_ROLE): ("2026-03-02T12:00:00Z", 0)}, (
        "RULE: a Decrypt with no SSM read in the window still makes a row, with reads 0"
    )
    unused = engine(records, Question("unused", ("api",)), existing("/api/db_url", "/api/token"))
    assert [r["parameter"] for r in unused] == ["/api/token"], "RULE: a Decrypt keeps P off unused"


def test_rule_regional_parameters(engine: Engine) -> None:
    records = [
        get_parameter(at(1), TASK, parameter_arn("/api/db_url", region="eu-west-1")),
        get_parameter(at(1), TASK, parameter_arn("/api/db_url", account=OTHER_ACCOUNT)),
        decrypt(at(1), TASK, parameter_arn("/api/db_url", region="eu-west-1")),
        get_parameter(at(1), TASK, "/api/db_url", region="eu-west-1"),
    ]
    assert reads(engine, records, ("/api/db_url",)) == {}, (
        "RULE: parameters are regional: P in another region or account is another parameter"
    )


# --- principals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        (
            assumed_role("deploy", "ci-run-7", path="/ci/team/"),
            f"arn:aws:iam::{ACCOUNT}:role/ci/team/deploy",
        ),
        (iam_user("alice"), ALICE_ARN),
        (root(), f"arn:aws:iam::{ACCOUNT}:root"),
        (aws_service("cloudformation.amazonaws.com"), "cloudformation.amazonaws.com"),
    ],
)
def test_rule_principal_is_the_identity_not_the_session(
    engine: Engine, identity: dict, expected: str
) -> None:
    found = reads(engine, [get_parameter(at(1), identity, "/api/db_url")])
    assert list(found) == [("/api/db_url", expected)], (
        "RULE: principal = role ARN with path (assumed role, from sessionIssuer), user ARN, "
        "root ARN, or an AWS service's name (invokedBy)"
    )


def test_rule_assumed_role_without_session_issuer_is_its_role(engine: Engine) -> None:
    web = assumed_role("gha-deploy", "run-42", issuer=False)
    assert "sessionIssuer" not in web["sessionContext"]
    found = reads(engine, [get_parameter(at(1), web, "/api/db_url")])
    assert list(found) == [("/api/db_url", f"arn:aws:iam::{ACCOUNT}:role/gha-deploy")], (
        "RULE: an assumed role with no sessionContext.sessionIssuer is the role named in its "
        "assumed-role ARN (arn:aws:sts::ACCT:assumed-role/NAME/SESSION -> "
        "arn:aws:iam::ACCT:role/NAME; its path is unknown), not the session"
    )
    china = assumed_role("gha-deploy", "run-43", issuer=False)
    china["arn"] = china["arn"].replace("arn:aws:", "arn:aws-cn:")
    found = reads(engine, [get_parameter(at(1), china, "/api/db_url")])
    assert list(found) == [("/api/db_url", f"arn:aws-cn:iam::{ACCOUNT}:role/gha-deploy")], (
        "RULE: the derived role ARN keeps the session's partition"
    )


def test_rule_sessions_of_one_role_are_one_principal(engine: Engine) -> None:
    records = [
        get_parameter(at(1), assumed_role("api-task", f"task-{i}", path="/ecs/"), "/api/db_url")
        for i in range(3)
    ]
    assert reads(engine, records) == {("/api/db_url", TASK_ROLE): ("2026-03-02T12:00:00Z", 3)}, (
        "RULE: reads = the number of SSM read events by the role, whatever the session"
    )


# --- services -----------------------------------------------------------------------------


def test_rule_a_service_is_one_level(engine: Engine) -> None:
    records = [get_parameter(at(1), TASK, "/team/key"), get_parameter(at(1), TASK, "/team/api/key")]
    found = reads(engine, records, (), Question("reads", ("team",)))
    assert [p for p, _ in found] == ["/team/key"], (
        "RULE: a service is one level: /team/<key>, not /team/api/<key>"
    )


def test_rule_chamber_parameters_never_count(engine: Engine) -> None:
    records = [
        get_parameter(at(1), TASK, "/_chamber/config"),
        get_parameter(at(1), TASK, "/plain"),
        put_parameter(at(1), ALICE, "/_chamber/x"),
    ]
    assert engine(records, Question("reads", ("_chamber",)), []) == []
    assert engine(records, Question("writes", ()), []) == [], (
        "RULE: only /<service>/<key> parameters count, never /_chamber/..."
    )
    assert engine(records, Question("unused", ()), existing("/api/a")) == [
        {"parameter": "/api/a", "last_modified": "2026-01-02T03:04:05Z", "modified_by": ALICE_ARN}
    ]


RESERVED = [  # names SSM keeps for itself (public parameters, Secrets Manager references)
    "/aws/service/global-infrastructure/regions",
    "/aws/reference/secretsmanager/prod-db",
    "/AWS/x/y",
    "/awsx/key",
    "/ssm/x/y",
    "/SSMdocs/key",
    "/_chamber/config",
]


def test_rule_names_ssm_reserves_never_count(engine: Engine) -> None:
    from secretctl.audit.rules import is_audited_name

    assert [n for n in RESERVED if is_audited_name(n)] == [], (
        "RULE: SSM's reserved names (/aws..., /ssm..., any case) and /_chamber/... are no "
        "secretctl service's"
    )
    bob = iam_user("bob")
    records = [get_parameter(at(1), bob, "/api/a", denied=parameter_arn("/api/a"))]
    for i, name in enumerate(RESERVED):
        records += [
            get_parameter(at(1, minute=i), bob, name, denied=parameter_arn(name)),
            get_parameters_by_path(
                at(2, minute=i),
                bob,
                name.rpartition("/")[0] + "/",
                denied=parameter_arn(name.rpartition("/")[0]),
            ),
            get_parameter(at(3, minute=i), TASK, name),
            put_parameter(at(4, minute=i), ALICE, name),
        ]
    rows = engine(records, Question("denied", ()), [])
    assert [r["target"] for r in rows] == ["/api/a"], (
        "RULE: with no SERVICE, denied lists no refusal on a name or path SSM reserves "
        "(/aws..., /ssm...) or on /_chamber/..."
    )
    rows = engine(records, Question("unused", ()), existing("/api/a"))
    assert [r["parameter"] for r in rows] == ["/api/a"]


def test_rule_unused_lists_only_existing_unread_parameters(engine: Engine) -> None:
    records = [get_parameter(at(1), TASK, "/api/db_url"), get_parameter(at(1), TASK, "/api/gone")]
    rows = engine(records, Question("unused", ("api",)), existing("/api/db_url", "/api/token"))
    assert [r["parameter"] for r in rows] == ["/api/token"], (
        "RULE: unused = parameters that exist now and that nothing read in the window"
    )


def test_rule_a_path_read_keeps_what_it_covers_off_unused(engine: Engine) -> None:
    records = [
        get_parameters_by_path(at(1), TASK, "/api/"),
        get_parameters_by_path(at(1), TASK, "/team/", recursive=True),
        get_parameters_by_path(at(1), TASK, "/web", next_token="page2"),
    ]
    present = existing("/api/a", "/api/deep/b", "/team/x/c", "/web/d", "/other/e")
    rows = engine(records, Question("unused", ()), present)
    assert [r["parameter"] for r in rows] == ["/api/deep/b", "/other/e", "/web/d"], (
        "RULE: a GetParametersByPath read keeps every existing parameter it covers off unused "
        "(one level, any depth when recursive; a next page is no read)"
    )


def test_rule_window_is_half_open(engine: Engine) -> None:
    from tests.secretctl.audit.support import SINCE, UNTIL

    records = [
        get_parameter(SINCE, TASK, "/api/at_since"),
        get_parameter(UNTIL, TASK, "/api/at_until"),
    ]
    assert [p for p, _ in reads(engine, records)] == ["/api/at_since"], (
        "RULE: the window is [since, until) on eventTime"
    )


def test_rule_duplicate_deliveries_count_once(engine: Engine) -> None:
    read = get_parameter(at(1), TASK, "/api/db_url")
    write = put_parameter(at(2), ALICE, "/api/db_url")
    refused = get_parameter(at(3), ALICE, "/api/x", denied=parameter_arn("/api/x"))
    records = [read, dict(read), write, dict(write), refused, dict(refused)]
    assert reads(engine, records)[("/api/db_url", TASK_ROLE)][1] == 1, (
        "RULE: duplicate deliveries of one event (same eventID) count once"
    )
    assert len(engine(records, Question("writes", ("api",)), [])) == 1
    assert len(engine(records, Question("denied", ()), [])) == 1


# --- writes -------------------------------------------------------------------------------


def test_rule_writes(engine: Engine) -> None:
    records = [
        put_parameter(at(1), ALICE, "/api/a"),
        delete_parameter(at(2), ALICE, "/api/b"),
        delete_parameters(at(3), root(), ["/api/c", "/api/d", "/other/e"]),
        label_parameter_version(at(4), ALICE, "/api/a:2", ["live"]),
        tag_parameter(at(5), ALICE, "/api/a"),
        tag_parameter(at(6), ALICE, "/api/a", remove=True),
        put_parameter(at(6), ALICE, "/api/refused", denied=parameter_arn("/api/refused")),
        get_parameter(at(6), ALICE, "/api/a"),
    ]
    rows = engine(records, Question("writes", ("api",)), [])
    assert [(r["action"], r["parameter"]) for r in rows] == [
        ("PutParameter", "/api/a"),
        ("DeleteParameter", "/api/b"),
        ("DeleteParameters", "/api/c"),
        ("DeleteParameters", "/api/d"),
        ("LabelParameterVersion", "/api/a"),
        ("AddTagsToResource", "/api/a"),
        ("RemoveTagsFromResource", "/api/a"),
    ], (
        "RULE: writes = successful PutParameter, DeleteParameter(s), LabelParameterVersion, "
        "Add/RemoveTagsFromResource on a parameter"
    )
    assert all("value" not in str(r) for r in rows)


def test_rule_delete_parameters_writes_only_what_it_deleted(engine: Engine) -> None:
    records = [
        delete_parameters(at(1), ALICE, ["/api/a", "/api/ghost"], invalid=["/api/ghost"]),
        delete_parameters(
            at(2), ALICE, ["/api/b", "/api/gone"], invalid=["/api/gone"], deleted_listed=False
        ),
        delete_parameters(at(3), ALICE, ["/api/none"], invalid=["/api/none"]),
        delete_parameters(at(4), ALICE, ["/api/c"], response=None),
    ]
    rows = engine(records, Question("writes", ("api",)), [])
    assert [(r["action"], r["parameter"]) for r in rows] == [
        ("DeleteParameters", "/api/a"),
        ("DeleteParameters", "/api/b"),
        ("DeleteParameters", "/api/c"),
    ], (
        "RULE: a DeleteParameters writes only the names it deleted: responseElements."
        "deletedParameters, else the request's names minus responseElements.invalidParameters "
        "(names that did not exist), else the request's names"
    )
    found = reads(
        engine, [*records, get_parameters_by_path(at(5), TASK, "/api/")], ("/api/db_url",)
    )
    assert {p for p, _ in found} == {"/api/db_url", "/api/a", "/api/b", "/api/c"}, (
        "RULE: a name DeleteParameters did not delete (it did not exist) is not a known "
        "parameter for path reads"
    )


def test_rule_writes_key_filter(engine: Engine) -> None:
    records = [put_parameter(at(1), ALICE, "/api/a"), put_parameter(at(2), ALICE, "/api/b")]
    rows = engine(records, Question("writes", ("api",), "b"), [])
    assert [r["parameter"] for r in rows] == ["/api/b"], "RULE: writes SERVICE KEY is one key"


# --- denied -------------------------------------------------------------------------------


def test_rule_denied_ssm_one_row_per_target(engine: Engine) -> None:
    bob = iam_user("bob")
    records = [
        get_parameters(at(1), bob, ["/api/a", "/billing/b"], denied=parameter_arn("/api/a")),
        get_parameters_by_path(at(2), bob, "/billing/", denied=parameter_arn("/billing")),
        get_parameter(at(3), bob, parameter_arn("/api/c") + ":2", denied=parameter_arn("/api/c")),
    ]
    rows = engine(records, Question("denied", ()), [])
    assert [(r["action"], r["target"], r["error"]) for r in rows] == [
        ("ssm:GetParameters", "/api/a", "AccessDenied"),
        ("ssm:GetParameters", "/billing/b", "AccessDenied"),
        ("ssm:GetParametersByPath", "/billing/", "AccessDenied"),
        ("ssm:GetParameter", "/api/c", "AccessDenied"),
    ], (
        "RULE: denied = one row per target: each name of a GetParameters, the path as given, "
        "parameter names normalised"
    )


def test_rule_denied_falls_back_to_the_error_message(engine: Engine) -> None:
    record = get_parameter(at(1), ALICE, "/api/a", denied=parameter_arn("/api/secret"))
    record["requestParameters"] = None
    rows = engine([record], Question("denied", ()), [])
    assert [r["target"] for r in rows] == ["/api/secret"], (
        "RULE: a refusal without names in its request names the resource ARN in errorMessage"
    )


def test_rule_denied_kms_on_the_secrets_key(engine: Engine) -> None:
    records = [
        kms("Decrypt", at(1), ALICE, key_id=KEY_ARN, denied=True),
        kms("Decrypt", at(2), ALICE, parameter=parameter_arn("/api/a"), denied=True),
        kms(
            "Decrypt",
            at(3),
            ALICE,
            key_id="arn:aws:kms:us-east-1:123456789012:key/other",
            denied=True,
        ),
    ]
    records[2]["resources"][0]["ARN"] = "arn:aws:kms:us-east-1:123456789012:key/other"
    records[2]["errorMessage"] = records[2]["errorMessage"].replace(
        "key/1234abcd-12ab-34cd-56ef-1234567890ab", "key/other"
    )
    rows = engine(records, Question("denied", ()), [])
    assert [(r["action"], r["target"], r["error"]) for r in rows] == [
        ("kms:Decrypt", KEY_ARN, "AccessDeniedException"),
        ("kms:Decrypt", KEY_ARN, "AccessDeniedException"),
    ], "RULE: KMS refusals count on the secrets key (or with a PARAMETER_ARN context) only"
    rows = engine(records, Question("denied", ("api",)), [])
    assert [r["time"] for r in rows] == ["2026-03-03T12:00:00Z"], (
        "RULE: with SERVICE arguments a KMS refusal counts only with a PARAMETER_ARN under them"
    )


def test_rule_denied_service_filter(engine: Engine) -> None:
    bob = iam_user("bob")
    records = [
        get_parameter(at(1), bob, "/api/a", denied=parameter_arn("/api/a")),
        get_parameter(at(2), bob, "/billing/a", denied=parameter_arn("/billing/a")),
        get_parameters_by_path(at(3), bob, "/api/", denied=parameter_arn("/api")),
        get_parameters_by_path(at(4), bob, "/", recursive=True, denied=parameter_arn("")),
    ]
    rows = engine(records, Question("denied", ("api",)), [])
    assert [r["target"] for r in rows] == ["/api/a", "/api/"], (
        "RULE: with SERVICE arguments only targets under those services count"
    )
    assert len(engine(records, Question("denied", ()), [])) == 4


def test_rule_denied_path_without_its_trailing_slash(engine: Engine) -> None:
    bob = iam_user("bob")
    records = [get_parameters_by_path(at(1), bob, "/api", denied=parameter_arn("/api"))]
    rows = engine(records, Question("denied", ("api",)), [])
    assert [r["target"] for r in rows] == ["/api"], (
        "RULE: with SERVICE arguments a refused path read of the service's own path counts, "
        "given as /svc or /svc/"
    )


def test_rule_denied_path_of_a_deeper_service(engine: Engine) -> None:
    bob = iam_user("bob")
    records = [get_parameters_by_path(at(1), bob, "/api/sub/", denied=parameter_arn("/api/sub"))]
    assert engine(records, Question("denied", ("api",)), []) == [], (
        "RULE: a service is one level: a refused path read of /api/sub/ is api/sub's, not api's"
    )
    rows = engine(records, Question("denied", ("api/sub",)), [])
    assert [r["target"] for r in rows] == ["/api/sub/"]


def test_rule_only_access_denied_codes(engine: Engine) -> None:
    record = get_parameter(at(1), ALICE, "/api/a", denied=parameter_arn("/api/a"))
    record["errorCode"] = "ParameterNotFound"
    assert engine([record], Question("denied", ()), []) == [], (
        "RULE: denied = errorCode AccessDenied or AccessDeniedException only"
    )


def test_sorting_of_reads(engine: Engine) -> None:
    records = [
        get_parameter(at(1), ALICE, "/api/b"),
        get_parameter(at(2), TASK, "/api/a"),
        get_parameter(at(3), ALICE, "/api/a"),
    ]
    rows = engine(records, READS, [])
    assert [(r["parameter"], r["principal"]) for r in rows] == [
        ("/api/a", TASK_ROLE),
        ("/api/a", ALICE_ARN),
        ("/api/b", ALICE_ARN),
    ], "reads are sorted by parameter then principal"
