"""The per-tab launcher stands in for the app the warm parent forks: its pipes, its signals, its exit.

A small parent written here (a thread, a plain subprocess instead of a fork of neurotui) speaks
the launcher's protocol, so these run in a blink and need no torch.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading

import pytest

from neurotui.serve.launcher import receive_request, reply
from neurotui.serve.warm import launcher_argv

APP = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(7))
print("app ready on", sys.stdin.readline().strip(), flush=True)
time.sleep(60)
"""


class FakeParent:
    """Accepts one launcher, runs APP on the pipes it sent, answers `pid` then `exit` (or `refused`)."""

    def __init__(self, path: str, refuse: bool = False):
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.listener.bind(path)
        self.listener.listen(1)
        self.refuse, self.request, self.child = refuse, None, None
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            self.request, fds = receive_request(conn)
            if self.refuse:
                reply(conn, "refused", 0)
                for fd in fds:
                    os.close(fd)
                return
            self.child = subprocess.Popen([sys.executable, "-c", APP], stdin=fds[0], stdout=fds[1], stderr=fds[2])
            for fd in fds:
                os.close(fd)
            reply(conn, "pid", self.child.pid)
            reply(conn, "exit", self.child.wait())


@pytest.fixture
def parent(tmp_path):
    made = []

    def make(refuse=False):
        made.append(FakeParent(str(tmp_path / "tabs.sock"), refuse))
        return made[-1]

    yield make
    for p in made:
        if p.child is not None and p.child.poll() is None:
            p.child.kill()
        p.listener.close()


def launch(path: str, fallback: list[str]) -> subprocess.Popen:
    return subprocess.Popen(launcher_argv(path, fallback), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def test_the_app_gets_the_tabs_pipes_and_the_launchers_signals_and_the_launcher_leaves_as_it_did(parent, tmp_path):
    fake = parent()
    tab = launch(str(tmp_path / "tabs.sock"), [sys.executable, "-m", "neurotui", "--seed", "7"])
    tab.stdin.write(b"the tab's stdin\n")
    tab.stdin.flush()
    assert tab.stdout.readline() == b"app ready on the tab's stdin\n"  # the app wrote on the launcher's stdout
    assert fake.request["argv"] == [sys.executable, "-m", "neurotui", "--seed", "7"]
    assert fake.request["env"]["PATH"] == os.environ["PATH"]
    tab.send_signal(signal.SIGTERM)  # as the server stops a tab: the app gets it ...
    assert tab.wait(timeout=30) == 7  # ... and its exit code is the launcher's


def test_an_app_killed_by_a_signal_kills_its_launcher_with_the_same_signal(parent, tmp_path):
    fake = parent()
    tab = launch(str(tmp_path / "tabs.sock"), [sys.executable, "-m", "neurotui"])
    tab.stdin.write(b"x\n")
    tab.stdin.flush()
    tab.stdout.readline()
    fake.child.kill()
    assert tab.wait(timeout=30) == -signal.SIGKILL


@pytest.mark.parametrize("how", ["no parent", "refused"])
def test_without_a_parent_the_launcher_becomes_the_app(parent, tmp_path, how):
    path = str(tmp_path / "tabs.sock")
    if how == "refused":
        parent(refuse=True)
    else:
        path = ""
    tab = launch(path, [sys.executable, "-c", "import sys; print('fallback app', sys.stdin.readline().strip())"])
    out, err = tab.communicate(b"hello\n", timeout=30)
    assert (tab.returncode, out, err) == (0, b"fallback app hello\n", b"")
