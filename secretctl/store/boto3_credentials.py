"""Credentials on the boto3 path: fetched when the client is made (within the command's
deadline), and a failure worded as the lean path words it (``aws/credentials.py``), in one
line, instead of botocore's nested text or an unexpected error."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from secretctl.aws.errors import UNCONNECTABLE, no_answer_within, no_connection_within
from secretctl.errors import AwsError

ECS_ENDPOINT = "the ECS task credentials endpoint"
ECS_TIMEOUT_SECONDS = 2  # botocore's ContainerMetadataFetcher.TIMEOUT_SECONDS, as the lean path


def credential_source(environ: Mapping[str, str]) -> str:
    """The start of the line that says where credentials could not be had from."""
    if environ.get("AWS_WEB_IDENTITY_TOKEN_FILE") and environ.get("AWS_ROLE_ARN"):
        return "cannot reach STS for AssumeRoleWithWebIdentity: "
    if environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or environ.get(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI"
    ):
        return f"cannot get credentials from {ECS_ENDPOINT}: "
    return "cannot get AWS credentials: "


def fetch_credentials(session: Any) -> None:
    """Fetch the session's credentials now (a web identity's are deferred to the first call,
    where a failure would read as the SSM endpoint's)."""
    credentials = session.get_credentials()
    if credentials is not None:
        credentials.get_frozen_credentials()


def credentials_error(err: BaseException, no_answer: str | None) -> AwsError | None:
    """The one-line error for a failure to get credentials; None when ``err`` is not one.
    ``no_answer``: how the endpoint failed to answer, when ``err`` says it did."""
    import botocore.exceptions as bx

    environ = os.environ
    unusable = _unusable_container_url(environ)  # botocore's failure may be a ValueError
    if unusable is not None:
        return unusable
    metadata_url = environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT")
    if isinstance(err, bx.InvalidIMDSEndpointError) and metadata_url:
        from secretctl.aws.credentials import check_metadata_url

        try:
            check_metadata_url(metadata_url)
        except AwsError as unusable:
            return unusable
    if isinstance(err, bx.CredentialRetrievalError):
        provider = str(err.kwargs.get("provider", "?"))
        detail = str(err.kwargs.get("error_msg", ""))
        if provider == "container-role":
            return AwsError(f"cannot get credentials from {ECS_ENDPOINT}: {_ecs_reason(detail)}")
        return AwsError(f"cannot get credentials from {provider}: {' '.join(detail.split())}")
    token_file = environ.get("AWS_WEB_IDENTITY_TOKEN_FILE")
    if isinstance(err, OSError) and token_file and err.filename == token_file:
        return AwsError(f"cannot read AWS_WEB_IDENTITY_TOKEN_FILE: {err.strerror}")
    if type(err).__module__.startswith("botocore"):
        if no_answer is not None:
            return AwsError(credential_source(environ) + no_answer)
        if isinstance(err, bx.ClientError):
            code = str(err.response.get("Error", {}).get("Code", "Unknown"))
            operation = getattr(err, "operation_name", "AssumeRole")
            role = environ.get("AWS_ROLE_ARN") if operation == "AssumeRoleWithWebIdentity" else ""
            return AwsError(f"sts:{operation}{f' for {role}' if role else ''} failed: {code}")
    return None


def _unusable_container_url(environ: Mapping[str, str]) -> AwsError | None:
    """The lean path's line for an AWS_CONTAINER_CREDENTIALS_FULL_URI it would not ask."""
    from secretctl.aws.credentials import check_container_url

    full_uri = environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    if not full_uri or environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        return None
    try:
        check_container_url(full_uri)
    except AwsError as err:
        return err
    return None


def _ecs_reason(detail: str) -> str:
    """What botocore's text says the ECS endpoint did, in the lean path's words."""
    import re

    if "Read timeout" in detail:
        return no_answer_within(ECS_TIMEOUT_SECONDS)
    if "Connect timeout" in detail:
        return no_connection_within(ECS_TIMEOUT_SECONDS)
    if "Could not connect" in detail:
        return UNCONNECTABLE
    status = re.search(r"non 200 response (\d+)", detail)
    if status:
        return f"HTTP {status.group(1)}"
    return "answered without usable credentials"
