"""Tests for secretctl.environ: env names, merging services, exec environments, shell export."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from secretctl.environ import (
    build_exec_env,
    check_env_name_clashes,
    env_name,
    is_shell_name,
    merge_services,
    secrets_to_env,
    shell_export_lines,
)
from secretctl.errors import UsageError

SECRET = "s3cr3t-VALUE"  # never allowed in a message


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("db-url", "DB_URL"),
        ("db.url", "DB_URL"),
        ("db_url", "DB_URL"),
        ("Mixed-Case.key", "MIXED_CASE_KEY"),
        ("a b\tc\nd", "A_B_C_D"),
        ("1abc", "1ABC"),
        ("--", "__"),
    ],
)
def test_env_name(key: str, expected: str) -> None:
    assert env_name(key) == expected


@pytest.mark.parametrize("name", ["A", "_", "DB_URL", "a1", "_1"])
def test_is_shell_name_accepts(name: str) -> None:
    assert is_shell_name(name)


@pytest.mark.parametrize("name", ["", "1ABC", "A-B", "A.B", "A B", "É", "A\n", "A=B"])
def test_is_shell_name_rejects(name: str) -> None:
    assert not is_shell_name(name)


def test_secrets_to_env_maps_names() -> None:
    assert secrets_to_env({"db-url": "u", "api.key": "k", "plain": "p"}) == {
        "DB_URL": "u",
        "API_KEY": "k",
        "PLAIN": "p",
    }


def test_secrets_to_env_keeps_names_that_are_not_shell_names() -> None:
    assert secrets_to_env({"1abc": "v"}) == {"1ABC": "v"}


@pytest.mark.parametrize(
    ("secrets", "listed"),
    [
        ({"db_url": SECRET, "db-url": SECRET}, "'db-url', 'db_url'"),
        ({"db_url": SECRET, "DB_URL": SECRET}, "'DB_URL', 'db_url'"),
        ({"a.b": SECRET, "a-b": SECRET, "a_b": SECRET}, "'a-b', 'a.b', 'a_b'"),
    ],
)
def test_secrets_to_env_collision(secrets: dict[str, str], listed: str) -> None:
    with pytest.raises(UsageError) as exc:
        secrets_to_env(secrets)
    message = str(exc.value)
    assert f"keys {listed} map to the same environment variable" in message
    assert SECRET not in message


def test_secrets_to_env_rejects_names_no_environment_can_hold() -> None:
    with pytest.raises(UsageError, match="'a=b'"):
        secrets_to_env({"a=b": SECRET})


def test_merge_services_later_wins_and_warns() -> None:
    merged, warnings = merge_services(
        [
            ("a", {"DB_URL": "from-a", "ONLY_A": "1"}),
            ("b", {"DB_URL": "from-b", "ONLY_B": "2"}),
            ("c", {"DB_URL": "from-c"}),
        ]
    )
    assert merged == {"DB_URL": "from-c", "ONLY_A": "1", "ONLY_B": "2"}
    assert warnings == [
        "warning: DB_URL from service 'b' overrides service 'a'",
        "warning: DB_URL from service 'c' overrides service 'b'",
    ]


def test_merge_services_warnings_never_hold_values() -> None:
    _, warnings = merge_services([("a", {"X": SECRET}), ("b", {"X": SECRET + "2"})])
    assert len(warnings) == 1
    assert SECRET not in warnings[0]


def test_merge_services_without_overlap() -> None:
    assert merge_services([("a", {"A": "1"}), ("b", {"B": "2"})]) == ({"A": "1", "B": "2"}, [])
    assert merge_services([]) == ({}, [])


PARENT = {"PATH": "/bin", "HOME": "/root", "DB_URL": "chamberme"}


def test_default_env_is_parent_updated_by_secrets() -> None:
    env = build_exec_env(
        {"PATH": "/bin", "DB_URL": "old"},
        {"DB_URL": "new", "K": "v"},
        pristine=False,
        strict=False,
    )
    assert env == {"PATH": "/bin", "DB_URL": "new", "K": "v"}


def test_pristine_env_is_only_secrets() -> None:
    env = build_exec_env(PARENT, {"DB_URL": "u", "K": "v"}, pristine=True, strict=False)
    assert env == {"DB_URL": "u", "K": "v"}


def test_strict_fills_placeholders_only() -> None:
    env = build_exec_env(PARENT, {"DB_URL": "u", "OTHER": "o"}, pristine=False, strict=True)
    assert env == {"PATH": "/bin", "HOME": "/root", "DB_URL": "u"}


def test_strict_pristine_is_only_filled_placeholders() -> None:
    parent = {"PATH": "/bin", "A": "chamberme", "B": "chamberme"}
    env = build_exec_env(parent, {"A": "1", "B": "2", "C": "3"}, pristine=True, strict=True)
    assert env == {"A": "1", "B": "2"}


def test_strict_missing_placeholder_is_an_error() -> None:
    parent = {"Z_VAR": "chamberme", "A_VAR": "chamberme", "B_VAR": "chamberme"}
    with pytest.raises(UsageError) as exc:
        build_exec_env(parent, {"B_VAR": SECRET}, pristine=False, strict=True)
    message = str(exc.value)
    assert "A_VAR, Z_VAR are set to the placeholder 'chamberme'" in message
    assert "B_VAR" not in message
    assert SECRET not in message


def test_strict_placeholder_that_no_key_can_produce_gets_a_hint() -> None:
    with pytest.raises(UsageError, match="db_url can never match"):
        build_exec_env({"db_url": "chamberme"}, {"DB_URL": "u"}, pristine=False, strict=True)


def test_strict_secret_over_a_non_placeholder_is_an_error_without_values() -> None:
    parent = {"DB_URL": "parent-" + SECRET, "API": "chamberme"}
    with pytest.raises(UsageError) as exc:
        build_exec_env(parent, {"DB_URL": SECRET, "API": "k"}, pristine=False, strict=True)
    message = str(exc.value)
    assert message.startswith("strict mode: DB_URL already set in the environment")
    assert SECRET not in message


def test_strict_checks_the_union_of_services() -> None:
    # Service 'a' lacks API, service 'b' has it: chamber checks each service alone and
    # fails on 'a'; the union of both fills every placeholder.
    merged, _ = merge_services([("a", {"DB_URL": "u"}), ("b", {"API": "k"})])
    parent = {"DB_URL": "chamberme", "API": "chamberme"}
    env = build_exec_env(parent, merged, pristine=True, strict=True)
    assert env == {"DB_URL": "u", "API": "k"}


def test_strict_with_a_custom_placeholder() -> None:
    parent = {"A": "chamberme", "B": "fill-me"}
    env = build_exec_env(parent, {"B": "b"}, pristine=False, strict=True, strict_value="fill-me")
    assert env == {"A": "chamberme", "B": "b"}


def test_build_exec_env_does_not_modify_its_inputs() -> None:
    parent = dict(PARENT)
    secrets = {"DB_URL": "u"}
    build_exec_env(parent, secrets, pristine=False, strict=False)
    build_exec_env(parent, secrets, pristine=False, strict=True)
    assert parent == PARENT
    assert secrets == {"DB_URL": "u"}


def test_shell_export_lines_exact() -> None:
    env = {"B": "it's $HOME", "A": "plain", "C": "", "D": "a\nb"}
    assert shell_export_lines(env) == [
        "export A=plain",
        "export B='it'\"'\"'s $HOME'",
        "export C=''",
        "export D='a\nb'",
    ]


@pytest.mark.parametrize(
    "value",
    ["", "x", "a b", "'", '"', "$(rm -rf /)", "`id`", "a\\b", "\n\t\r", "é😀", "!x", "a'b'c"],
)
def test_shell_export_quoting_is_shlex_quote(value: str) -> None:
    assert shell_export_lines({"V": value}) == [f"export V={shlex.quote(value)}"]


def test_shell_export_lines_round_trip_through_sh() -> None:
    env = {"A": "it's $HOME `id`", "B": "line1\nline2\ttab", "C": 'é\\"😀'}
    script = "\n".join(shell_export_lines(env)) + '\nprintf "%s\\0%s\\0%s" "$A" "$B" "$C"'
    out = subprocess.run(["sh", "-c", script], capture_output=True, check=True).stdout
    assert out.decode().split("\0") == [env["A"], env["B"], env["C"]]


def test_shell_export_rejects_invalid_names() -> None:
    with pytest.raises(UsageError, match="'1ABC' is not a valid shell variable name"):
        shell_export_lines({"1ABC": SECRET})


def test_environ_imports_only_the_stdlib() -> None:
    code = (
        "import sys, secretctl.environ; "
        "print(sorted(m for m in ('yaml', 'boto3', 'click', 'json') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True)
    assert out.stdout.strip() == "[]"


def test_env_name_clashes_name_both_keys() -> None:
    check_env_name_clashes(["a", "b-c"], stored=["b-c", "d"])  # an update of b-c is fine
    with pytest.raises(UsageError, match="keys 'DB_URL' and 'db_url' both become .* DB_URL"):
        check_env_name_clashes(["DB_URL", "x", "db_url"])  # as --preserve-case keeps them
    with pytest.raises(UsageError, match="key 'a.b' becomes .* A_B, as does 'a-b' already"):
        check_env_name_clashes(["a.b"], stored=["zz", "a-b"])
