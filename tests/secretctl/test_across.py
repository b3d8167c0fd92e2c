"""diff and copy between services, accounts and regions, through the installed entry point
against the moto server. moto keeps accounts apart, and sts:AssumeRole into another account's
role gives credentials that act in that account, so "the values landed in the other account
and nowhere else" is checked for real. moto does not enforce trust policies: a role that
cannot be assumed is refused by the fault proxy."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from devtools.moto_server import REGION
from devtools.proxy import CountingProxy, Fault, fault_injector
from tests.secretctl.conftest import Run

HOME = "123456789012"  # moto's account for the test credentials
OTHER, THIRD, FOURTH = "222222222222", "333333333333", "444444444444"
SSM_WRITES = {"PutParameter", "DeleteParameter", "DeleteParameters"}
MFA_SERIAL = f"arn:aws:iam::{HOME}:mfa/me"
BAD_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."


def role(account: str, name: str = "secrets-writer") -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def credentials_in(aws_env: dict[str, str], account: str) -> dict[str, str]:
    """Credentials that act in ``account`` (moto: assume a role there)."""
    import boto3

    sts = boto3.client(
        "sts",
        endpoint_url=aws_env["AWS_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    out = sts.assume_role(RoleArn=role(account), RoleSessionName="test")["Credentials"]
    return {
        "aws_access_key_id": out["AccessKeyId"],
        "aws_secret_access_key": out["SecretAccessKey"],
        "aws_session_token": out["SessionToken"],
    }


def ssm_in(aws_env: dict[str, str], account: str = HOME, region: str = REGION) -> Any:
    """A boto3 SSM client acting in ``account`` and ``region``."""
    import boto3

    creds = (
        {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        if account == HOME
        else credentials_in(aws_env, account)
    )
    return boto3.client(
        "ssm", endpoint_url=aws_env["AWS_ENDPOINT_URL"], region_name=region, **creds
    )


def stored(ssm: Any) -> dict[str, tuple[str, list[str]]]:
    """Every parameter of the client's account and region: value and chamber counters."""
    found = {}
    for page in ssm.get_paginator("describe_parameters").paginate():
        for param in page["Parameters"]:
            name = param["Name"]
            value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
            history = ssm.get_parameter_history(Name=name)["Parameters"]
            found[name] = (value, [h.get("Description", "") for h in history])
    return found


def seed(ssm: Any, service: str, values: dict[str, str]) -> None:
    for key, value in values.items():
        ssm.put_parameter(
            Name=f"/{service}/{key}", Value=value, Type="SecureString", Description="1"
        )


SOURCE = {"db_url": "postgres://src", "api_key": "k-123", "token": "t-1"}


def one_error_line(result: Any, status: int, *fragments: str) -> str:
    assert result.returncode == status, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("secretctl: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


# --- diff ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("both_backends")
def test_diff_statuses_output_and_json(via: Run, ssm: Any) -> None:
    seed(ssm, "staging", SOURCE)
    seed(ssm, "prod", {**SOURCE, "db_url": "postgres://prod", "extra": "x"})
    seed(ssm, "copy", SOURCE)
    same = via("diff", "staging", "copy")
    assert (same.returncode, same.stdout) == (
        0,
        "0 only in SRC, 0 only in DST, 0 different, 3 equal\n",
    )
    differ = via("diff", "staging", "prod")
    assert differ.returncode == 1, differ.stderr
    assert (
        differ.stdout == "~ db_url\n+ extra\n0 only in SRC, 1 only in DST, 1 different, 2 equal\n"
    )
    assert "postgres" not in differ.stdout + differ.stderr
    shown = via("diff", "staging", "prod", "--show-values")
    assert '~ db_url: "postgres://src" -> "postgres://prod"' in shown.stdout
    document = json.loads(via("diff", "--json", "staging", "prod").stdout)
    assert document == {
        "source": "staging",
        "destination": "prod",
        "onlyInSource": [],
        "onlyInDestination": ["extra"],
        "different": ["db_url"],
        "equal": 2,
    }
    empty = via("diff", "staging", "nothing-here")  # a service with no secrets is empty
    assert empty.returncode == 1 and empty.stdout.endswith(
        "3 only in SRC, 0 only in DST, 0 different, 0 equal\n"
    )


@pytest.mark.usefixtures("both_backends")
def test_diff_errors_exit_2(via: Run, proxy: CountingProxy, aws_env: dict[str, str]) -> None:
    one_error_line(via("diff", "bad name", "prod"), 2, "invalid service name 'bad name'")
    one_error_line(via("diff", "api", "api"), 2, "SRC and DST are the same service 'api'")
    assert proxy.total() == 0
    with fault_injector(aws_env["AWS_ENDPOINT_URL"], [Fault("refuse")]) as dead:
        result = via("diff", "a", "b", env_extra={"AWS_ENDPOINT_URL": dead.url})
    one_error_line(result, 2, "refused the connection")
    with fault_injector(
        aws_env["AWS_ENDPOINT_URL"], [Fault("deny", frozenset({"GetParametersByPath"}))]
    ) as denied:
        result = via("diff", "a", "b", env_extra={"AWS_ENDPOINT_URL": denied.url})
    one_error_line(result, 2, "access denied: ssm:GetParametersByPath")


# --- across accounts, for real ---------------------------------------------------------------


@pytest.mark.usefixtures("both_backends")
def test_copy_and_diff_into_another_account_with_its_role(
    via: Run, proxy: CountingProxy, aws_env: dict[str, str], ssm: Any
) -> None:
    seed(ssm, "api", SOURCE)
    home_before = stored(ssm)
    to_other = ["--to-role", role(OTHER)]
    before = via("diff", "api", "api", *to_other)
    assert before.returncode == 1 and before.stdout.endswith(
        "3 only in SRC, 0 only in DST, 0 different, 0 equal\n"
    )
    copied = via("copy", "api", "api", *to_other)
    assert (copied.returncode, copied.stdout) == (
        0,
        "3 added, 0 changed, 0 unchanged, 0 deleted\n",
    ), copied.stderr
    # the same service and region: our account is asked once; the role's is in its ARN
    assert proxy.counts["AssumeRole"] == 1 and proxy.counts["GetCallerIdentity"] == 1
    assumed = [q for q in proxy.queries if q["Action"] == "AssumeRole"]
    assert assumed[0]["RoleArn"] == role(OTHER) and "TokenCode" not in assumed[0]
    # landed in the other account, and nowhere else
    other = stored(ssm_in(aws_env, OTHER))
    assert other == {f"/api/{k}": (v, ["1"]) for k, v in SOURCE.items()}
    assert stored(ssm) == home_before
    assert stored(ssm_in(aws_env, OTHER, "eu-west-1")) == {}
    assert stored(ssm_in(aws_env, THIRD)) == {}
    assert via("diff", "api", "api", *to_other).returncode == 0
    # the other direction, from the other account's side
    ssm.put_parameter(
        Name="/api/token", Value="t-2", Type="SecureString", Overwrite=True, Description="2"
    )
    back = via("diff", "api", "api", "--from-role", role(OTHER))
    assert back.returncode == 1 and back.stdout.startswith("~ token\n")
    again = via("copy", "api", "api", *to_other)
    assert again.stdout == "0 added, 1 changed, 2 unchanged, 0 deleted\n", again.stderr
    other = stored(ssm_in(aws_env, OTHER))
    assert other["/api/token"] == ("t-2", ["1", "2"])
    assert other["/api/db_url"] == (SOURCE["db_url"], ["1"])  # unchanged: no new version


@pytest.mark.usefixtures("both_backends")
def test_copy_between_regions(via: Run, aws_env: dict[str, str], ssm: Any) -> None:
    seed(ssm, "api", SOURCE)
    result = via("copy", "api", "api", "db_url", "--to-region", "eu-west-1")
    assert result.stdout == "1 added, 0 changed, 0 unchanged, 0 deleted\n", result.stderr
    assert stored(ssm_in(aws_env, HOME, "eu-west-1")) == {"/api/db_url": (SOURCE["db_url"], ["1"])}
    diff = via("diff", "api", "api", "--from-region", "eu-west-1")
    assert diff.returncode == 1 and diff.stdout.startswith("+ api_key\n")


def write_config(path: Path, aws_env: dict[str, str]) -> None:
    stage = credentials_in(aws_env, FOURTH)  # static keys that act in a fourth account
    path.write_text(
        "[profile dev]\nregion = us-east-1\naws_access_key_id = testing\n"
        "aws_secret_access_key = testing\n\n"
        f"[profile prod]\nsource_profile = dev\nrole_arn = {role(THIRD)}\nregion = eu-west-1\n\n"
        f"[profile stage]\nregion = us-west-2\naws_access_key_id = {stage['aws_access_key_id']}\n"
        f"aws_secret_access_key = {stage['aws_secret_access_key']}\n"
        f"aws_session_token = {stage['aws_session_token']}\n"
    )


def test_profiles_from_a_config_file(
    via: Run, proxy: CountingProxy, aws_env: dict[str, str], ssm: Any, tmp_path: Path
) -> None:
    """Profiles go through boto3: a role profile (account from its role_arn, its region over
    AWS_REGION) and a profile with keys of another account and region."""
    seed(ssm, "api", SOURCE)
    config = tmp_path / "config"
    write_config(config, aws_env)
    env = {"AWS_CONFIG_FILE": str(config)}
    result = via("copy", "api", "api", "--to-profile", "prod", env_extra=env)
    assert result.stdout == "3 added, 0 changed, 0 unchanged, 0 deleted\n", result.stderr
    assert "GetCallerIdentity" not in proxy.counts  # us-east-1 and eu-west-1: two places
    expected = {f"/api/{k}": (v, ["1"]) for k, v in SOURCE.items()}
    assert stored(ssm_in(aws_env, THIRD, "eu-west-1")) == expected
    assert stored(ssm_in(aws_env, THIRD)) == {}
    assert via("diff", "api", "api", "--to-profile", "prod", env_extra=env).returncode == 0
    # --to-region wins over the profile's region
    result = via(
        "copy",
        "api",
        "api",
        "token",
        "--to-profile",
        "prod",
        "--to-region",
        "us-west-2",
        env_extra=env,
    )
    assert result.returncode == 0, result.stderr
    assert set(stored(ssm_in(aws_env, THIRD, "us-west-2"))) == {"/api/token"}
    # two profiles: another account (its keys) in another region (its config)
    result = via(
        "copy", "api", "api", "--from-profile", "dev", "--to-profile", "stage", env_extra=env
    )
    assert result.returncode == 0, result.stderr
    assert stored(ssm_in(aws_env, FOURTH, "us-west-2")) == expected
    # the same account and region under another name: found out with one request per side
    same = via("diff", "api", "api", "--to-profile", "dev", env_extra=env)
    one_error_line(same, 2, f"the same service 'api' in account {HOME} and region us-east-1")
    assert proxy.counts == {"GetCallerIdentity": 2}
    missing = via("copy", "api", "api", "--to-profile", "nope", env_extra=env)
    one_error_line(missing, 2, "AWS profile 'nope' is not configured")
    assert proxy.total() == 0


def test_one_mfa_code_for_two_roles_from_one_profile(
    via: Run, proxy: CountingProxy, aws_env: dict[str, str], ssm: Any, tmp_path: Path
) -> None:
    """Both roles assumed from the same profile: its credentials start the one MFA session
    (through boto3), and both roles are assumed with it."""
    seed(ssm_in(aws_env, THIRD), "api", SOURCE)
    config = tmp_path / "config"
    write_config(config, aws_env)
    sides = ["--from-profile", "dev", "--from-role", role(THIRD)]
    sides += ["--to-profile", "dev", "--to-role", role(OTHER), "--mfa-serial", MFA_SERIAL]
    copied = via(
        "copy", "api", "api", *sides, env_extra={"AWS_CONFIG_FILE": str(config)}, input="123456\n"
    )
    assert copied.stdout == "3 added, 0 changed, 0 unchanged, 0 deleted\n", copied.stderr
    assert proxy.counts["GetSessionToken"] == 1 and proxy.counts["AssumeRole"] == 2
    assert stored(ssm_in(aws_env, OTHER)) == {f"/api/{k}": (v, ["1"]) for k, v in SOURCE.items()}


# --- bad input: one line, nothing written ----------------------------------------------------


@pytest.mark.usefixtures("both_backends")
def test_same_service_in_the_same_place(via: Run, proxy: CountingProxy, ssm: Any) -> None:
    seed(ssm, "api", SOURCE)
    for args in (
        ["copy", "api", "api"],
        ["copy", "api", "API"],  # lowercased as a write would store it
        ["copy", "api", "api", "--to-region", REGION],
        ["diff", "api", "api", "--from-role", role(OTHER), "--to-role", role(OTHER)],
    ):
        result = via(*args)
        one_error_line(result, 2, "SRC and DST are the same service 'api'", REGION)
        assert proxy.total() == 0, (args, proxy.counts)  # known without a request
    result = via("copy", "api", "api", "--to-role", role(HOME))  # the role's account is ours
    one_error_line(result, 2, f"in account {HOME}")
    assert proxy.counts == {"GetCallerIdentity": 1}  # ours; the role's is in its ARN


@pytest.mark.usefixtures("both_backends")
def test_copy_from_an_empty_service_writes_nothing(
    via: Run, proxy: CountingProxy, aws_env: dict[str, str]
) -> None:
    result = via("copy", "nothing", "api", "--to-role", role(OTHER))
    one_error_line(
        result, 1, "SRC nothing has no secrets (looked under /nothing/): nothing to copy"
    )
    assert not set(proxy.counts) & SSM_WRITES
    assert stored(ssm_in(aws_env, OTHER)) == {}


@pytest.mark.usefixtures("both_backends")
def test_copy_named_keys_and_missing_key(via: Run, proxy: CountingProxy, ssm: Any) -> None:
    seed(ssm, "api", SOURCE)
    result = via("copy", "api", "web", "DB_URL", "token")
    assert result.stdout == "2 added, 0 changed, 0 unchanged, 0 deleted\n", result.stderr
    assert set(stored(ssm)) == {f"/api/{k}" for k in SOURCE} | {"/web/db_url", "/web/token"}
    result = via("copy", "api", "web", "db_url", "missing")
    one_error_line(result, 1, "key 'missing' is not in SRC api: nothing copied")
    assert not set(proxy.counts) & SSM_WRITES


@pytest.mark.usefixtures("both_backends")
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["copy", "api", "web", "--prune"], "copy --prune asks for confirmation on a terminal"),
        (["copy", "api", "web", "k", "--prune", "--yes"], "leave out the KEY arguments or --prune"),
        (["copy", "api", "web", "bad/key"], "invalid key 'bad/key'"),
        (["copy", "api", "web", "--to-role", "writer"], "--to-role must be an IAM role ARN"),
        (["diff", "api", "web", "--from-role", "arn:aws:iam::1:role/x"], "--from-role must be"),
        (["copy", "api", "web", "--to-region", "Mars"], "invalid region 'Mars'"),
        (["copy", "api", "web", "--mfa-serial", "arn:aws:iam::1:mfa/me"], "--mfa-serial is for"),
        # STS's SerialNumber: 9 to 256 of [\w+=/:,.@-] (AWS refuses others; moto does not)
        (["diff", "a", "b", "--to-role", role(OTHER), "--mfa-serial", "my phone"], "--mfa-serial"),
        (["diff", "a", "b", "--to-role", role(OTHER), "--mfa-serial", "GAHT1234"], "--mfa-serial"),
        # one code cannot start an MFA session for two sets of credentials
        (
            ["diff", "a", "b", "--from-profile", "dev", "--from-role", role(THIRD)]
            + ["--to-role", role(OTHER), "--mfa-serial", f"arn:aws:iam::{HOME}:mfa/me"],
            "--mfa-serial with --from-role and --to-role needs both sides' credentials the same",
        ),
        (["copy", "_chamber", "web"], "reserved"),
        (["copy", "api", "AWS-web"], "SSM reserves names that begin with 'aws' or 'ssm'"),
        (["copy", "api", "web", "--tags", "owner"], "invalid tag 'owner' (--tags): write each"),
    ],
)
def test_bad_input_makes_no_request(
    via: Run, proxy: CountingProxy, args: list[str], fragment: str
) -> None:
    one_error_line(via(*args, input=""), 2, fragment)
    assert proxy.total() == 0, proxy.counts


@pytest.mark.usefixtures("both_backends")
def test_dry_run_prints_the_plan_and_writes_nothing(
    via: Run, proxy: CountingProxy, ssm: Any
) -> None:
    seed(ssm, "api", SOURCE)
    seed(ssm, "web", {"db_url": "other", "token": SOURCE["token"], "old": "x"})
    result = via("copy", "api", "web", "--dry-run", "--prune")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "add api_key\nchange db_url\ndelete old\n"
        "dry run: would add 1, change 1, delete 1; 1 unchanged\n"
    )
    assert "postgres" not in result.stdout and not set(proxy.counts) & SSM_WRITES
    kept = via("copy", "api", "web", "--no-overwrite")
    assert kept.stdout == "1 added, 0 changed, 1 unchanged, 0 deleted, 1 kept (--no-overwrite)\n"
    pruned = via("copy", "api", "web", "--prune", "--yes")
    assert pruned.stdout == "0 added, 1 changed, 2 unchanged, 1 deleted\n", pruned.stderr
    assert proxy.counts["DeleteParameters"] == 1
    web = {k: v for k, v in stored(ssm).items() if k.startswith("/web/")}
    assert web == {
        "/web/api_key": (SOURCE["api_key"], ["1"]),
        "/web/db_url": (SOURCE["db_url"], ["1", "2"]),
        "/web/token": (SOURCE["token"], ["1"]),
    }


# --- roles: refused, MFA ---------------------------------------------------------------------

REFUSAL = (
    f"User: arn:aws:sts::{HOME}:assumed-role/dev/me is not authorized to perform: "
    f"sts:AssumeRole on resource: {role(OTHER, 'locked')}"
)


@pytest.mark.usefixtures("both_backends")
def test_a_role_that_cannot_be_assumed(run: Run, aws_env: dict[str, str], ssm: Any) -> None:
    """moto assumes any role; the fault proxy refuses as IAM does when the trust policy does
    not name the caller."""
    seed(ssm, "api", SOURCE)
    deny = Fault("deny", frozenset({"AssumeRole"}), message=REFUSAL)
    with fault_injector(aws_env["AWS_ENDPOINT_URL"], [deny]) as proxy:
        env = {"AWS_ENDPOINT_URL": proxy.url}
        copied = run("copy", "api", "api", "--to-role", role(OTHER, "locked"), env_extra=env)
        diffed = run("diff", "api", "api", "--from-role", role(OTHER, "locked"), env_extra=env)
        assert not set(proxy.counts) & SSM_WRITES
    expected = f"cannot assume role {role(OTHER, 'locked')} (--to-role): AccessDenied: {REFUSAL}"
    assert one_error_line(copied, 1) == f"secretctl: error: {expected}"
    assert one_error_line(diffed, 2) == "secretctl: error: " + expected.replace("--to-", "--from-")
    assert stored(ssm_in(aws_env, OTHER)) == {}


@pytest.mark.usefixtures("both_backends")
def test_mfa_code_is_asked_for_and_sent(via: Run, proxy: CountingProxy, ssm: Any) -> None:
    seed(ssm, "api", SOURCE)
    serial = f"arn:aws:iam::{HOME}:mfa/me"
    args = ["diff", "api", "api", "--to-role", role(OTHER), "--mfa-serial", serial]
    result = via(*args, input="123456\n")  # off a terminal: one line of stdin
    assert result.returncode == 1, result.stderr
    assumed = [q for q in proxy.queries if q["Action"] == "AssumeRole"]
    assert [(q["SerialNumber"], q["TokenCode"]) for q in assumed] == [(serial, "123456")]
    one_error_line(via(*args, input="12ab\n"), 2, "expected the 6 digits the device shows")
    assert "AssumeRole" not in proxy.counts


@pytest.mark.usefixtures("both_backends")
def test_one_mfa_code_serves_both_roles(
    via: Run, proxy: CountingProxy, aws_env: dict[str, str], ssm: Any
) -> None:
    """Both sides assume a role that needs MFA: one code (AWS refuses a code used twice),
    one sts:GetSessionToken with it, and each role assumed with that MFA session."""
    seed(ssm_in(aws_env, THIRD), "api", SOURCE)
    args = ["copy", "api", "api", "--from-role", role(THIRD), "--to-role", role(OTHER)]
    copied = via(*args, "--mfa-serial", MFA_SERIAL, input="123456\n")  # one line: one code
    assert copied.stdout == "3 added, 0 changed, 0 unchanged, 0 deleted\n", copied.stderr
    sessions = [q for q in proxy.queries if q["Action"] == "GetSessionToken"]
    assert [(q["SerialNumber"], q["TokenCode"]) for q in sessions] == [(MFA_SERIAL, "123456")]
    assumed = [q for q in proxy.queries if q["Action"] == "AssumeRole"]
    assert sorted(q["RoleArn"] for q in assumed) == sorted([role(THIRD), role(OTHER)])
    assert not any("TokenCode" in q or "SerialNumber" in q for q in assumed)
    assert stored(ssm_in(aws_env, OTHER)) == {f"/api/{k}": (v, ["1"]) for k, v in SOURCE.items()}
    assert stored(ssm) == {}


@pytest.mark.usefixtures("both_backends")
def test_a_refused_mfa_code(run: Run, aws_env: dict[str, str], ssm: Any) -> None:
    """STS refuses the code (wrong, or used already): one line naming the device and STS's
    reason, from GetSessionToken (two roles) as from AssumeRole (one)."""
    seed(ssm, "api", SOURCE)
    deny = Fault("deny", frozenset({"GetSessionToken", "AssumeRole"}), message=BAD_CODE)
    both = ["--from-role", role(THIRD), "--to-role", role(OTHER), "--mfa-serial", MFA_SERIAL]
    with fault_injector(aws_env["AWS_ENDPOINT_URL"], [deny]) as proxy:
        env = {"AWS_ENDPOINT_URL": proxy.url}
        two = run("copy", "api", "api", *both, env_extra=env, input="123456\n")
        assert proxy.counts == {"GetSessionToken": 1}
        one_role = ["--to-role", role(OTHER), "--mfa-serial", MFA_SERIAL]
        one = run("diff", "api", "api", *one_role, env_extra=env, input="123456\n")
        assert not set(proxy.counts) & SSM_WRITES
    assert one_error_line(two, 1) == (
        f"secretctl: error: cannot start an MFA session with device {MFA_SERIAL} "
        f"(--mfa-serial): AccessDenied: {BAD_CODE}"
    )
    assert one_error_line(one, 2) == (
        f"secretctl: error: cannot assume role {role(OTHER)} (--to-role) with MFA device "
        f"{MFA_SERIAL}: AccessDenied: {BAD_CODE}"
    )
    with fault_injector(aws_env["AWS_ENDPOINT_URL"], [Fault("refuse")]) as dead:
        env = {"AWS_ENDPOINT_URL": dead.url}
        down = run("diff", "api", "api", *both, env_extra=env, input="123456\n")
    device = f"cannot start an MFA session with device {MFA_SERIAL} (--mfa-serial): "
    one_error_line(down, 2, device + f"the STS endpoint {dead.url.split('//')[1]} refused")


# --- interruption ----------------------------------------------------------------------------


@pytest.mark.usefixtures("both_backends")
def test_interrupted_copy_converges_on_rerun(run: Run, aws_env: dict[str, str], ssm: Any) -> None:
    """The endpoint dies after 10 of 30 writes into the other account: an honest count, and
    the same copy again writes only what is missing, with no second version of anything."""
    values = {f"k{i:02d}": f"v{i}" for i in range(30)}
    seed(ssm, "api", values)
    args = ["copy", "api", "api", "--to-role", role(OTHER)]
    dies = Fault("refuse", frozenset({"PutParameter"}), after=10)
    with fault_injector(aws_env["AWS_ENDPOINT_URL"], [dies]) as proxy:
        first = run(*args, env_extra={"AWS_ENDPOINT_URL": proxy.url})
        answered = proxy.completed[("PutParameter", 200)]
    line = one_error_line(first, 1, "copy incomplete: ", "run the same copy again")
    assert f"{answered} written ({answered} added, 0 changed), 0 unchanged" in line
    landed = stored(ssm_in(aws_env, OTHER))
    assert len(landed) == answered == 10
    second = run(*args)
    assert second.stdout == "20 added, 0 changed, 10 unchanged, 0 deleted\n", second.stderr
    assert stored(ssm_in(aws_env, OTHER)) == {f"/api/{k}": (v, ["1"]) for k, v in values.items()}


@pytest.mark.usefixtures("both_backends")
def test_verbose_names_each_side(via: Run, ssm: Any) -> None:
    seed(ssm, "api", SOURCE)
    result = via("--verbose", "diff", "api", "api", "--to-region", "eu-west-1")
    assert result.returncode == 1
    assert "secretctl: SRC: AWS path:" in result.stderr and "region us-east-1" in result.stderr
    assert "secretctl: DST: AWS path:" in result.stderr and "region eu-west-1" in result.stderr
    assert "secretctl: DST: ssm:GetParametersByPath /api/" in result.stderr
    assert "postgres" not in result.stderr


@pytest.mark.usefixtures("both_backends")
def test_on_a_terminal_prune_asks_and_mfa_is_prompted(aws_env: dict[str, str], ssm: Any) -> None:
    from tests.secretctl.test_cli_terminal import run_on_pty

    seed(ssm, "api", SOURCE)
    seed(ssm, "web", {"old": "x"})
    question = "Delete these 1 keys of DST web? [y/N]: "
    declined = run_on_pty(["copy", "api", "web", "--prune"], aws_env, answers={question: "n\n"})
    assert declined.returncode == 1
    assert "--prune deletes from DST web: old" in declined.terminal
    assert "not confirmed: nothing was changed" in declined.terminal
    assert set(stored(ssm)) == {f"/api/{k}" for k in SOURCE} | {"/web/old"}
    accepted = run_on_pty(["copy", "api", "web", "--prune"], aws_env, answers={question: "y\n"})
    assert "3 added, 0 changed, 0 unchanged, 1 deleted" in accepted.terminal
    assert "/web/old" not in stored(ssm)
    serial = f"arn:aws:iam::{HOME}:mfa/me"
    prompt = f"MFA code for {serial} (to assume {role(OTHER)}): "
    args = ["diff", "api", "api", "--to-role", role(OTHER), "--mfa-serial", serial]
    mfa = run_on_pty(args, aws_env, answers={prompt: "654321\n"})
    assert mfa.returncode == 1, mfa.terminal  # asked, assumed, compared: they differ
    both = ["diff", "api", "api", "--from-role", role(THIRD), "--to-role", role(OTHER)]
    prompt = f"MFA code for {serial} (to assume {role(THIRD)} and {role(OTHER)}): "
    once = run_on_pty([*both, "--mfa-serial", serial], aws_env, answers={prompt: "654321\n"})
    assert once.returncode == 0, once.terminal  # both empty: equal
    assert once.terminal.count("MFA code for") == 1


# --- tags: new keys only, DST's required tags ------------------------------------------------


def tags_of(ssm: Any, name: str) -> dict[str, str]:
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    return {t["Key"]: t["Value"] for t in tags}


@pytest.mark.usefixtures("both_backends")
def test_copy_tags_new_keys_and_honours_dst_required_tags(
    via: Run, proxy: CountingProxy, aws_env: dict[str, str], ssm: Any
) -> None:
    """DST's store config (in DST's account) requires owner: every new key is checked before
    any write, with one read of the config; --tags go on new keys only; SRC's tags are not
    copied."""
    seed(ssm, "api", SOURCE)
    ssm.add_tags_to_resource(
        ResourceType="Parameter", ResourceId="/api/token", Tags=[{"Key": "src", "Value": "1"}]
    )
    other = ssm_in(aws_env, OTHER)
    other.put_parameter(Name="/api/token", Value="old", Type="SecureString", Description="1")
    other.put_parameter(
        Name=STORE_CONFIG,
        Value=json.dumps({"version": "1", "requiredTags": ["owner", "tier"]}),
        Type="SecureString",
        Description="1",
    )
    to_other = ["--to-role", role(OTHER)]
    refused = via("copy", "api", "api", *to_other, "--tags", "owner=pay")
    line = one_error_line(refused, 1, "required tags tier missing for new secrets")
    assert "(/api/api_key, /api/db_url)" in line and "nothing was written" in line
    assert proxy.counts["GetParameter"] == 1 and not set(proxy.counts) & SSM_WRITES
    assert stored(other)["/api/token"] == ("old", ["1"])  # the changed key waited too
    copied = via("copy", "api", "api", *to_other, "--tags", "owner=pay", "--tags", "tier=1")
    assert copied.stdout == "2 added, 1 changed, 0 unchanged, 0 deleted\n", copied.stderr
    assert proxy.counts["GetParameter"] == 1  # one read of the config, for two new keys
    assert (
        tags_of(other, "/api/db_url")
        == tags_of(other, "/api/api_key")
        == {
            "owner": "pay",
            "tier": "1",
        }
    )
    assert tags_of(other, "/api/token") == {}  # an existing key keeps its tags; none copied
    ssm.put_parameter(
        Name="/api/token", Value="t-3", Type="SecureString", Overwrite=True, Description="2"
    )
    changed_only = via("copy", "api", "api", *to_other)  # nothing new: no tags needed
    assert changed_only.stdout == "0 added, 1 changed, 2 unchanged, 0 deleted\n"
    assert "GetParameter" not in proxy.counts
    home = via("copy", "api", "web", "--tags", "owner=pay")  # our account requires nothing
    assert home.returncode == 0, home.stderr


@pytest.mark.usefixtures("both_backends")
def test_dry_run_refuses_what_the_copy_would_refuse(
    via: Run, proxy: CountingProxy, ssm: Any
) -> None:
    """DST's required tags are checked by --dry-run too (one read of the store config, as
    the copy): a plan that passes is one the copy carries out."""
    seed(ssm, "api", SOURCE)
    seed(ssm, "web", {"token": "old"})
    ssm.put_parameter(
        Name=STORE_CONFIG,
        Value=json.dumps({"version": "1", "requiredTags": ["owner"]}),
        Type="SecureString",
        Description="1",
    )
    refused = via("copy", "api", "web", "--dry-run")
    one_error_line(refused, 1, "required tags owner missing for new secrets")
    assert refused.stdout == ""
    assert proxy.counts == {"GetParametersByPath": 2, "GetParameter": 1}
    planned = via("copy", "api", "web", "--dry-run", "--tags", "owner=pay")
    assert planned.stdout.endswith("dry run: would add 2, change 1, delete 0; 0 unchanged\n")
    assert not set(proxy.counts) & SSM_WRITES
    via("copy", "api", "web", "--tags", "owner=pay")
    proxy.reset_counts()
    assert via("copy", "api", "web", "--dry-run").returncode == 0  # nothing new: no read
    assert proxy.counts == {"GetParametersByPath": 2}


STORE_CONFIG = "/_chamber/store-config"


# --- progress on a terminal ------------------------------------------------------------------


@pytest.mark.usefixtures("both_backends")
def test_progress_on_a_terminal_only(run: Run, aws_env: dict[str, str], ssm: Any) -> None:
    from tests.secretctl.test_cli_terminal import ROWS, run_on_pty

    values = {f"k{i:02d}": f"v{i}" for i in range(30)}  # more than a screenful
    seed(ssm, "api", values)
    copied = run_on_pty(["copy", "api", "web"], aws_env, stderr_only=True)
    assert copied.stdout == "30 added, 0 changed, 0 unchanged, 0 deleted\n", copied.terminal
    assert "\r\x1b[Kcopy: [####################] 30/30 keys" in copied.terminal
    assert copied.terminal.endswith("\r\x1b[K")
    diffed = run_on_pty(["diff", "api", "web"], aws_env, stderr_only=True)
    assert diffed.returncode == 0, diffed.terminal
    counts = [int(n) for n in re.findall(r"\r\x1b\[Kdiff: (\d+) keys read", diffed.terminal)]
    assert counts and all(ROWS < n <= 60 for n in counts), diffed.terminal
    deleted = run_on_pty(["delete", "web", "--all", "--yes"], aws_env, stderr_only=True)
    assert deleted.stdout == "30 deleted from web\n", deleted.terminal
    assert "\r\x1b[Kdelete --all: [####################] 30/30 keys" in deleted.terminal
    for args in (["copy", "-q", "api", "web"], ["diff", "-q", "api", "web"]):
        quiet = run_on_pty(args, aws_env, stderr_only=True)
        assert quiet.terminal == "" and quiet.stdout == "", args
    assert run_on_pty(["diff", "-q", "api", "web"], aws_env, stderr_only=True).returncode == 0
    quiet = run_on_pty(["delete", "-q", "web", "--all", "--yes"], aws_env, stderr_only=True)
    assert quiet.returncode == 0 and quiet.terminal == "" and quiet.stdout == ""
    piped = run("copy", "api", "web2")  # off a terminal: never
    assert piped.returncode == 0 and piped.stderr == ""
