"""UI cost, measured: training steps/s with the app drawing every snapshot vs the same
worker loop with nobody drawing, alternating in one process; and the first frame's time.

With a thread worker every millisecond the UI thread spends comes out of training
(the GIL), so this ratio is the honest price of watching.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time

from neurotui.core.xor import XorConfig
from neurotui.session.control import RunControl
from neurotui.session.loop import train_loop


class _Rate:
    """Steady-state steps/s: from the first snapshot past `from_step` to the last one.

    The same method on both sides. Skipping the start keeps the app's one-off work
    (first layout, first plots, mounting) out of a figure about watching training.
    """

    def __init__(self, from_step: int = 0) -> None:
        self.from_step = from_step
        self.first: tuple[float, int] | None = None
        self.last: tuple[float, int] | None = None
        self.snapshots = 0

    def see(self, step: int) -> None:
        if step < self.from_step:
            return
        now = time.perf_counter()
        if self.first is None:
            self.first = (now, step)
        self.last = (now, step)
        self.snapshots += 1

    @property
    def steps_per_s(self) -> float:
        (t0, s0), (t1, s1) = self.first, self.last
        return (s1 - s0) / (t1 - t0) if t1 > t0 else float("nan")


def _headless_rate(config: XorConfig) -> _Rate:
    rate = _Rate(from_step=config.steps // 5)
    done = threading.Event()

    def post_snapshot(snaps, _):
        snap = snaps[0]
        rate.see(snap.step)
        if snap.finished:
            done.set()

    control = RunControl(speed=None, grid_size=(16, 28))
    thread = threading.Thread(
        target=train_loop,
        args=(config, control, lambda *_: None, post_snapshot, done.is_set),
        daemon=True,
    )
    thread.start()
    thread.join()
    return rate


async def _app_rate(config: XorConfig, size=(120, 40)) -> _Rate:
    from neurotui.tui.app import NeuroApp

    rate = _Rate(from_step=config.steps // 5)
    done = asyncio.Event()

    class Measured(NeuroApp):
        def on_train_progress(self, message) -> None:  # bubbled up from the XOR pane, drawn there
            if message.run_id == self.xor.run_id:
                rate.see(message.snapshot.step)
                if message.snapshot.finished:
                    done.set()

    app = Measured(config, speed=None)
    async with app.run_test(size=size):
        # Wait on an event, not by polling with Pilot.pause: that polling alone costs the
        # UI thread ~25% of a core here and would be charged to the app.
        await asyncio.wait_for(done.wait(), timeout=600)
    return rate


def bench_ui(rounds: int = 3, steps: int = 6000) -> dict:
    """Alternate UI-on / UI-off runs of the same config; report the median ratio."""
    config = XorConfig(steps=steps)
    on, off = [], []
    snaps = []
    for _ in range(rounds):
        r_off = _headless_rate(config)
        r_on = asyncio.run(_app_rate(config))
        off.append(r_off.steps_per_s)
        on.append(r_on.steps_per_s)
        snaps.append(r_on.snapshots)
    return {
        "ui_on_steps_per_s": statistics.median(on),
        "ui_off_steps_per_s": statistics.median(off),
        "ui_on_vs_off": statistics.median(on) / statistics.median(off),
        "ui_snapshots_drawn": statistics.median(snaps),
        "steps": steps,
        "rounds": rounds,
    }


def first_frame() -> dict:
    """In a fresh interpreter: time from import of the app to its first frame, and whether
    torch had to be imported before it (it must not)."""
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "neurotui.bench.ui", "--first-frame"],
                          capture_output=True, text=True, timeout=120)
    return json.loads(proc.stdout.strip().splitlines()[-1])


UI_RATIO_GOAL = 0.85


def run_ui_bench(rounds: int = 5, steps: int = 6000) -> dict:
    ui = bench_ui(rounds=rounds, steps=steps)
    ff = first_frame()
    ok = "meets" if ui["ui_on_vs_off"] >= UI_RATIO_GOAL else "BELOW"
    lines = [
        f"UI cost: default run, {steps} steps flat out, 120x40, {rounds} alternating rounds (median; "
        f"steady state from step {steps // 5})",
        f"  worker alone      {ui['ui_off_steps_per_s']:10.0f} steps/s",
        f"  app drawing       {ui['ui_on_steps_per_s']:10.0f} steps/s   ({ui['ui_snapshots_drawn']:.0f} snapshots)",
        f"  ratio             {ui['ui_on_vs_off']:10.2f}    goal >= {UI_RATIO_GOAL} ({ok})",
        f"first frame: {ff['first_frame_ms']:.0f} ms after import starts (app module import {ff['import_ms']:.0f} ms); "
        f"torch imported before it: {'YES' if ff['torch_imported_by_app_module'] else 'no'}",
    ]
    return {"ui": ui, "first_frame": ff, "lines": lines}


async def _first_frame_child() -> dict:
    """Run in a fresh interpreter by first_frame(): import the app, show its first frame."""
    import sys

    t0 = time.perf_counter()
    from neurotui.tui.app import NeuroApp

    t1 = time.perf_counter()
    torch_at_import = "torch" in sys.modules
    app = NeuroApp()
    async with app.run_test(size=(120, 40)) as pilot:
        t2 = time.perf_counter()
        out = {"import_ms": (t1 - t0) * 1000, "first_frame_ms": (t2 - t0) * 1000,
               "torch_imported_by_app_module": torch_at_import}
        await pilot.press("q")
    return out


if __name__ == "__main__":
    import json
    import sys

    if sys.argv[1:] == ["--first-frame"]:
        print(json.dumps(asyncio.run(_first_frame_child())))
