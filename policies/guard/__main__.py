"""What the Pulumi CLI runs for `--policy-pack policies/guard` (from a checkout of this
repository; the pack imports its rules from ``policies``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pulumi_policy import PolicyPack  # noqa: E402

from policies.guard.pack import PACK_NAME, build_policies  # noqa: E402

PolicyPack(PACK_NAME, policies=build_policies())
