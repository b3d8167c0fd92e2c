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
    "ssm:GetParameter",
    "ssm:GetParameterHistory",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:LabelParameterVersion",
    "ssm:PutParameter",
)
#: DescribeParameters has no resource type: it only works with Resource "*". It returns
#: names and metadata, never values.
WRITER_LIST_ACTIONS = ("ssm:DescribeParameters",)
WRITER_KMS_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")

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


def is_account_root(principal_arn: str) -> bool:
    """True for ``arn:aws:iam::<account>:root``, which stands for every principal in the account."""
    return bool(_ROOT_ARN.match(principal_arn))


def service_trust_policy(ctx: AwsContext) -> dict:
    """Trust for a service's task role: ECS tasks of this account and region only
    (``aws:SourceAccount`` and ``aws:SourceArn`` protect against the confused deputy)."""
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


def writer_trust_policy(principals: Sequence[str]) -> dict:
    """Trust for a writer role. An account root stands for every principal of that account,
    so assuming through it requires MFA; named principals (SSO or CI roles, users) do not."""
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
    if not statements:
        raise ValueError("a writer needs at least one principal")
    return policy(*statements)


def writer_policy(namespaces: Sequence[str], ctx: AwsContext, key_arn: str) -> dict:
    """What secretctl needs to manage the secrets under ``namespaces`` (labels, or ``*``)."""
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


def ec2_trust_policy(ctx: AwsContext) -> dict:
    """Trust for the ECS container instance role: EC2 instances of this account."""
    return policy(
        {
            "Sid": "Ec2InstancesOfThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ctx.account}},
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
            "Resource": f"{ecs}:cluster/{cluster}",
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
