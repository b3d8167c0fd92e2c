"""IAM's wildcard and ARN matching (policies/matching.py)."""

from __future__ import annotations

import pytest

from policies.matching import arn_like, matches_some_string_starting_with, wildcard_match


def test_wildcards() -> None:
    assert wildcard_match("ssm:Get*", "ssm:GetParameter")
    assert not wildcard_match("ssm:Get*", "SSM:getparameter")
    assert wildcard_match("ssm:Get*", "SSM:getparameter", ignore_case=True)
    assert wildcard_match("a?c", "abc") and not wildcard_match("a?c", "abbc")
    assert wildcard_match("a.b[c]", "a.b[c]") and not wildcard_match("a.b", "axb")


def test_prefix_matching() -> None:
    assert matches_some_string_starting_with("ab*", "abc/")
    assert matches_some_string_starting_with("*", "anything")
    assert not matches_some_string_starting_with("abd*", "abc")
    assert matches_some_string_starting_with("a?c", "ab")
    assert not matches_some_string_starting_with("ab", "abc")


@pytest.mark.parametrize(
    ("pattern", "arn", "match"),
    [
        ("*", "arn:aws:kms:eu-west-1:1:key/k", True),
        ("arn:aws:kms:*:*:key/*", "arn:aws:kms:eu-west-1:1:key/k", True),
        # a wildcard never spans a colon: the region component is only "*"
        ("arn:aws:ssm:*::parameter/aws/*", "arn:aws:ssm:eu-west-1:1:parameter/aws/x", False),
        ("arn:aws:ssm:*:*:parameter/aws/*", "arn:aws:ssm:eu-west-1:1:parameter/aws/x", True),
        (
            "arn:aws:iam::1:role/aws-reserved/*/AWSReservedSSO_X_*",
            "arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_X_ab",
            True,
        ),
        ("not-an-arn", "arn:aws:kms:eu-west-1:1:key/k", False),
    ],
)
def test_arn_like(pattern: str, arn: str, match: bool) -> None:
    assert arn_like(pattern, arn) is match
