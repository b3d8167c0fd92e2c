"""Turn failed SSM calls (of boto3 or of the lean client) into one-line errors that name the
action and the parameter."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from secretctl.errors import AwsError, SecretctlError

_KMS_CODES = {
    "InvalidKeyId",
    "KMSDisabledException",
    "KMSNotFoundException",
    "KMSInvalidStateException",
    "KMSAccessDeniedException",
    "KMSKeyNotAccessibleException",
    "DisabledException",
    "NotFoundException",
    "KeyUnavailableException",
}
THROTTLE_CODES = {"ThrottlingException", "Throttling", "TooManyUpdates", "RequestLimitExceeded"}
NO_CREDENTIALS = (
    "no AWS credentials found: set AWS_PROFILE, export keys (e.g. with aws-vault), or run "
    "where the ECS task or instance role provides them"
)
NO_REGION = "no AWS region configured: set AWS_REGION or AWS_DEFAULT_REGION"


KmsKey = str | Callable[[], "str | None"] | None  # a key, or how to look it up on an error


def _key_name(kms_key: KmsKey) -> str | None:
    if callable(kms_key):
        try:
            return kms_key()
        except Exception:  # the lookup is a courtesy: never hide the original error
            return None
    return kms_key


def describe_client_error(
    code: str, message: str, action: str, target: str, kms_key: KmsKey, attempts: int | None
) -> str:
    """The one-line message for an AWS error code on ``action`` against ``target``."""
    if code.isdigit():  # an answer without an error code: botocore says "503", the lean "HTTP503"
        code = f"HTTP{code}"
    if code in {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}:
        return (
            f"access denied: ssm:{action} on {target} (the caller's IAM policy does not allow it)"
        )
    if code in THROTTLE_CODES:
        tries = f" after {attempts} attempts" if attempts else ""
        return (
            f"AWS throttled ssm:{action} on {target}{tries}; try again later or raise "
            "--retries / SECRETCTL_RETRIES"
        )
    if code in _KMS_CODES or "KMS" in code or "kms" in message.lower() and "key" in message.lower():
        key = _key_name(kms_key) or "the parameter's KMS key"
        hint = " (set SECRETCTL_KMS_KEY to choose another)" if action == "PutParameter" else ""
        return (
            f"KMS key {key} cannot be used for ssm:{action} on {target} ({code}): check that it "
            f"exists, is enabled and allows this caller{hint}"
        )
    if code == "ParameterLimitExceeded":
        return f"ssm:{action} on {target}: the account's parameter limit is reached ({code})"
    if code in {"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException"}:
        return f"AWS rejected the credentials for ssm:{action} ({code}); refresh them and retry"
    return f"ssm:{action} on {target} failed: {code}"


def error_code(err: BaseException) -> str | None:
    """The AWS error code of a failed call, from either client (None for other failures)."""
    code = getattr(err, "code", None)  # the lean client's SsmCallError
    if isinstance(code, str):
        return code
    response = getattr(err, "response", None)  # botocore's ClientError
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "Unknown"))
    return None


_ERRNO_PREFIX = re.compile(r"^\[Errno -?\d+\] ")


def unreachable(action: str, reason: str) -> str:
    """The one message for an endpoint that could not be reached, on either path."""
    return f"cannot reach the SSM endpoint for ssm:{action}: {reason}"


def _os_reason(err: BaseException) -> str | None:
    """The socket error under a botocore connection error ("Connection refused"), as the
    lean path reports it."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [err]
    while pending:
        current = pending.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        kwargs = getattr(current, "kwargs", None)
        inner = kwargs.get("error") if isinstance(kwargs, dict) else None
        pending += [inner if isinstance(inner, BaseException) else None]
        pending += [current.__cause__, current.__context__]
    return None


@contextmanager
def aws_call(action: str, target: str, kms_key: KmsKey = None) -> Iterator[None]:
    """Run one SSM call; translate any failure of either client into an AwsError."""
    from secretctl.aws.ssm_client import SsmCallError

    try:
        yield
    except SecretctlError:
        raise
    except SsmCallError as err:
        if err.code == "Connection":
            raise AwsError(unreachable(action, _ERRNO_PREFIX.sub("", err.message))) from None
        raise AwsError(
            describe_client_error(err.code, err.message, action, target, kms_key, err.attempts)
        ) from None
    except Exception as err:
        if type(err).__module__.startswith("botocore"):
            raise _from_botocore(err, action, target, kms_key) from None
        raise


def _from_botocore(err: Exception, action: str, target: str, kms_key: KmsKey) -> AwsError:
    import botocore.exceptions as bx

    if isinstance(err, bx.ClientError):
        error = err.response.get("Error", {})
        attempts = err.response.get("ResponseMetadata", {}).get("RetryAttempts")
        return AwsError(
            describe_client_error(
                str(error.get("Code", "Unknown")),
                str(error.get("Message", "")),
                action,
                target,
                kms_key,
                attempts + 1 if isinstance(attempts, int) else None,
            )
        )
    if isinstance(err, bx.NoCredentialsError):
        return AwsError(NO_CREDENTIALS)
    if isinstance(err, bx.NoRegionError):
        return AwsError(NO_REGION)
    if isinstance(err, bx.EndpointConnectionError):
        return AwsError(unreachable(action, _os_reason(err) or "connection failed"))
    if isinstance(err, bx.ParamValidationError):
        # botocore's text can quote the rejected parameter, which may be the value itself
        return AwsError(f"ssm:{action} on {target} was rejected as an invalid request")
    return AwsError(f"ssm:{action} on {target} failed: {type(err).__name__}: {err}")
