"""The AWS side of the audit that is not CloudTrail: the session, the scope (account, region,
the secrets key) and the parameters that exist now. boto3 is fine here: the audit is never on
the container-start path."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from secretctl.audit.answers import Existing
from secretctl.audit.rules import is_audited_name
from secretctl.errors import AwsError
from secretctl.store.ssm_errors import NO_CREDENTIALS, NO_REGION, error_code

DEFAULT_RETRIES = 10


class Aws:
    """One boto3 session for the audit; clients made on first use, for ``region``."""

    def __init__(self, region: str | None = None, retries: int | None = None) -> None:
        import boto3

        session = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION") or None)
        if not session.region_name:
            raise AwsError(NO_REGION)
        self.session = session
        self.region: str = session.region_name
        self.retries = DEFAULT_RETRIES if retries is None else retries
        self._clients: dict[tuple[str, str], Any] = {}
        self._account: str | None = None

    def client(self, service: str, mode: str = "adaptive", retries: int | None = None) -> Any:
        from botocore.config import Config

        from secretctl import __version__

        attempts = self.retries if retries is None else retries
        key = (service, f"{mode}:{attempts}")
        if key not in self._clients:
            config = Config(
                retries={"mode": mode, "max_attempts": attempts},
                user_agent_extra=f"secretctl/{__version__} audit",
                max_pool_connections=32,
            )
            self._clients[key] = self.session.client(service, config=config)
        return self._clients[key]

    def account(self) -> str:
        """The caller's account (sts:GetCallerIdentity, asked once)."""
        if self._account is None:
            with aws_errors("sts:GetCallerIdentity", "the caller"):
                self._account = str(self.client("sts").get_caller_identity()["Account"])
        return self._account

    def secrets_key_ids(self, configured: str, account: str) -> tuple[frozenset[str], bool]:
        """Every way a KMS event in ``account`` may name its secrets key, and whether the key
        itself (its ARN) is known. The configured id or alias (``SECRETCTL_KMS_KEY``) is
        resolved with kms:DescribeKey: as given (the caller's account), then, for an alias, as
        that alias's ARN in ``account``; only a key of ``account`` counts. The caller's key is
        not another account's: for another account whose key cannot be described (its key
        policy does not let the caller), what is left is the alias (its name and its ARN in
        ``account``), or a key ARN configured in ``account``."""
        alias = configured.startswith("alias/")
        in_account = not configured.startswith("arn:") or _arn_account(configured) == account
        ids = {configured} if in_account else set()
        if alias:
            ids.add(f"arn:aws:kms:{self.region}:{account}:{configured}")
        resolved = configured.startswith("arn:") and ":key/" in configured and in_account
        if resolved:
            ids.add(configured.rpartition("/")[2])
        candidates = [configured]
        if alias:
            candidates.append(f"arn:aws:kms:{self.region}:{account}:{configured}")
        for key in candidates:
            try:
                meta = self.client("kms", retries=2).describe_key(KeyId=key)["KeyMetadata"]
            except Exception:  # a courtesy: refusals with a PARAMETER_ARN context still count
                continue
            if _arn_account(meta["Arn"]) == account:
                ids |= {meta["Arn"], meta["KeyId"]}
                return frozenset(ids), True
            if not alias:  # a key id of the caller's account: not this account's key
                ids.discard(configured)
        return frozenset(ids), resolved

    def existing(self, services: Sequence[str]) -> list[Existing]:
        """The secretctl parameters that exist now: of ``services`` (one level under each), or
        every one when none is given (ssm:DescribeParameters, paged)."""
        client = self.client("ssm")
        found: list[Existing] = []
        filters = [[{"Key": "Path", "Option": "OneLevel", "Values": [f"/{s}"]}] for s in services]
        for parameter_filters in filters or [[]]:
            for param in _describe(client, parameter_filters):
                name = param["Name"]
                if is_audited_name(name) and (
                    not services or name[1:].rpartition("/")[0] in services
                ):
                    found.append(
                        Existing(name, param["LastModifiedDate"], param.get("LastModifiedUser", ""))
                    )
        return found


def _arn_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _describe(client: Any, parameter_filters: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    args: dict[str, Any] = {"MaxResults": 50}
    if parameter_filters:
        args["ParameterFilters"] = parameter_filters
    with aws_errors("ssm:DescribeParameters", "the parameters"):
        while True:
            page = client.describe_parameters(**args)
            yield from page.get("Parameters", [])
            token = page.get("NextToken")
            if not token:
                return
            args["NextToken"] = token


class AccessDeniedError(AwsError):
    """AWS refused the caller: fatal (the answer would be silently incomplete)."""


class aws_errors:  # noqa: N801 - used as a context manager, like contextlib's
    """Turn a failed AWS call into one line naming the action and the target."""

    def __init__(self, action: str, target: str) -> None:
        self.action = action
        self.target = target

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, err: BaseException | None, tb: Any) -> bool:
        if err is None or isinstance(err, AwsError) or not isinstance(err, Exception):
            return False
        message = describe(err, self.action, self.target)
        kind_ = AccessDeniedError if message.startswith("access denied") else AwsError
        raise kind_(message) from None


def describe(err: BaseException, action: str, target: str) -> str:
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError

    if isinstance(err, NoCredentialsError):
        return NO_CREDENTIALS
    if isinstance(err, EndpointConnectionError):
        return f"cannot reach AWS for {action} on {target}: {err}"
    code = error_code(err) or type(err).__name__
    if code in {"AccessDenied", "AccessDeniedException", "403", "Forbidden"}:
        reason = _aws_message(err)
        if " is not authorized to perform: " in reason:  # AWS says which action and resource
            return f"access denied: {action} on {target} ({reason})"
        return f"access denied: {action} on {target} (the caller's IAM policy does not allow it)"
    if code in {"NoSuchBucket", "404"} and action.startswith("s3:"):
        return f"{target} does not exist ({action}: {code})"
    if code in {"ThrottlingException", "Throttling", "TooManyRequestsException"}:
        return f"AWS throttled {action} on {target} after the retries; try again later"
    reason = _aws_message(err)
    return f"{action} on {target} failed: {code}" + (f" ({reason})" if reason else "")


def _aws_message(err: BaseException, limit: int = 300) -> str:
    """AWS's own message of a failed call (what says how to fix it: "WorkGroup does not
    exist", "No output location provided"), on one line. The audit's calls (STS, SSM's
    DescribeParameters, KMS's DescribeKey, CloudTrail, S3, Athena) never carry a value."""
    response = getattr(err, "response", None)
    message = response.get("Error", {}).get("Message") if isinstance(response, dict) else None
    text = " ".join(str(message or "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
