"""`neurotui bench --bandwidth`: the bytes per second the real app writes to a terminal, and
how soon `q` ends it mid-run.

Over SSH every byte crosses the link: training should cost little, and idle nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from neurotui.bench.pty import PtyApp
from neurotui.core.numbers import fixed, short


@dataclass
class Bandwidth:
    training_bytes_per_s: float
    idle_bytes_per_s: float
    training_seconds: float
    idle_seconds: float
    startup_seconds: float
    total_bytes: int

    def lines(self) -> list[str]:
        return [
            f"terminal output at {self.size} (real app in a pty)",
            f"  training  {fixed(self.training_bytes_per_s / 1024, 1):>8} KB/s  over {fixed(self.training_seconds, 1)} s",
            f"  idle      {fixed(self.idle_bytes_per_s / 1024, 2):>8} KB/s  over {fixed(self.idle_seconds, 1)} s (run done)",
            f"  first frame with 'running' after {fixed(self.startup_seconds, 1)} s; {self.total_bytes} bytes in all",
        ]

    size: str = "120x40"


def measure_bandwidth(args=(), cols: int = 120, rows: int = 40, train_seconds: float = 3.0,
                      idle_seconds: float = 3.0, startup_timeout: float = 60.0,
                      env: dict | None = None) -> Bandwidth:
    """Bytes per second the app writes while training a default run, then while idle after it.

    Training is timed from the first 'running' on screen for `train_seconds`; the idle
    window starts 1 s after 'done' appears (the last frames of the run are not idle).
    """
    with PtyApp(args, cols, rows, env=env) as app:
        if not app.wait_for("running", startup_timeout):
            raise RuntimeError("the app never showed 'running':\n" + app.text()[-2000:])
        t0, mark = time.monotonic(), app.mark()
        startup = t0 - app.started_at
        time.sleep(train_seconds)
        t1 = time.monotonic()
        training = app.bytes_between(t0, t1)
        if not app.wait_for("done", startup_timeout, since=mark):
            raise RuntimeError("the run never finished:\n" + app.text()[-2000:])
        time.sleep(1.0)
        i0 = time.monotonic()
        time.sleep(idle_seconds)
        i1 = time.monotonic()
        idle = app.bytes_between(i0, i1)
        app.press("q")
        app.wait(10)
        return Bandwidth(training / (t1 - t0), idle / (i1 - i0), t1 - t0, i1 - i0, startup,
                         len(app.output), f"{cols}x{rows}")


BANDWIDTH_GOAL = 32 * 1024  # bytes per second while training, at 120x40
QUIT_GOAL_S = 1.0  # from `q` mid-run to the process gone: the run must not hold the exit up


def measure_quit(cols: int = 120, rows: int = 40, startup_timeout: float = 60.0) -> float:
    """Seconds from `q`, pressed while a long run trains, to the process's exit (tests/test_terminal.py
    checks that it exits and restores the terminal; the time is measured here, not asserted there)."""
    with PtyApp(["--steps", "200000"], cols, rows) as app:
        if not app.wait_for("running", startup_timeout):
            raise RuntimeError("the app never showed 'running':\n" + app.text()[-2000:])
        time.sleep(1.0)
        code, seconds = app.exit_latency(app.press("q"), timeout=30)
        if code != 0:
            raise RuntimeError(f"q did not end the app (exit code {code}):\n" + app.text()[-2000:])
        return seconds


def run_bandwidth_bench(cols: int = 120, rows: int = 40, train_seconds: float = 3.0,
                        idle_seconds: float = 3.0) -> dict:
    """Bytes per second the real app writes to its terminal: training a default run, then idle.

    Runs `python -m neurotui` in a pseudo-terminal (POSIX only), as a person over SSH would.
    """
    bw = measure_bandwidth(cols=cols, rows=rows, train_seconds=train_seconds, idle_seconds=idle_seconds)
    quit_s = measure_quit(cols, rows)
    ok = bw.training_bytes_per_s <= BANDWIDTH_GOAL
    lines = bw.lines() + [
        f"  goal: at most {BANDWIDTH_GOAL // 1024} KB/s while training, ~0 idle: "
        f"{'met' if ok and bw.idle_bytes_per_s < 100 else 'NOT met'}",
        f"  q mid-run: the process is gone {fixed(quit_s, 2)} s after the key "
        f"(goal: under {short(QUIT_GOAL_S)} s: {'met' if quit_s < QUIT_GOAL_S else 'NOT met'})",
    ]
    return {
        "size": [cols, rows],
        "training_bytes_per_s": bw.training_bytes_per_s,
        "idle_bytes_per_s": bw.idle_bytes_per_s,
        "training_seconds": bw.training_seconds,
        "idle_seconds": bw.idle_seconds,
        "startup_seconds": bw.startup_seconds,
        "goal_bytes_per_s": BANDWIDTH_GOAL,
        "quit_seconds": quit_s,
        "lines": lines,
    }
