"""`neurotui bench --ui`: the report. What drawing costs training (measured in bench/drawing.py),
and, each in a fresh interpreter, the first frame, the first training step on screen against
`import torch`, and the app's peak memory over a long run.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time

from neurotui.bench.drawing import SEGMENT_SNAPSHOTS, UI_STEPS, WINDOW_GOAL_S, _app_rate, _measured_base, bench_ui
from neurotui.core.model.config import XorConfig
from neurotui.core.numbers import fixed, short


def first_frame(rounds: int = 3) -> dict:
    """In fresh interpreters: time from import of the app to its first frame (the median of
    `rounds`: one launch on these hosts read anywhere from 0.27x to 0.48x `import torch`), and
    whether torch had to be imported before it (it must not)."""
    runs = [_child_json("--first-frame") for _ in range(rounds)]
    pick = sorted(runs, key=lambda r: r["first_frame_ms"])[len(runs) // 2]
    return {**pick, "torch_imported_by_app_module": any(r["torch_imported_by_app_module"] for r in runs),
            "rounds": rounds}


def _child_json(*args: str, timeout: float = 600) -> dict:
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "neurotui.bench.ui", *args],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"bench child {' '.join(args)} failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def first_step(rounds: int = 3) -> dict:
    """Launch to the first training step on screen, against `import torch`, both as whole
    fresh processes timed from this one (interpreter start-up included on both sides),
    alternating, medians."""
    import subprocess
    import sys

    def wall(cmd: list[str], marker: str | None) -> float:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if marker is None:
            proc.wait(120)
            return time.perf_counter() - t0
        for line in proc.stdout:
            if line.startswith(marker):
                t = time.perf_counter() - t0
                break
        else:
            t = float("nan")
        proc.wait(120)
        return t

    torch_s, first_s = [], []
    for _ in range(rounds):
        torch_s.append(wall([sys.executable, "-c", "import torch"], None))
        first_s.append(wall([sys.executable, "-m", "neurotui.bench.ui", "--first-step"], "FIRST_STEP"))
    t, f = statistics.median(torch_s), statistics.median(first_s)
    return {"import_torch_s": t, "first_step_s": f, "first_step_vs_import_torch": f / t, "rounds": rounds}


RSS_STEPS = 200_000
RSS_GOAL = 400 * 2**20


def app_peak_rss(steps: int = RSS_STEPS) -> dict:
    """Peak RSS (ru_maxrss) of a fresh process that runs the app (Pilot, 120x40) through a
    `steps`-step flat-out run to its end, and what each frame cost there early and late in the
    run (it must not grow with the run): the worker's snapshot, and the pane's handling of it."""
    return _child_json("--rss", str(steps), timeout=1800)


UI_RATIO_GOAL = 0.95
FIRST_STEP_GOAL = 1.4
FIRST_FRAME_GOAL = 0.35


def run_ui_bench(rounds: int = 5, steps: int = UI_STEPS, rss: bool = False) -> dict:
    ui = bench_ui(rounds=rounds, steps=steps)
    ff = first_frame()
    fs = first_step(rounds=min(rounds, 3))
    ok = "meets" if ui["ui_on_vs_off"] >= UI_RATIO_GOAL else "BELOW"
    too_short = ui["shortest_window_s"] < WINDOW_GOAL_S
    lines = [
        f"UI cost: default run, {steps} steps flat out, 120x40, {rounds} run{'s' if rounds != 1 else ''} with drawing switched on and "
        f"off every {SEGMENT_SNAPSHOTS} snapshots (~2 s; steady state from step {steps // 5})",
        f"  worker's share of the clock   drawing {fixed(ui['worker_share_on'], 3)}   not drawing "
        f"{fixed(ui['worker_share_off'], 3)}   ({fixed(ui['ui_snapshots_drawn'], 0)} snapshots drawn)",
        f"  ratio             {fixed(ui['ui_on_vs_off'], 3):>10}    goal >= {UI_RATIO_GOAL} ({ok})",
        f"  steps/s           drawing {fixed(ui['ui_on_steps_per_s'], 0)}   not drawing {fixed(ui['ui_off_steps_per_s'], 0)}   "
        f"no app at all {fixed(ui['no_app_steps_per_s'], 0)}",
        f"  steps/s ratio     {fixed(ui['steps_ratio'], 2):>10}    each run "
        + ", ".join(fixed(r, 2) for r in ui["round_steps_ratios"])
        + f"; CPU per step drawing / not {fixed(ui['cpu_per_step_on_vs_off'], 2)} (the host's speed wandering)",
        f"  shortest side     {fixed(ui['shortest_window_s'], 1):>10} s"
        + (f"   UNDER {short(WINDOW_GOAL_S)} s: give more --steps" if too_short else ""),
        f"first frame: {fixed(ff['first_frame_ms'], 0)} ms after import starts (median of {ff['rounds']}; app module import "
        f"{fixed(ff['import_ms'], 0)} ms) = {fixed(ff['first_frame_ms'] / 1000 / fs['import_torch_s'], 2)}x `import torch`; goal <= "
        f"{FIRST_FRAME_GOAL}x; torch imported before it: {'YES' if ff['torch_imported_by_app_module'] else 'no'}",
        f"first step on screen, from launch (fresh processes, median of {fs['rounds']}): "
        f"{fixed(fs['first_step_s'], 2)} s = {fixed(fs['first_step_vs_import_torch'], 2)}x `import torch` ({fixed(fs['import_torch_s'], 2)} s); "
        f"goal <= {FIRST_STEP_GOAL}x",
    ]
    report = {"ui": ui, "first_frame": ff, "first_step": fs, "lines": lines,
              "ui_on_vs_off": ui["ui_on_vs_off"], "steps": steps}
    if rss:
        r = report["rss"] = app_peak_rss()
        lines.append(f"app peak RSS after a {r['steps']}-step run: {fixed(r['peak_rss_bytes'] / 2**20, 0)} MiB "
                     f"(goal <= {fixed(RSS_GOAL / 2**20, 0)} MiB: {'met' if r['peak_rss_bytes'] <= RSS_GOAL else 'NOT met'})")
        (w0, w1), (u0, u1) = r["snapshot_ms_early_late"], r["ui_frame_ms_early_late"]
        lines.append(f"  per frame, first tenth of the run -> last tenth (medians): worker's snapshot "
                     f"{fixed(w0, 2)} -> {fixed(w1, 2)} ms; the pane's handling {fixed(u0, 2)} -> {fixed(u1, 2)} ms")
    return report


async def _first_step_child() -> None:
    """Run in a fresh interpreter by first_step(): start the app and print FIRST_STEP once the
    screen has been refreshed with a snapshot of at least one step."""
    import sys

    done = asyncio.Event()

    def on_screen() -> None:
        if not done.is_set():
            print("FIRST_STEP", flush=True)
            done.set()

    class Measured(_measured_base()):
        def on_train_progress(self, message) -> None:  # bubbled up from the XOR pane, drawn there
            if message.snapshot.step >= 1:
                self.call_after_refresh(on_screen)

    app = Measured(XorConfig(steps=2000))
    async with app.run_test(size=(120, 40)) as pilot:
        await asyncio.wait_for(done.wait(), timeout=120)
        await pilot.press("q")
    sys.stdout.flush()


def _timed(cls, name: str, log: list, step_of) -> None:
    """Wrap cls.name to append (step, seconds) to log on every call (bench processes only)."""
    original = getattr(cls, name)

    def timed(self, *args, **kwargs):
        t0 = time.perf_counter()
        out = original(self, *args, **kwargs)
        log.append((step_of(self, args, out), time.perf_counter() - t0))
        return out

    setattr(cls, name, timed)


def early_late_ms(log: list, total: int) -> tuple[float, float]:
    """Median cost (ms) of the calls in the first and the last tenth of the run's steps."""
    early = [s for step, s in log if step <= total // 10] or [math.nan]
    late = [s for step, s in log if step >= total - total // 10] or [math.nan]
    return statistics.median(early) * 1000, statistics.median(late) * 1000


async def _rss_child(steps: int) -> dict:
    import resource
    import sys

    from neurotui.core.run import Run
    from neurotui.tui.panes.xor import XorPane

    worker: list = []
    ui: list = []
    _timed(Run, "snapshot", worker, lambda run, _args, _out: run.step_count)
    _timed(XorPane, "on_train_progress", ui, lambda _pane, args, _out: args[0].snapshot.step)
    rate = await _app_rate(XorConfig(steps=steps))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"steps": steps, "peak_rss_bytes": peak if sys.platform == "darwin" else peak * 1024,
            "snapshots": rate.snapshots, "snapshot_ms_early_late": early_late_ms(worker, steps),
            "ui_frame_ms_early_late": early_late_ms(ui, steps)}


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
    elif sys.argv[1:2] == ["--first-step"]:
        asyncio.run(_first_step_child())
    elif sys.argv[1:2] == ["--rss"]:
        print(json.dumps(asyncio.run(_rss_child(int(sys.argv[2])))))
