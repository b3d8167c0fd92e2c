"""The host-hardening texts, and the scripts run for real against a fake ``iptables``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from policies.host_hardening import (
    ECS_CONFIG_PATH,
    FIREWALL_SCRIPT_PATH,
    FIREWALL_UNIT_PATH,
    FIREWALL_UNIT_WANTS_LINK,
    METADATA_OPTIONS,
    render_ecs_config,
    render_firewall_script,
    render_firewall_unit,
    render_host_setup_script,
    render_user_data,
)

RULE = ["-d", "169.254.169.254/32", "-j", "DROP"]

# A stand-in for iptables that keeps chains in a JSON file and implements the few commands
# the script uses, with iptables' exit codes (1 for a missing chain or rule).
FAKE_IPTABLES = r"""
import json, os, sys
state_file = os.environ["FAKE_IPTABLES_STATE"]
chains = json.load(open(state_file)) if os.path.exists(state_file) else {}
args = [a for a in sys.argv[1:] if a not in ("-w", "-n")]
with open(state_file + ".log", "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\n")
op, chain, rule = args[0], args[1], args[2:]
if op == "-N":
    if chain in chains:
        sys.exit(1)
    chains[chain] = []
elif op == "-L":
    sys.exit(0 if chain in chains else 1)
elif op == "-C":
    sys.exit(0 if rule in chains.get(chain, []) else 1)
elif op == "-I":
    if chain not in chains:
        sys.exit(1)
    chains[chain].insert(0, rule)
else:
    sys.exit(2)
json.dump(chains, open(state_file, "w"))
"""


@pytest.fixture
def fake_iptables(tmp_path: Path) -> tuple[dict[str, str], Path]:
    shim = tmp_path / "fake-iptables"
    shim.write_text(f"#!{sys.executable}\n{FAKE_IPTABLES}")
    shim.chmod(0o755)
    state = tmp_path / "iptables.json"
    env = {**os.environ, "IPTABLES": str(shim), "FAKE_IPTABLES_STATE": str(state)}
    return env, state


def _run(script: str, env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "script.sh"
    path.write_text(script)
    subprocess.run(["/bin/sh", str(path)], env=env, check=True, timeout=60)


def test_ecs_config_text() -> None:
    assert render_ecs_config("prod") == (
        "ECS_CLUSTER=prod\n"
        "ECS_ENABLE_TASK_IAM_ROLE=true\n"
        "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=false\n"
        "ECS_DISABLE_PRIVILEGED=true\n"
        "ECS_AWSVPC_BLOCK_IMDS=true\n"
    )


@pytest.mark.parametrize("cluster", ["", "a b", "x\nECS_DISABLE_PRIVILEGED=false", "a;rm"])
def test_bad_cluster_names_are_refused(cluster: str) -> None:
    with pytest.raises(ValueError):
        render_ecs_config(cluster)


def test_metadata_options() -> None:
    assert METADATA_OPTIONS == {
        "http_endpoint": "enabled",
        "http_tokens": "required",
        "http_put_response_hop_limit": 1,
        "http_protocol_ipv6": "disabled",
        "instance_metadata_tags": "disabled",
    }


def test_firewall_rule_is_the_metadata_address_only() -> None:
    script = render_firewall_script()
    rules = [line for line in script.splitlines() if "-I DOCKER-USER" in line]
    assert len(rules) == 1
    assert "-d 169.254.169.254/32 -j DROP" in rules[0]
    for line in script.splitlines():
        if line.startswith("#"):
            continue
        assert "169.254.170.2" not in line
        assert "169.254.0.0" not in line
        assert " -i " not in line and " -o " not in line  # no interface match
        assert "-F" not in line.split() and "-X" not in line.split()  # never flushes


def test_firewall_script_creates_chain_and_is_idempotent(
    fake_iptables: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, state = fake_iptables
    _run(render_firewall_script(), env, tmp_path)
    _run(render_firewall_script(), env, tmp_path)
    assert json.loads(state.read_text()) == {"DOCKER-USER": [RULE]}


def test_firewall_script_keeps_dockers_chain_and_rules(
    fake_iptables: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, state = fake_iptables
    state.write_text(json.dumps({"DOCKER-USER": [["-j", "RETURN"]]}))
    _run(render_firewall_script(), env, tmp_path)
    _run(render_firewall_script(), env, tmp_path)
    assert json.loads(state.read_text()) == {"DOCKER-USER": [RULE, ["-j", "RETURN"]]}


def test_firewall_script_fails_loudly_when_iptables_is_broken(tmp_path: Path) -> None:
    env = {**os.environ, "IPTABLES": "/bin/false"}
    path = tmp_path / "fw.sh"
    path.write_text(render_firewall_script())
    assert subprocess.run(["/bin/sh", str(path)], env=env, timeout=60).returncode != 0


def test_host_setup_script_under_a_temporary_root(
    fake_iptables: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, state = fake_iptables
    root = tmp_path / "root"
    script = render_host_setup_script("prod", root=str(root))
    _run(script, env, tmp_path)
    _run(script, env, tmp_path)  # every boot runs it again
    assert (root / ECS_CONFIG_PATH.lstrip("/")).read_text() == render_ecs_config("prod")
    firewall = root / FIREWALL_SCRIPT_PATH.lstrip("/")
    assert firewall.read_text() == render_firewall_script()
    assert firewall.stat().st_mode & stat.S_IXUSR
    unit = root / FIREWALL_UNIT_PATH.lstrip("/")
    assert unit.read_text() == render_firewall_unit()
    link = root / FIREWALL_UNIT_WANTS_LINK.lstrip("/")
    assert link.is_symlink() and link.resolve() == unit.resolve()
    assert json.loads(state.read_text()) == {"DOCKER-USER": [RULE]}


def test_unit_runs_before_docker_on_every_boot() -> None:
    unit = render_firewall_unit()
    assert "Before=docker.service" in unit
    assert "WantedBy=docker.service" in unit
    assert f"ExecStart={FIREWALL_SCRIPT_PATH}" in unit
    assert "Type=oneshot" in unit


def test_user_data_is_a_boothook_running_the_host_setup_script() -> None:
    user_data = render_user_data("prod")
    first, rest = user_data.split("\n", 1)
    assert first == "#cloud-boothook"
    assert rest == render_host_setup_script("prod")
    assert rest.startswith("#!/bin/sh\n")
    assert "ROOT=''\n" in rest
    for text in (render_ecs_config("prod"), render_firewall_script(), render_firewall_unit()):
        assert text in rest


def test_root_with_spaces_is_quoted() -> None:
    assert "ROOT='/tmp/a b'\n" in render_host_setup_script("c", root="/tmp/a b/")
