"""When the lean path can serve exactly what boto3 would, and with which endpoints.

It serves a container-like setup: region from the environment, no profile, no shared config
or credentials file, the standard `aws` partition (or an explicit endpoint URL), no FIPS or
dual-stack endpoints. ``AWS_CA_BUNDLE`` is honoured (the CA bundle TLS trusts, as botocore).
Anything else goes through boto3."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import NamedTuple

# botocore's regex for the regions of the standard `aws` partition
_AWS_PARTITION_REGION = re.compile(r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$")
_TRUE = {"1", "true", "yes", "on"}


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def _has_content(path: str) -> bool:
    try:
        return os.path.getsize(path) > 0
    except OSError:
        return False


ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_STS")


def url_problem(url: str) -> str | None:
    """What makes ``url`` unusable as an HTTP endpoint, or None."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "use http:// or https:// and a host"
    try:
        _ = parts.port
    except ValueError:
        return "its port is not a number up to 65535"
    return None


def check_endpoint_urls(environ: Mapping[str, str]) -> None:
    """UsageError naming the variable when a configured endpoint URL cannot be used (both
    paths: botocore's own error is an unexpected ValueError)."""
    from secretctl.errors import UsageError

    if _truthy(environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")):
        return
    for variable in ENDPOINT_VARIABLES:
        url = environ.get(variable)
        problem = url_problem(url) if url else None
        if problem is not None:
            raise UsageError(
                f"{variable} {url!r} cannot be used: {problem}; give http(s)://HOST[:PORT]"
            )


class LeanSettings(NamedTuple):
    region: str
    ssm_endpoint: str
    sts_endpoint: str
    ca_bundle: str | None = None  # AWS_CA_BUNDLE: the CA certificates to trust over HTTPS


def lean_settings(environ: Mapping[str, str]) -> LeanSettings | None:
    """The lean path's settings, or None when boto3 must serve this environment."""
    if environ.get("SECRETCTL_LEAN", "1").strip().lower() in {"0", "false", "no", "off"}:
        return None
    if environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE"):
        return None
    for variable, default in (
        ("AWS_CONFIG_FILE", "~/.aws/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
    ):
        if _has_content(os.path.expanduser(environ.get(variable) or default)):
            return None
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if not region:
        return None
    if any(
        _truthy(environ.get(v)) for v in ("AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT")
    ):
        return None
    configured = not _truthy(environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))
    general = environ.get("AWS_ENDPOINT_URL") if configured else None
    ssm = (environ.get("AWS_ENDPOINT_URL_SSM") if configured else None) or general
    sts = (environ.get("AWS_ENDPOINT_URL_STS") if configured else None) or general
    if not ssm and not _AWS_PARTITION_REGION.match(region):
        return None  # another partition: boto3 knows its endpoints
    return LeanSettings(
        region=region,
        ssm_endpoint=ssm or f"https://ssm.{region}.amazonaws.com",
        sts_endpoint=sts or f"https://sts.{region}.amazonaws.com",
        ca_bundle=environ.get("AWS_CA_BUNDLE") or None,
    )
