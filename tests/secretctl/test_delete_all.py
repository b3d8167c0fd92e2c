"""delete --all: lists the keys, asks on a terminal to type the service name, needs --yes off
one, deletes with DeleteParameters in batches of 10, and says which keys remain when a batch
fails."""

from __future__ import annotations

from typing import Any

import pytest

from devtools.proxy import CountingProxy, Fault, fault_injector
from tests.secretctl.conftest import Run

pytestmark = pytest.mark.usefixtures("both_backends")

KEYS = [f"k{i:02d}" for i in range(25)]


def seed(ssm: Any, service: str = "api", keys: list[str] = KEYS) -> None:
    for key in keys:
        ssm.put_parameter(Name=f"/{service}/{key}", Value=f"v-{key}", Type="SecureString")


def left(ssm: Any, service: str = "api") -> list[str]:
    names = [f"/{service}/{key}" for key in KEYS]
    found = []
    for start in range(0, len(names), 10):
        found += ssm.get_parameters(Names=names[start : start + 10])["Parameters"]
    return sorted(p["Name"].rsplit("/", 1)[1] for p in found)


def test_with_yes_in_batches_of_ten(via: Run, proxy: CountingProxy, ssm: Any) -> None:
    seed(ssm)
    seed(ssm, "apiary", ["k00"])  # a neighbour that shares the prefix stays
    result = via("delete", "api", "--all", "--yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "25 deleted from api\n"
    assert result.stderr == ""  # the keys are listed when secretctl asks
    assert "v-k00" not in result.stdout + result.stderr
    # the keys: pages of DescribeParameters (moto answers 10 a page, AWS 50); then 3 batches
    assert proxy.counts == {"DescribeParameters": 3, "DeleteParameters": 3}
    assert left(ssm) == [] and left(ssm, "apiary") == ["k00"]
    again = via("delete", "api", "--all", "--yes")  # nothing left: said, not an error
    assert again.returncode == 0 and again.stdout == ""
    assert again.stderr == "nothing to delete: service 'api' has no secrets (looked under /api/)\n"


def test_off_a_terminal_needs_yes(via: Run, proxy: CountingProxy, ssm: Any) -> None:
    seed(ssm)
    for args, fragment in (
        (
            ["delete", "api", "--all"],
            "delete --all asks for confirmation on a terminal; pass --yes",
        ),
        (["delete", "api", "k00", "--all", "--yes"], "leave out KEY"),
        (["delete", "api"], "delete needs KEY, or --all"),
        (["delete", "bad name", "--all", "--yes"], "invalid service name"),
    ):
        result = via(*args, input="api\n")
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and fragment in result.stderr, result.stderr
        assert proxy.total() == 0
    assert left(ssm) == KEYS


def test_on_a_terminal_type_the_service_name(aws_env: dict[str, str], ssm: Any) -> None:
    from tests.secretctl.test_cli_terminal import run_on_pty

    seed(ssm)
    prompt = "Type the service name (api) to delete them all: "
    refused = run_on_pty(["delete", "api", "--all"], aws_env, answers={prompt: "ap\n"})
    assert refused.returncode == 1
    assert "25 secrets of api: k00, k01" in refused.terminal
    assert "not confirmed (typed 'ap'): nothing was deleted" in refused.terminal
    assert left(ssm) == KEYS
    confirmed = run_on_pty(["delete", "api", "--all"], aws_env, answers={prompt: "api\n"})
    assert confirmed.returncode == 0, confirmed.terminal
    assert "25 deleted from api" in confirmed.terminal
    assert left(ssm) == []


def test_one_secret_is_named_in_the_singular(aws_env: dict[str, str], ssm: Any) -> None:
    from tests.secretctl.test_cli_terminal import run_on_pty

    seed(ssm, "solo", ["k00"])
    prompt = "Type the service name (solo) to delete them all: "
    refused = run_on_pty(["delete", "solo", "--all"], aws_env, answers={prompt: "no\n"})
    assert refused.returncode == 1
    assert "1 secret of solo: k00" in refused.terminal


def test_finds_the_service_as_written(via: Run, ssm: Any) -> None:
    seed(ssm, "MixedSvc", ["k00", "k01"])
    result = via("delete", "MixedSvc", "--all", "--yes")
    assert result.stdout == "2 deleted from MixedSvc\n", result.stderr
    assert left(ssm, "MixedSvc") == []


@pytest.mark.parametrize("kind", ["deny", "reset"])
def test_a_failed_batch_says_which_keys_remain(
    run: Run, aws_env: dict[str, str], ssm: Any, kind: str
) -> None:
    """The second batch fails: refused (nothing of it deleted) or its answer cut (applied, but
    secretctl cannot know). The line names what remains; the same command finishes the job."""
    seed(ssm)
    fault = Fault(kind, frozenset({"DeleteParameters"}), after=1, count=1)
    with fault_injector(aws_env["AWS_ENDPOINT_URL"], [fault]) as proxy:
        first = run("delete", "api", "--all", "--yes", env_extra={"AWS_ENDPOINT_URL": proxy.url})
        assert proxy.counts["DeleteParameters"] == 2  # stopped at the failed batch
    assert first.returncode == 1
    error = first.stderr.splitlines()[-1]
    assert error.startswith("secretctl: error: delete --all incomplete: 10 deleted, ")
    if kind == "deny":
        assert f"15 remain: {', '.join(KEYS[10:])}; first error: access denied" in error
        assert left(ssm) == KEYS[10:]
    else:
        assert f"5 remain: {', '.join(KEYS[20:])}; 10 may or may not be deleted (sent, no " in error
        assert f"answer): {', '.join(KEYS[10:20])}; first error:" in error
        assert left(ssm) == KEYS[20:]  # the cut answer's batch was applied
    assert error.endswith("run the same command again to delete what remains")
    second = run("delete", "api", "--all", "--yes")
    assert second.returncode == 0, second.stderr
    assert second.stdout == f"{len(KEYS) - 10 - (10 if kind == 'reset' else 0)} deleted from api\n"
    assert left(ssm) == []
