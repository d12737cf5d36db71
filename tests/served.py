"""Helpers for the tests that run `neurotui serve`: start a server, read its URL, watch its processes."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path


def cookie_name(token: str) -> str:
    from neurotui.serve.access import cookie_name

    return cookie_name(token)


class Served:
    def __init__(self, proc: subprocess.Popen, url: str, log: Path):
        self.proc, self.url, self.log = proc, url, log
        self.base, self.token = url.split("/?token=")
        self.cookie = {"Cookie": f"{cookie_name(self.token)}={self.token}"}

    def stop(self, sig=signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)


def start(cwd: Path, argv: list[str]) -> Served:
    """A server in its own process group; output to a file (an unread pipe would fill up and stall it)."""
    log = cwd / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        match = re.search(r"http://\S+\?token=\S+", log.read_text())
        if match:
            return Served(proc, match.group(0), log)
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"the server printed no URL:\n{log.read_text()}")


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in a process group, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "(comm)": state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def wait_until(predicate, timeout_s: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


async def first_screen(ws, needle: bytes, timeout_s: float = 60.0) -> list[str]:
    """Read the app's bytes until `needle` shows; returns the text (JSON) messages seen meanwhile."""
    import aiohttp

    seen, texts = b"", []
    deadline = time.monotonic() + timeout_s
    while needle not in seen:
        msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        if msg.type == aiohttp.WSMsgType.BINARY:
            seen += msg.data
        elif msg.type == aiohttp.WSMsgType.TEXT:
            texts.append(msg.data)
        else:
            raise AssertionError(f"the websocket ended ({msg.type}) before {needle!r}; got {seen[-500:]!r}")
    return texts




def children(pid: int) -> list[int]:
    """Live (non-zombie) child processes of `pid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def thread_count(pid: int) -> int:
    return len(list((Path("/proc") / str(pid) / "task").iterdir()))
