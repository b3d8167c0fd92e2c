"""Pulumi components of the platform: one ComponentResource per concept.

Components only wire ``policies`` documents to resources; ``config`` validates the stack
config.
"""

from components._wiring import current_context
from components.audit_trail import AuditTrail, AuditTrailArgs
from components.config import ConfigError, PlatformConfig, read_stack_config
from components.ecs_host_hardening import EcsHostHardening, EcsHostHardeningArgs
from components.secret_writers import SecretWriters, SecretWritersArgs
from components.secrets_key import SecretsKey, SecretsKeyArgs
from components.service_identity import ServiceIdentity, ServiceIdentityArgs

__all__ = [
    "AuditTrail",
    "AuditTrailArgs",
    "ConfigError",
    "EcsHostHardening",
    "EcsHostHardeningArgs",
    "PlatformConfig",
    "SecretWriters",
    "SecretWritersArgs",
    "SecretsKey",
    "SecretsKeyArgs",
    "ServiceIdentity",
    "ServiceIdentityArgs",
    "current_context",
    "read_stack_config",
]
