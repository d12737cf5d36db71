"""Served tabs are forks of one warm parent; nothing outlives the server, even a SIGKILLed one.

These serve neurotui itself (the warm parent imports torch), so they are slow.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import pytest
from served import children, command_line, first_screen, group_members, start, thread_count, wait_until

pytestmark = pytest.mark.slow
GONE_WITHIN_S = 5.0


@pytest.fixture
def aiohttp():
    return pytest.importorskip("aiohttp", reason="textual-serve is not installed (pip install 'neurotui[web]')")


def serve_neurotui(tmp_path, *options):
    return start(tmp_path, [sys.executable, "-m", "neurotui", "serve", "--port", "0", *options])


def kill_group_after(served):
    """Whatever a failed test left is killed, so it cannot disturb the next one."""
    if group_members(served.proc.pid):
        os.killpg(served.proc.pid, signal.SIGKILL)


def group_gone_within(pgid: int, seconds: float = GONE_WITHIN_S) -> float:
    """Seconds until no process of the group is alive (a zombie is gone); fails past `seconds`."""
    t0 = time.monotonic()
    wait_until(lambda: group_members(pgid) == [], seconds, f"the processes of group {pgid} to end")
    return time.monotonic() - t0


def test_tabs_are_forked_and_die_with_their_launcher_and_with_a_sigkilled_server(tmp_path, aiohttp):
    served = serve_neurotui(tmp_path)

    async def scenario():
        async with aiohttp.ClientSession() as s:
            tabs = [await s.ws_connect(served.base + "/ws?width=100&height=30", headers=served.cookie)
                    for _ in range(3)]
            for ws in tabs:
                await first_screen(ws, b"XOR")
            server = served.proc.pid
            warm = [p for p in children(server) if "neurotui.serve.zygote" in command_line(p)]
            assert len(warm) == 1
            assert thread_count(warm[0]) == 1  # forking a threaded process is unsafe; it never had another
            apps = children(warm[0])
            launchers = [p for p in children(server) if "launcher.py" in command_line(p)]
            assert len(apps) == 3 and len(launchers) == 3

            # A launcher killed outright (as the server does to a hung tab) takes its app along ...
            os.kill(launchers[0], signal.SIGKILL)
            wait_until(lambda: len(children(warm[0])) == 2, GONE_WITHIN_S, "the killed launcher's app to end")
            # ... and the other tabs still answer.
            await tabs[1].send_json(["stdin", "a"])  # the next activation: Tanh -> ReLU
            await first_screen(tabs[1], b"ReLU")

            # SIGKILL: no handler runs, yet every process the server started is gone promptly.
            assert len(group_members(server)) == 1 + 1 + 2 * 2  # server, warm parent, two launchers and apps
            os.kill(server, signal.SIGKILL)
            return group_gone_within(server)

    try:
        took = asyncio.run(scenario())
        print(f"\nevery process of the server's group gone {took:.2f} s after SIGKILL of the server")
        assert took < GONE_WITHIN_S
    finally:
        kill_group_after(served)


def test_without_the_warm_parent_tabs_start_their_own_python_after_one_warning(tmp_path, aiohttp):
    served = serve_neurotui(tmp_path)

    async def scenario():
        server = served.proc.pid
        wait_until(lambda: any("neurotui.serve.zygote" in command_line(p) for p in children(server)),
                   what="the warm parent to start")
        warm = next(p for p in children(server) if "neurotui.serve.zygote" in command_line(p))
        os.kill(warm, signal.SIGKILL)
        wait_until(lambda: warm not in children(server), what="the warm parent to be gone")
        async with aiohttp.ClientSession() as s:
            tabs = [await s.ws_connect(served.base + "/ws?width=100&height=30", headers=served.cookie)
                    for _ in range(2)]
            for ws in tabs:
                await first_screen(ws, b"XOR", timeout_s=120)
            apps = children(server)
            assert len(apps) == 2 and all(" -m neurotui" in command_line(p) for p in apps)
            os.kill(server, signal.SIGKILL)  # the fallback apps die with the server too
            return group_gone_within(server)

    try:
        assert asyncio.run(scenario()) < GONE_WITHIN_S
        log = served.log.read_text()
        assert len([line for line in log.splitlines() if "warning" in line]) == 1, log
        assert "the warm parent has gone" in log
    finally:
        kill_group_after(served)
