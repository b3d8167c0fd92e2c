"""A KMS failure names the key: the configured one for writes, the parameter's own for reads
(looked up only when the error happens)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from secretctl.aws.errors import SsmCallError
from secretctl.errors import AwsError
from secretctl.store.ssm import SsmStore

KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


class DisabledKeyClient:
    """Answers like SSM when the parameters' KMS key is disabled; records the calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def _fail(self, **_: Any) -> Any:
        raise SsmCallError("KMSDisabledException", "key is disabled", 1)

    def get_parameter(self, **kwargs: Any) -> Any:
        self.calls.append("GetParameter")
        return self._fail()

    def get_parameters_by_path(self, **kwargs: Any) -> Any:
        self.calls.append("GetParametersByPath")
        return self._fail()

    def put_parameter(self, **kwargs: Any) -> Any:
        self.calls.append("PutParameter")
        return self._fail()

    def describe_parameters(self, **kwargs: Any) -> Any:
        self.calls.append("DescribeParameters")
        when = datetime(2026, 11, 29, tzinfo=timezone.utc)
        return {"Parameters": [{"Name": "/api/db_url", "KeyId": KEY, "LastModifiedDate": when}]}


@pytest.fixture
def store() -> SsmStore:
    return SsmStore(DisabledKeyClient(), "alias/parameter_store_key")


def test_read_names_the_parameters_key(store: SsmStore) -> None:
    with pytest.raises(AwsError, match=f"KMS key {KEY} cannot be used for ssm:GetParameter"):
        store.read_value("/api/db_url")
    assert store.client.calls == ["GetParameter", "DescribeParameters"]


def test_service_read_names_the_keys_under_its_path(store: SsmStore) -> None:
    with pytest.raises(AwsError, match=f"KMS key {KEY} cannot be used for ssm:GetParametersByPath"):
        store.read_service("api")


def test_write_names_the_configured_key(store: SsmStore) -> None:
    with pytest.raises(AwsError, match="KMS key alias/parameter_store_key cannot be used"):
        store.write("/api/db_url", "v", 1, None)
    assert store.client.calls == ["PutParameter"]  # nothing looked up: the key is known


def test_only_writes_suggest_another_key(store: SsmStore) -> None:
    with pytest.raises(AwsError) as read_error:
        store.read_value("/api/db_url")
    with pytest.raises(AwsError) as write_error:
        store.write("/api/db_url", "v", 1, None)
    assert "SECRETCTL_KMS_KEY" not in str(read_error.value)
    assert "SECRETCTL_KMS_KEY" in str(write_error.value)
