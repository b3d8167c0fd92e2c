from __future__ import annotations

import botocore.exceptions as bx
import pytest

from secretctl.errors import AwsError
from secretctl.store.ssm_errors import aws_call


def client_error(code: str, message: str = "", retries: int = 0) -> bx.ClientError:
    return bx.ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"RetryAttempts": retries},
        },
        "Op",
    )


def translated(err: Exception, kms_key: str | None = None) -> str:
    with pytest.raises(AwsError) as caught:
        with aws_call("GetParameter", "/api/db_url", kms_key):
            raise err
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_access_denied_names_action_and_parameter() -> None:
    message = translated(client_error("AccessDeniedException", "User: x is not authorized"))
    assert message.startswith("access denied: ssm:GetParameter on /api/db_url")


def test_throttling_after_retries_says_so() -> None:
    message = translated(client_error("ThrottlingException", "Rate exceeded", retries=9))
    assert "throttled ssm:GetParameter on /api/db_url after 10 attempts" in message
    assert "--retries" in message


@pytest.mark.parametrize("code", ["InvalidKeyId", "KMSDisabledException", "KMSNotFoundException"])
def test_kms_problems_name_the_key(code: str) -> None:
    message = translated(client_error(code), kms_key="alias/parameter_store_key")
    assert "KMS key alias/parameter_store_key" in message and code in message


def test_credentials_and_region() -> None:
    assert "no AWS credentials" in translated(bx.NoCredentialsError())
    assert "AWS_REGION" in translated(bx.NoRegionError())


def test_param_validation_never_echoes_the_request() -> None:
    err = bx.ParamValidationError(report="Invalid length for parameter Value, value: SECRET")
    assert "SECRET" not in translated(err)
