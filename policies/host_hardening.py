"""ECS container host hardening, rendered as text so tests run exactly what hosts run.

A container must not reach the EC2 instance metadata service: from there it could take the
instance role's credentials, or (without ``ECS_AWSVPC_BLOCK_IMDS``/``DOCKER-USER`` rules)
another task's. The launch template requires IMDSv2 with a hop limit of 1, and the user data
configures the ECS agent and drops forwarded container traffic to 169.254.169.254. The ECS
task-credentials endpoint 169.254.170.2 and the rest of 169.254.0.0/16 are never touched.
"""

from __future__ import annotations

import re
import shlex

IMDS_ADDRESS = "169.254.169.254/32"
TASK_CREDENTIALS_ADDRESS = "169.254.170.2"
ECS_CONFIG_PATH = "/etc/ecs/ecs.config"
FIREWALL_SCRIPT_PATH = "/usr/local/sbin/secrets-platform-block-imds"
FIREWALL_UNIT_NAME = "secrets-platform-block-imds.service"
FIREWALL_UNIT_PATH = f"/etc/systemd/system/{FIREWALL_UNIT_NAME}"
#: ``systemctl enable`` of a unit with ``WantedBy=docker.service`` is this one symlink.
FIREWALL_UNIT_WANTS_LINK = f"/etc/systemd/system/docker.service.wants/{FIREWALL_UNIT_NAME}"
FIREWALL_RULE = ("-d", IMDS_ADDRESS, "-j", "DROP")

#: Launch-template metadata options (pulumi_aws ``LaunchTemplateMetadataOptionsArgs`` names).
#: The hop limit of 1 keeps IMDSv2 token responses from reaching a container's network
#: namespace (AMIs that advertise IMDSv2 default to 2, which does reach it).
METADATA_OPTIONS: dict[str, str | int] = {
    "http_endpoint": "enabled",
    "http_tokens": "required",
    "http_put_response_hop_limit": 1,
    "http_protocol_ipv6": "disabled",
    "instance_metadata_tags": "disabled",
}

CLUSTER_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,255}$"
#: The tag that names the stack which created an ECS cluster.
CLUSTER_STACK_TAG = "secrets-platform:stack"
#: The tag that names the cluster a launch template's hosts join.
CLUSTER_TAG = "secrets-platform:cluster"
LAUNCH_TEMPLATE_DESCRIPTION = (
    "secrets-platform: hardened ECS container host (IMDSv2, hop limit 1, no metadata for "
    "containers)"
)
_CLUSTER_RE = re.compile(CLUSTER_NAME_PATTERN)


def _check_cluster(cluster: str) -> None:
    if not _CLUSTER_RE.match(cluster):
        raise ValueError(
            f"invalid ECS cluster name {cluster!r}: use 1-255 letters, digits, '-' and '_'"
        )


def ecs_config_settings(cluster: str) -> dict[str, str]:
    """The ECS agent settings, in the order they are written."""
    _check_cluster(cluster)
    return {
        "ECS_CLUSTER": cluster,
        # Tasks get their own role's credentials from 169.254.170.2 ...
        "ECS_ENABLE_TASK_IAM_ROLE": "true",
        # ... but host-network tasks do not: their traffic to 169.254.170.2 cannot be told apart.
        "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST": "false",
        # No privileged containers (which could rewrite the host's firewall).
        "ECS_DISABLE_PRIVILEGED": "true",
        # awsvpc tasks get no route to the instance metadata service.
        "ECS_AWSVPC_BLOCK_IMDS": "true",
    }


def render_ecs_config(cluster: str) -> str:
    """The text of ``/etc/ecs/ecs.config``."""
    return "".join(f"{key}={value}\n" for key, value in ecs_config_settings(cluster).items())


def render_firewall_script() -> str:
    """A POSIX shell script that drops forwarded container traffic to the metadata service.

    Idempotent (``-C`` before ``-I``: running it twice leaves one rule). It creates the
    ``DOCKER-USER`` chain only when missing: Docker adopts an existing chain, jumps to it from
    ``FORWARD`` for every bridge (default and user-defined) and never flushes it. No interface
    is matched, so user-defined bridges are covered too. ``IPTABLES`` may name another binary.
    """
    rule = " ".join(FIREWALL_RULE)
    return f"""#!/bin/sh
# secrets-platform: containers must not reach the EC2 instance metadata service.
# Drops only {IMDS_ADDRESS}; {TASK_CREDENTIALS_ADDRESS} (ECS task credentials) and the rest of
# 169.254.0.0/16 stay reachable. Safe to run any number of times.
set -eu
IPTABLES="${{IPTABLES:-iptables}}"
"$IPTABLES" -w -N DOCKER-USER 2>/dev/null || "$IPTABLES" -w -n -L DOCKER-USER >/dev/null
"$IPTABLES" -w -C DOCKER-USER {rule} 2>/dev/null || "$IPTABLES" -w -I DOCKER-USER {rule}
"""


def render_firewall_unit() -> str:
    """The systemd unit that re-applies the firewall rule on every boot, before Docker."""
    return f"""[Unit]
Description=secrets-platform: block container access to the EC2 instance metadata service
Before=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart={FIREWALL_SCRIPT_PATH}

[Install]
WantedBy=docker.service
"""


def _heredoc(path_expr: str, text: str, marker: str) -> str:
    if marker in text:  # pragma: no cover - the rendered texts never contain the markers
        raise ValueError(f"heredoc marker {marker} occurs in the text")
    return f"cat > {path_expr} <<'{marker}'\n{text}{marker}\n"


def render_host_setup_script(cluster: str, root: str = "") -> str:
    """The shell script that sets a host up: writes ``ecs.config``, installs the firewall
    script and its systemd unit (enabled by the same symlink ``systemctl enable`` makes), and
    applies the rule now. Every file goes under ``root`` ('' is the host itself), so a test can
    run this exact script in a network namespace with a temporary root."""
    ecs_config = render_ecs_config(cluster)
    q_root = shlex.quote(root.rstrip("/"))
    return (
        "#!/bin/sh\n"
        "# secrets-platform ECS host hardening; runs before the Docker daemon starts.\n"
        "set -eu\n"
        f"ROOT={q_root}\n"
        "umask 022\n"
        'mkdir -p "$ROOT/etc/ecs" "$ROOT/usr/local/sbin" '
        '"$ROOT/etc/systemd/system/docker.service.wants"\n'
        + _heredoc(f'"$ROOT{ECS_CONFIG_PATH}"', ecs_config, "SECRETS_PLATFORM_ECS_CONFIG")
        + _heredoc(
            f'"$ROOT{FIREWALL_SCRIPT_PATH}"', render_firewall_script(), "SECRETS_PLATFORM_FIREWALL"
        )
        + f'chmod 0755 "$ROOT{FIREWALL_SCRIPT_PATH}"\n'
        + _heredoc(f'"$ROOT{FIREWALL_UNIT_PATH}"', render_firewall_unit(), "SECRETS_PLATFORM_UNIT")
        + f'ln -sf ../{FIREWALL_UNIT_NAME} "$ROOT{FIREWALL_UNIT_WANTS_LINK}"\n'
        + f'"$ROOT{FIREWALL_SCRIPT_PATH}"\n'
    )


def render_user_data(cluster: str) -> str:
    """EC2 user data: the host setup script as a cloud-init boothook, which runs early on
    every boot (in cloud-init's network stage, before ``network-online.target`` and so
    before ``docker.service`` and the ECS agent start). cloud-init strips the first line and
    executes the rest, so the script keeps its own ``#!/bin/sh``."""
    return "#cloud-boothook\n" + render_host_setup_script(cluster)
