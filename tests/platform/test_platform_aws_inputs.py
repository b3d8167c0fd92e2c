"""Mocks accept any value; the provider and AWS do not. Every input of every resource the
program registers (dev, prod and the IAM proof's matrix stack) is held to what pulumi-aws v7
declares: a property of that resource or block (a misspelled nested key is passed through
untranslated by the SDK and dropped or refused by the provider), with every required property
of each block present."""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from typing import Any

import pytest
from pulumi._types import input_type_py_to_pulumi_names

from tests.platform.aws_stacks import STACK_FILES, stack_run

_ARGS_REF = re.compile(r"ForwardRef\('(\w+Args)'\)")


def _args_class(type_token: str) -> type:
    """``aws:s3/bucketPolicy:BucketPolicy`` -> ``BucketPolicyArgs`` of the resource's own
    module (named ``<Name>InitArgs`` when a nested block has the name ``<Name>Args``, as the
    Bucket's object-lock block has the BucketObjectLockConfiguration's)."""
    _, module_and_file, name = type_token.split(":")
    package = importlib.import_module(f"pulumi_aws.{module_and_file.split('/')[0]}")
    module = sys.modules[getattr(package, name).__module__]
    return getattr(module, f"{name}InitArgs", None) or getattr(module, f"{name}Args")


def _properties(cls: type) -> dict[str, inspect.Parameter]:
    """The schema name of each property of an input type, with its constructor parameter."""
    parameters = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
    return {
        schema_name: parameters[python_name]
        for python_name, schema_name in input_type_py_to_pulumi_names(cls).items()
    }


def _nested_class(cls: type, parameter: inspect.Parameter) -> type | None:
    refs = _ARGS_REF.findall(str(parameter.annotation))
    if not refs:
        return None
    return getattr(sys.modules[cls.__module__], refs[0])


def problems(value: dict[str, Any], cls: type, where: str) -> list[str]:
    """What pulumi-aws would not accept in ``value`` (schema names) as an instance of ``cls``."""
    properties = _properties(cls)
    found = [
        f"{where}: unknown property {key!r} (pulumi-aws has {sorted(properties)})"
        for key in value
        if key not in properties
    ]
    found += [
        f"{where}: required property {key!r} missing"
        for key, parameter in properties.items()
        if parameter.default is inspect.Parameter.empty and key not in value
    ]
    for key, item in value.items():
        nested = _nested_class(cls, properties[key]) if key in properties else None
        if nested is None:
            continue
        blocks = item if isinstance(item, list) else [item]
        for index, block in enumerate(blocks):
            if isinstance(block, dict):
                found += problems(block, nested, f"{where}.{key}[{index}]")
    return found


@pytest.mark.parametrize("stack", sorted(STACK_FILES))
def test_every_input_is_a_property_pulumi_aws_declares(stack: str) -> None:
    run = stack_run(stack)
    resources = [r for r in run.resources if r.type.startswith("aws:")]
    assert len({r.type for r in resources}) >= 18, "the stack should exercise every resource type"
    found = [
        problem
        for r in resources
        for problem in problems(r.inputs, _args_class(r.type), f"{r.type} {r.name}")
    ]
    assert found == []


def test_the_check_catches_a_misspelled_and_a_missing_property() -> None:
    import pulumi_aws as aws

    rule = {"id": "x", "filter": {"prefix": "", "object_size": 1}, "expiration": {"days": 1}}
    assert problems(
        {"bucket": "b", "rules": [rule]}, aws.s3.BucketLifecycleConfigurationArgs, "lc"
    ) == [
        "lc.rules[0]: required property 'status' missing",
        "lc.rules[0].filter[0]: unknown property 'object_size' (pulumi-aws has "
        "['and', 'objectSizeGreaterThan', 'objectSizeLessThan', 'prefix', 'tag'])",
    ]
