"""Every policy document the program emits, for both example stacks, through parliament (with
community auditors) and cloudsplaining, offline. Any finding not listed in ACCEPTED, with
the reason it is accepted, fails the test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import parliament
import pytest
from cloudsplaining.command.scan_policy_file import scan_policy

from access_report import run_stack_file

ROOT = Path(__file__).resolve().parents[2]
STACKS = [ROOT / "Pulumi.dev.yaml", ROOT / "Pulumi.prod.yaml"]

#: Which fields of which resources hold policy documents, and what kind of document.
POLICY_FIELDS = {
    ("aws:iam/role:Role", "assumeRolePolicy"): "trust",
    ("aws:iam/rolePolicy:RolePolicy", "policy"): "identity",
    ("aws:iam/policy:Policy", "policy"): "identity",
    ("aws:kms/key:Key", "policy"): "key",
    ("aws:s3/bucketPolicy:BucketPolicy", "policy"): "resource",
    ("aws:sns/topicPolicy:TopicPolicy", "policy"): "resource",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    tool: str
    issue: str
    detail: str
    where: str


#: (document kind, tool, issue, detail or "" for any) -> why it is accepted.
ACCEPTED: dict[tuple[str, str, str, str], str] = {
    (
        "trust",
        "parliament",
        "MALFORMED",
        "Statement contains neither Resource nor NotResource",
    ): "A role trust policy has no Resource element by grammar; parliament reads every "
    "document as an identity policy.",
    (
        "key",
        "parliament",
        "RESOURCE_STAR",
        "",
    ): "In a key policy, Resource '*' means 'this key' and nothing else.",
    (
        "key",
        "parliament",
        "PERMISSIONS_MANAGEMENT_ACTIONS",
        "",
    ): "The account root statement (kms:*, which AWS requires so the key stays manageable) "
    "and the key administrators (RevokeGrant; never PutKeyPolicy) must manage the key; "
    "every cryptographic use and CreateGrant is denied unless it comes through Parameter "
    "Store and from a role of the stack.",
    (
        "key",
        "cloudsplaining",
        "ServiceWildcard",
        "",
    ): "The account root statement kms:* on this key, required by AWS; see above.",
    (
        "key",
        "cloudsplaining",
        "ResourceExposure",
        "",
    ): "PutKeyPolicy by the account root statement (whoever runs `pulumi up`) and grant "
    "revocation by key administrators; grants cannot be created outside Parameter Store "
    "(explicit Deny).",
    (
        "key",
        "cloudsplaining",
        "InfrastructureModification",
        "",
    ): "Key management actions on this key by the account root and key administrators; "
    "Encrypt/Decrypt/GenerateDataKey are denied unless via ssm.<region>.amazonaws.com.",
}


def _documents() -> list[tuple[str, str, str]]:
    """(kind, where, JSON text) of every policy document both stacks emit, in order."""
    found = []
    for stack in STACKS:
        run = run_stack_file(stack)
        for resource in run.resources:
            for (type_, field_name), kind in POLICY_FIELDS.items():
                if resource.type == type_ and field_name in resource.inputs:
                    where = f"{stack.name}:{resource.name}.{field_name}"
                    found.append((kind, where, resource.inputs[field_name]))
    return found


DOCUMENTS = _documents()


def parliament_findings(kind: str, where: str, text: str) -> list[Finding]:
    policy = parliament.analyze_policy_string(text, include_community_auditors=True)
    return [
        Finding(kind, "parliament", f.issue, f.detail if isinstance(f.detail, str) else "", where)
        for f in policy.findings
    ]


def cloudsplaining_findings(kind: str, where: str, text: str) -> list[Finding]:
    # Empty exclusions: nothing is hidden by cloudsplaining's defaults.
    results = scan_policy(json.loads(text), {})
    return [
        Finding(kind, "cloudsplaining", category, json.dumps(body["findings"]), where)
        for category, body in sorted(results.items())
        if isinstance(body, dict) and body.get("findings")
    ]


def _accepted(finding: Finding) -> bool:
    return any(
        (kind, tool, issue) == (finding.kind, finding.tool, finding.issue)
        and (detail == "" or detail == finding.detail)
        for kind, tool, issue, detail in ACCEPTED
    )


def _all_findings() -> list[Finding]:
    findings = []
    for kind, where, text in DOCUMENTS:
        findings += parliament_findings(kind, where, text)
        findings += cloudsplaining_findings(kind, where, text)
    return findings


ALL_FINDINGS = _all_findings()


def test_every_kind_of_document_is_linted() -> None:
    kinds = {kind for kind, _, _ in DOCUMENTS}
    assert kinds == {"trust", "identity", "key", "resource"}
    assert len(DOCUMENTS) >= 40


def test_no_unaccepted_finding() -> None:
    unexpected = [f for f in ALL_FINDINGS if not _accepted(f)]
    assert unexpected == []


def test_identity_policies_have_no_finding_at_all() -> None:
    assert [f for f in ALL_FINDINGS if f.kind in ("identity", "resource")] == []


def test_every_acceptance_is_still_needed() -> None:
    for kind, tool, issue, detail in ACCEPTED:
        assert any(
            (f.kind, f.tool, f.issue) == (kind, tool, issue) and detail in ("", f.detail)
            for f in ALL_FINDINGS
        ), f"stale acceptance {(kind, tool, issue)}: remove it"


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    ],
)
def test_the_linters_do_catch_a_bad_identity_policy(statement: dict) -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    assert parliament_findings("identity", "bad", text)
    assert cloudsplaining_findings("identity", "bad", text)
    bad = parliament_findings("identity", "bad", text) + cloudsplaining_findings(
        "identity", "bad", text
    )
    assert not all(_accepted(f) for f in bad)
