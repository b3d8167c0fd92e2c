"""Records shaped like AWS's own published CloudTrail examples, where they differ from what
``devtools.cloudtrail_events`` generates: KMS refusals that name no key, events of other
accounts in one directory. Each runs through both engines (the local rules and the Athena
SQL on DuckDB); a failure names the rule."""

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
