"""Part 3: the container flow end to end, in the container namespace of a hardened host.

No AWS keys anywhere in the container's environment: credentials come only from the task
credentials endpoint (``AWS_CONTAINER_CREDENTIALS_FULL_URI``, or the ``_RELATIVE_URI`` that the
ECS agent sets for bridge-mode tasks) on 169.254.170.2, secrets from moto beyond the host.
``secretctl exec api -- <program>`` must hand the program api's secrets (and only those),
become the program (its exit status is the container's), and reveal no value itself.
"""

from __future__ import annotations

import json
import os
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devtools.netns import Network, minimal_env
from tests.proof.netns.conftest import build_or_require
from tests.proof.netns.ecs_host import (
    BRIDGES,
    CREDENTIAL_IDS,
    DOCKER0,
    EcsHost,
    read_requests,
    setup_docker_filter,
    user_data_setup_script,
)

REGION = "us-east-1"
SECRETS = {
    "api": {
        "db_url": "postgres://api:pa55-w0rd-q7Zr@db.internal:5432/api",
        "stripe.key": "sk_live_9f8e7d6c5b4a3210",
        "feature-flags": "beta=1 multi word value",
    },
    "worker": {"queue_token": "wrk-tok-51c0ffee"},
}
API_ENV = {
    "DB_URL": SECRETS["api"]["db_url"],
    "STRIPE_KEY": SECRETS["api"]["stripe.key"],
    "FEATURE_FLAGS": SECRETS["api"]["feature-flags"],
}
ALL_VALUES = [value for values in SECRETS.values() for value in values.values()]
BEGIN, END = "<<<program-env>>>", "<<<end-program-env>>>"
EXIT_STATUS = 7
PRINT_ENV = (
    "import json, os, sys\n"
    f"print({BEGIN!r}); print(json.dumps(dict(os.environ), sort_keys=True)); print({END!r})\n"
    f"sys.exit({EXIT_STATUS})\n"
)
AWS_KEY_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
)


def secretctl() -> list[str]:
    """The installed ``secretctl`` entry point (the real file, not a version-manager shim)."""
    script = Path(sysconfig.get_path("scripts")) / "secretctl"
    return [str(script)] if os.access(script, os.X_OK) else [sys.executable, "-m", "secretctl"]


@dataclass
class Flow:
    host: EcsHost
    tmp: Path

    def container_env(self, **extra: str) -> dict[str, str]:
        """A container's environment as ECS would give it: no AWS keys, a region, the
        endpoint, and whatever credentials variable ``extra`` adds."""
        return minimal_env(
            {
                "HOME": str(self.tmp),
                "AWS_REGION": REGION,
                "AWS_ENDPOINT_URL": self.host.moto_url,
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                **extra,
            }
        )


@pytest.fixture(scope="module")
def flow(network: Network, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    tmp = tmp_path_factory.mktemp("ecs-flow")
    host = build_or_require(network, tmp, with_moto=True)
    setup_docker_filter(host)
    host.root = tmp / "root"
    script, _ = user_data_setup_script("dev", host.root)
    host.run_host_script(script, "user-data.sh")  # the container runs on a hardened host
    writer_env = minimal_env(
        {
            "HOME": str(tmp),
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": host.moto_url,
            "AWS_ACCESS_KEY_ID": "writer-testing",  # an engineer's or CI's writer credentials
            "AWS_SECRET_ACCESS_KEY": "writer-testing",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    for service, values in SECRETS.items():
        for key, value in values.items():  # the value on stdin, never in argv
            host.host.run(
                [*secretctl(), "write", service, key, "-"],
                input=value,
                env=writer_env,
                check=True,
                timeout=60,
            )
    yield Flow(host, tmp)


def _program_output(stdout: str) -> tuple[dict[str, str], str]:
    """The environment the program printed, and whatever else was on stdout."""
    assert stdout.count(BEGIN) == 1 and stdout.count(END) == 1, stdout
    before, rest = stdout.split(BEGIN + "\n", 1)
    body, after = rest.split(END + "\n", 1)
    return json.loads(body), before + after


# How secretctl reaches AWS: its default (the lean reader when it serves this environment),
# or boto3 forced with SECRETCTL_LEAN=0 (what any environment the lean reader declines gets),
# with only AWS_REGION (what the brief's container has) or with AWS_DEFAULT_REGION as well.
CLIENTS = {
    "default": {},
    "boto3": {"SECRETCTL_LEAN": "0"},
    "boto3-default-region": {"SECRETCTL_LEAN": "0", "AWS_DEFAULT_REGION": REGION},
}


@pytest.mark.parametrize(
    "client",
    [
        "default",
        "boto3",
        "boto3-default-region",
    ],
)
@pytest.mark.parametrize(
    "variable", ["AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]
)
def test_exec_in_the_container_with_task_credentials(
    flow: Flow, variable: str, client: str
) -> None:
    uri = flow.host.credentials_uri("api")
    value = uri if variable.endswith("FULL_URI") else uri.split("169.254.170.2", 1)[1]
    env = flow.container_env(**{variable: value}, **CLIENTS[client])
    assert not any(name in env for name in AWS_KEY_VARS)
    seen_before = len(read_requests(flow.host.creds_log))
    argv = [*secretctl(), "exec", "api", "--", sys.executable, "-c", PRINT_ENV]

    done = flow.host.ctr.run(argv, env=env, timeout=60, cwd=str(flow.tmp))

    assert done.returncode == EXIT_STATUS, done.stderr
    program_env, other_stdout = _program_output(done.stdout)
    assert other_stdout == ""  # secretctl printed nothing of its own on stdout
    for name, secret in API_ENV.items():
        assert program_env.get(name) == secret, name
    assert "QUEUE_TOKEN" not in program_env  # worker's secret is not api's
    assert not any(name in program_env for name in AWS_KEY_VARS)
    assert program_env[variable] == value and program_env["AWS_REGION"] == REGION
    for secret in [*ALL_VALUES, "task-secret-key-", "task-session-token-"]:
        assert secret not in done.stderr  # neither a secret nor the task credentials
        assert not any(secret in arg for arg in argv)
    # The credentials were fetched from the endpoint, by the container, through the bridge.
    requests = read_requests(flow.host.creds_log)[seen_before:]
    assert requests, "no request reached the task-credentials endpoint"
    assert {(r["path"], r["client"]) for r in requests} == {
        (f"/v2/credentials/{CREDENTIAL_IDS['api']}", BRIDGES[DOCKER0][1])
    }


@pytest.mark.parametrize("client", ["default", "boto3-default-region"])
def test_without_task_credentials_the_program_never_runs(flow: Flow, client: str) -> None:
    """The control: the same container without the credentials variable has no credentials
    at all (no keys, no profile, and the metadata service is blocked), so secretctl fails
    with one line and the program never starts."""
    env = flow.container_env(
        AWS_METADATA_SERVICE_TIMEOUT="1", AWS_METADATA_SERVICE_NUM_ATTEMPTS="1", **CLIENTS[client]
    )
    argv = [*secretctl(), "exec", "api", "--", sys.executable, "-c", PRINT_ENV]
    done = flow.host.ctr.run(argv, env=env, timeout=60, cwd=str(flow.tmp))
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert BEGIN not in done.stdout
    assert "credential" in done.stderr.lower(), done.stderr
    for secret in ALL_VALUES:
        assert secret not in done.stdout + done.stderr
