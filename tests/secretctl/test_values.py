from __future__ import annotations

import pytest

from secretctl.errors import UsageError
from secretctl.kms import resolve_kms_key
from secretctl.values import check_value, decode_input, first_line, tier_name


def test_value_limits_by_tier() -> None:
    check_value("x" * 4096, None, "k")
    check_value("\u00e9" * 2048, None, "k")  # 4096 bytes
    with pytest.raises(UsageError, match="4097 bytes; the limit is 4096: use --tier advanced"):
        check_value("x" * 4097, None, "k")
    with pytest.raises(UsageError, match="4098 bytes"):
        check_value("\u00e9" * 2049, None, "k")
    check_value("x" * 8192, "Advanced", "k")
    with pytest.raises(UsageError, match="8193 bytes; the limit is 8192"):
        check_value("x" * 8193, "Advanced", "k")


def test_empty_value_and_message_never_quotes_value() -> None:
    with pytest.raises(UsageError, match="empty"):
        check_value("", None, "k")
    with pytest.raises(UsageError) as err:
        check_value("SECRET" * 1000, None, "k")
    assert "SECRET" not in str(err.value)


def test_lone_surrogate_is_not_utf8() -> None:
    with pytest.raises(UsageError, match="not valid UTF-8"):
        check_value("a\udc80", None, "k")


def test_decode_input() -> None:
    assert decode_input(b"line\n", "stdin") == "line\n"
    with pytest.raises(UsageError, match=r"stdin is not valid UTF-8 \(bad byte at offset 1\)"):
        decode_input(b"a\xff", "stdin")


def test_first_line_and_tier() -> None:
    assert first_line("a\nb\n") == "a"
    assert first_line("a\r\nb") == "a"
    assert first_line("a\x0bb\x85c\u2028d\n") == "a\x0bb\x85c\u2028d"  # only \n ends a line
    assert first_line("no newline") == "no newline"
    assert tier_name("ADVANCED") == "Advanced"
    assert tier_name(None) is None
    with pytest.raises(UsageError, match="unknown tier"):
        tier_name("premium")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "alias/parameter_store_key"),
        ({"SECRETCTL_KMS_KEY": "mykey"}, "alias/mykey"),
        ({"SECRETCTL_KMS_KEY": "alias/mykey"}, "alias/mykey"),
        (
            {"SECRETCTL_KMS_KEY": "arn:aws:kms:us-east-1:123456789012:alias/x"},
            "arn:aws:kms:us-east-1:123456789012:alias/x",
        ),
        (
            {"SECRETCTL_KMS_KEY": "1234abcd-12ab-34cd-56ef-1234567890ab"},
            "1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        ({"SECRETCTL_KMS_KEY": "mrk-" + "a" * 32}, "mrk-" + "a" * 32),
        ({"CHAMBER_KMS_KEY_ALIAS": "legacy"}, "alias/legacy"),
        ({"CHAMBER_KMS_KEY_ALIAS": "legacy", "SECRETCTL_KMS_KEY": "new"}, "alias/new"),
    ],
)
def test_kms_key_resolution(env: dict[str, str], expected: str) -> None:
    assert resolve_kms_key(env) == expected
