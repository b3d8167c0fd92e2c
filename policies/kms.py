"""The key policy of the key that encrypts every secret."""

from __future__ import annotations

from collections.abc import Sequence

from policies.context import AwsContext, policy

#: What key administrators may do: manage the key, never use it (no Encrypt/Decrypt, no
#: grants, which are how cryptographic use would be delegated).
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
    "kms:PutKeyPolicy",
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


def secrets_key_policy(ctx: AwsContext, key_admins: Sequence[str]) -> dict:
    """Key policy: the account root keeps the key manageable (and lets IAM policies grant
    use, as the service and writer roles do); administrators manage without using; and no
    one, root included, uses the key except through ``ssm.<region>.amazonaws.com``."""
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
    return policy(*statements)
