"""``export -o PATH`` is safe for whatever PATH is: a regular file or a new path is replaced
atomically with mode 0600 (through a symlink, its target is); a descriptor, a FIFO or a
character device is written in place, never renamed over or chmodded.

Every case works on paths under tmp_path: the real /dev/stdout is never given to a build
that might still replace it (as root, that would break /dev/stdout for the whole machine)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.secretctl.conftest import Run, secretctl_path

EXPECTED = '{"db_url":"postgres://x","token":"t"}\n'


@pytest.fixture
def service(ssm: Any) -> str:
    for key, value in (("db_url", "postgres://x"), ("token", "t")):
        ssm.put_parameter(Name=f"/svc/{key}", Value=value, Type="SecureString", Description="1")
    return "svc"


def export_to(run: Run, path: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = run("export", "svc", "-o", str(path), **kwargs)
    assert result.returncode == 0, result.stderr
    return result


def test_new_path_is_created_0600(run: Run, service: str, tmp_path: Path) -> None:
    target = tmp_path / "new.json"
    export_to(run, target)
    assert target.read_text() == EXPECTED
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["new.json"]


def test_symlink_is_written_through_to_its_target(run: Run, service: str, tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    target.chmod(0o644)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    export_to(run, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == EXPECTED
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # a new file replaced the old one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_dangling_symlink_creates_its_target(run: Run, service: str, tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to("sub/real.json")  # relative, resolved from the link's directory
    (tmp_path / "sub").mkdir()
    export_to(run, link)
    target = tmp_path / "sub" / "real.json"
    assert link.is_symlink() and target.read_text() == EXPECTED
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_symlink_to_dev_stdout_writes_to_stdout(run: Run, service: str, tmp_path: Path) -> None:
    link = tmp_path / "out"
    link.symlink_to("/dev/stdout")
    result = export_to(run, link)
    assert result.stdout == EXPECTED
    assert link.is_symlink() and os.readlink(link) == "/dev/stdout"


def test_proc_self_fd_writes_to_the_descriptor(run: Run, service: str) -> None:
    assert export_to(run, "/proc/self/fd/1").stdout == EXPECTED


def test_dev_fd_n_writes_to_the_inherited_descriptor(
    aws_env: dict[str, str], service: str, tmp_path: Path
) -> None:
    """A pipe on fd N (``-o /dev/fd/N``), and a file opened for appending (``N>>file``)."""
    read_end, write_end = os.pipe()
    appended = tmp_path / "log"
    appended.write_text("first\n")
    with open(appended, "a") as log:
        for fd, _ in ((write_end, "pipe"), (log.fileno(), "append")):
            result = subprocess.run(
                [secretctl_path(), "export", "svc", "-o", f"/dev/fd/{fd}"],
                env=aws_env,
                pass_fds=(fd,),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 0, result.stderr
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        assert pipe.read() == EXPECTED
    assert appended.read_text() == "first\n" + EXPECTED
    assert not appended.is_symlink()


def test_process_substitution(aws_env: dict[str, str], service: str, tmp_path: Path) -> None:
    out = tmp_path / "from-cat"
    script = f'{secretctl_path()} export svc -o >(cat > "$OUT") && wait $!'
    result = subprocess.run(
        ["bash", "-c", script],
        env={**aws_env, "OUT": str(out)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text() == EXPECTED


def test_fifo_is_written_in_place(run: Run, service: str, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o640)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so secretctl's open does not wait
    try:
        export_to(run, fifo)
        assert os.read(reader, 65536).decode() == EXPECTED
    finally:
        os.close(reader)
    mode = os.lstat(fifo).st_mode
    assert stat.S_ISFIFO(mode) and stat.S_IMODE(mode) == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_character_device_is_written_in_place(run: Run, service: str, tmp_path: Path) -> None:
    null = os.stat("/dev/null")
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, null.st_rdev)
    os.chmod(device, 0o666)
    export_to(run, device)
    after = os.lstat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == null.st_rdev
    assert stat.S_IMODE(after.st_mode) == 0o666  # never chmodded


@pytest.mark.parametrize("kind", ["directory", "block device"])
def test_other_targets_are_refused(run: Run, service: str, tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target"
    if kind == "directory":
        target.mkdir()
    else:
        if os.geteuid() != 0:
            pytest.skip("creating a device node needs root")
        os.mknod(target, stat.S_IFBLK | 0o600, os.makedev(7, 250))  # never opened
    before = os.lstat(target)
    result = run("export", "svc", "-o", str(target))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert kind in result.stderr, result.stderr
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert json.dumps("postgres://x") not in result.stderr


@pytest.mark.parametrize(
    "redirect, target",
    [(">&-", "/dev/stdout"), ("3>&-", "/dev/fd/3"), ("3</dev/null", "/dev/fd/3")],
    ids=["stdout closed", "fd 3 closed", "fd 3 read-only"],
)
def test_a_descriptor_not_open_for_writing_is_refused_before_any_aws_call(
    aws_env: dict[str, str], service: str, proxy: Any, redirect: str, target: str
) -> None:
    """A closed descriptor's number is free: the first socket secretctl opens to AWS takes it
    (the proxy keeps connections alive), and the export went onto that socket, in clear, with
    exit status 0. It is refused before any request, as a read-only one is."""
    proxy.reset_counts()
    script = f'"$SECRETCTL" export svc -o {target} {redirect}; echo "status $?" >&2'
    result = subprocess.run(
        ["bash", "-c", script],
        env={**aws_env, "AWS_ENDPOINT_URL": proxy.url, "SECRETCTL": secretctl_path()},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "status 2", result.stderr
    assert len(lines) == 2 and "not open for writing" in lines[0], result.stderr
    assert proxy.total() == 0


@pytest.mark.parametrize("kind", ["block device", "socket", "missing directory"])
def test_an_unusable_target_is_refused_before_any_aws_call(
    run: Run, aws_env: dict[str, str], service: str, proxy: Any, tmp_path: Path, kind: str
) -> None:
    target = tmp_path / "target"
    if kind == "block device":
        if os.geteuid() != 0:
            pytest.skip("creating a device node needs root")
        os.mknod(target, stat.S_IFBLK | 0o600, os.makedev(7, 250))  # never opened
    elif kind == "socket":
        import socket

        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(target))
        listener.close()
    else:
        target = tmp_path / "missing" / "out.json"
    proxy.reset_counts()
    result = run("export", "svc", "-o", str(target), env_extra={"AWS_ENDPOINT_URL": proxy.url})
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert proxy.total() == 0


def test_a_path_ending_in_a_slash_is_not_made_a_file(
    run: Run, service: str, tmp_path: Path
) -> None:
    """``-o out/`` names a directory: it is refused, not written as a file named ``out``."""
    result = run("export", "svc", "-o", f"{tmp_path}/out/")
    assert result.returncode == 2, result.stderr
    assert "directory" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_a_failed_write_is_not_a_usage_error(run: Run, service: str, tmp_path: Path) -> None:
    """The target was fine when checked; the write itself failed (a full disk, here a copy of
    /dev/full): an error of the run, exit status 1, not bad input (2)."""
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.stat("/dev/full").st_rdev)
    result = run("export", "svc", "-o", str(full))
    assert result.returncode == 1, result.stderr
    assert result.stderr == f"secretctl: error: cannot write {full}: No space left on device\n"


def test_a_full_disk_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new file could not be written in full (ENOSPC at fsync): one line, exit status 1
    (it was an unexpected OSError), the old file untouched and no temporary file left."""
    import errno

    from secretctl.errors import SecretctlError, UsageError
    from secretctl.files import output_target

    target = tmp_path / "out.json"
    target.write_text("old")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(SecretctlError) as caught:
        output_target(str(target)).write('{"k":"v"}')
    assert not isinstance(caught.value, UsageError)
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
