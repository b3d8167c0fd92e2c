"""The rules of ``policies.guard.rules`` as a CrossGuard policy pack (``pulumi_policy``).

Each rule is one mandatory resource policy. Its config is the platform stack's
``guardPolicyConfig`` output (``{"<rule>": {"platform": {...}}}``), given to the Pulumi CLI
with ``--policy-pack-config``; without it the CLI refuses to run the pack (``platform`` is
required by every rule's config schema).
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policies.guard.rules import RULES, Platform, Rule

PACK_NAME = "secrets-platform-guard"
CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "platform": {
            "type": "object",
            "description": "the platform stack's guardPolicyConfig output for this rule",
        }
    },
    required=["platform"],
)


def _validate(rule: Rule):  # type: ignore[no-untyped-def]
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        platform = Platform.from_config(args.get_config().get("platform"))
        for message in rule.check(args.resource_type, args.props, platform):
            report_violation(message, None)

    return validate


def build_policies() -> list[ResourceValidationPolicy]:
    return [
        ResourceValidationPolicy(
            name=rule.name,
            description=rule.description,
            validate=_validate(rule),
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=CONFIG_SCHEMA,
        )
        for rule in RULES
    ]
