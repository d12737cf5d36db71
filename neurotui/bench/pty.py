"""Drive the real app in a pseudo-terminal, as a person over SSH would.

`PtyApp` starts `python -m neurotui ...` with a pty as its controlling terminal (stdin,
stdout and stderr all on the slave), records every byte the app writes with a timestamp,
and lets a caller type keys, resize the window and send signals. `neurotui bench
--bandwidth` counts its bytes; the tests of terminal behaviour drive it too.

Standard library only (POSIX): it never imports Textual or torch itself.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

# Escape sequences, for reading the text on screen out of the raw byte stream.
_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1bP[^\x1b]*\x1b\\"  # DCS
    rb"|\x1b[@-Z\\-_]"  # other two-byte sequences
    rb"|\x1b[()][0-9A-Za-z]"  # charset selection
)


def strip_escapes(data: bytes) -> bytes:
    return _ESCAPES.sub(b"", data)


def _set_winsize(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _child_setup() -> None:  # runs in the child between fork and exec
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # the pty becomes the controlling terminal


def child_env(term: str = "xterm-256color", **extra: str | None) -> dict[str, str]:
    """The environment of a plain terminal: no size overrides, no inherited colour switches."""
    env = dict(os.environ)
    for name in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "COLORTERM", "TEXTUAL",
                 "TEXTUAL_DRIVER", "TEXTUAL_FPS", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    env["TERM"] = term
    env.setdefault("LANG", "C.UTF-8")
    env["PYTHONUNBUFFERED"] = "1"
    for name, value in extra.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class PtyApp:
    """`python -m neurotui ARGS` running in its own pty of `cols` x `rows`."""

    def __init__(self, args=(), cols: int = 120, rows: int = 40, env: dict | None = None,
                 stderr=None, controlling: bool = True) -> None:
        self.args = list(args)
        # controlling=False: a new session without a controlling terminal, so the kernel
        # sends no SIGHUP (or SIGWINCH) -- as when the app is not the terminal's foreground job.
        self.controlling = controlling
        self.stderr = stderr  # None: the pty, like a terminal; or a file to keep stderr apart
        self.cols, self.rows = cols, rows
        self.env = child_env() if env is None else env
        self.chunks: list[tuple[float, bytes]] = []  # (monotonic time, bytes) as read
        self._lock = threading.Lock()
        self._data = bytearray()
        self._eof = threading.Event()
        self.proc: subprocess.Popen | None = None
        self.master = -1
        self.started_at = 0.0
        self.exited_at: float | None = None

    # ----- life cycle ----------------------------------------------------------------------
    def start(self) -> PtyApp:
        master, slave = os.openpty()
        _set_winsize(slave, self.cols, self.rows)
        self.started_at = time.monotonic()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "neurotui", *self.args],
                stdin=slave, stdout=slave, stderr=slave if self.stderr is None else self.stderr, env=self.env,
                preexec_fn=_child_setup if self.controlling else os.setsid, close_fds=True,
            )
        finally:
            os.close(slave)  # only the child holds the slave: its exit gives us EOF
        self.master = master
        threading.Thread(target=self._pump, name="pty-reader", daemon=True).start()
        return self

    def _pump(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.5)
                if not ready:
                    if self.proc.poll() is not None and self.exited_at is None:
                        self.exited_at = time.monotonic()
                    continue
                chunk = os.read(self.master, 65536)
            except (OSError, ValueError):  # EIO: every slave fd closed (the child is gone)
                break
            if not chunk:
                break
            now = time.monotonic()
            with self._lock:
                self.chunks.append((now, chunk))
                self._data += chunk
        self._eof.set()

    def __enter__(self) -> PtyApp:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Make sure the child is gone and the master is closed (never leaves a process behind)."""
        if self.proc is not None and self.proc.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    self.proc.send_signal(sig)
                    self.proc.wait(3)
                    break
                except subprocess.TimeoutExpired:
                    continue
                except ProcessLookupError:
                    break
        self._eof.wait(2)
        if self.master >= 0:
            try:
                os.close(self.master)
            except OSError:
                pass
            self.master = -1

    # ----- what the app wrote ----------------------------------------------------------------
    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._data)

    def mark(self) -> int:
        """A position in the output, for `since`."""
        with self._lock:
            return len(self._data)

    def since(self, mark: int) -> bytes:
        with self._lock:
            return bytes(self._data[mark:])

    def text(self, since: int = 0) -> str:
        return strip_escapes(self.since(since)).decode("utf-8", "replace")

    def wait_for(self, needle: str, timeout: float = 20.0, since: int = 0) -> bool:
        """True once `needle` appears in the screen text written after `since`."""
        deadline = time.monotonic() + timeout
        raw = needle.encode()
        while time.monotonic() < deadline:
            if raw in strip_escapes(self.since(since)):
                return True
            if self._eof.is_set():
                return raw in strip_escapes(self.since(since))
            time.sleep(0.05)
        return False

    def bytes_between(self, t0: float, t1: float) -> int:
        with self._lock:
            return sum(len(c) for t, c in self.chunks if t0 <= t < t1)

    # ----- what a person does ---------------------------------------------------------------
    def press(self, keys: bytes | str) -> float:
        """Type `keys`; returns the moment they were written."""
        data = keys.encode() if isinstance(keys, str) else keys
        os.write(self.master, data)
        return time.monotonic()

    def resize(self, cols: int, rows: int) -> None:
        """Change the window size (the kernel sends SIGWINCH to the app, as a terminal would)."""
        self.cols, self.rows = cols, rows
        _set_winsize(self.master, cols, rows)

    def signal(self, sig: int) -> float:
        self.proc.send_signal(sig)
        return time.monotonic()

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if still running after `timeout` seconds."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        if self.exited_at is None:
            self.exited_at = time.monotonic()
        self._eof.wait(2)  # let the reader collect the last bytes
        return code

    def exit_latency(self, since: float, timeout: float = 5.0) -> tuple[int | None, float]:
        """Wait for exit; (exit code, seconds from `since` to the exit)."""
        code = self.wait(timeout)
        return code, time.monotonic() - since if code is None else (self.exited_at or time.monotonic()) - since
