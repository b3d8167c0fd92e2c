"""The label rules the matrix depends on: a label that could widen a grant (IAM wildcards,
empty segments, a leading or trailing '/', chamber's reserved segment, upper case that
secretctl never writes) never reaches a policy, because the real program refuses the stack.

The first test shows, with the engine, why the wildcard rule matters: the grant a label
``api*`` would produce reaches ``/apiv2``."""

from __future__ import annotations

import json

import pulumi
import pytest

from access_report.harness import load_stack_config, run_program
from tests.proof.iam.evaluator import IamEvaluator, NamedPolicy, Request, Row, assert_rows_hold
from tests.proof.iam.stack import MATRIX_STACK, Stack

BAD_LABELS = [
    "api*",
    "ap?",
    "api/",
    "/api",
    "api//v2",
    "API",
    "team/_chamber",
    "*",
    "api v2",
    "api$",
]


def test_a_wildcard_label_would_reach_other_services(stack: Stack, evaluator: IamEvaluator) -> None:
    """Why the rule exists: a grant on ``parameter/api*/*`` reaches ``/apiv2/x``."""
    wildcard = NamedPolicy(
        "grant of a label 'api*'",
        "identity",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ssm:GetParameter",
                    "Resource": stack.parameter_arn("/api*/*"),
                }
            ],
        },
    )
    role = f"arn:aws:iam::{stack.account}:role/probe"
    request = Request(
        role,
        "ssm:GetParameter",
        stack.parameter_arn("/apiv2/db_url"),
        stack.account,
        {},
        (wildcard,),
    )
    assert_rows_hold(
        evaluator, [Row("a label 'api*' would read /apiv2/db_url", request, "Allowed")]
    )


def _with(key: str, value: object) -> dict[str, str]:
    config = load_stack_config(MATRIX_STACK)
    config[f"secrets-platform:{key}"] = json.dumps(value)
    return config


@pytest.mark.parametrize("label", BAD_LABELS)
def test_program_refuses_a_bad_service_label(label: str) -> None:
    config = _with("services", [{"name": "api"}, {"name": "probe", "secretLabel": label}])
    with pytest.raises(pulumi.RunError, match=r"services\[1\]\.secretLabel"):
        run_program(config, stack="labels")


@pytest.mark.parametrize("namespace", [n for n in BAD_LABELS if n != "*"])
def test_program_refuses_a_bad_writer_namespace(namespace: str) -> None:
    config = _with(
        "writers",
        [
            {
                "name": "ci",
                "principals": ["arn:aws:iam::444455556666:role/ci"],
                "namespaces": [namespace],
            }
        ],
    )
    with pytest.raises(pulumi.RunError, match=r"writers\[0\]\.namespaces\[0\]"):
        run_program(config, stack="labels")
