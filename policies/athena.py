"""The audit trail in Athena, as data: the names AWS accepts, the CloudTrail table (AWS's
published DDL with partition projection), the workgroup's enforced settings and the policy of
the bucket that holds query results.

`secretctl audit --source athena --athena-table DB.TABLE --athena-workgroup WG` queries what
is described here; its SQL names the columns and the three partition keys below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policies.audit import deny_insecure_transport
from policies.context import AwsContext, policy

#: The table of the trail's log files in the stack's Glue database.
CLOUDTRAIL_TABLE = "cloudtrail"
DATABASE_PREFIX = "secrets_platform_"
WORKGROUP_PREFIX = "secrets-platform-"
#: Athena database and table names: lowercase letters, digits and '_' (Athena's rule, https://
#: docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html); Glue allows 255.
DATABASE_NAME_PATTERN = r"^[a-z0-9_]{1,255}$"
#: Athena workgroup names (https://docs.aws.amazon.com/athena/latest/APIReference/
#: API_CreateWorkGroup.html): 1-128 letters, digits, '.', '_' and '-'.
WORKGROUP_NAME_PATTERN = r"^[A-Za-z0-9._-]{1,128}$"

#: AWS's CloudTrail table (https://docs.aws.amazon.com/athena/latest/ug/
#: create-cloudtrail-table-partition-projection.html): the Hive JSON SerDe over CloudTrail's
#: input format, which reads the ``{"Records": [...]}`` files. AWS replaced the older
#: ``com.amazon.emr.hive.serde.CloudTrailSerde`` with this SerDe in its DDL in November 2022
#: (Athena document history); ``requestparameters`` and its kin stay JSON text either way.
SERDE = "org.apache.hive.hcatalog.data.JsonSerDe"
INPUT_FORMAT = "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

_IDENTITY = (
    "struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,"
    "accesskeyid:string,username:string,onbehalfof:struct<userid:string,identitystorearn:"
    "string>,sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:"
    "string>,sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,"
    "username:string>,ec2roledelivery:string,webidfederationdata:struct<federatedprovider:"
    "string,attributes:map<string,string>>>>"
)
#: The columns of AWS's DDL, in its order, as Glue types. ``requestparameters``,
#: ``responseelements``, ``additionaleventdata`` and ``serviceeventdetails`` are JSON text
#: (read with ``json_extract``), as AWS declares them.
CLOUDTRAIL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("eventversion", "string"),
    ("useridentity", _IDENTITY),
    ("eventtime", "string"),
    ("eventsource", "string"),
    ("eventname", "string"),
    ("awsregion", "string"),
    ("sourceipaddress", "string"),
    ("useragent", "string"),
    ("errorcode", "string"),
    ("errormessage", "string"),
    ("requestparameters", "string"),
    ("responseelements", "string"),
    ("additionaleventdata", "string"),
    ("requestid", "string"),
    ("eventid", "string"),
    ("readonly", "string"),
    ("resources", "array<struct<arn:string,accountid:string,type:string>>"),
    ("eventtype", "string"),
    ("apiversion", "string"),
    ("recipientaccountid", "string"),
    ("serviceeventdetails", "string"),
    ("sharedeventid", "string"),
    ("vpcendpointid", "string"),
    ("tlsdetails", "struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>"),
)

#: The partition keys, projected from the log files' S3 keys
#: ``AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/``. ``timestamp`` is the name and
#: format AWS's DDL gives the day; secretctl's SQL filters on all three.
PARTITION_ACCOUNT, PARTITION_REGION, PARTITION_DATE = "account", "region", "timestamp"
PARTITION_KEYS = (PARTITION_ACCOUNT, PARTITION_REGION, PARTITION_DATE)
DATE_FORMAT = "yyyy/MM/dd"
#: The first projected day (AWS's example's); days before the trail existed hold no files.
PROJECTION_START = "2020/01/01"

#: The workgroup's query results: a prefix of a bucket of their own, never the trail's bucket
#: (its policy denies lifecycle rules, and Object Lock would keep every result for the
#: trail's retention).
RESULTS_PREFIX = "audit-reader/"
RESULTS_ENCRYPTION = "SSE_S3"
#: Trino-based engine (what secretctl's SQL is written and checked for).
ENGINE_VERSION = "Athena engine version 3"
BYTES_PER_GB = 1_000_000_000


@dataclass(frozen=True)
class AthenaNames:
    """Where the audit trail is queried: the Glue database and table, the workgroup."""

    database: str
    workgroup: str
    table: str = CLOUDTRAIL_TABLE

    @property
    def qualified_table(self) -> str:
        """``DB.TABLE``, what ``secretctl audit --athena-table`` takes."""
        return f"{self.database}.{self.table}"


def athena_names(stack: str) -> AthenaNames:
    """The stack's database (``secrets_platform_<stack>``, lowercased, other characters as
    ``_``) and workgroup (``secrets-platform-<stack>``)."""
    return AthenaNames(
        database=DATABASE_PREFIX + re.sub(r"[^a-z0-9_]", "_", stack.lower()),
        workgroup=WORKGROUP_PREFIX + stack,
    )


def athena_names_problem(names: AthenaNames) -> str | None:
    """Why Glue or Athena would refuse ``names``, or None."""
    if not re.match(DATABASE_NAME_PATTERN, names.database):
        return f"the Glue database name {names.database!r} is over 255 characters"
    if not re.match(WORKGROUP_NAME_PATTERN, names.workgroup):
        return (
            f"the Athena workgroup name {names.workgroup!r} must be 1-128 letters, digits, "
            "'.', '_' or '-'"
        )
    return None


def trail_log_prefix(ctx: AwsContext) -> str:
    """Where the stack's trail writes its log files (digests are beside it, in
    ``CloudTrail-Digest/``): ``AWSLogs/<account>/CloudTrail/``."""
    return f"AWSLogs/{ctx.account}/CloudTrail/"


def table_location(bucket: str) -> str:
    return f"s3://{bucket}/AWSLogs/"


def table_parameters(bucket: str, ctx: AwsContext) -> dict[str, str]:
    """TBLPROPERTIES: partition projection, so no partition is ever registered or repaired.

    - ``account``: ``enum`` of this account (the bucket policy lets the trail write only under
      ``AWSLogs/<account>/``).
    - ``region``: ``injected`` (https://docs.aws.amazon.com/athena/latest/ug/
      partition-projection-dynamic-id-partitioning.html): a multi-region trail writes a folder
      per enabled region, including regions enabled later, so there is no list to keep; a
      query must name its region(s) with static equality (secretctl does), else Athena
      refuses it with CONSTRAINT_VIOLATION before scanning anything.
    - ``timestamp``: ``date`` days ``yyyy/MM/dd`` from PROJECTION_START to NOW, as in AWS's DDL.
    """
    return {
        "EXTERNAL": "TRUE",
        "projection.enabled": "true",
        f"projection.{PARTITION_ACCOUNT}.type": "enum",
        f"projection.{PARTITION_ACCOUNT}.values": ctx.account,
        f"projection.{PARTITION_REGION}.type": "injected",
        f"projection.{PARTITION_DATE}.type": "date",
        f"projection.{PARTITION_DATE}.format": DATE_FORMAT,
        f"projection.{PARTITION_DATE}.interval": "1",
        f"projection.{PARTITION_DATE}.interval.unit": "DAYS",
        f"projection.{PARTITION_DATE}.range": f"{PROJECTION_START},NOW",
        "storage.location.template": (
            f"s3://{bucket}/AWSLogs/${{{PARTITION_ACCOUNT}}}/CloudTrail/"
            f"${{{PARTITION_REGION}}}/${{{PARTITION_DATE}}}"
        ),
    }


def results_location(bucket: str) -> str:
    return f"s3://{bucket}/{RESULTS_PREFIX}"


def results_bucket_policy(bucket: str, ctx: AwsContext) -> dict:
    """Policy of the query-results bucket: TLS only. (Access is granted by the reader role's
    own policy: within one account either side may allow, https://docs.aws.amazon.com/IAM/
    latest/UserGuide/reference_policies_evaluation-logic.html.)"""
    return policy(deny_insecure_transport(bucket, ctx))
