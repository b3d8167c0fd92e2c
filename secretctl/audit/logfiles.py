"""Which log files to read, from a local directory or an S3 bucket, and how to read one.

CloudTrail writes ``[PREFIX/]AWSLogs/[ORG-ID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/*.json.gz``.
Only the day folders of the window, plus the day after it (events of a day's last minutes are
delivered into the next day's folder), are listed; digest files are skipped. A directory that
does not follow the layout is read whole (``*.json.gz`` and ``*.json``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from secretctl.audit.aws import Aws, aws_errors
from secretctl.audit.window import Window, day_folder
from secretctl.errors import UsageError

LOG_SUFFIXES = (".json.gz", ".json")
DIGEST = "CloudTrail-Digest"
# .../AWSLogs/[o-id/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/file
_LAYOUT = re.compile(
    r"(?:^|/)AWSLogs/(?:(o-[a-z0-9]+)/)?(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/"
)


def is_log_name(name: str) -> bool:
    return name.endswith(LOG_SUFFIXES) and DIGEST not in name


def wanted(relative: str, account: str, region: str, days: set[str]) -> bool:
    """A file in the CloudTrail layout is read when it is of the account, the region and a day
    of the window; a file outside the layout always is."""
    match = _LAYOUT.search(relative)
    if not match:
        return True
    _, acct, reg, y, m, d = match.groups()
    return acct == account and reg == region and f"{y}/{m}/{d}" in days


def local_files(root: Path, account: str, region: str, window: Window) -> list[str]:
    """The log files under a directory for this account, region and window, sorted."""
    if not root.is_dir():
        raise UsageError(f"--source {root}: not a directory")
    days = {day_folder(d) for d in window.days(now=datetime.now(timezone.utc))}
    found = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != DIGEST)
        for filename in filenames:
            path = os.path.join(folder, filename)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            if is_log_name(filename) and wanted(relative, account, region, days):
                found.append(path)
    return sorted(found)


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or "logs/" (always ends with "/" when not empty)

    @classmethod
    def parse(cls, source: str) -> S3Location:
        rest = source[len("s3://") :]
        bucket, _, prefix = rest.partition("/")
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
            raise UsageError(
                f"--source {source}: not a valid bucket name; use s3://BUCKET[/PREFIX]"
            )
        prefix = prefix.strip("/")
        parts = prefix.split("/")
        if "AWSLogs" in parts:  # a folder of the layout, pasted from the console
            trail = "/".join([bucket, *parts[: parts.index("AWSLogs")]])
            raise UsageError(
                f"--source {source}: give the trail's bucket and prefix, the part before "
                f"AWSLogs/ (s3://{trail}); choose the account and region with --account and "
                "--region"
            )
        return cls(bucket, f"{prefix}/" if prefix else "")

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def _list(client: Any, bucket: str, prefix: str, delimiter: str | None = None) -> Iterator[dict]:
    args: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if delimiter:
        args["Delimiter"] = delimiter
    with aws_errors("s3:ListBucket", f"bucket {bucket}"):
        while True:
            page = client.list_objects_v2(**args)
            yield page
            if not page.get("IsTruncated"):
                return
            args["ContinuationToken"] = page["NextContinuationToken"]


def s3_trail_roots(client: Any, location: S3Location, account: str) -> list[str]:
    """``PREFIX/AWSLogs/ACCOUNT/`` and, for organisation trails, ``PREFIX/AWSLogs/ORG/ACCOUNT/``
    (the organisation folders found by listing ``AWSLogs/``)."""
    base = f"{location.prefix}AWSLogs/"
    roots = []
    for page in _list(client, location.bucket, base, "/"):
        for common in page.get("CommonPrefixes", []):
            name = common["Prefix"][len(base) :].rstrip("/")
            if name == account:
                roots.append(f"{base}{account}/")
            elif name.startswith("o-"):
                roots.append(f"{base}{name}/{account}/")
    return roots


def s3_files(
    aws: Aws, location: S3Location, account: str, region: str, window: Window
) -> list[str]:
    """The keys of the window's log files (day folders listed concurrently)."""
    from concurrent.futures import ThreadPoolExecutor

    client = aws.client("s3")
    roots = s3_trail_roots(client, location, account)
    days = window.days(now=datetime.now(timezone.utc))
    folders = [f"{root}CloudTrail/{region}/{day_folder(day)}/" for root in roots for day in days]

    def keys(folder: str) -> list[str]:
        return [
            item["Key"]
            for page in _list(client, location.bucket, folder)
            for item in page.get("Contents", [])
            if is_log_name(item["Key"])
        ]

    with ThreadPoolExecutor(8) as pool:
        return sorted(k for found in pool.map(keys, folders) for k in found)


class S3Fetch:
    """Reads one key of a bucket (made in each worker process: clients cannot be pickled)."""

    def __init__(self, bucket: str, region: str | None, retries: int | None) -> None:
        self.bucket = bucket
        self.region = region
        self.retries = retries
        self.client: Any = None

    def __call__(self, key: str) -> bytes:
        if self.client is None:
            self.client = Aws(self.region, self.retries).client("s3")
        with aws_errors("s3:GetObject", f"s3://{self.bucket}/{key}"):
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            return body.read()  # type: ignore[no-any-return]


def s3_fetch_factory(bucket: str, region: str | None, retries: int | None) -> Callable[[], S3Fetch]:
    return _Factory(bucket, region, retries)


@dataclass(frozen=True)
class _Factory:
    """Picklable: builds the worker's S3Fetch."""

    bucket: str
    region: str | None
    retries: int | None

    def __call__(self) -> S3Fetch:
        return S3Fetch(self.bucket, self.region, self.retries)
