"""Which S3 folders and local files the file sources read."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from devtools.cloudtrail_events import ACCOUNT, REGION
from secretctl.audit.logfiles import S3Location, s3_files
from secretctl.audit.window import Window


class _ListingClient:
    """Answers ListObjectsV2 with one account folder and no files; records every prefix."""

    def __init__(self) -> None:
        self.prefixes: list[str] = []

    def list_objects_v2(self, **args: Any) -> dict[str, Any]:
        self.prefixes.append(args["Prefix"])
        if args.get("Delimiter"):
            return {"CommonPrefixes": [{"Prefix": f"{args['Prefix']}{ACCOUNT}/"}]}
        return {}


class _Aws:
    def __init__(self) -> None:
        self.s3 = _ListingClient()

    def client(self, service: str) -> Any:
        assert service == "s3"
        return self.s3


def test_s3_lists_no_folder_after_the_day_after_now() -> None:
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    window = Window(today - timedelta(days=2), today + timedelta(days=3650))
    aws = _Aws()
    assert s3_files(aws, S3Location.parse("s3://trail"), ACCOUNT, REGION, window) == []  # type: ignore[arg-type]
    days = sorted(p.rsplit("/", 4)[-4:-1] for p in aws.s3.prefixes if "/CloudTrail/" in p)
    expected = [today + timedelta(days=n) for n in (-2, -1, 0, 1)]
    assert days == [[f"{d:%Y}", f"{d:%m}", f"{d:%d}"] for d in expected], (
        "--until ten years ahead lists the window's days up to the day after today only"
    )


def test_a_refusal_for_the_trail_key_names_kms_decrypt() -> None:
    """SSE-KMS log files: S3 answers GetObject with AccessDenied when the caller may not use
    the trail's key. AWS's message says so; the one line must too (s3:GetObject alone sends
    the user to the wrong policy)."""
    from botocore.exceptions import ClientError

    from secretctl.audit.aws import describe

    because_of_kms = ClientError(
        {
            "Error": {
                "Code": "AccessDenied",
                "Message": "User: arn:aws:sts::123456789012:assumed-role/audit/x is not "
                "authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:"
                "123456789012:key/abcd because no identity-based policy allows the "
                "kms:Decrypt action",
            }
        },
        "GetObject",
    )
    line = describe(because_of_kms, "s3:GetObject", "s3://trail/AWSLogs/x.json.gz")
    assert line.startswith("access denied: s3:GetObject on s3://trail/AWSLogs/x.json.gz")
    assert "kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/abcd" in line
    plain = ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "X")
    assert describe(plain, "s3:ListBucket", "bucket b") == (
        "access denied: s3:ListBucket on bucket b (the caller's IAM policy does not allow it)"
    )
