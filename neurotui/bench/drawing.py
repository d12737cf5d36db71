"""What watching costs training: the worker's steps with the app drawing each snapshot against
the same run with nobody drawing, switched every ~2 s inside one run (`bench_ui`).

With a thread worker every millisecond the UI thread spends running Python comes out of training
(the GIL), so this ratio is the honest price of watching.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time

from neurotui.core.model.config import XorConfig
from neurotui.core.pictures import Pictures
from neurotui.session.control import RunControl
from neurotui.session.loop import train_loop


def _measured_base():
    """NeuroApp, for subclassing here: Textual reads a relative CSS_PATH from the subclass's own
    folder (bench/), so the subclass must name the app's stylesheet by its full path."""
    import inspect
    from pathlib import Path

    from neurotui.tui.app import NeuroApp

    css = NeuroApp.CSS_PATH
    if isinstance(css, str) and not Path(css).is_absolute():
        css = str(Path(inspect.getfile(NeuroApp)).parent / css)

    class Base(NeuroApp):
        CSS_PATH = css

    return Base


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
    def window_s(self) -> float:
        return self.last[0] - self.first[0] if self.first and self.last else 0.0

    @property
    def steps_per_s(self) -> float:
        (t0, s0), (t1, s1) = self.first, self.last
        return (s1 - s0) / (t1 - t0) if t1 > t0 else float("nan")


UI_STEPS = 60_000  # the run: long enough for >= 5 s windows at this machine's ~4000 steps/s
WINDOW_GOAL_S = 5.0
SEGMENT_SNAPSHOTS = 10  # ~2 s: drawing on, then off, then on ... within one run


class _Interleaved:
    """One app run whose drawing is switched on and off every SEGMENT_SNAPSHOTS snapshots.

    Off, the worker's snapshots are dropped before the app sees them: the worker trains and builds
    every snapshot exactly as when drawn, and nobody draws (the app's event loop sleeps). On, they
    reach the pane as in use.

    Two figures come out. Steps per second, on against off: what the issue asks, but these shared
    hosts change speed by 10-20% from one 2 s window to the next (measured with the worker alone:
    3559 to 5528 steps/s in one run), so two runs cannot show a 3% cost. And the worker's share of
    the wall clock (its thread's CPU time over elapsed time): with the GIL, every millisecond the
    UI thread runs Python is one the worker waits, whatever the host's speed, so this ratio is
    the cost of watching without the host's weather in it. steps/s = share / (CPU per step): the
    two differ only by the CPU time a step took, which is the host's speed (and any cache cost the
    drawing thread adds, printed beside it).
    """

    def __init__(self, from_step: int, start_on: bool) -> None:
        self.from_step, self.on = from_step, start_on
        self.seen = 0  # snapshots of the current segment
        self.mark: tuple[float, int, float] | None = None
        self.steps = {True: 0, False: 0}
        self.seconds = {True: 0.0, False: 0.0}
        self.cpu = {True: 0.0, False: 0.0}  # the worker thread's own CPU seconds
        self.drawn = 0

    def deliver(self, step: int, finished: bool, now: float | None = None, cpu: float | None = None) -> bool:
        """Worker thread, at each snapshot: should the app get it? (now, cpu: a test's clocks)"""
        if step < self.from_step or finished:
            return True
        now = time.perf_counter() if now is None else now
        cpu = time.thread_time() if cpu is None else cpu  # the worker's own: this runs in its thread
        self.seen += 1
        if self.seen > SEGMENT_SNAPSHOTS:
            (t0, s0, c0) = self.mark
            self.steps[self.on] += step - s0
            self.seconds[self.on] += now - t0
            self.cpu[self.on] += cpu - c0
            self.on, self.seen = not self.on, 1
        # On is timed from its first snapshot, whose frame draws everything at once (charged in
        # full); off from its second, so the last frame drawn before it is charged to neither.
        if self.seen == (1 if self.on else 2):
            self.mark = (now, step, cpu)
        if self.on:
            self.drawn += 1
        return self.on

    def share(self, on: bool) -> float:
        """The part of the wall time the worker ran (not waiting for the GIL the UI held)."""
        return self.cpu[on] / self.seconds[on] if self.seconds[on] else float("nan")

    def rate(self, on: bool) -> float:
        return self.steps[on] / self.seconds[on] if self.seconds[on] else float("nan")


def _headless_rate(config: XorConfig) -> _Rate:
    rate = _Rate(from_step=config.steps // 5)
    done = threading.Event()

    def post_snapshot(snaps, _):
        snap = snaps[0]
        rate.see(snap.step)
        if snap.finished:
            done.set()

    control = RunControl(speed=None, pictures=Pictures((16, 28), keeps=("landscape",)))  # the path kept, as in the app
    thread = threading.Thread(
        target=train_loop,
        args=(config, control, lambda *_: None, post_snapshot, done.is_set),
        daemon=True,
    )
    thread.start()
    thread.join()
    return rate


async def _interleaved_rates(config: XorConfig, start_on: bool, size=(120, 40)) -> _Interleaved:
    from neurotui.tui.messages import TrainProgress

    meter = _Interleaved(config.steps // 5, start_on)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    app = _measured_base()(config, speed=None)
    async with app.run_test(size=size):
        pane = app.xor
        post = pane.post_message

        def gated(message) -> bool:  # the worker's post, as XorRun.start hands it over
            if isinstance(message, TrainProgress) and message.run_id == pane.run_id:
                snap = message.snapshot
                if snap.finished:
                    loop.call_soon_threadsafe(done.set)
                if not meter.deliver(snap.step, snap.finished):
                    return True
            return post(message)

        pane.post_message = gated
        await asyncio.wait_for(done.wait(), timeout=600)
    return meter


async def _app_rate(config: XorConfig, size=(120, 40), view: str | None = None) -> _Rate:
    rate = _Rate(from_step=config.steps // 5)
    done = asyncio.Event()

    class Measured(_measured_base()):
        def on_train_progress(self, message) -> None:  # bubbled up from the XOR pane, drawn there
            if message.run_id == self.xor.run_id:
                rate.see(message.snapshot.step)
                if message.snapshot.finished:
                    done.set()

    app = Measured(config, speed=None)
    async with app.run_test(size=size):
        if view is not None:  # shown from the start: the whole measured window pays for it
            app.xor.set_view(view)
        # Wait on an event, not by polling with Pilot.pause: that polling alone costs the
        # UI thread ~25% of a core here and would be charged to the app.
        await asyncio.wait_for(done.wait(), timeout=600)
    return rate


def bench_ui(rounds: int = 3, steps: int = UI_STEPS) -> dict:
    """`rounds` app runs of `steps` steps flat out, drawing switched on and off every ~2 s in each
    (the first round starts on, the next off, ...); the ratios over all rounds. One worker-alone
    run with no app at all, as a check that an idle app costs the worker nothing."""
    config = XorConfig(steps=steps)
    meters = [asyncio.run(_interleaved_rates(config, start_on=i % 2 == 0)) for i in range(rounds)]
    alone = _headless_rate(config)

    def per(what: str, by: str, on: bool) -> float:  # nan where a run too short timed no segment
        a, b = (sum(getattr(m, name)[on] for m in meters) for name in (what, by))
        return a / b if b else math.nan

    on_rate, off_rate = per("steps", "seconds", True), per("steps", "seconds", False)
    on_share, off_share = per("cpu", "seconds", True), per("cpu", "seconds", False)
    cpu_per_step = per("cpu", "steps", True) / per("cpu", "steps", False)
    return {
        "ui_on_vs_off": on_share / off_share,  # the judged figure: the worker's share of the clock
        "worker_share_on": on_share,
        "worker_share_off": off_share,
        "ui_on_steps_per_s": on_rate,
        "ui_off_steps_per_s": off_rate,
        "steps_ratio": on_rate / off_rate,
        "round_steps_ratios": [m.rate(True) / m.rate(False) for m in meters],
        "cpu_per_step_on_vs_off": cpu_per_step,
        "no_app_steps_per_s": alone.steps_per_s,
        "ui_snapshots_drawn": sum(m.drawn for m in meters),
        "steps": steps,
        "rounds": rounds,
        "shortest_window_s": min(sum(m.seconds[on] for m in meters) for on in (True, False)),
    }
