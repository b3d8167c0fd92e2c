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

try:
    config = read_stack_config()
except ConfigError as error:
    # One message naming the key and the rule, without a Python traceback.
    raise pulumi.RunError(str(error)) from None

context = current_context()

key = SecretsKey(
    "secrets-key",
    SecretsKeyArgs(context=context, alias=config.kms_key_alias, key_admins=config.key_admins),
)

services = {
    service.name: ServiceIdentity(
        f"svc-{service.name}",
        ServiceIdentityArgs(
            context=context,
            service=service.name,
            secret_label=service.secret_label,
            key_arn=key.key_arn,
        ),
    )
    for service in config.services
}

writers = (
    SecretWriters(
        "writers",
        SecretWritersArgs(context=context, writers=config.writers, key_arn=key.key_arn),
    )
    if config.writers
    else None
)

audit = (
    AuditTrail(
        "audit",
        AuditTrailArgs(
            context=context,
            trail_name=f"secrets-platform-{pulumi.get_stack()}",
            retention_days=config.audit.retention_days,
            alert_email=config.audit.alert_email,
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
            extra_policy_arns=[audit.audit_log_writers_policy_arn] if audit else [],
        ),
    )
    if config.ecs_hosts
    else None
)

pulumi.export("kmsKeyArn", key.key_arn)
pulumi.export("kmsKeyAlias", key.alias_name)
pulumi.export("serviceRoleArns", {name: s.role_arn for name, s in services.items()})
pulumi.export("writerRoleArns", writers.role_arns if writers else {})
if hosts:
    pulumi.export("launchTemplateId", hosts.launch_template_id)
if audit:
    pulumi.export("auditBucketName", audit.bucket_name)
    pulumi.export("trailArn", audit.trail_arn)
    pulumi.export("auditLogWritersPolicyArn", audit.audit_log_writers_policy_arn)
