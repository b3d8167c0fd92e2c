"""Part 2: the host hardening applied for real, on a network stack built from namespaces.

The host runs exactly the setup script the platform program puts into the launch template's
user data (only its ``ROOT=''`` line points at a temporary root), after the filter rules Docker
would have made. Then containers on Docker's default bridge and on a user-defined bridge must
not reach the metadata service, while the host still does, and the containers still reach the
task-credentials endpoint and the rest of 169.254.0.0/16.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.netns import Namespace, Network
from tests.proof.netns.conftest import build_or_require, require_netns_prerequisites
from tests.proof.netns.ecs_host import (
    DROP_RULE,
    IMDS,
    OTHER_LINK_LOCAL,
    TASK_CREDENTIALS,
    VPC_ADDRESS,
    EcsHost,
    probe_ok,
    setup_docker_filter,
    user_data_setup_script,
)

METADATA_URL = f"http://{IMDS}/latest/meta-data/iam/security-credentials/"
HARDENED_ECS_CONFIG = {
    "ECS_CLUSTER": "dev",  # Pulumi.dev.yaml's ecsHosts.clusterName
    "ECS_ENABLE_TASK_IAM_ROLE": "true",
    "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST": "false",
    "ECS_DISABLE_PRIVILEGED": "true",
    "ECS_AWSVPC_BLOCK_IMDS": "true",
}
FIREWALL_SCRIPT = "usr/local/sbin/secrets-platform-block-imds"


@pytest.fixture(scope="module")
def hardened(network: Network, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EcsHost]:
    """The host after Docker's filter set-up and the user data's setup script (docker first:
    the order on a host whose Docker was already running when the script ran again)."""
    tmp = tmp_path_factory.mktemp("ecs-host")
    host = build_or_require(network, tmp)
    setup_docker_filter(host)
    host.baseline = {
        "ctr": probe_ok(host.ctr, METADATA_URL, "metadata"),
        "ctr2": probe_ok(host.ctr2, METADATA_URL, "metadata"),
    }
    host.root = tmp / "root"
    script, _cluster = user_data_setup_script("dev", host.root)
    host.run_host_script(script, "user-data.sh")
    yield host


def _container(host: EcsHost, which: str) -> Namespace:
    return host.ctr if which == "ctr" else host.ctr2


BRIDGE_IDS = {"ctr": "docker0", "ctr2": "user-defined-bridge"}


def test_before_hardening_the_containers_reach_the_metadata_service(hardened: EcsHost) -> None:
    # The control: the metadata traffic is routed (forwarded) through the host, so what
    # blocks it afterwards is the rule, not the layout.
    assert hardened.baseline == {"ctr": True, "ctr2": True}


@pytest.mark.parametrize("which", ["ctr", "ctr2"], ids=BRIDGE_IDS.get)
def test_container_cannot_reach_the_metadata_service(hardened: EcsHost, which: str) -> None:
    before = hardened.drop_rule_packets()
    probe = _container(hardened, which).http_get(METADATA_URL, timeout=1.0)
    assert not probe.ok, f"container reached the metadata service: {probe}"
    assert probe.outcome in {"timeout", "refused"}, probe
    assert hardened.drop_rule_packets() > before, "the DROP rule did not see the packets"


def test_host_still_reaches_the_metadata_service(hardened: EcsHost) -> None:
    probe = hardened.host.http_get(METADATA_URL)
    assert probe.ok and '"server": "metadata"' in probe.body, probe


@pytest.mark.parametrize("which", ["ctr", "ctr2"], ids=BRIDGE_IDS.get)
def test_container_still_reaches_task_credentials(hardened: EcsHost, which: str) -> None:
    probe = _container(hardened, which).http_get(hardened.credentials_uri("api"))
    assert probe.ok and probe.status == 200 and '"AccessKeyId"' in probe.body, probe


@pytest.mark.parametrize("which", ["ctr", "ctr2"], ids=BRIDGE_IDS.get)
def test_container_still_reaches_other_link_local_and_outside(
    hardened: EcsHost, which: str
) -> None:
    ctr = _container(hardened, which)
    assert probe_ok(ctr, f"http://{OTHER_LINK_LOCAL}/", "metadata")  # e.g. Amazon DNS/NTP
    assert probe_ok(ctr, f"http://{VPC_ADDRESS}/", "metadata")  # ordinary egress


def test_running_the_script_again_leaves_one_rule(hardened: EcsHost) -> None:
    assert hardened.root is not None
    script, _ = user_data_setup_script("dev", hardened.root)
    hardened.run_host_script(script, "user-data-again.sh")  # the boothook on the next boot
    firewall = hardened.root / FIREWALL_SCRIPT
    hardened.host.run(["/bin/sh", str(firewall)], env=hardened.host_env, check=True)
    assert hardened.chain("DOCKER-USER") == [
        "-N DOCKER-USER",
        DROP_RULE,
        "-A DOCKER-USER -j RETURN",
    ]
    assert hardened.chain("FORWARD").count("-A FORWARD -j DOCKER-USER") == 1


def test_ecs_config_on_disk_is_hardened(hardened: EcsHost) -> None:
    assert hardened.root is not None
    text = (hardened.root / "etc/ecs/ecs.config").read_text()
    lines = text.splitlines()
    settings = dict(line.split("=", 1) for line in lines)
    assert len(settings) == len(lines)  # no key twice
    assert settings == HARDENED_ECS_CONFIG


def test_boot_order_script_before_docker(tmp_path: Path) -> None:
    """On boot the script runs before dockerd: it creates DOCKER-USER, and Docker adopts the
    chain without flushing it; containers are still cut off from the metadata service."""
    require_netns_prerequisites()
    with Network() as net:
        host = build_or_require(net, tmp_path)
        host.root = tmp_path / "root"
        script, _ = user_data_setup_script("dev", host.root)
        host.run_host_script(script, "user-data.sh")
        setup_docker_filter(host)
        assert host.chain("DOCKER-USER") == [
            "-N DOCKER-USER",
            DROP_RULE,
            "-A DOCKER-USER -j RETURN",
        ]
        assert not host.ctr.http_get(METADATA_URL, timeout=1.0).ok
        assert host.drop_rule_packets() > 0
        credentials = host.ctr.http_get(host.credentials_uri("api"))
        assert credentials.status == 200 and TASK_CREDENTIALS in host.credentials_uri("api")
        assert probe_ok(host.host, METADATA_URL, "metadata")
