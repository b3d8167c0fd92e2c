"""What AWS does with the program's resources over their life, which mocks never show: the
order the calls must reach AWS in on the first `pulumi up`, and which config changes update a
resource in place and which replace it."""

from __future__ import annotations

import json

import pytest

from access_report.harness import ProgramRun, load_stack_config, run_program
from tests.platform.aws_stacks import STACK_FILES, stack_run

#: (resource, what must exist before it is created, why AWS needs that order)
ORDER = (
    (
        "audit-trail",
        {"audit-logs-policy"},
        "CreateTrail checks that the bucket policy lets CloudTrail write "
        "(InsufficientS3BucketPolicyException otherwise)",
    ),
    (
        "audit-logs-policy",
        {
            "audit-logs-public-access",
            "audit-logs-encryption",
            "audit-logs-versioning",
            "audit-logs-object-lock",
        },
        "the policy denies changing versioning and object lock (to every principal without "
        "audit.deployerRoleArn); S3 refuses concurrent policy and public-access-block changes "
        "with OperationAborted",
    ),
    (
        "audit-access-denied-to-alerts",
        {"audit-alerts-policy"},
        "EventBridge publishes only once the topic policy lets it",
    ),
    ("ecs-hosts-launch-template", {"ecs-hosts-instance-profile"}, "it names the profile"),
    ("ecs-hosts-instance-profile", {"ecs-hosts-instance-role"}, "it holds the role"),
    ("secrets-key-alias", {"secrets-key-key"}, "an alias targets an existing key"),
)
ATHENA_ORDER = (
    (
        "audit-athena-results-policy",
        {"audit-athena-results-public-access", "audit-athena-results-encryption"},
        "S3 refuses concurrent policy and public-access-block changes",
    ),
    (
        "audit-athena-workgroup",
        {"audit-athena-results-public-access", "audit-athena-results-encryption"},
        "results land only in a private, encrypted bucket",
    ),
)


@pytest.mark.parametrize("stack", sorted(STACK_FILES))
def test_calls_reach_aws_in_the_order_it_requires(stack: str) -> None:
    run = stack_run(stack)
    athena = ATHENA_ORDER if run.exports.get("auditAthenaTable") else ()
    for name, before, why in ORDER + athena:
        missing = before - set(run.named(name).dependencies)
        assert not missing, f"{name} must wait for {sorted(missing)}: {why}"


def _run(stack_file: str, stack: str, change: dict[str, object] | None = None) -> ProgramRun:
    config = load_stack_config(STACK_FILES[stack_file])
    for key, value in (change or {}).items():
        config[f"secrets-platform:{key}"] = json.dumps(value)
    return run_program(config, stack=stack)


def _inputs(run: ProgramRun, name: str) -> dict[str, object]:
    return run.named(name).inputs


def test_a_label_change_updates_the_role_in_place() -> None:
    """A role's name and path force a replacement (IAM has no call that changes either), its
    description, tags and inline policy do not. A new label changes only those, so the role
    (its ARN, in every task definition that names it) and running tasks are kept."""
    before = _run("prod", "prod")
    services = json.loads(load_stack_config(STACK_FILES["prod"])["secrets-platform:services"])
    for service in services:
        if service["name"] == "worker":
            service["secretLabel"] = "team-jobs/worker"
    after = _run("prod", "prod", {"services": services})
    old, new = _inputs(before, "svc-worker-role"), _inputs(after, "svc-worker-role")
    assert {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)} == {
        "description",
        "tags",
    }
    assert before.exports["serviceRoleArns"] == after.exports["serviceRoleArns"]
    assert before.policy("svc-worker-read-secrets") != after.policy("svc-worker-read-secrets")


def test_a_renamed_stack_keeps_its_key_and_moves_its_roles() -> None:
    """The key and its alias take nothing from the stack's name but the key policy (updated in
    place): renaming a stack never replaces the key. The roles' path is the stack's, and IAM
    cannot change a role's path, so every role is replaced (docs/platform.md says so)."""
    before, after = _run("prod", "prod"), _run("prod", "prod-eu")
    for name in ("secrets-key-key", "secrets-key-alias"):
        old, new = _inputs(before, name), _inputs(after, name)
        assert {k for k in old if old[k] != new[k]} <= {"policy"}, name
    assert before.exports["kmsKeyAlias"] == after.exports["kmsKeyAlias"]
    assert {r.inputs["path"] for r in after.of_type("aws:iam/role:Role")} == {
        "/secrets-platform/prod-eu/"
    }
