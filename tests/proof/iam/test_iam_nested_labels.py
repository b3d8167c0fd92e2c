"""Labels nested in one another (``team-billing`` and ``team-billing/api``).

A label's grant covers ``parameter/<label>/*`` (GetParameter, GetParameters, and Decrypt by
``PARAMETER_ARN``) and GetParametersByPath on ``parameter/<label>`` (which, with
``Recursive``, returns every level below it). So a service whose label is a parent path of
another service's label reads all of that service's secrets. docs/platform.md promises that
each service reads only its own secrets and that a bad config stops the program with one
message, so the config must refuse such a pair (or the policies must isolate them).
(The other direction, a child label never reaching its parent path, is part of the matrix:
``test_service_reaches_no_sibling_parent_or_root``.)
"""

from __future__ import annotations

import json

import pulumi

from access_report.harness import load_stack_config, run_program
from tests.proof.iam.claims import BY_PATH, SERVICE_READS
from tests.proof.iam.evaluator import IamEvaluator, Row, assert_rows_hold
from tests.proof.iam.stack import MATRIX_STACK, ServiceSpec, build_stack, read_spec

NESTED = (
    ServiceSpec("billing", "team-billing"),
    ServiceSpec("billing-api", "team-billing/api"),
    ServiceSpec("api", "api"),
)


def test_nested_labels_are_refused_or_isolated(evaluator: IamEvaluator) -> None:
    config = load_stack_config(MATRIX_STACK)
    config["secrets-platform:services"] = json.dumps(
        [{"name": s.name, "secretLabel": s.label} for s in NESTED]
    )
    try:
        run = run_program(config, stack="nested")
    except pulumi.RunError as error:  # the fix may refuse the config: that is isolation too
        assert "team-billing" in str(error) and "secretLabel" in str(error)
        return
    base = read_spec()
    spec = type(base)(base.account, base.region, NESTED, base.writers, base.key_admins)
    stack = build_stack(run, spec)
    parent = stack.services["billing"]
    rows = [
        Row(
            f"billing cannot {action} billing-api's /team-billing/api/db_url",
            stack.ssm(parent, action, "/team-billing/api/db_url"),
            "Denied",
        )
        for action in SERVICE_READS
    ]
    rows += [
        Row(
            "billing cannot list /team-billing/api",
            stack.ssm(parent, BY_PATH, "/team-billing/api"),
            "Denied",
        ),
        Row(
            "billing cannot decrypt /team-billing/api/db_url",
            stack.kms(parent.role_arn, parent.policies, "kms:Decrypt", "/team-billing/api/db_url"),
            "Denied",
        ),
    ]
    assert_rows_hold(evaluator, rows)
