"""The evaluator's own guards can fail: a proof is only as good as the judge.

These rows use hand-written policies (not the program's) so that each guard is shown to
refuse what it must: an ignored context key, an invalid policy, an unknown action; and the
engine is shown to really evaluate the encryption context and the root path ARN (the two
things iam-simulate's validating entry point gets wrong).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.proof.iam.evaluator import (
    Checked,
    IamEvaluator,
    NamedPolicy,
    Outcome,
    Request,
    Row,
    assert_rows_hold,
)

ACCOUNT = "123456789012"
REGION = "eu-central-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/probe"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/probe"
PARAM = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter"


def _identity(*statements: dict[str, Any]) -> NamedPolicy:
    return NamedPolicy(
        "probe", "identity", {"Version": "2012-10-17", "Statement": list(statements)}
    )


KEY_POLICY = NamedPolicy(
    "probe key policy",
    "resource",
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
        ],
    },
)
DECRYPT_API = _identity(
    {
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": KEY,
        "Condition": {"StringLike": {"kms:EncryptionContext:PARAMETER_ARN": f"{PARAM}/api/*"}},
    }
)


def _decrypt(context: dict[str, str], policy: NamedPolicy = DECRYPT_API) -> Request:
    return Request(ROLE, "kms:Decrypt", KEY, ACCOUNT, context, (policy,), KEY_POLICY)


def test_encryption_context_is_evaluated(evaluator: IamEvaluator) -> None:
    """The condition on ``kms:EncryptionContext:PARAMETER_ARN`` decides: the very request
    that iam-simulate's ``runSimulation`` would silently deny by dropping the key is allowed,
    and the same request with another parameter's context is denied."""
    own, other = evaluator.evaluate(
        [
            _decrypt({"kms:EncryptionContext:PARAMETER_ARN": f"{PARAM}/api/db_url"}),
            _decrypt({"kms:EncryptionContext:PARAMETER_ARN": f"{PARAM}/apiv2/db_url"}),
        ]
    )
    assert own == Outcome("Allowed")
    assert other == Outcome("ImplicitlyDenied")


def test_a_misspelled_context_key_breaks_the_row(evaluator: IamEvaluator) -> None:
    """A context key the engine does not know for the action would make every condition on
    the intended key see 'absent': such a row never holds, whatever the decision."""
    row = Row("typo", _decrypt({"kms:EncryptionContex:PARAMETER_ARN": f"{PARAM}/x/y"}), "Denied")
    (checked,) = evaluator.check([row])
    assert checked.outcome.result == "ImplicitlyDenied"
    assert checked.outcome.ignored_context_keys == ("kms:EncryptionContex:PARAMETER_ARN",)
    assert not checked.holds
    # a key of another service's action is refused the same way
    wrong = Request(
        ROLE,
        "ssm:GetParameter",
        f"{PARAM}/api/x",
        ACCOUNT,
        {"kms:ViaService": "ssm.eu-central-1.amazonaws.com"},
        (_identity({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}),),
    )
    (outcome,) = evaluator.evaluate([wrong])
    assert outcome.ignored_context_keys == ("kms:ViaService",)


def test_an_invalid_policy_breaks_the_row(evaluator: IamEvaluator) -> None:
    no_resource = _identity({"Effect": "Allow", "Action": "kms:Decrypt"})
    bad_trust = NamedPolicy(
        "bad trust",
        "trust",
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]},
    )
    rows = [
        Row("invalid identity policy", _decrypt({}, no_resource), "Denied"),
        Row(
            "invalid trust policy",
            Request(
                "ecs-tasks.amazonaws.com",
                "sts:AssumeRole",
                f"arn:aws:iam::{ACCOUNT}:role/x",
                ACCOUNT,
                {},
                (),
                bad_trust,
            ),
            "Denied",
        ),
    ]
    checked = evaluator.check(rows)
    for c in checked:
        assert c.outcome.errors and c.outcome.result is None and not c.holds, c


def test_an_unknown_action_breaks_the_row(evaluator: IamEvaluator) -> None:
    (outcome,) = evaluator.evaluate(
        [
            Request(
                ROLE,
                "ssm:GetParameterz",
                f"{PARAM}/api/x",
                ACCOUNT,
                {},
                (_identity({"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}),),
            )
        ]
    )
    assert outcome.result is None and outcome.errors


def test_root_path_arn_is_evaluated(evaluator: IamEvaluator) -> None:
    """``parameter/`` (GetParametersByPath on ``/``) is judged, not rejected: a grant on
    ``parameter/*`` covers it and a grant on ``parameter/api/*`` does not."""

    def by_path(resource: str) -> Request:
        return Request(
            ROLE,
            "ssm:GetParametersByPath",
            f"{PARAM}/",
            ACCOUNT,
            {},
            (
                _identity(
                    {"Effect": "Allow", "Action": "ssm:GetParametersByPath", "Resource": resource}
                ),
            ),
        )

    everything, api_only = evaluator.evaluate([by_path(f"{PARAM}/*"), by_path(f"{PARAM}/api/*")])
    assert everything == Outcome("Allowed")
    assert api_only == Outcome("ImplicitlyDenied")


def test_a_broken_row_is_reported_with_its_matrix_row(evaluator: IamEvaluator) -> None:
    row = Row(
        "api reads worker's secret (deliberately wrong claim)",
        _decrypt({"kms:EncryptionContext:PARAMETER_ARN": f"{PARAM}/worker/db_url"}),
        "Allowed",
    )
    with pytest.raises(AssertionError) as failure:
        assert_rows_hold(evaluator, [row])
    message = str(failure.value)
    assert "BROKEN" in message and "deliberately wrong claim" in message
    assert "expected Allowed, engine said ImplicitlyDenied" in message
    assert f"{PARAM}/worker/db_url" in message


def test_denied_accepts_either_denial_and_nothing_else() -> None:
    request = _decrypt({})
    row = Row("x", request, "Denied")
    assert Checked(row, Outcome("ImplicitlyDenied")).holds
    assert Checked(row, Outcome("ExplicitlyDenied")).holds
    assert not Checked(row, Outcome("Allowed")).holds
    assert not Checked(row, Outcome(None, errors=("boom",))).holds
    assert not Checked(Row("x", request, "ExplicitlyDenied"), Outcome("ImplicitlyDenied")).holds
