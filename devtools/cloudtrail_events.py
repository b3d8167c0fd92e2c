"""Realistic CloudTrail records, and the log files a trail writes them into.

The record shapes follow AWS's published examples (CloudTrail User Guide, "CloudTrail log
file examples" and "CloudTrail userIdentity element"; the SSM and KMS guides' "Logging ...
API calls with AWS CloudTrail" pages): management events from ``ssm.amazonaws.com`` and
``kms.amazonaws.com`` with their ``requestParameters``, Parameter Store's own ``kms:Decrypt``
/ ``kms:Encrypt`` / ``kms:GenerateDataKey`` with the ``PARAMETER_ARN`` encryption context
(``invokedBy: ssm.amazonaws.com``), AccessDenied on both, and the identities: assumed roles
(with paths), IAM users, the root user and AWS services.

Files are written as CloudTrail delivers them: gzip of ``{"Records": [...]}`` under
``[PREFIX/]AWSLogs/[ORG-ID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`` named
``ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz`` by delivery time (events of the
last minutes of a day land in the next day's folder), with ``CloudTrail-Digest`` files beside.

Used by the tests (small, exact scenarios) and by the benchmark (a busy month).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"  # moto's default account (and AWS's documentation example)
OTHER_ACCOUNT = "444455556666"
REGION = "us-east-1"
ORG_ID = "o-exampleorgid"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
DELIVERY_MINUTES = 5
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

Record = dict[str, Any]


def key_arn(account: str = ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{KEY_ID}"


def parameter_arn(name: str, account: str = ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:ssm:{region}:{account}:parameter{name}"


def cloudtrail_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- identities (the userIdentity element) ------------------------------------------------


def assumed_role(
    role: str,
    session: str = "session",
    account: str = ACCOUNT,
    path: str = "/",
    *,
    issuer: bool = True,
) -> dict[str, Any]:
    """``role`` is the role's name; ``path`` its IAM path (``/service-role/``). Without
    ``issuer``: a session whose ``sessionContext`` has no ``sessionIssuer`` (as some
    web-identity and federated sessions are recorded), only its web-identity data."""
    role_id = "AROA" + uuid.uuid5(uuid.NAMESPACE_DNS, role).hex[:17].upper()
    context: dict[str, Any] = {
        "webIdFederationData": {},
        "attributes": {"creationDate": "2026-01-01T00:00:00Z", "mfaAuthenticated": "false"},
    }
    if issuer:
        context["sessionIssuer"] = {
            "type": "Role",
            "principalId": role_id,
            "arn": f"arn:aws:iam::{account}:role{path}{role}",
            "accountId": account,
            "userName": role,
        }
    else:
        context["webIdFederationData"] = {
            "federatedProvider": f"arn:aws:iam::{account}:oidc-provider/"
            "token.actions.githubusercontent.com",
            "attributes": {},
        }
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        "accountId": account,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": context,
    }


def iam_user(name: str, account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": "AIDA" + uuid.uuid5(uuid.NAMESPACE_DNS, name).hex[:17].upper(),
        "arn": f"arn:aws:iam::{account}:user/{name}",
        "accountId": account,
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "userName": name,
    }


def root(account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "type": "Root",
        "principalId": account,
        "arn": f"arn:aws:iam::{account}:root",
        "accountId": account,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
    }


def aws_service(name: str) -> dict[str, Any]:
    return {"type": "AWSService", "invokedBy": name}


def role_arn(role: str, account: str = ACCOUNT, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:role{path}{role}"


# --- events ------------------------------------------------------------------------------


def event(
    source: str,
    name: str,
    when: datetime,
    identity: Mapping[str, Any],
    request: Mapping[str, Any] | None,
    *,
    response: Mapping[str, Any] | None = None,
    error: tuple[str, str] | None = None,
    resources: list[dict[str, str]] | None = None,
    read_only: bool | None = None,
    region: str = REGION,
    account: str = ACCOUNT,
    event_id: str | None = None,
    rng: random.Random | None = None,
) -> Record:
    """One management event as CloudTrail writes it."""
    rng = rng or random.Random()
    via_service = identity.get("invokedBy") if identity.get("type") != "AWSService" else None
    record: Record = {
        "eventVersion": "1.09",
        "userIdentity": dict(identity),
        "eventTime": cloudtrail_time(when),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": via_service or f"198.51.100.{rng.randrange(1, 255)}",
        "userAgent": via_service or "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux",
        "requestParameters": None if request is None else dict(request),
        "responseElements": None if response is None else dict(response),
        "requestID": str(uuid.UUID(int=rng.getrandbits(128))),
        "eventID": event_id or str(uuid.UUID(int=rng.getrandbits(128))),
        "readOnly": read_only
        if read_only is not None
        else name.startswith(("Get", "Describe", "List", "Decrypt")),
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com",
        },
    }
    if error is not None:
        record["errorCode"], record["errorMessage"] = error
    if resources is not None:
        record["resources"] = resources
    return record


def _denied(identity: Mapping[str, Any], action: str, resource: str) -> tuple[str, str]:
    who = identity.get("arn", identity.get("invokedBy", ""))
    return (
        "AccessDenied" if action.startswith("ssm:") else "AccessDeniedException",
        f"User: {who} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action",
    )


def ssm(
    name: str,
    when: datetime,
    identity: Mapping[str, Any],
    request: Mapping[str, Any] | None,
    *,
    denied: str | None = None,
    **extra: Any,
) -> Record:
    """An SSM event; ``denied`` = the resource ARN of an AccessDenied answer."""
    error = _denied(identity, f"ssm:{name}", denied) if denied else None
    return event("ssm.amazonaws.com", name, when, identity, request, error=error, **extra)


def get_parameter(when: datetime, who: Mapping[str, Any], name: str, **kw: Any) -> Record:
    return ssm("GetParameter", when, who, {"name": name, "withDecryption": True}, **kw)


def get_parameters(when: datetime, who: Mapping[str, Any], names: list[str], **kw: Any) -> Record:
    return ssm("GetParameters", when, who, {"names": names, "withDecryption": True}, **kw)


def get_parameters_by_path(
    when: datetime,
    who: Mapping[str, Any],
    path: str,
    *,
    recursive: bool = False,
    next_token: str | None = None,
    **kw: Any,
) -> Record:
    request: dict[str, Any] = {
        "path": path,
        "recursive": recursive,
        "withDecryption": True,
        "maxResults": 10,
    }
    if next_token:
        request["nextToken"] = next_token
    return ssm("GetParametersByPath", when, who, request, **kw)


def get_parameter_history(
    when: datetime, who: Mapping[str, Any], name: str, *, decrypt: bool, **kw: Any
) -> Record:
    return ssm("GetParameterHistory", when, who, {"name": name, "withDecryption": decrypt}, **kw)


def put_parameter(when: datetime, who: Mapping[str, Any], name: str, **kw: Any) -> Record:
    request = {
        "name": name,
        "description": "2",
        "type": "SecureString",
        "keyId": "alias/parameter_store_key",
        "overwrite": True,
        "value": HIDDEN,
    }
    response = None if kw.get("denied") else {"version": 2, "tier": "Standard"}
    return ssm("PutParameter", when, who, request, response=response, read_only=False, **kw)


def delete_parameter(when: datetime, who: Mapping[str, Any], name: str, **kw: Any) -> Record:
    return ssm("DeleteParameter", when, who, {"name": name}, read_only=False, **kw)


def delete_parameters(
    when: datetime,
    who: Mapping[str, Any],
    names: list[str],
    *,
    invalid: list[str] | None = None,
    deleted_listed: bool = True,
    **kw: Any,
) -> Record:
    """``invalid``: the names SSM did not delete (they did not exist), answered in
    ``responseElements.invalidParameters`` (the API's ``InvalidParameters``); the rest in
    ``deletedParameters`` unless not ``deleted_listed``; ``response=None``: no
    ``responseElements`` at all."""
    failed = list(invalid or [])
    response: dict[str, Any] | None = {"invalidParameters": failed}
    if deleted_listed:
        response["deletedParameters"] = [n for n in names if n not in failed]
    if "response" in kw:
        response = kw.pop("response")
    return ssm(
        "DeleteParameters", when, who, {"names": names}, response=response, read_only=False, **kw
    )


def label_parameter_version(
    when: datetime, who: Mapping[str, Any], name: str, labels: list[str], **kw: Any
) -> Record:
    request = {"name": name, "parameterVersion": 2, "labels": labels}
    return ssm("LabelParameterVersion", when, who, request, read_only=False, **kw)


def tag_parameter(
    when: datetime, who: Mapping[str, Any], name: str, *, remove: bool = False, **kw: Any
) -> Record:
    if remove:
        request: dict[str, Any] = {
            "resourceType": "Parameter",
            "resourceId": name,
            "tagKeys": ["team"],
        }
        return ssm("RemoveTagsFromResource", when, who, request, read_only=False, **kw)
    request = {
        "resourceType": "Parameter",
        "resourceId": name,
        "tags": [{"key": "team", "value": "payments"}],
    }
    return ssm("AddTagsToResource", when, who, request, read_only=False, **kw)


def kms(
    name: str,
    when: datetime,
    who: Mapping[str, Any],
    *,
    parameter: str | None = None,
    key_id: str | None = None,
    denied: bool = False,
    account: str = ACCOUNT,
    region: str = REGION,
    **kw: Any,
) -> Record:
    """A KMS event on the secrets key; ``parameter`` = a PARAMETER_ARN context (Parameter
    Store's own call on the caller's behalf, ``invokedBy: ssm.amazonaws.com``)."""
    request: dict[str, Any] = {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
    identity = dict(who)
    if parameter is not None:
        request["encryptionContext"] = {"PARAMETER_ARN": parameter}
        if identity.get("type") != "AWSService":
            identity["invokedBy"] = "ssm.amazonaws.com"
    if key_id is not None:
        request["keyId"] = key_id
    if name == "GenerateDataKey":
        request["numberOfBytes"] = 32
    arn = key_arn(account, region)
    error = _denied(identity, f"kms:{name}", arn) if denied else None
    resources = [{"accountId": account, "type": "AWS::KMS::Key", "ARN": arn}]
    return event(
        "kms.amazonaws.com",
        name,
        when,
        identity,
        request,
        error=error,
        resources=resources,
        account=account,
        region=region,
        **kw,
    )


def decrypt(when: datetime, who: Mapping[str, Any], parameter: str, **kw: Any) -> Record:
    return kms("Decrypt", when, who, parameter=parameter, **kw)


NOISE = (
    ("ec2.amazonaws.com", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}),
    (
        "sts.amazonaws.com",
        "AssumeRole",
        {
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/ci",
            "roleSessionName": "ci",
            "durationSeconds": 3600,
        },
    ),
    (
        "logs.amazonaws.com",
        "CreateLogStream",
        {"logGroupName": "/ecs/api", "logStreamName": "ecs/api/0a1b2c3d"},
    ),
    ("ecs.amazonaws.com", "DescribeTasks", {"cluster": "prod", "tasks": ["0a1b2c3d4e5f"]}),
    ("s3.amazonaws.com", "ListBuckets", {"Host": "s3.us-east-1.amazonaws.com"}),
    (
        "ssm.amazonaws.com",
        "UpdateInstanceInformation",
        {"instanceId": "i-0123456789abcdef0", "agentVersion": "3.3.40.0"},
    ),
    (
        "kms.amazonaws.com",
        "Decrypt",
        {
            "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "encryptionContext": {"aws:s3:arn": "arn:aws:s3:::data"},
        },
    ),
    ("monitoring.amazonaws.com", "GetMetricData", {"startTime": "2026-01-01T00:00:00Z"}),
    ("ecr.amazonaws.com", "GetAuthorizationToken", {"registryIds": [ACCOUNT]}),
    (
        "elasticloadbalancing.amazonaws.com",
        "DescribeTargetHealth",
        {"targetGroupArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/api/0a"},
    ),
)


def noise(when: datetime, who: Mapping[str, Any], rng: random.Random) -> Record:
    """An event of another kind (most of a busy account's trail)."""
    source, name, request = NOISE[rng.randrange(len(NOISE))]
    if source in ("ssm.amazonaws.com", "kms.amazonaws.com") and rng.random() < 0.5:
        source, name, request = NOISE[0]  # SSM agent and S3 decrypts: a few percent in all
    return event(source, name, when, who, request, rng=rng)


# --- log files ---------------------------------------------------------------------------


@dataclass
class TrailLayout:
    """Where a trail writes: ``root`` (a directory) / ``prefix`` / AWSLogs / [org] / account."""

    root: Path
    prefix: str = ""
    org_id: str | None = None
    account: str = ACCOUNT
    region: str = REGION

    def folder(self, day: datetime, digest: bool = False) -> Path:
        parts = [p for p in self.prefix.strip("/").split("/") if p]
        parts.append("AWSLogs")
        if self.org_id:
            parts.append(self.org_id)
        kind = "CloudTrail-Digest" if digest else "CloudTrail"
        parts += [self.account, kind, self.region, f"{day:%Y}", f"{day:%m}", f"{day:%d}"]
        return self.root.joinpath(*parts)

    def file_name(self, delivered: datetime, unique: str, digest: bool = False) -> str:
        kind = "CloudTrail-Digest" if digest else "CloudTrail"
        return f"{self.account}_{kind}_{self.region}_{delivered:%Y%m%dT%H%MZ}_{unique}.json.gz"


@dataclass
class LogWriter:
    """Groups records into the file of their 5-minute delivery (which may be the next day's
    folder) and writes them; ``duplicate`` ids are delivered twice (two files)."""

    layout: TrailLayout
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    compresslevel: int = 6
    written: list[Path] = field(default_factory=list)

    def delivery(self, record: Record) -> datetime:
        moment = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=timezone.utc
        )
        slot = moment.replace(second=0, minute=moment.minute - moment.minute % DELIVERY_MINUTES)
        return slot + timedelta(minutes=DELIVERY_MINUTES)

    def write(self, records: Iterable[Record], duplicate: Iterable[str] = ()) -> list[Path]:
        batches: dict[datetime, list[Record]] = {}
        twice = set(duplicate)
        for record in records:
            slot = self.delivery(record)
            batches.setdefault(slot, []).append(record)
            if record["eventID"] in twice:  # a second delivery, one slot later
                batches.setdefault(slot + timedelta(minutes=DELIVERY_MINUTES), []).append(record)
        paths = [self.write_file(slot, batch) for slot, batch in sorted(batches.items())]
        for hour in sorted({slot.replace(minute=0) for slot in batches}):
            self.write_digest(hour + timedelta(hours=1))
        return paths

    def _unique(self) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        return "".join(self.rng.choice(alphabet) for _ in range(16))

    def write_file(self, delivered: datetime, records: list[Record]) -> Path:
        folder = self.layout.folder(delivered)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / self.layout.file_name(delivered, self._unique())
        data = json.dumps({"Records": records}, separators=(",", ":")).encode()
        path.write_bytes(gzip.compress(data, compresslevel=self.compresslevel, mtime=0))
        self.written.append(path)
        return path

    def write_digest(self, delivered: datetime) -> Path:
        """A digest file (what CloudTrail writes hourly for log file validation)."""
        folder = self.layout.folder(delivered, digest=True)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / self.layout.file_name(delivered, self._unique(), digest=True)
        digest = {
            "awsAccountId": self.layout.account,
            "digestStartTime": cloudtrail_time(delivered - timedelta(hours=1)),
            "digestEndTime": cloudtrail_time(delivered),
            "digestS3Bucket": "trail-bucket",
            "digestPublicKeyFingerprint": "0123456789abcdef0123456789abcdef",
            "digestSignatureAlgorithm": "SHA256withRSA",
            "logFiles": [],
        }
        path.write_bytes(gzip.compress(json.dumps(digest).encode(), mtime=0))
        return path


def upload_tree(client: Any, bucket: str, root: Path) -> int:
    """Put every file under ``root`` into ``bucket`` at its relative path; returns the count."""
    count = 0
    for path in sorted(root.rglob("*")):
        if path.is_file():
            client.put_object(
                Bucket=bucket, Key=path.relative_to(root).as_posix(), Body=path.read_bytes()
            )
            count += 1
    return count


# --- a busy month (the benchmark's data set) -------------------------------------------------


@dataclass(frozen=True)
class BusyMonth:
    """``events`` events over ``days`` days from ``start``, about 80% of them not SSM or KMS.
    ``services`` services of ``keys`` secrets each are read by their own task roles (one
    ``GetParametersByPath`` chain with Decrypts per read), by people and by CI."""

    events: int = 1_000_000
    days: int = 30
    start: datetime = datetime(2026, 3, 1, tzinfo=timezone.utc)
    services: int = 40
    keys: int = 12
    seed: int = 1

    def names(self, service: int) -> list[str]:
        return [f"/svc{service:02d}/key{k:02d}" for k in range(self.keys)]


def busy_month_records(spec: BusyMonth, part: int = 0, parts: int = 1) -> Iterator[Record]:
    """The records of ``spec`` whose 5-minute slot index is ``part`` modulo ``parts`` (so
    several processes can write disjoint files), in time order within each slot."""
    slots = spec.days * 24 * 60 // DELIVERY_MINUTES
    per_slot = spec.events // slots
    extra = spec.events - per_slot * slots
    people = [iam_user("alice"), iam_user("bob"), root()]
    for slot in range(part, slots, parts):
        rng = random.Random(spec.seed * 1_000_003 + slot)
        base = spec.start + timedelta(minutes=slot * DELIVERY_MINUTES)
        count = per_slot + (1 if slot < extra else 0)
        offsets = sorted(rng.randrange(DELIVERY_MINUTES * 60) for _ in range(count))
        produced: list[Record] = []
        for offset in offsets:
            if len(produced) >= count:
                break
            when = base + timedelta(seconds=offset)
            roll = rng.random()
            service = rng.randrange(spec.services)
            names = spec.names(service)
            task = assumed_role(f"svc{service:02d}-task", f"task{rng.randrange(100)}", path="/ecs/")
            if roll < 0.96:  # with the SSM and KMS noise, about 80% of events are not SSM or KMS
                produced.append(noise(when, task, rng))
            elif roll < 0.98:  # a task starts: one page chain and a Decrypt per secret
                produced.append(get_parameters_by_path(when, task, f"/svc{service:02d}/", rng=rng))
                produced.append(
                    get_parameters_by_path(
                        when, task, f"/svc{service:02d}/", next_token="AAE=", rng=rng
                    )
                )
                for name in names[: rng.randrange(1, 4)]:
                    produced.append(decrypt(when, task, parameter_arn(name), rng=rng))
            elif roll < 0.995:
                who = people[rng.randrange(len(people))]
                name = names[rng.randrange(len(names))]
                produced.append(get_parameter(when, who, name, rng=rng))
                produced.append(decrypt(when, who, parameter_arn(name), rng=rng))
            elif roll < 0.999:
                who = people[rng.randrange(2)]
                produced.append(put_parameter(when, who, names[rng.randrange(len(names))], rng=rng))
            else:
                name = f"/svc{(service + 1) % spec.services:02d}/key00"
                produced.append(
                    get_parameter(when, task, name, denied=parameter_arn(name), rng=rng)
                )
        yield from produced[:count]


def write_busy_month(spec: BusyMonth, root: Path, part: int = 0, parts: int = 1) -> int:
    """Write part ``part`` of ``parts`` of the month under ``root``; returns the event count."""
    writer = LogWriter(TrailLayout(root), rng=random.Random(spec.seed + part), compresslevel=6)
    slots: dict[datetime, list[Record]] = {}
    total = 0
    for record in busy_month_records(spec, part, parts):
        slots.setdefault(writer.delivery(record), []).append(record)
        total += 1
    for slot, batch in slots.items():
        writer.write_file(slot, batch)
    return total


def write_busy_month_parallel(spec: BusyMonth, root: Path, workers: int | None = None) -> int:
    from concurrent.futures import ProcessPoolExecutor

    workers = workers or os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        futures = [pool.submit(write_busy_month, spec, root, i, workers) for i in range(workers)]
        return sum(f.result() for f in futures)
