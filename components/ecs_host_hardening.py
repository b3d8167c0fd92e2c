"""EcsHostHardening: the ECS cluster, a launch template for its container hosts whose
containers cannot reach the EC2 metadata service, and an instance role with only what the ECS
agent needs."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components._wiring import child, document, type_token
from components.config import EcsHosts
from policies.context import AwsContext
from policies.host_hardening import (
    CLUSTER_STACK_TAG,
    CLUSTER_TAG,
    LAUNCH_TEMPLATE_DESCRIPTION,
    METADATA_OPTIONS,
    render_user_data,
)
from policies.iam import (
    ec2_trust_policy,
    ecs_agent_policy,
    ecs_cluster_arn,
    host_role_description,
)


@dataclass
class EcsHostHardeningArgs:
    context: pulumi.Input[AwsContext]
    hosts: EcsHosts
    #: The IAM path of the instance role (every role of the stack shares it).
    role_path: str
    #: Managed policies the instance role also gets (e.g. the append-only audit log writer).
    extra_policy_arns: Sequence[pulumi.Input[str]] = field(default_factory=tuple)


class EcsHostHardening(pulumi.ComponentResource):
    launch_template_id: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    instance_role_arn: pulumi.Output[str]
    instance_profile_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: EcsHostHardeningArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("EcsHostHardening"), name, None, opts)
        cluster = args.hosts.cluster_name
        if args.hosts.existing_cluster:
            # Managed elsewhere (another stack, the console): only its name is used.
            cluster_arn = pulumi.Output.from_input(args.context).apply(
                lambda ctx: ecs_cluster_arn(cluster, ctx)
            )
        else:
            # The ECS agent joins the cluster named in ecs.config, but only the cluster named
            # "default" comes into being by itself, when the first container instance starts;
            # any other is made with CreateCluster (https://docs.aws.amazon.com/AmazonECS/
            # latest/APIReference/API_CreateCluster.html). Hosts of a missing cluster never join.
            cluster_arn = aws.ecs.Cluster(
                f"{name}-cluster",
                name=cluster,
                settings=[{"name": "containerInsights", "value": args.hosts.container_insights}],
                # Which stack made it: CreateCluster on an existing name returns that cluster,
                # so the pre-flight tells a cluster of this stack from someone else's.
                tags={CLUSTER_STACK_TAG: pulumi.get_stack()},
                opts=child(self),
            ).arn
        role = aws.iam.Role(
            f"{name}-instance-role",
            path=args.role_path,
            description=host_role_description(cluster),
            assume_role_policy=document(ec2_trust_policy),
            opts=child(self),
        )
        aws.iam.RolePolicy(
            f"{name}-ecs-agent",
            role=role.id,
            policy=document(lambda ctx: ecs_agent_policy(cluster, ctx), args.context),
            opts=child(self),
        )
        for index, policy_arn in enumerate(args.extra_policy_arns):
            aws.iam.RolePolicyAttachment(
                f"{name}-extra-policy-{index}",
                role=role.name,
                policy_arn=policy_arn,
                opts=child(self),
            )
        profile = aws.iam.InstanceProfile(
            f"{name}-instance-profile", role=role.name, opts=child(self)
        )
        user_data = render_user_data(cluster)
        template = aws.ec2.LaunchTemplate(
            f"{name}-launch-template",
            # EC2 allows 255 characters of version description (https://docs.aws.amazon.com/
            # AWSEC2/latest/APIReference/API_LaunchTemplateVersion.html) and a cluster name
            # may have 255 alone: the description is fixed, the cluster is in a tag (256).
            description=LAUNCH_TEMPLATE_DESCRIPTION,
            tags={CLUSTER_TAG: cluster},
            image_id=args.hosts.ami_id,
            instance_type=args.hosts.instance_type,
            iam_instance_profile={"arn": profile.arn},
            metadata_options=dict(METADATA_OPTIONS),
            user_data=base64.b64encode(user_data.encode()).decode(),
            update_default_version=True,
            opts=child(self),
        )
        self.launch_template_id = template.id
        self.cluster_arn = cluster_arn
        self.instance_role_arn = role.arn
        self.instance_profile_arn = profile.arn
        self.register_outputs(
            {
                "launchTemplateId": self.launch_template_id,
                "clusterArn": self.cluster_arn,
                "instanceRoleArn": self.instance_role_arn,
                "instanceProfileArn": self.instance_profile_arn,
            }
        )
