"""The server's side of the warm parent: start it, hand each tab to it, notice when it is gone.

The server binds the Unix socket itself and passes the listening descriptor to the warm
parent, then closes its own copy: a tab opened while the parent still imports torch waits
in the socket's backlog instead of failing, and once the parent is gone a launcher's connect
is refused at once (so it falls back to running the app itself).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import neurotui.serve.launcher as launcher_module
from neurotui.serve.launcher import SAID_WHY

LAUNCHER = str(Path(launcher_module.__file__).resolve())


def launcher_argv(socket_path: str, app_argv: list[str]) -> list[str]:
    """A tab's command: the launcher, which has the warm parent at `socket_path` fork the app,
    or (no parent: an empty path) execs `app_argv` itself, armed to die with the server."""
    return [sys.executable, "-I", "-S", LAUNCHER, socket_path, "--", *app_argv]


class WarmParent:
    def __init__(self, app_argv: list[str], env: dict[str, str]):
        """`app_argv` is `python -m neurotui OPTIONS...`: the command a tab runs without us."""
        self.app_argv = app_argv
        self.directory = tempfile.mkdtemp(prefix="neurotui-serve-")  # 0700: only we may connect
        self.path = os.path.join(self.directory, "tabs.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            listener.bind(self.path)
            listener.listen(64)
            self.process = subprocess.Popen(
                [sys.executable, "-m", "neurotui.serve.zygote", str(listener.fileno()), str(os.getpid())],
                pass_fds=[listener.fileno()], stdin=subprocess.DEVNULL, env=env)
        finally:
            listener.close()
        self.warned = False

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def tab_argv(self) -> list[str]:
        """The command for a new tab: the launcher while the warm parent lives, else the app itself.

        Either way the tab's process dies with the server: a forked app through its death
        signal, and the app started directly through the launcher, which arms the same
        signal and execs it (the launcher is the fallback too, for the race where the parent
        dies after this check).
        """
        if not self.alive and not self.warned:
            self.warned = True
            if self.process.returncode == SAID_WHY:  # it printed the reason in its own warning line
                return launcher_argv("", self.app_argv)
            print(f"neurotui: warning: the warm parent has gone (exit code {self.process.returncode}); each new "
                  "tab starts its own Python (slower to open, ~170 MB more memory a tab)", file=sys.stderr, flush=True)
        return launcher_argv(self.path if self.alive else "", self.app_argv)

    def stop(self) -> None:
        """SIGTERM: it SIGKILLs the tabs still running and leaves. Then the socket's folder goes."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(OSError):
            shutil.rmtree(self.directory)
