"""Turn failed SSM calls (of boto3 or of the lean client) into one-line errors that name the
action and the parameter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from secretctl.aws.errors import (
    NO_CREDENTIALS,
    NO_REGION,
    PAST_DEADLINE,
    THROTTLE_CODES,
    UNCONNECTABLE,
    EndpointUnreachable,
    SsmCallError,
)
from secretctl.aws.retries import IDEMPOTENT
from secretctl.errors import AwsError, EndpointFailure, SecretctlError

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
    tries = f" after {attempts} attempts" if attempts and attempts > 1 else ""
    return f"ssm:{action} on {target} failed{tries}: {code}"


def error_code(err: BaseException) -> str | None:
    """The AWS error code of a failed call, from either client (None for other failures)."""
    code = getattr(err, "code", None)  # the lean client's SsmCallError
    if isinstance(code, str):
        return code
    response = getattr(err, "response", None)  # botocore's ClientError
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "Unknown"))
    return None


def unreachable(action: str, target: str, err: EndpointUnreachable) -> EndpointFailure:
    """The one-line error for an endpoint that gave no answer, the same from either client."""
    tries = ""
    if err.attempts and not err.reason.startswith(PAST_DEADLINE):  # the deadline ended them
        tries = f" ({err.attempts} attempt{'s' if err.attempts > 1 else ''})"
    message = f"ssm:{action} on {target}: the SSM endpoint {err.endpoint} {err.reason}{tries}"
    maybe_applied = err.sent and action not in IDEMPOTENT
    if maybe_applied:
        message += "; the request was sent, so it may or may not have been applied"
    return EndpointFailure(message, maybe_applied=maybe_applied)


@contextmanager
def aws_call(action: str, target: str, kms_key: KmsKey = None) -> Iterator[None]:
    """Run one SSM call; translate any failure of either client into an AwsError."""
    try:
        yield
    except SecretctlError:
        raise
    except EndpointUnreachable as err:
        raise unreachable(action, target, err) from None
    except SsmCallError as err:
        message = describe_client_error(
            err.code, err.message, action, target, kms_key, err.attempts
        )
        raise (EndpointFailure if err.server_error else AwsError)(message) from None
    except Exception as err:
        if type(err).__module__.startswith("botocore"):
            raise _from_botocore(err, action, target, kms_key) from None
        raise


def _from_botocore(err: Exception, action: str, target: str, kms_key: KmsKey) -> AwsError:
    import botocore.exceptions as bx

    if isinstance(err, bx.ClientError):
        error = err.response.get("Error", {})
        metadata = err.response.get("ResponseMetadata", {})
        attempts = metadata.get("RetryAttempts")
        server_error = int(metadata.get("HTTPStatusCode") or 0) >= 500
        return (EndpointFailure if server_error else AwsError)(
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
    if isinstance(err, (bx.ConnectionError, bx.HTTPClientError)):  # when no hook saw it
        endpoint = str(getattr(err, "kwargs", {}).get("endpoint_url", "?"))
        return unreachable(action, target, EndpointUnreachable(endpoint, UNCONNECTABLE, None, True))
    if isinstance(err, bx.ParamValidationError):
        # botocore's text can quote the rejected parameter, which may be the value itself
        return AwsError(f"ssm:{action} on {target} was rejected as an invalid request")
    return AwsError(f"ssm:{action} on {target} failed: {type(err).__name__}: {err}")
