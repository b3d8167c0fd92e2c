"""Records shaped like AWS's own published CloudTrail examples, where they differ from what
``devtools.cloudtrail_events`` generates: KMS refusals that name no key, events of other
accounts in one directory. Each runs through every engine (the local rules, the file
engine and the Athena SQL on DuckDB); a failure names the rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from devtools.cloudtrail_events import ACCOUNT, OTHER_ACCOUNT, REGION, parameter_arn
from secretctl.audit.answers import Question
from tests.secretctl.audit.support import ENGINES, existing

Engine = Callable[..., list[dict[str, Any]]]
SSO_ROLE = (
    f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/"
    "AWSReservedSSO_AdministratorAccess_0123456789abcdef"
)
# An IAM Identity Center (SSO) session, as in the CloudTrail user guide's userIdentity examples
SSO = {
    "type": "AssumedRole",
    "principalId": "AROAEXAMPLEID:alice@example.com",
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/"
    "AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com",
    "accountId": ACCOUNT,
    "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
    "sessionContext": {
        "sessionIssuer": {
            "type": "Role",
            "principalId": "AROAEXAMPLEID",
            "arn": SSO_ROLE,
            "accountId": ACCOUNT,
            "userName": "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
        },
        "webIdFederationData": {},
        "attributes": {"creationDate": "2026-03-02T09:00:00Z", "mfaAuthenticated": "false"},
    },
}


def record(event_id: str, source: str, name: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": SSO,
        "eventTime": "2026-03-02T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": "192.0.2.0",
        "userAgent": "AWS Internal",
        "requestParameters": None,
        "responseElements": None,
        "requestID": f"req-{event_id}",
        "eventID": event_id,
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    base.update(fields)
    return base


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> Engine:
    return ENGINES[request.param]


def test_rule_kms_refusal_that_names_no_key(engine: Engine) -> None:
    """Parameter Store decrypting for a caller the key refuses: KMS logs the encryption
    context, but neither a keyId nor resources, and its message names no ARN."""
    refused = record(
        "kms-refused",
        "kms.amazonaws.com",
        "Decrypt",
        userIdentity={**SSO, "invokedBy": "ssm.amazonaws.com"},
        sourceIPAddress="ssm.amazonaws.com",
        userAgent="ssm.amazonaws.com",
        errorCode="AccessDeniedException",
        errorMessage="The ciphertext refers to a customer master key that does not exist, does "
        "not exist in this region, or you are not allowed to access.",
        requestParameters={
            "encryptionContext": {"PARAMETER_ARN": parameter_arn("/api/db_url")},
            "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
        },
    )
    expected = [
        {
            "time": "2026-03-02T10:00:00Z",
            "principal": SSO_ROLE,
            "action": "kms:Decrypt",
            "target": "/api/db_url",
            "error": "AccessDeniedException",
        }
    ]
    assert engine([refused], Question("denied", ()), []) == expected, (
        "RULE: a KMS refusal with a PARAMETER_ARN context is a refusal on that secret, even "
        "when it names no key (the target is then the parameter)"
    )
    assert engine([refused], Question("denied", ("api",)), []) == expected


def _other_account_read() -> dict[str, Any]:
    """A read in the same region by the same role, received by another account of the
    organisation (an organisation trail's folders synced into one directory, or a directory
    the trail's layout does not name)."""
    return record(
        "other-account",
        "ssm.amazonaws.com",
        "GetParameter",
        recipientAccountId=OTHER_ACCOUNT,
        requestParameters={"name": "/api/db_url", "withDecryption": True},
    )


def test_rule_events_of_another_account_do_not_count(engine: Engine) -> None:
    own = record(
        "own-account",
        "ssm.amazonaws.com",
        "GetParameter",
        eventTime="2026-03-01T10:00:00Z",
        requestParameters={"name": "/api/db_url", "withDecryption": True},
    )
    rows = engine([_other_account_read(), own], Question("reads", ("api",)), existing())
    assert rows == [
        {
            "parameter": "/api/db_url",
            "principal": SSO_ROLE,
            "last_read": "2026-03-01T10:00:00Z",
            "reads": 1,
        }
    ], (
        "RULE: parameters are per account: an event another account received "
        "(recipientAccountId) is about that account's parameters"
    )


def test_the_file_engine_drops_events_of_another_account() -> None:
    """The local engine's own decoder (not only the rules) carries recipientAccountId."""
    import json

    from secretctl.audit.scan import facts_of_log
    from tests.secretctl.audit.support import SCOPE

    data = json.dumps({"Records": [_other_account_read()]}).encode()
    facts, events = facts_of_log(data, SCOPE, Question("reads", ("api",)))
    assert events == 1 and facts == []


def test_a_file_with_bytes_that_are_not_utf8_is_skipped_with_a_warning() -> None:
    """A corrupt file whose bad bytes sit inside a record the engine decodes further (its
    userIdentity) is skipped with a warning naming it, like any file that is not a CloudTrail
    log; it does not end the audit."""
    import json

    from secretctl.audit.scan import scan_chunk
    from tests.secretctl.audit.support import SCOPE

    good = record(
        "utf8", "ssm.amazonaws.com", "GetParameter", requestParameters={"name": "/api/db_url"}
    )
    data = json.dumps({"Records": [good]}).encode().replace(b"alice", b"al\xe9ce")
    files = {"corrupt.json": data, "good.json": json.dumps({"Records": [good]}).encode()}
    result = scan_chunk(sorted(files), files.__getitem__, SCOPE, Question("reads", ()), 1)
    assert [f.subject for f in result.facts] == ["/api/db_url"]
    assert len(result.warnings) == 1 and result.warnings[0].startswith("skipped corrupt.json: ")
