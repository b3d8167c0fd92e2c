"""secretctl.progress: one line on a terminal, nothing anywhere else; the commands that use it
are driven through a pty in their own tests (test_cli_progress.py)."""

from __future__ import annotations

import fcntl
import io
import os
import struct
import termios
import threading
from collections.abc import Iterator

import pytest

from secretctl.audit.progress import Progress as AuditProgress
from secretctl.progress import DEFAULT_LINES, Progress, for_keys, screenful


class Terminal(io.StringIO):
    """A stream that says it is a terminal (of unknown size)."""

    def isatty(self) -> bool:
        return True


def lines_drawn(text: str) -> list[str]:
    """What each redraw showed (the text after each clear-line)."""
    return [part for part in text.split("\r\033[K") if part]


def test_nothing_off_a_terminal() -> None:
    stream = io.StringIO()
    progress = for_keys("import", total=500, stream=stream)
    for _ in range(500):
        progress.add()
    progress.done()
    assert stream.getvalue() == ""


def test_nothing_with_quiet() -> None:
    stream = Terminal()
    with for_keys("import", total=500, quiet=True, stream=stream) as progress:
        progress.add(500)
    assert stream.getvalue() == ""


def test_nothing_for_a_screenful_or_less() -> None:
    stream = Terminal()
    with for_keys("import", total=DEFAULT_LINES, stream=stream) as progress:
        progress.add(DEFAULT_LINES)
    assert stream.getvalue() == ""


def test_a_bar_over_a_known_total_ends_full_and_is_cleared() -> None:
    stream = Terminal()
    with for_keys("import", total=100, stream=stream) as progress:
        progress.add(10)
        assert lines_drawn(stream.getvalue()) == ["import: [##------------------] 10/100 keys"]
        progress.add(90)  # the last one is always drawn, however soon
    drawn = stream.getvalue()
    assert lines_drawn(drawn)[-1] == "import: [####################] 100/100 keys"
    assert drawn.endswith("\r\033[K")  # cleared when the block ends
    assert "\n" not in drawn


def test_an_unknown_total_counts_once_past_a_screenful() -> None:
    stream = Terminal()
    with for_keys("export", stream=stream) as progress:
        progress.add(DEFAULT_LINES)
        assert stream.getvalue() == ""
        progress.add(1)
    assert lines_drawn(stream.getvalue()) == [f"export: {DEFAULT_LINES + 1} keys"]


def test_the_line_is_cleared_when_the_block_fails() -> None:
    stream = Terminal()
    with pytest.raises(RuntimeError), for_keys("import", total=50, stream=stream) as progress:
        progress.add()
        raise RuntimeError("boom")
    assert stream.getvalue().endswith("\r\033[K")


def test_counts_from_many_threads() -> None:
    stream = Terminal()
    progress = for_keys("copy", total=800, stream=stream)
    threads = [
        threading.Thread(target=lambda: [progress.add() for _ in range(100)]) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert progress.count == 800
    assert lines_drawn(stream.getvalue())[-1].endswith("800/800 keys")


@pytest.fixture
def pty_stream() -> Iterator[io.TextIOWrapper]:
    """The terminal end of a pty 40 lines high and 30 columns wide."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 30, 0, 0))
    stream = open(slave, "w")  # noqa: SIM115
    try:
        yield stream
    finally:
        stream.close()
        os.close(master)


def test_a_screenful_is_the_terminals_height(pty_stream: io.TextIOWrapper) -> None:
    assert screenful(pty_stream) == 40
    progress = for_keys("import", total=40, stream=pty_stream)
    assert progress.enabled and progress.minimum == 40
    assert screenful(io.StringIO()) == DEFAULT_LINES


def test_text_is_cut_to_the_terminals_width(pty_stream: io.TextIOWrapper) -> None:
    progress = Progress(pty_stream)
    assert progress.enabled  # a pty is a terminal
    written: list[str] = []
    pty_stream.write = written.append  # type: ignore[method-assign]
    progress.show("x" * 100, force=True)
    assert written == ["\r\033[K" + "x" * 29]  # one column short: never wraps


def test_the_audit_uses_the_same_line() -> None:
    stream = Terminal()
    progress = AuditProgress(stream)
    progress.files(3, 3, 1200)
    progress.done()
    assert lines_drawn(stream.getvalue()) == ["audit: 3/3 files, 1,200 events scanned"]
    assert stream.getvalue().endswith("\r\033[K")
