"""`neurotui bench --tabs N`: a classroom's worth of browser tabs on one `neurotui serve`, measured.

Starts a real server, opens N tabs the way a browser does (a websocket each; no browser, so
the browser's own cost is not counted against the server), and waits for every first screen.

- Memory: the PSS of the server's whole process tree (server, warm parent, launchers, apps)
  after each tab, from /proc/PID/smaps_rollup. PSS splits a shared page among its sharers, so
  the sum is what the class really costs.
- Key latency while every tab trains: each round presses `a` (the next activation) in each tab
  in turn and times from the key to the first screen naming the new activation. Each press
  restarts that tab's run, and every tab trains the lesson's network for `steps` steps, so all
  N train throughout. Latency on a shared machine depends on its load: the report gives the
  load average next to it.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from neurotui.core.numbers import fixed

ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[PX^_\]][^\x07\x1b]*(?:\x07|\x1b\\)")
ORDER = ("Tanh", "ReLU", "Sigmoid", "None")  # what `a` cycles through, as the network line names them
KEY_BUDGET_MS = 250.0
GAP_S = 0.3  # between presses in different tabs


def group_pss_kb(pgid: int) -> int:
    """Sum of Pss over the live processes of a process group."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid or fields[0] == "Z":
                continue
            for line in (entry / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total


class Tab:
    """One tab's websocket, read all the time (as a browser does: an unread socket misses the
    server's heartbeat and is closed), its screen text kept for the patterns waited on."""

    def __init__(self, ws):
        self.ws, self.text, self.activation = ws, "", 0
        self.total = 0  # characters received in all; `text` keeps the last 40,000
        self.changed = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        import aiohttp

        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.BINARY:
                new = ANSI.sub("", msg.data.decode("utf-8", "replace"))
                self.text, self.total = (self.text + new)[-40000:], self.total + len(new)
                self.changed.set()
        self.changed.set()

    async def wait_for(self, pattern: str, timeout_s: float) -> float:
        """Until `pattern` shows in what arrives from now on; the time it took."""
        t0, start = time.monotonic(), self.total
        while True:
            fresh = self.text[-(self.total - start):] if self.total > start else ""
            if re.search(pattern, fresh):
                return time.monotonic() - t0
            if self.reader.done():
                raise ConnectionError("the tab's websocket ended")
            left = timeout_s - (time.monotonic() - t0)
            if left <= 0:
                raise TimeoutError(f"{pattern!r} did not show within {fixed(timeout_s, 0)} s")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def press_next_activation(self) -> float:
        self.activation = (self.activation + 1) % len(ORDER)
        waiting = asyncio.create_task(self.wait_for(r"2-4-1[^\n]{0,30}" + ORDER[self.activation], 60))
        await asyncio.sleep(0)  # the count is taken before the key goes
        await self.ws.send_json(["stdin", "a"])
        return await waiting

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


def start_server(tabs: int, steps: int, warm: bool, workdir: str) -> tuple[subprocess.Popen, str]:
    log = Path(workdir) / "serve.log"
    argv = [sys.executable, "-m", "neurotui", "serve", "--port", "0", "--max-sessions", str(tabs),
            *([] if warm else ["--no-warm"]), "--steps", str(steps)]
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        match = re.search(r"http://\S+\?token=\S+", log.read_text())
        if match:
            return proc, match.group(0)
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the server printed no URL:\n{log.read_text()}")


async def _measure(url: str, pgid: int, tabs: int, rounds: int) -> dict:
    import aiohttp

    from neurotui.serve.access import cookie_name

    base, token = url.split("/?token=")
    headers = {"Cookie": f"{cookie_name(token)}={token}"}
    pss = [group_pss_kb(pgid)]
    opened: list[Tab] = []
    first_screen_s = []
    async with aiohttp.ClientSession() as session:
        for _ in range(tabs):
            t0 = time.monotonic()
            tab = Tab(await session.ws_connect(base + "/ws?width=120&height=40", headers=headers))
            await tab.wait_for(r"2-4-1[^\n]{0,30}Tanh", 120)
            first_screen_s.append(time.monotonic() - t0)
            opened.append(tab)
            await asyncio.sleep(1.0)  # let the first run's pictures settle before reading memory
            pss.append(group_pss_kb(pgid))
        latencies = []
        for _ in range(rounds):
            for tab in opened:
                latencies.append(await tab.press_next_activation())
                await asyncio.sleep(GAP_S)
        for tab in opened:
            await tab.close()
    return {"pss_kb": pss, "first_screen_s": first_screen_s, "latency_s": latencies}


def run_tabs_bench(tabs: int = 8, rounds: int = 3, steps: int = 20000, warm: bool = True) -> dict:
    with tempfile.TemporaryDirectory(prefix="neurotui-bench-tabs-") as workdir:
        proc, url = start_server(tabs, steps, warm, workdir)
        try:
            result = asyncio.run(_measure(url, proc.pid, tabs, rounds))
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    pss_mb = [kb / 1024 for kb in result["pss_kb"]]
    added = [b - a for a, b in zip(pss_mb, pss_mb[1:])]
    ms = sorted(1000 * s for s in result["latency_s"])
    within = sum(m <= KEY_BUDGET_MS for m in ms)
    load = os.getloadavg()
    lines = [
        f"{tabs} tabs on one server ({'forked from a warm parent' if warm else 'a Python per tab'}), "
        f"each training the lesson's network for {steps} steps; load average {fixed(load[0], 2)} {fixed(load[1], 2)} {fixed(load[2], 2)} "
        f"on {os.cpu_count()} CPUs",
        f"PSS of the server's processes: {fixed(pss_mb[0], 0)} MB before any tab, {fixed(pss_mb[-1], 0)} MB with {tabs}",
        "  added by each tab (MB): " + " ".join(fixed(a, 0) for a in added),
        "first screen (s): " + " ".join(fixed(s, 1) for s in result["first_screen_s"]),
        f"key to screen while all {tabs} train ({len(ms)} presses): median {fixed(statistics.median(ms), 0)} ms, "
        f"90th percentile {fixed(ms[int(0.9 * (len(ms) - 1))], 0)} ms, worst {fixed(ms[-1], 0)} ms; "
        f"{within}/{len(ms)} within {fixed(KEY_BUDGET_MS, 0)} ms",
    ]
    return {"tabs": tabs, "warm": warm, "steps": steps, "load_average": load, "pss_mb": pss_mb,
            "added_mb": added, "first_screen_s": result["first_screen_s"], "latency_ms": ms,
            "within_budget": within, "lines": lines}
