"""A small ECS-like host built from network namespaces (see ``build_ecs_host``).

Layout (every namespace is new and named ``spnx<pid>x<n>-<role>``; nothing is created in or
routed through the root namespace)::

    [vpc]  eth0 10.0.1.1/24            the EC2 side of the host's ENI ("off-host")
           lo   169.254.169.254/32     instance metadata service (identity server, :80)
           lo   169.254.169.253/32     another link-local service (must stay reachable, :80)
           10.0.1.1:5000               moto (AWS), only when ``with_moto``
             |  veth
    [host] eth0 10.0.1.10/24, default via 10.0.1.1, ip_forward=1
           lo   169.254.170.2/32       task-credentials endpoint (:80, as the ECS agent)
           docker0        172.17.0.1/16    Docker's default bridge
           br-5ec7e75a11e1 172.18.0.1/16   a user-defined Docker network's bridge
           filter: what dockerd sets up (FORWARD policy DROP, DOCKER-USER chain with its
           RETURN, FORWARD -j DOCKER-USER first, per-bridge ACCEPTs), then the rendered script
             |  veth (port of docker0)          |  veth (port of br-...)
    [ctr]  eth0 172.17.0.2/16           [ctr2] eth0 172.18.0.2/16
           default via 172.17.0.1              default via 172.18.0.1

The metadata service lives in its own namespace because that is where it is on EC2: off the
host, so container traffic to it is *forwarded* by the host (the FORWARD chain, where Docker
jumps to DOCKER-USER). A listener on an address local to the host namespace would receive
container traffic through INPUT, which the DOCKER-USER rule never sees, so the test could not
tell a working rule from none. The task-credentials endpoint is local to the host, as on ECS
(where the agent DNATs 169.254.170.2:80 to 127.0.0.1:51679): here the listener is bound to
169.254.170.2 on the host's loopback directly, and the containers reach it through their
default route over the bridge. moto stands for AWS beyond the host, so the container's SSM
traffic crosses FORWARD/DOCKER-USER like real egress.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from devtools.netns import Namespace, NetnsError, Network, minimal_env

SERVERS = str(Path(__file__).with_name("servers.py"))
IMDS = "169.254.169.254"
OTHER_LINK_LOCAL = "169.254.169.253"
TASK_CREDENTIALS = "169.254.170.2"
VPC_ADDRESS = "10.0.1.1"
HOST_ADDRESS = "10.0.1.10"
MOTO_PORT = 5000
DOCKER0 = "docker0"
USER_BRIDGE = "br-5ec7e75a11e1"  # Docker names a user-defined network's bridge br-<12 hex>
BRIDGES = {DOCKER0: ("172.17.0.1", "172.17.0.2"), USER_BRIDGE: ("172.18.0.1", "172.18.0.2")}
CREDENTIAL_IDS = {"api": "0c6f2b1e-api", "worker": "7d3a9e44-worker"}
DROP_RULE = f"-A DOCKER-USER -d {IMDS}/32 -j DROP"
IPTABLES_CANDIDATES = ("iptables", "iptables-nft", "iptables-legacy")


def role_arn(service: str) -> str:
    return f"arn:aws:iam::123456789012:role/secrets-platform-{service}"


@dataclass
class EcsHost:
    net: Network
    vpc: Namespace
    host: Namespace
    ctr: Namespace  # on docker0
    ctr2: Namespace  # on the user-defined bridge
    iptables: str  # the binary that works here (path)
    host_env: dict[str, str]  # environment the host's scripts run with (IPTABLES if needed)
    creds_log: Path
    root: Path | None = None  # the temporary root the setup script wrote under
    baseline: dict[str, bool] = field(default_factory=dict)

    @property
    def moto_url(self) -> str:
        return f"http://{VPC_ADDRESS}:{MOTO_PORT}"

    def credentials_uri(self, service: str) -> str:
        return f"http://{TASK_CREDENTIALS}/v2/credentials/{CREDENTIAL_IDS[service]}"

    def iptables_cmd(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.host.run([self.iptables, "-w", *args], check=True)

    def chain(self, name: str) -> list[str]:
        """``iptables -S <name>`` in the host namespace, one rule per entry."""
        return self.iptables_cmd("-S", name).stdout.splitlines()

    def drop_rule_packets(self) -> int:
        """Packets counted by the metadata DROP rule(s) in DOCKER-USER so far."""
        out = self.iptables_cmd("-L", "DOCKER-USER", "-v", "-n", "-x").stdout
        total = 0
        for line in out.splitlines()[2:]:
            cols = line.split()
            if len(cols) >= 9 and cols[2] == "DROP" and cols[8] == f"{IMDS}":
                total += int(cols[0])
        return total

    def run_host_script(self, script: str, name: str) -> subprocess.CompletedProcess[str]:
        assert self.root is not None
        path = self.root.parent / name
        path.write_text(script)
        return self.host.run(["/bin/sh", str(path)], env=self.host_env, check=True)


def pick_iptables(ns: Namespace) -> tuple[str, dict[str, str]] | None:
    """The first iptables binary that works in ``ns`` (plain ``iptables`` first, as a host
    would run it), and the environment the rendered script needs to use it."""
    for name in IPTABLES_CANDIDATES:
        path = shutil.which(name)
        if path is None:
            continue
        if ns.run([path, "-w", "-n", "-L", "FORWARD"], timeout=15).returncode == 0:
            env = minimal_env() if name == "iptables" else minimal_env({"IPTABLES": path})
            return path, env
    return None


def setup_docker_filter(host: EcsHost) -> None:
    """What dockerd does to the filter table when it starts, as moby does it: FORWARD policy
    DROP, the DOCKER-USER chain created only if missing (never flushed) with a RETURN appended
    if absent, ``-I FORWARD -j DOCKER-USER`` at the top, and per bridge the ACCEPT rules. The
    metadata rule itself is left to the rendered script."""
    ipt = host.iptables_cmd
    run = host.host.run
    ipt("-P", "FORWARD", "DROP")
    if run([host.iptables, "-w", "-n", "-L", "DOCKER-USER"]).returncode != 0:
        ipt("-N", "DOCKER-USER")
    if run([host.iptables, "-w", "-C", "DOCKER-USER", "-j", "RETURN"]).returncode != 0:
        ipt("-A", "DOCKER-USER", "-j", "RETURN")
    for _ in range(100):  # drop any existing jump (bounded), then put one at the top
        if run([host.iptables, "-w", "-D", "FORWARD", "-j", "DOCKER-USER"]).returncode != 0:
            break
    ipt("-I", "FORWARD", "-j", "DOCKER-USER")
    for bridge in BRIDGES:
        ipt(
            "-A",
            "FORWARD",
            "-o",
            bridge,
            "-m",
            "conntrack",
            "--ctstate",
            "RELATED,ESTABLISHED",
            "-j",
            "ACCEPT",
        )
        ipt("-A", "FORWARD", "-i", bridge, "!", "-o", bridge, "-j", "ACCEPT")
        ipt("-A", "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT")


def build_ecs_host(net: Network, tmp: Path, *, with_moto: bool = False) -> EcsHost | None:
    """Build the layout above inside ``net`` and start its servers (all torn down with
    ``net``). None when no iptables binary works in a namespace."""
    vpc = net.namespace("vpc")
    host = net.namespace("host")
    ctr = net.namespace("ctr")
    ctr2 = net.namespace("ctr2")
    picked = pick_iptables(host)
    if picked is None:
        return None

    net.veth(
        vpc, "eth0", host, "eth0", address_a=f"{VPC_ADDRESS}/24", address_b=f"{HOST_ADDRESS}/24"
    )
    net.address(vpc, f"{IMDS}/32", "lo")
    net.address(vpc, f"{OTHER_LINK_LOCAL}/32", "lo")
    net.route(vpc, "172.16.0.0/12", via=HOST_ADDRESS)  # replies to containers (no NAT here)
    net.route(host, "default", via=VPC_ADDRESS)
    net.address(host, f"{TASK_CREDENTIALS}/32", "lo")
    host.sysctl("net.ipv4.ip_forward", "1")
    containers = ((ctr, "veth-ctr"), (ctr2, "veth-ctr2"))
    for (bridge, (gateway, address)), (ns, veth) in zip(BRIDGES.items(), containers, strict=True):
        net.bridge(host, bridge, f"{gateway}/16")
        net.veth(host, veth, ns, "eth0", master_a=bridge, address_b=f"{address}/16")
        net.route(ns, "default", via=gateway)

    creds_log = tmp / "credentials-requests.jsonl"
    creds_log.touch()
    roles = {cid: role_arn(service) for service, cid in CREDENTIAL_IDS.items()}
    net.start_server(
        vpc,
        [sys.executable, SERVERS, "identity", "metadata", "0.0.0.0", "80"],
        ready_url=f"http://{IMDS}/",
        log_path=str(tmp / "imds.log"),
    )
    net.start_server(
        host,
        [
            sys.executable,
            SERVERS,
            "credentials",
            TASK_CREDENTIALS,
            "80",
            str(creds_log),
            json.dumps(roles),
        ],
        ready_url=f"http://{TASK_CREDENTIALS}/ready",
        log_path=str(tmp / "credentials.log"),
    )
    if with_moto:
        net.start_server(
            vpc,
            [sys.executable, "-m", "moto.server", "-H", "0.0.0.0", "-p", str(MOTO_PORT)],
            ready_url=f"http://{VPC_ADDRESS}:{MOTO_PORT}/moto-api/data.json",
            log_path=str(tmp / "moto.log"),
            timeout=60,
        )
    iptables, host_env = picked
    return EcsHost(net, vpc, host, ctr, ctr2, iptables, host_env, creds_log)


@functools.lru_cache(maxsize=4)
def launch_template_user_data(stack: str) -> str:
    """The user data of the launch template the platform program (``__main__.py``, run under
    Pulumi mocks for ``Pulumi.<stack>.yaml``) creates, decoded."""
    from access_report.harness import run_stack_file

    repo = Path(__file__).resolve().parents[3]
    run = run_stack_file(repo / f"Pulumi.{stack}.yaml")
    (template,) = run.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    return base64.b64decode(template.inputs["userData"]).decode()


def user_data_setup_script(stack: str, root: Path) -> tuple[str, str]:
    """The host setup script exactly as the platform program puts it in the launch template's
    user data, with only its ``ROOT=''`` line pointed at ``root``; and the cluster name.
    Raises if the user data is not the expected boothook."""
    user_data = launch_template_user_data(stack)
    boothook, script = user_data.split("\n", 1)  # cloud-init drops the first line
    if boothook != "#cloud-boothook" or script.count("\nROOT=''\n") != 1:
        raise AssertionError(f"unexpected user data:\n{user_data}")
    match = re.search(r"^ECS_CLUSTER=(.+)$", script, re.M)
    if match is None:
        raise AssertionError("no ECS_CLUSTER in the user data")
    rooted = script.replace("\nROOT=''\n", f"\nROOT={shlex.quote(str(root))}\n")
    return rooted, match[1]


def probe_ok(ns: Namespace, url: str, server: str) -> bool:
    probe = ns.http_get(url)
    return probe.ok and json.loads(probe.body or "{}").get("server") == server


def read_requests(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def netns_supported() -> str | None:
    """None when this process can create a network namespace, else why not."""
    name = f"spnxprobe{os.getpid()}"
    try:
        done = subprocess.run(
            ["ip", "netns", "add", name], capture_output=True, text=True, timeout=15
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return str(err)
    if done.returncode != 0:
        return done.stderr.strip()
    subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=15)
    return None


__all__ = ["EcsHost", "NetnsError", "build_ecs_host", "user_data_setup_script"]
