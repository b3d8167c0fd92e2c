"""Who can read, write, administer and assume what: a plain data model of a stack config.

Pure (no Pulumi, no AWS): two configs give two models, and comparing their ``grants`` sets is
what changes in access. The report prints it next to what it read from the policy documents,
and a test holds the two to agreeing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from components.config import PlatformConfig
from policies.iam import is_account_root

ASSUME, READ, WRITE, ADMINISTER, QUERY = "assume", "read", "write", "administer", "query"
ECS_TASKS = "ecs-tasks.amazonaws.com"
EC2 = "ec2.amazonaws.com"


@dataclass(frozen=True, order=True)
class Grant:
    """``who`` may ``can`` on ``what`` (``condition``: what else must hold)."""

    who: str
    can: str
    what: str
    condition: str = ""


@dataclass(frozen=True)
class AccessModel:
    grants: tuple[Grant, ...]
    #: Principals named by ARN in a trust or key policy: IAM and KMS refuse the policy
    #: ("Invalid principal") unless each exists when `pulumi up` creates it.
    must_exist: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"grants": [asdict(g) for g in self.grants], "must_exist": list(self.must_exist)}


def service_role(name: str) -> str:
    return f"service:{name}"


def writer_role(name: str) -> str:
    return f"writer:{name}"


def sso(permission_set: str) -> str:
    return f"sso:{permission_set}"


#: The audit-reader role.
AUDIT_READER = "reader:audit"


def trail_logs(trail_name: str) -> str:
    """The log files of the trail (its prefix of the audit bucket)."""
    return f"trail-logs:{trail_name}"


def label_secrets(label: str) -> str:
    """``api`` -> ``/api/*``; the namespace ``*`` -> ``/*`` (every parameter)."""
    return "/*" if label == "*" else f"/{label}/*"


def access_model(config: PlatformConfig) -> AccessModel:
    grants: set[Grant] = set()
    for service in config.services:
        role = service_role(service.name)
        grants.add(Grant(ECS_TASKS, ASSUME, role, "a task of this account and region"))
        grants.add(Grant(role, READ, label_secrets(service.secret_label)))
    for writer in config.writers:
        role = writer_role(writer.name)
        grants |= _assumed_by(role, writer.principals, writer.sso_permission_sets)
        for namespace in writer.namespaces:
            grants.add(Grant(role, READ, label_secrets(namespace)))
            grants.add(Grant(role, WRITE, label_secrets(namespace)))
    key = f"key:alias/{config.kms_key_alias}"
    for admin in config.key_admins:
        grants.add(Grant(admin, ADMINISTER, key, "without encrypt, decrypt or key policy changes"))
    if config.ecs_hosts:
        grants.add(Grant(EC2, ASSUME, f"hosts:{config.ecs_hosts.cluster_name}"))
    audit = config.audit
    readers: tuple[str, ...] = ()
    if audit.enabled and audit.has_readers:
        readers = audit.readers
        grants |= _assumed_by(AUDIT_READER, readers, audit.reader_sso_permission_sets)
        grants.add(Grant(AUDIT_READER, READ, trail_logs(audit.trail_name)))
        if audit.athena:
            names = audit.athena.names
            results = f"athena-results:{names.workgroup}"
            grants |= {
                Grant(AUDIT_READER, QUERY, f"athena-workgroup:{names.workgroup}"),
                Grant(AUDIT_READER, READ, f"glue-table:{names.qualified_table}"),
                Grant(AUDIT_READER, READ, results),
                Grant(AUDIT_READER, WRITE, results),
            }
    named = set(config.key_admins) | {
        p
        for p in (*readers, *(p for w in config.writers for p in w.principals))
        if not is_account_root(p)
    }
    return AccessModel(grants=tuple(sorted(grants)), must_exist=tuple(sorted(named)))


def _assumed_by(
    role: str, principals: Sequence[str], sso_permission_sets: Sequence[str]
) -> set[Grant]:
    """Who may assume a role trusted like writers: principals by ARN (an account root: any
    principal of that account, with MFA) and Identity Center permission sets."""
    grants = set()
    for principal in principals:
        mfa = "with MFA, any principal of the account" if is_account_root(principal) else ""
        grants.add(Grant(principal, ASSUME, role, mfa))
    for permission_set in sso_permission_sets:
        grants.add(Grant(sso(permission_set), ASSUME, role, "its policy allows sts:AssumeRole"))
    return grants
