"""``secretctl completion bash|zsh|fish``, tested for real: each shell loads the printed script
and completes command lines, calling the installed ``secretctl`` entry point at each TAB
(bash through its completion function and COMP_WORDS, zsh interactively on a pty, fish with
``complete -C``). zsh and fish come from apt (.ci/run installs them); outside CI a missing one
skips its tests."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from secretctl.exec_args import _VALUE_OPTIONS
from tests.proof.prereq import require_command
from tests.secretctl.conftest import secretctl_path

ENV = dict(os.environ, SECRETCTL_LEAN="1")  # no AWS is needed: completion never calls it


def secretctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [secretctl_path(), *args], env=ENV, capture_output=True, text=True, timeout=60
    )


def protocol(words: str) -> list[str]:
    """click's answer to a TAB after ``words`` (as the bash script asks): 'type,value' lines.
    A trailing space means the next word is empty."""
    parts = words.split()
    if words.endswith(" "):
        parts.append("")
    env = dict(
        ENV,
        COMP_WORDS=" ".join(parts),
        COMP_CWORD=str(len(parts) - 1),
        _SECRETCTL_COMPLETE="bash_complete",
    )
    done = subprocess.run(
        [secretctl_path()], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return [line for line in done.stdout.splitlines() if line]


def plain(words: str) -> list[str]:
    return [line.split(",", 1)[1] for line in protocol(words) if line.startswith("plain,")]


# --- bash: the printed script's completion function, as bash calls it -----------------------


def bash_complete(*lines: str) -> list[list[str]]:
    """COMPREPLY for each command line (the last word is the one being completed)."""
    script = ['eval "$(secretctl completion bash)"']
    for line in lines:
        script += [
            f"read -ra COMP_WORDS <<< {line!r}",
            *(["COMP_WORDS+=('')"] if line.endswith(" ") else []),
            "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))",
            "COMPREPLY=()",
            "_secretctl_completion secretctl",
            "printf '%s\\n' \"${COMPREPLY[*]}\"",
        ]
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", "\n".join(script)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [line.split() for line in done.stdout.splitlines()]


def test_bash_completes_commands_options_and_choices() -> None:
    replies = bash_complete(
        "secretctl ",
        "secretctl wr",
        "secretctl tag ",
        "secretctl tag write --d",
        "secretctl --verb",
        "secretctl --retry-mode ",
        "secretctl completion ",
        "secretctl help li",
    )
    assert {"write", "read", "tag", "completion", "exec", "import"} <= set(replies[0])
    assert replies[1:] == [
        ["write"],
        ["delete", "read", "write"],
        ["--delete-other-tags"],
        ["--verbose"],
        ["standard", "adaptive"],
        ["bash", "zsh", "fish"],
        ["list", "list-services"],
    ]
    script = secretctl("completion", "bash").stdout
    assert "complete -o nosort -F _secretctl_completion secretctl" in script


def test_bash_completes_exec_as_the_fast_path_parses_it() -> None:
    """A line the exec fast path would run (global options, exec's options, '--' and a
    program) completes through click: options before the services, programs after '--'."""
    replies = bash_complete(
        "secretctl -r 3 --timeout 5 exec --pri",
        "secretctl exec --strict api -- ech",
        "secretctl --verbose exec api web -- printen",
    )
    assert replies[0] == ["--pristine"]
    assert "echo" in replies[1] and all(r.startswith("ech") for r in replies[1])
    assert replies[2] == ["printenv"]


def test_the_options_completed_are_the_ones_the_fast_path_parses() -> None:
    """Every global option and exec option that completion offers is one that container start
    parses without click (exec_args.py), and the other way round."""
    global_options = set(plain("secretctl -"))
    assert global_options - {"-h", "--help", "--version"} == set(_VALUE_OPTIONS) | {"--verbose"}
    exec_options = set(plain("secretctl exec -"))
    assert exec_options - {"-h", "--help"} == {
        "--pristine",
        "--strict",
        "--strict-value",
        "--preserve-case",
    }


def test_file_arguments_complete_as_paths() -> None:
    assert protocol("secretctl import api ") == ["file,"]
    assert protocol("secretctl export api -o ou") == ["file,ou"]
    assert protocol("secretctl exec api -- cat ./") == ["file,./"]
    assert protocol("secretctl read ") == []  # services would need AWS: not completed


# --- zsh: an interactive shell on a pty, TAB pressed ----------------------------------------


def zsh_complete(line: str, home: Path) -> str:
    """The command line after typing ``line`` and TAB in an interactive zsh that loaded the
    script (compinit, then eval), as zsh prints it back."""
    zsh = require_command("zsh", "apt-get install zsh")
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))
    process = subprocess.Popen(
        [zsh, "-f", "-i"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=dict(ENV, TERM="dumb", PS1="%% ", HOME=str(home)),
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # noqa: PLW1509
    )
    os.close(slave)
    seen = b""

    def send_and_wait(text: str, until: bytes, timeout: float = 60) -> None:
        nonlocal seen
        os.write(master, text.encode())
        deadline = time.monotonic() + timeout
        while until not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                seen += os.read(master, 65536)

    try:
        send_and_wait(
            'bindkey -e; autoload -U compinit && compinit -u; eval "$(secretctl completion '
            'zsh)"; print READY\n',
            b"READY\r\n",
        )
        seen = b""
        # TAB, then wrap the line in a print (Ctrl-A, Ctrl-E) to read back what TAB made of it
        os.write(master, f"{line}\t".encode())
        time.sleep(0.5)
        send_and_wait("\x01print -r -- 'LINE[\x05]'\n", b"]\r\n")
    finally:
        os.write(master, b"exit\n")
        process.wait(timeout=30)
        os.close(master)
    text = seen.decode(errors="replace")
    assert "LINE[" in text, text
    return text[text.rindex("LINE[") + 5 : text.rindex("]")]


@pytest.mark.parametrize(
    ("typed", "completed"),
    [
        ("secretctl wri", "secretctl write "),
        ("secretctl tag w", "secretctl tag write "),
        ("secretctl tag write --del", "secretctl tag write --delete-other-tags "),
        ("secretctl --verb", "secretctl --verbose "),
        ("secretctl exec --pri", "secretctl exec --pristine "),
        ("secretctl --retry-mode sta", "secretctl --retry-mode standard "),
        ("secretctl completion fi", "secretctl completion fish "),
    ],
)
def test_zsh_completes(typed: str, completed: str, tmp_path: Path) -> None:
    assert zsh_complete(typed, tmp_path) == completed.rstrip()  # ZLE drops the space on ^A


# --- fish: complete -C --------------------------------------------------------------------------


def test_fish_completes(tmp_path: Path) -> None:
    fish = require_command("fish", "apt-get install fish")
    script = tmp_path / "secretctl.fish"
    script.write_text(secretctl("completion", "fish").stdout)
    lines = [
        "secretctl wr",
        "secretctl tag ",
        "secretctl --retry-mode ",
        "secretctl exec api -- printen",
        f"secretctl import api {tmp_path}/secretctl.f",
    ]
    commands = [f"source {script}"] + [f"complete -C {line!r}; echo ---" for line in lines]
    done = subprocess.run(
        [fish, "--no-config", "-c", "; ".join(commands)],
        env=dict(ENV, HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    answers = [block.strip().splitlines() for block in done.stdout.split("---\n")[:-1]]
    assert answers[0] == ["write\tStore VALUE as secret KEY of SERVICE."]
    assert [a.split("\t")[0] for a in answers[1]] == ["delete", "read", "write"]
    assert sorted(answers[2]) == ["adaptive", "standard"]
    assert answers[3] == ["printenv"]
    assert answers[4] == [str(script)]


def test_unknown_shell_is_a_usage_error() -> None:
    done = secretctl("completion", "powershell")
    assert done.returncode == 2
    assert "'powershell' is not one of 'bash', 'zsh', 'fish'" in done.stderr
