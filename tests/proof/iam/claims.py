"""The security claims of docs/platform.md, written down independently of ``policies/``:
which actions each kind of identity may and may not call, and which parameter names sit next
to a label without being under it. Never import these from the code under test."""

from __future__ import annotations

#: A service reads its own secrets, and nothing else.
SERVICE_READS = ("ssm:GetParameter", "ssm:GetParameters")
BY_PATH = "ssm:GetParametersByPath"

#: Parameter actions no service may call anywhere (writes, tags, labels, history, listing).
SERVICE_FORBIDDEN_SSM = (
    "ssm:PutParameter",
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",
    "ssm:LabelParameterVersion",
    "ssm:UnlabelParameterVersion",
    "ssm:AddTagsToResource",
    "ssm:RemoveTagsFromResource",
    "ssm:GetParameterHistory",
)

#: What a writer may do under its namespaces (secretctl's needs).
WRITER_SSM = (
    "ssm:PutParameter",
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "ssm:LabelParameterVersion",
    "ssm:AddTagsToResource",
    "ssm:ListTagsForResource",  # secretctl tag read (and chamber's)
    "ssm:RemoveTagsFromResource",  # secretctl tag delete
)
WRITER_KMS = ("kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt")

#: Uses of key material (and grants, which delegate it): only ever through Parameter Store.
KMS_CRYPTO = (
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateDataKeyPair",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:CreateGrant",
)
#: Key use that neither a service nor a writer needs.
KMS_NEVER_FOR_ROLES = (
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:CreateGrant",
)
#: Key management: for the account and the key administrators, never for service or writer
#: roles. Key administrators may do all of it but change the key policy.
KMS_MANAGEMENT = (
    "kms:DisableKey",
    "kms:EnableKey",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:PutKeyPolicy",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
)
#: Changing who may use the key: only through the account statement (IAM permissions of
#: whoever runs `pulumi up`), never by a key administrator.
KMS_POLICY_CHANGE = ("kms:PutKeyPolicy",)
KEY_ADMINISTRATION = tuple(a for a in KMS_MANAGEMENT if a not in KMS_POLICY_CHANGE)

#: Where the Identity Center roles of a permission set live, written down from AWS's
#: documentation (https://docs.aws.amazon.com/singlesignon/latest/userguide/
#: referencingpermissionsets.html), not from ``policies``.
SSO_PATH = "aws-reserved/sso.amazonaws.com"

#: A region other than any stack's, for ``kms:ViaService`` values of another region.
OTHER_REGION = "ap-southeast-2"
#: Another account, for cross-account requests.
OTHER_ACCOUNT = "999988887777"


def siblings(label: str) -> list[str]:
    """Parameter names next to ``/<label>`` that are not under it: a policy that matched
    ``<label>*`` instead of ``<label>/*`` would reach them."""
    return [
        f"/{label}v2/db_url",
        f"/{label}-old/db_url",
        f"/{label}_x/db_url",
        f"/{label}.bak/db_url",
        f"/{label}x",
        f"/{label[:-1]}/db_url",
    ]


def sibling_paths(label: str) -> list[str]:
    return [f"/{label}v2", f"/{label}-old", f"/{label[:-1]}"]


def parents(label: str) -> list[str]:
    """The parent paths of a multi-segment label (``team/api`` -> ``/team``)."""
    segments = label.split("/")
    return ["/" + "/".join(segments[:i]) for i in range(1, len(segments))]


def covered(namespaces: tuple[str, ...], name: str) -> bool:
    """Whether a parameter (or path) ``name`` is inside one of ``namespaces`` (``*``: all)."""
    if "*" in namespaces:
        return True
    return any(name == f"/{ns}" or name.startswith(f"/{ns}/") for ns in namespaces)


#: What `secretctl audit --source athena` calls in its workgroup (start, poll, page, stop on
#: interrupt) and what the Athena console adds to look at the workgroup and its history.
ATHENA_QUERY = (
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:StopQueryExecution",
    "athena:GetWorkGroup",
    "athena:ListQueryExecutions",
    "athena:BatchGetQueryExecution",
)
#: Changing the workgroup (its enforced settings and scan cutoff): never for the reader.
ATHENA_WORKGROUP_CHANGE = (
    "athena:UpdateWorkGroup",
    "athena:DeleteWorkGroup",
    "athena:CreateWorkGroup",
)
#: Reading the table's definition (Athena plans every query with it).
GLUE_READ = ("glue:GetTable", "glue:GetDatabase", "glue:GetPartitions")
#: Changing the table or the database (where a query would read from): never for the reader.
GLUE_CHANGE = (
    "glue:UpdateTable",
    "glue:DeleteTable",
    "glue:CreateTable",
    "glue:UpdateDatabase",
    "glue:DeleteDatabase",
    "glue:BatchCreatePartition",
)
#: Writing, overwriting or erasing a log file, or changing how long it is kept.
LOG_TAMPERING = (
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:PutObjectAcl",
    "s3:BypassGovernanceRetention",
)
#: Changing the trail bucket itself.
BUCKET_TAMPERING = (
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:DeleteBucket",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutBucketObjectLockConfiguration",
)
#: Every SSM call on a secret (reads and writes).
SSM_ALL = (
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParameterHistory",
    "ssm:PutParameter",
    "ssm:DeleteParameter",
)
