"""The key policy on its own: nobody, not even a principal whose own policy allows ``kms:*``
on ``*`` (nor the account root), uses the key except through this region's Parameter Store;
no one but the stack's own roles uses it at all, so an account administrator with ``ssm:*``
and ``kms:*`` cannot read a secret; key administrators manage it without using it and
cannot change its policy; other accounts get nothing."""

from __future__ import annotations

from tests.proof.iam.claims import (
    KEY_ADMINISTRATION,
    KMS_CRYPTO,
    KMS_MANAGEMENT,
    KMS_POLICY_CHANGE,
    OTHER_ACCOUNT,
    OTHER_REGION,
    SERVICE_READS,
    SSO_PATH,
)
from tests.proof.iam.evaluator import IamEvaluator, NamedPolicy, Request, Row, assert_rows_hold
from tests.proof.iam.stack import ROLE_PATH, Stack, read_spec

SPEC = read_spec()


def _allow_all(*actions: str) -> NamedPolicy:
    """An administrator's own policy: ``actions`` on ``*`` (AdministratorAccess is ``*``)."""
    return NamedPolicy(
        f"allow {', '.join(actions)} on *",
        "identity",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        },
    )


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
    """A role of the stack's path whose own policy had ``kms:*`` on ``*`` is explicitly denied
    every cryptographic use outside Parameter Store (the ViaService Deny), and allowed it
    through Parameter Store (so that Deny, not a missing grant, is what stops it)."""
    admin = f"arn:aws:iam::{stack.account}:role/{ROLE_PATH}platform-admin"
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


def test_account_root_never_uses_the_key(stack: Stack, evaluator: IamEvaluator) -> None:
    root = f"arn:aws:iam::{stack.account}:root"
    secret = f"/{SPEC.labels[0]}/db_url"
    rows = [
        Row(
            f"account root cannot {action} {how}",
            stack.kms(root, [], action, secret, via=via),
            "ExplicitlyDenied",
        )
        for action in KMS_CRYPTO
        for how, via in {**_outside_ssm(stack), "via SSM": "ssm"}.items()
    ]
    assert_rows_hold(evaluator, rows)


def _administrators(stack: Stack) -> dict[str, str]:
    """Principals an account typically has with broad rights, none of them the stack's."""
    acct = stack.account
    return {
        "an admin role": f"arn:aws:iam::{acct}:role/Admin",
        "an admin user": f"arn:aws:iam::{acct}:user/alice",
        "an SSO AdministratorAccess role": (
            f"arn:aws:iam::{acct}:role/{SSO_PATH}/eu-west-1/"
            "AWSReservedSSO_AdministratorAccess_0123456789abcdef"
        ),
        "a role of another stack": f"arn:aws:iam::{acct}:role/secrets-platform/other/writer",
        "a role named like the stack's path": (
            f"arn:aws:iam::{acct}:role/{ROLE_PATH.rstrip('/')}-evil/svc-api-role"
        ),
        # ECS's own `secrets` injection reads with the task execution role, through Parameter
        # Store, with that role's identity: not a role of the stack (docs/platform.md: tasks
        # read their secrets with their task role)
        "an ECS task execution role": f"arn:aws:iam::{acct}:role/ecsTaskExecutionRole",
    }


def test_account_administrators_cannot_read_a_secret(stack: Stack, evaluator: IamEvaluator) -> None:
    """An administrator whose own policy allows ``ssm:*`` and ``kms:*`` (or ``*``) on ``*``:
    IAM lets it call GetParameter, but a SecureString's value comes back only after Parameter
    Store decrypts it with the caller's identity, and the key policy denies that Decrypt to
    every principal outside the stack's role path, whatever IAM grants."""
    rows = []
    secrets = [f"/{label}/db_url" for label in SPEC.labels]
    for who, arn in _administrators(stack).items():
        for policies in ([_allow_all("ssm:*", "kms:*")], [_allow_all("*")]):
            grant = policies[0].name
            rows.append(
                Row(
                    f"{who} with {grant} may call ssm:GetParameter (IAM alone decides)",
                    Request(
                        arn,
                        SERVICE_READS[0],
                        stack.parameter_arn(secrets[0]),
                        stack.account,
                        stack.principal_context(arn),
                        tuple(policies),
                    ),
                    "Allowed",
                ),
            )
            rows += [
                Row(
                    f"{who} with {grant} cannot decrypt {secret} via SSM (so cannot read it)",
                    stack.kms(arn, policies, "kms:Decrypt", secret),
                    "ExplicitlyDenied",
                )
                for secret in secrets
            ]
            rows += [
                Row(
                    f"{who} with {grant} cannot {action} via SSM",
                    stack.kms(arn, policies, action, secrets[0]),
                    "ExplicitlyDenied",
                )
                for action in KMS_CRYPTO
            ]
    assert_rows_hold(evaluator, rows)


def test_key_admins_manage_without_using(stack: Stack, evaluator: IamEvaluator) -> None:
    """Key administrators manage the key, cannot use it, and cannot change its policy (with
    PutKeyPolicy they could grant themselves Decrypt)."""
    assert SPEC.key_admins, "the matrix stack needs a key administrator"
    secret = f"/{SPEC.labels[0]}/db_url"
    rows = []
    for admin in SPEC.key_admins:
        rows += [
            Row(f"key admin may {action}", stack.kms(admin, [], action, None, via=None), "Allowed")
            for action in KEY_ADMINISTRATION
        ]
        rows += [
            Row(
                f"key admin cannot {action}",
                stack.kms(admin, [], action, None, via=None),
                "ImplicitlyDenied",
            )
            for action in KMS_POLICY_CHANGE
        ]
        rows += [
            Row(
                f"key admin cannot {action} via SSM", stack.kms(admin, [], action, secret), "Denied"
            )
            for action in KMS_CRYPTO
        ]
        rows += [
            Row(
                f"key admin cannot decrypt {secret} {how} (explicitly: not a role of the stack)",
                stack.kms(admin, [], "kms:Decrypt", secret, via=via),
                "ExplicitlyDenied",
            )
            for how, via in {"via SSM": "ssm", "directly": None}.items()
        ]
    assert_rows_hold(evaluator, rows)


def test_the_deployer_keeps_control_of_the_key(stack: Stack, evaluator: IamEvaluator) -> None:
    """KMS refuses CreateKey, and every later PutKeyPolicy, whose policy would not let the
    calling principal put a key policy again (the lockout safety check:
    https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html). The deploying
    role is not under the stack's path and named nowhere in the key policy: the account
    statement lets it manage the key, and put its policy, whenever its own IAM policy allows
    it, so the first and every later `pulumi up` pass the check; it still cannot use the key.
    A deployer whose own policy lacks kms:PutKeyPolicy would be refused the key's creation
    (docs/platform.md lists it among the deployer's rights)."""
    deployer = SPEC.deployer_role_arn
    admin = [_allow_all("*")]
    least = [
        _allow_all(
            "kms:CreateKey",
            "kms:PutKeyPolicy",
            "kms:DescribeKey",
            "kms:GetKeyPolicy",
            "kms:EnableKeyRotation",
            "kms:ScheduleKeyDeletion",
        )
    ]
    without = [_allow_all("kms:CreateKey", "kms:DescribeKey", "kms:GetKeyPolicy")]
    secret = f"/{SPEC.labels[0]}/db_url"
    rows = [
        Row(
            f"the deployer with {policies[0].name} may {action}",
            stack.kms(deployer, policies, action, None, via=None),
            "Allowed",
        )
        for policies in (admin, least)
        for action in ("kms:PutKeyPolicy", "kms:DescribeKey", "kms:GetKeyPolicy")
    ]
    rows += [
        Row(
            f"the deployer with {without[0].name} cannot kms:PutKeyPolicy (so KMS would "
            "refuse to create the key for it)",
            stack.kms(deployer, without, "kms:PutKeyPolicy", None, via=None),
            "ImplicitlyDenied",
        ),
        Row(
            "the deployer with * cannot decrypt a secret via SSM",
            stack.kms(deployer, admin, "kms:Decrypt", secret),
            "ExplicitlyDenied",
        ),
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
