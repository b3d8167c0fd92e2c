"""secrets-platform: the program `pulumi up` runs, once per AWS account and environment.

It only reads the stack config and composes the components; everything else lives in
``components/`` (resources) and ``policies/`` (the rules, as data).
"""

from __future__ import annotations

import pulumi

from components import (
    AuditTrail,
    AuditTrailArgs,
    ConfigError,
    EcsHostHardening,
    EcsHostHardeningArgs,
    SecretsKey,
    SecretsKeyArgs,
    SecretWriters,
    SecretWritersArgs,
    ServiceIdentity,
    ServiceIdentityArgs,
    current_context,
    read_stack_config,
)
from policies.guard.rules import Platform, pack_config

context = current_context()

try:
    config = read_stack_config(context)
except ConfigError as error:
    # One message naming the key and the rule, without a Python traceback.
    raise pulumi.RunError(str(error)) from None

# Every role below lives under /secrets-platform/<stack>/: the key policy lets no one else use
# the key. Renaming a component needs `opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(
# name="<old name>")])` on it, or Pulumi would replace what it holds (the key is protected).
key = SecretsKey(
    "secrets-key",
    SecretsKeyArgs(
        context=context,
        alias=config.kms_key_alias,
        role_path=config.role_path,
        key_admins=config.key_admins,
    ),
)

services = {
    service.name: ServiceIdentity(
        f"svc-{service.name}",
        ServiceIdentityArgs(
            context=context,
            service=service.name,
            secret_label=service.secret_label,
            key_arn=key.key_arn,
            role_path=config.role_path,
        ),
    )
    for service in config.services
}

writers = (
    SecretWriters(
        "writers",
        SecretWritersArgs(
            context=context,
            writers=config.writers,
            key_arn=key.key_arn,
            role_path=config.role_path,
        ),
    )
    if config.writers
    else None
)

audit = (
    AuditTrail(
        "audit",
        AuditTrailArgs(
            context=context,
            trail_name=config.audit.trail_name,
            retention_days=config.audit.retention_days,
            alert_email=config.audit.alert_email,
            deployer_role_arn=config.audit.deployer_role_arn,
            athena=config.audit.athena,
            readers=config.audit.readers,
            reader_sso_permission_sets=config.audit.reader_sso_permission_sets,
            role_path=config.role_path,
        ),
    )
    if config.audit.enabled
    else None
)

hosts = (
    EcsHostHardening(
        "ecs-hosts",
        EcsHostHardeningArgs(
            context=context,
            hosts=config.ecs_hosts,
            role_path=config.role_path,
            extra_policy_arns=[audit.audit_log_writers_policy_arn] if audit else [],
        ),
    )
    if config.ecs_hosts
    else None
)

pulumi.export("kmsKeyArn", key.key_arn)
pulumi.export("kmsKeyAlias", key.alias_name)
# What writers set for secretctl (SECRETCTL_KMS_KEY) so new secrets use this stack's key.
pulumi.export("secretctlKmsKey", key.alias_name)
pulumi.export("serviceRoleArns", {name: s.role_arn for name, s in services.items()})
pulumi.export("writerRoleArns", writers.role_arns if writers else {})
if hosts:
    pulumi.export("launchTemplateId", hosts.launch_template_id)
    pulumi.export("ecsClusterArn", hosts.cluster_arn)
# The config of the guardrails policy pack (policies/guard) that service stacks run:
#   pulumi stack output guardPolicyConfig --json > guard.json
pulumi.export(
    "guardPolicyConfig",
    pulumi.Output.all(
        key=key.key_arn,
        services={name: s.role_arn for name, s in services.items()},
        writers=writers.role_arns if writers else {},
        # every other role of the stack (none may be touched by a service stack)
        others=[
            *([hosts.instance_role_arn] if hosts else []),
            *([audit.reader_role_arn] if audit and audit.reader_role_arn else []),
        ],
        policies=[audit.audit_log_writers_policy_arn] if audit else [],
    ).apply(
        lambda out: pack_config(
            Platform(
                account=context.account,
                region=context.region,
                partition=context.partition,
                key_arn=out["key"],
                services={
                    s.name: (out["services"][s.name], s.secret_label) for s in config.services
                },
                writers={w.name: (out["writers"][w.name], w.namespaces) for w in config.writers},
                other_roles=tuple(out["others"]),
                policy_arns=tuple(out["policies"]),
            )
        )
    ),
)
if audit:
    pulumi.export("auditBucketName", audit.bucket_name)
    pulumi.export("trailArn", audit.trail_arn)
    pulumi.export("auditLogWritersPolicyArn", audit.audit_log_writers_policy_arn)
    # What `secretctl audit --source athena --athena-table ... --athena-workgroup ...` takes,
    # and the role that may run it.
    if audit.athena_table is not None:
        pulumi.export("auditAthenaTable", audit.athena_table)
        pulumi.export("auditAthenaWorkgroup", audit.athena_workgroup)
    if audit.reader_role_arn is not None:
        pulumi.export("auditReaderRoleArn", audit.reader_role_arn)
    if audit.alert_subscription_pending:
        # Alerts reach no one until the confirmation link mailed to alertEmail is clicked
        # (within 48 hours; after that, `pulumi up --refresh` subscribes again).
        pulumi.export("alertSubscriptionPending", True)
