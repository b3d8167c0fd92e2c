"""IAM trust and permission documents for service identities, secret writers and ECS hosts."""

from __future__ import annotations

import re
from collections.abc import Sequence

from policies.context import AwsContext, label_resources, label_secret_pattern, policy

#: What a service may do with its own secrets: read, and nothing else.
SERVICE_READ_ACTIONS = ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath")

#: What secretctl needs to write, read, list and delete secrets under a namespace.
WRITER_PARAMETER_ACTIONS = (
    "ssm:AddTagsToResource",
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",  # delete --all, copy --prune: 10 names a request
    "ssm:GetParameter",
    "ssm:GetParameterHistory",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:LabelParameterVersion",
    "ssm:ListTagsForResource",  # tag read, and tag write --delete-other-tags
    "ssm:PutParameter",
    "ssm:RemoveTagsFromResource",  # tag delete, tag write --delete-other-tags
)
#: DescribeParameters has no resource type: it only works with Resource "*". It returns
#: names and metadata, never values.
WRITER_LIST_ACTIONS = ("ssm:DescribeParameters",)
WRITER_KMS_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")
#: chamber v3's store configuration (JSON with the tags every new secret must carry): writers
#: read it so secretctl and chamber can honour it; nobody changes it through a writer role.
CHAMBER_STORE_CONFIG = "_chamber/store-config"
#: Where chamber keeps its own parameters (never a secret label: ``policies.naming`` refuses it).
CHAMBER_PATH = "_chamber"

#: SSM actions that change parameters; no service role may hold any of them.
SSM_WRITE_ACTIONS = (
    "ssm:AddTagsToResource",
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",
    "ssm:LabelParameterVersion",
    "ssm:PutParameter",
    "ssm:RemoveTagsFromResource",
    "ssm:UnlabelParameterVersion",
)

_ROOT_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:root$")
#: Where IAM Identity Center puts the roles of permission sets, and how it names them.
SSO_ROLE_PATH = "aws-reserved/sso.amazonaws.com"
SSO_ROLE_PREFIX = "AWSReservedSSO_"


def is_account_root(principal_arn: str) -> bool:
    """True for ``arn:aws:iam::<account>:root``, which stands for every principal in the account."""
    return bool(_ROOT_ARN.match(principal_arn))


def service_trust_policy(ctx: AwsContext) -> dict:
    """Trust for a service's task role: ECS tasks of this account and region only
    (``aws:SourceAccount`` and ``aws:SourceArn`` protect against the confused deputy; ECS sends
    both when it assumes a task role: https://docs.aws.amazon.com/AmazonECS/latest/
    developerguide/task-iam-roles.html)."""
    return policy(
        {
            "Sid": "EcsTasksOfThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ctx.account},
                "ArnLike": {
                    "aws:SourceArn": f"arn:{ctx.partition}:ecs:{ctx.region}:{ctx.account}:*"
                },
            },
        }
    )


def service_role_description(service: str, label: str) -> str:
    return f"secrets-platform: ECS task role of {service}; reads /{label}/*"


def writer_role_description(namespaces: Sequence[str]) -> str:
    if "*" in namespaces:
        return "secrets-platform: writes every secret (namespace *)"
    return "secrets-platform: writes secrets under " + ", ".join(f"/{ns}/*" for ns in namespaces)


def host_role_description(cluster: str) -> str:
    return f"secrets-platform: ECS container instances of cluster {cluster}"


def service_read_policy(label: str, ctx: AwsContext, key_arn: str) -> dict:
    """A service reads the secrets under its own label, decrypting through Parameter Store only."""
    return policy(
        {
            "Sid": "ReadOwnSecrets",
            "Effect": "Allow",
            "Action": list(SERVICE_READ_ACTIONS),
            "Resource": label_resources(ctx, label),
        },
        {
            "Sid": "DecryptOwnSecretsViaParameterStore",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": key_arn,
            "Condition": {
                "StringEquals": {"kms:ViaService": ctx.ssm_service},
                "StringLike": {
                    "kms:EncryptionContext:PARAMETER_ARN": label_secret_pattern(ctx, label)
                },
            },
        },
    )


def sso_role_arn_patterns(ctx: AwsContext, permission_set: str) -> tuple[list[str], str]:
    """The roles IAM Identity Center creates for ``permission_set`` in this account, as
    ``aws:PrincipalArn`` patterns: (what matches, what must not match).

    Identity Center names the role ``AWSReservedSSO_<permission set>_<unique suffix>`` under
    ``/aws-reserved/sso.amazonaws.com/<region>/`` (no ``<region>/`` when the identity source is
    in us-east-1), and the suffix changes whenever the permission set is provisioned again, so
    the ARN itself cannot be named (https://docs.aws.amazon.com/singlesignon/latest/userguide/
    referencingpermissionsets.html). The suffix holds no ``_``: a role of another permission
    set whose name only starts with ``<permission set>_`` (``Billing`` and ``Billing_Admins``)
    has one more ``_`` and is excluded by the second pattern."""
    base = f"arn:{ctx.partition}:iam::{ctx.account}:role/{SSO_ROLE_PATH}"
    role = f"{SSO_ROLE_PREFIX}{permission_set}_"
    return [f"{base}/{role}*", f"{base}/*/{role}*"], f"{base}/*{role}*_*"


def writer_trust_policy(
    principals: Sequence[str], sso_permission_sets: Sequence[str], ctx: AwsContext
) -> dict:
    """Trust for a writer role.

    - Named principals (CI roles, users) are trusted by ARN: IAM checks that they exist when
      the policy is created.
    - An account root stands for every principal of that account, so assuming through it
      requires MFA. Sessions of IAM Identity Center never carry
      ``aws:MultiFactorAuthPresent: true`` (they come from ``AssumeRoleWithSAML``, which has no
      MFA support: https://docs.aws.amazon.com/IAM/latest/UserGuide/
      id_credentials_sts-comparison.html), so SSO users use the next form.
    - An SSO permission set is trusted by name: the account, narrowed by an ``aws:PrincipalArn``
      condition to the permission set's roles (a condition, so no role must exist yet, and a
      re-provisioned role with a new suffix still matches). MFA is then Identity Center's
      sign-in policy. Because the principal is the account, the permission set's own policy
      must also allow ``sts:AssumeRole`` on the writer role.
    """
    roots = sorted(p for p in set(principals) if is_account_root(p))
    named = sorted(p for p in set(principals) if not is_account_root(p))
    statements: list[dict] = []
    if named:
        statements.append(
            {
                "Sid": "NamedPrincipals",
                "Effect": "Allow",
                "Principal": {"AWS": named},
                "Action": "sts:AssumeRole",
            }
        )
    if roots:
        statements.append(
            {
                "Sid": "AccountPrincipalsWithMfa",
                "Effect": "Allow",
                "Principal": {"AWS": roots},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        )
    for index, permission_set in enumerate(sorted(set(sso_permission_sets)), start=1):
        matches, longer_name = sso_role_arn_patterns(ctx, permission_set)
        statements.append(
            {
                "Sid": f"SsoPermissionSet{index}",
                "Effect": "Allow",
                "Principal": {"AWS": ctx.root_arn},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ArnLike": {"aws:PrincipalArn": matches},
                    "ArnNotLike": {"aws:PrincipalArn": longer_name},
                },
            }
        )
    if not statements:
        raise ValueError("a writer needs at least one principal or SSO permission set")
    return policy(*statements)


def writer_policy(namespaces: Sequence[str], ctx: AwsContext, key_arn: str) -> dict:
    """What secretctl needs to manage the secrets under ``namespaces`` (labels, or ``*``), and
    to read chamber's store configuration (``/_chamber/store-config``), which no writer may
    change."""
    spaces = ["*"] if "*" in namespaces else sorted(set(namespaces))
    resources = [arn for ns in spaces for arn in label_resources(ctx, ns)]
    patterns = [label_secret_pattern(ctx, ns) for ns in spaces]
    return policy(
        {
            "Sid": "ManageSecretsInNamespaces",
            "Effect": "Allow",
            "Action": list(WRITER_PARAMETER_ACTIONS),
            "Resource": resources,
        },
        {
            "Sid": "ListParameterNames",
            "Effect": "Allow",
            "Action": list(WRITER_LIST_ACTIONS),
            "Resource": "*",
        },
        {
            # GetParameter only: it is configuration (a String parameter), read one at a time.
            "Sid": "ReadChamberStoreConfig",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": ctx.parameter_arn(CHAMBER_STORE_CONFIG),
        },
        {
            # A writer of every namespace ("*") would otherwise reach /_chamber/* too.
            "Sid": "ChamberConfigIsReadOnly",
            "Effect": "Deny",
            "Action": list(SSM_WRITE_ACTIONS),
            "Resource": [ctx.parameter_arn(CHAMBER_PATH), ctx.parameter_arn(f"{CHAMBER_PATH}/*")],
        },
        {
            "Sid": "UseKeyViaParameterStoreInNamespaces",
            "Effect": "Allow",
            "Action": list(WRITER_KMS_ACTIONS),
            "Resource": key_arn,
            "Condition": {
                "StringEquals": {"kms:ViaService": ctx.ssm_service},
                "StringLike": {
                    "kms:EncryptionContext:PARAMETER_ARN": patterns[0]
                    if len(patterns) == 1
                    else patterns
                },
            },
        },
    )


def ec2_trust_policy() -> dict:
    """Trust for the ECS container instance role: the EC2 service, as in AWS's own ECS
    instance role (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/
    instance_IAM_role.html). No ``aws:SourceAccount`` condition: AWS documents no such key
    for EC2 assuming an instance role, and a condition on a key that is never sent would keep
    every host from getting credentials. What keeps the role in this account is that only an
    instance profile of this account can carry it, and attaching a profile to an instance
    takes ``iam:PassRole`` on the role here."""
    return policy(
        {
            "Sid": "Ec2Instances",
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )


#: Actions the ECS agent calls against its cluster.
ECS_AGENT_CLUSTER_ACTIONS = (
    "ecs:DeregisterContainerInstance",
    "ecs:RegisterContainerInstance",
    "ecs:SubmitAttachmentStateChanges",
    "ecs:SubmitContainerStateChange",
    "ecs:SubmitTaskStateChange",
)
#: Actions the ECS agent calls against its own container instance.
ECS_AGENT_INSTANCE_ACTIONS = (
    "ecs:Poll",
    "ecs:StartTelemetrySession",
    "ecs:UpdateContainerInstancesState",
)
#: DiscoverPollEndpoint has no resource type (Resource "*" only); it returns endpoints.
ECS_AGENT_UNSCOPED_ACTIONS = ("ecs:DiscoverPollEndpoint",)


def ecs_cluster_arn(cluster: str, ctx: AwsContext) -> str:
    return f"arn:{ctx.partition}:ecs:{ctx.region}:{ctx.account}:cluster/{cluster}"


def ecs_agent_policy(cluster: str, ctx: AwsContext) -> dict:
    """Only what the ECS agent needs to join ``cluster`` and run tasks. Image pulls and logs
    belong to each task's execution role, secrets to each service's task role: a process on
    the host (or a container that escaped) gets nothing else from the instance role."""
    ecs = f"arn:{ctx.partition}:ecs:{ctx.region}:{ctx.account}"
    return policy(
        {
            "Sid": "AgentOnItsCluster",
            "Effect": "Allow",
            "Action": list(ECS_AGENT_CLUSTER_ACTIONS),
            "Resource": ecs_cluster_arn(cluster, ctx),
        },
        {
            "Sid": "AgentOnItsContainerInstances",
            "Effect": "Allow",
            "Action": list(ECS_AGENT_INSTANCE_ACTIONS),
            "Resource": f"{ecs}:container-instance/{cluster}/*",
        },
        {
            "Sid": "AgentDiscoversEndpoints",
            "Effect": "Allow",
            "Action": list(ECS_AGENT_UNSCOPED_ACTIONS),
            "Resource": "*",
        },
    )
