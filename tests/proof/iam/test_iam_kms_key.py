"""The key policy on its own: nobody, not even a principal whose own policy allows ``kms:*``
on ``*`` (nor the account root), uses the key except through this region's Parameter Store;
key administrators manage it without using it; other accounts get nothing."""

from __future__ import annotations

from tests.proof.iam.claims import KMS_CRYPTO, KMS_MANAGEMENT, OTHER_ACCOUNT, OTHER_REGION
from tests.proof.iam.evaluator import IamEvaluator, NamedPolicy, Row, assert_rows_hold
from tests.proof.iam.stack import Stack, read_spec

SPEC = read_spec()


def _allow_all_kms(action: str = "kms:*") -> NamedPolicy:
    return NamedPolicy(
        f"allow {action} on *",
        "identity",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
        },
    )


def _outside_ssm(stack: Stack) -> dict[str, str | None]:
    return {
        "directly": None,
        f"via SSM of {OTHER_REGION}": f"ssm.{OTHER_REGION}.amazonaws.com",
        "via Secrets Manager": f"secretsmanager.{stack.region}.amazonaws.com",
        "via S3": f"s3.{stack.region}.amazonaws.com",
    }


def test_kms_star_principal_uses_the_key_only_via_ssm(
    stack: Stack, evaluator: IamEvaluator
) -> None:
    """An administrator with ``kms:*`` on ``*`` is explicitly denied every cryptographic use
    outside Parameter Store (the key policy's Deny), and allowed it through Parameter Store
    (so the Deny, not a missing grant, is what stops it)."""
    admin = f"arn:aws:iam::{stack.account}:role/platform-admin"
    policies = [_allow_all_kms()]
    secret = f"/{SPEC.labels[0]}/db_url"
    rows = []
    for action in KMS_CRYPTO:
        rows.append(
            Row(
                f"kms:* admin may {action} via SSM",
                stack.kms(admin, policies, action, secret),
                "Allowed",
            )
        )
        rows += [
            Row(
                f"kms:* admin cannot {action} {how}",
                stack.kms(admin, policies, action, secret, via=via),
                "ExplicitlyDenied",
            )
            for how, via in _outside_ssm(stack).items()
        ]
    assert_rows_hold(evaluator, rows)


def test_decrypt_star_in_a_service_policy_is_still_stopped(
    stack: Stack, evaluator: IamEvaluator
) -> None:
    """A service role that somehow also got ``kms:Decrypt`` on ``*`` still cannot decrypt
    outside Parameter Store."""
    who = next(iter(stack.services.values()))
    policies = [*who.policies, _allow_all_kms("kms:Decrypt")]
    secret = f"/{SPEC.services[0].label}/db_url"
    rows = [
        Row(
            f"{who.name} + Decrypt on * cannot decrypt {how}",
            stack.kms(who.role_arn, policies, "kms:Decrypt", secret, via=via),
            "ExplicitlyDenied",
        )
        for how, via in _outside_ssm(stack).items()
    ]
    rows.append(
        Row(
            f"{who.name} + Decrypt on * cannot decrypt without SSM or a context",
            stack.kms(who.role_arn, policies, "kms:Decrypt", None, via=None),
            "ExplicitlyDenied",
        )
    )
    assert_rows_hold(evaluator, rows)


def test_account_root_uses_the_key_only_via_ssm(stack: Stack, evaluator: IamEvaluator) -> None:
    root = f"arn:aws:iam::{stack.account}:root"
    secret = f"/{SPEC.labels[0]}/db_url"
    rows = [
        Row(
            f"account root cannot {action} {how}",
            stack.kms(root, [], action, secret, via=via),
            "ExplicitlyDenied",
        )
        for action in KMS_CRYPTO
        for how, via in _outside_ssm(stack).items()
    ]
    assert_rows_hold(evaluator, rows)


def test_key_admins_manage_without_using(stack: Stack, evaluator: IamEvaluator) -> None:
    assert SPEC.key_admins, "the matrix stack needs a key administrator"
    secret = f"/{SPEC.labels[0]}/db_url"
    rows = []
    for admin in SPEC.key_admins:
        rows += [
            Row(f"key admin may {action}", stack.kms(admin, [], action, None, via=None), "Allowed")
            for action in KMS_MANAGEMENT
        ]
        rows += [
            Row(
                f"key admin cannot {action} via SSM", stack.kms(admin, [], action, secret), "Denied"
            )
            for action in KMS_CRYPTO
        ]
    assert_rows_hold(evaluator, rows)


def test_other_accounts_get_nothing(stack: Stack, evaluator: IamEvaluator) -> None:
    """A principal of another account, even with ``kms:*`` on ``*`` in its own policy, cannot
    use or manage the key: the key policy trusts this account only."""
    stranger = f"arn:aws:iam::{OTHER_ACCOUNT}:role/platform-admin"
    policies = [_allow_all_kms()]
    secret = f"/{SPEC.labels[0]}/db_url"
    rows = [
        Row(
            f"{OTHER_ACCOUNT} kms:* admin cannot {action} via SSM",
            stack.kms(stranger, policies, action, secret),
            "Denied",
        )
        for action in KMS_CRYPTO
    ]
    rows += [
        Row(
            f"{OTHER_ACCOUNT} kms:* admin cannot {action}",
            stack.kms(stranger, policies, action, None, via=None),
            "Denied",
        )
        for action in KMS_MANAGEMENT
    ]
    assert_rows_hold(evaluator, rows)
