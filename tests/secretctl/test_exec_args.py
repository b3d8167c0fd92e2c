"""The hand parser for container start agrees with the click CLI on every well-formed exec
command line, and hands everything else to click."""

from __future__ import annotations

import pytest

from secretctl.cli import cli
from secretctl.exec_args import parse_exec_argv

pytestmark = pytest.mark.filterwarnings("ignore:'protected_args' is deprecated")


def click_parse(argv: list[str], env: dict[str, str]) -> dict[str, object]:
    """What the click CLI makes of an exec command line."""
    import os

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        group_ctx = cli.make_context("secretctl", list(argv), resilient_parsing=False)
        name, command, rest = cli.resolve_command(
            group_ctx, [*group_ctx.protected_args, *group_ctx.args]
        )
        ctx = command.make_context(name, rest, parent=group_ctx)
        return dict(ctx.params, command=ctx.meta["exec_argv"], options=group_ctx.params)
    finally:
        os.environ.clear()
        os.environ.update(saved)


WELL_FORMED = [
    ["exec", "api", "--", "./server"],
    ["exec", "a", "b", "c", "--", "env", "-0"],
    ["exec", "--pristine", "api", "--", "true"],
    ["exec", "api", "--strict", "b", "--", "true", "--pristine"],
    ["exec", "--strict", "--strict-value", "FILL", "api", "--", "x"],
    ["exec", "--strict-value=FILL", "--preserve-case", "Api", "--", "x", "--", "y"],
    ["--retries", "3", "exec", "api", "--", "x"],
    ["--retries=0", "exec", "api", "--", "x"],
    # chamber's global flags, in click's spellings
    ["-r", "3", "exec", "api", "--", "x"],
    ["-r3", "--retries", "4", "exec", "api", "--", "x"],  # the last one wins
    ["--retry-mode", "standard", "exec", "api", "--", "x"],
    ["--retry-mode=ADAPTIVE", "exec", "api", "--", "x"],
    ["--verbose", "exec", "api", "--", "x"],
    ["--kms-key-alias", "alias/other", "exec", "api", "--", "x"],
    ["--kms-key-alias=", "exec", "api", "--", "x"],
    ["--kms-key-alias", "--verbose", "exec", "api", "--", "x"],  # a value, as click takes it
    ["-b", "ssm", "exec", "api", "--", "x"],
    ["-bSSM", "exec", "api", "--", "x"],
    ["--backend=s3", "exec", "api", "--", "x"],  # parsed alike; open_store refuses it
    ["-b", "exec", "exec", "api", "--", "x"],
    ["--verbose", "-r", "2", "--retry-mode", "adaptive", "--kms-key-alias=k", "-b", "ssm"]
    + ["exec", "--strict", "api", "--", "x"],
    ["--timeout", "2.5", "exec", "api", "--", "x"],
    ["--timeout=10", "--retries", "1", "exec", "api", "--", "x"],
    ["--retries", "1", "--timeout", ".5", "--timeout", "7", "exec", "api", "--", "x"],
]


@pytest.mark.parametrize("argv", WELL_FORMED)
@pytest.mark.parametrize(
    "env",
    [
        {},
        {"SECRETCTL_PRESERVE_CASE": "yes", "SECRETCTL_RETRIES": "4", "SECRETCTL_TIMEOUT": "3"},
    ],
)
def test_agrees_with_click(argv: list[str], env: dict[str, str]) -> None:
    request = parse_exec_argv(argv, env)
    assert request is not None
    expected = click_parse(argv, env)
    assert {
        "services": tuple(request.services),
        "pristine": request.pristine,
        "strict": request.strict,
        "strict_value": request.strict_value,
        "preserve_case": request.preserve_case,
        "command": request.command,
        "options": request.options.as_dict(),
    } == expected


@pytest.mark.parametrize(
    "argv",
    [
        ["exec", "api", "./server"],  # no --
        ["exec", "api", "--"],  # no command
        ["exec", "--", "true"],  # no service
        ["exec", "--help"],
        ["exec", "-h", "api", "--", "x"],
        ["exec", "--unknown", "api", "--", "x"],
        ["exec", "api", "--strict-value"],
        ["--retries", "x", "exec", "api", "--", "x"],
        ["--retriesx", "exec", "api", "--", "x"],
        ["--retries=", "exec", "api", "--", "x"],
        ["-r", "-1", "exec", "api", "--", "x"],
        ["-r=3", "exec", "api", "--", "x"],
        ["--retry-mode", "legacy", "exec", "api", "--", "x"],
        ["--verbose=1", "exec", "api", "--", "x"],
        ["--backend"],
        ["-b"],
        ["--kms-key-alias"],
        ["-x", "exec", "api", "--", "x"],
        ["--", "exec", "api", "--", "x"],
        ["--timeout", "0", "exec", "api", "--", "x"],
        ["--timeout", "nan", "exec", "api", "--", "x"],
        ["--timeout", "-1", "exec", "api", "--", "x"],
        ["--timeout=", "exec", "api", "--", "x"],
        ["--timeout"],
        ["--version"],
        ["read", "api", "k"],
        [],
    ],
)
def test_hands_the_rest_to_click(argv: list[str]) -> None:
    assert parse_exec_argv(argv, {}) is None


def test_bad_environment_values() -> None:
    """SECRETCTL_RETRIES is read where the store is made, for both paths (the error names the
    variable); a bad SECRETCTL_PRESERVE_CASE goes to click."""
    argv = ["exec", "api", "--", "x"]
    request = parse_exec_argv(argv, {"SECRETCTL_RETRIES": "many"})
    assert request is not None and request.options.retries is None
    assert parse_exec_argv(argv, {"SECRETCTL_PRESERVE_CASE": "maybe"}) is None


@pytest.mark.parametrize("retries", ["²", "1²"])
def test_digits_that_int_refuses_go_to_click(retries: str) -> None:
    assert parse_exec_argv(["-r", retries, "exec", "api", "--", "x"], {}) is None
    assert parse_exec_argv([f"--retries={retries}", "exec", "api", "--", "x"], {}) is None
