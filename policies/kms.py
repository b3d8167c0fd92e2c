"""The key policy of the key that encrypts every secret."""

from __future__ import annotations

from collections.abc import Sequence

from policies.context import AwsContext, policy

#: What key administrators may do: manage the key, never use it (no Encrypt/Decrypt, no
#: grants, which are how cryptographic use would be delegated) and never change who may use
#: it: no ``kms:PutKeyPolicy`` (with it, an administrator could write itself a Decrypt grant).
#: The key policy changes only through the account root statement, that is, through the IAM
#: permissions of whoever runs ``pulumi up``.
KEY_ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)

#: Every use of a symmetric key's material (and grants, which delegate it): denied unless
#: the call comes through Parameter Store.
CRYPTOGRAPHIC_ACTIONS = (
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)


def secrets_key_policy(ctx: AwsContext, key_admins: Sequence[str], role_path: str) -> dict:
    """Key policy: the account root keeps the key manageable (and lets IAM policies grant
    use, as the service and writer roles do); administrators manage without using; no one,
    root included, uses the key except through ``ssm.<region>.amazonaws.com``; and no one but
    the roles under ``role_path`` (the ones this stack creates) uses it at all, whatever IAM
    grants elsewhere: an administrator with ``kms:*`` and ``ssm:*`` on ``*`` cannot decrypt a
    secret. The last one is a condition on ``aws:PrincipalArn`` (which holds the role's ARN
    with its path for a role session), so it names no principal that must exist."""
    statements: list[dict] = [
        {
            "Sid": "AccountRootKeepsKeyManageable",
            "Effect": "Allow",
            "Principal": {"AWS": ctx.root_arn},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    admins = sorted(set(key_admins))
    if admins:
        statements.append(
            {
                "Sid": "KeyAdministratorsManageWithoutUse",
                "Effect": "Allow",
                "Principal": {"AWS": admins},
                "Action": list(KEY_ADMIN_ACTIONS),
                "Resource": "*",
            }
        )
    statements.append(
        {
            "Sid": "DenyUseOutsideParameterStore",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": list(CRYPTOGRAPHIC_ACTIONS),
            "Resource": "*",
            "Condition": {"StringNotEquals": {"kms:ViaService": ctx.ssm_service}},
        }
    )
    statements.append(
        {
            "Sid": "DenyUseByAnyoneButPlatformRoles",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": list(CRYPTOGRAPHIC_ACTIONS),
            "Resource": "*",
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": ctx.role_arn(f"{role_path}*")}},
        }
    )
    return policy(*statements)
