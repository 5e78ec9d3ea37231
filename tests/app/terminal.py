"""A command on a pseudo-terminal, as a person runs it: read its prompts, type answers,
press Ctrl-C (the terminal, not the test, turns that into SIGINT)."""

from __future__ import annotations

import fcntl
import os
import select
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


class Terminal:
    """``argv`` running with a pty as its controlling terminal (stdin, stdout and stderr)."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> None:
        self.master, slave = os.openpty()
        try:
            self.process = subprocess.Popen(
                list(argv), cwd=cwd, env={**env, "TERM": "xterm"},
                stdin=slave, stdout=slave, stderr=slave,
                start_new_session=True, preexec_fn=_take_terminal,
            )  # fmt: skip
        finally:
            os.close(slave)
        self.output = ""

    def read_until(self, text: str, timeout: float = 60) -> str:
        """Everything shown so far, once ``text`` appeared; AssertionError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while text not in self.output:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"{text!r} did not appear; the terminal shows:\n{self.output}")
        return self.output

    def type(self, text: str) -> None:
        """Type ``text`` on the keyboard of the terminal."""
        os.write(self.master, text.encode())

    def interrupt(self) -> None:
        """Ctrl-C: the terminal sends SIGINT to its foreground process group."""
        os.write(self.master, b"\x03")

    def wait(self, timeout: float = 60) -> int:
        """Read to the end of the output and return the exit status."""
        deadline = time.monotonic() + timeout
        while self._read(max(deadline - time.monotonic(), 0.01)):
            pass
        return self.process.wait(timeout=max(deadline - time.monotonic(), 1))

    def close(self) -> None:
        """Kill the command if it still runs, and close the terminal."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self.master)

    def _read(self, timeout: float) -> bool:
        """Read what is there within ``timeout``; False at the end of the output or timeout."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # EIO: the command closed the terminal's other end
            return False
        self.output += chunk.decode(errors="replace").replace("\r\n", "\n")
        return bool(chunk)


def _take_terminal() -> None:
    """In the child, a session leader by now: make stdin its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
