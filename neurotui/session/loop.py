"""The body of the training worker: pacing, pausing and throttled snapshots.

Runs in a thread. The run itself (its trainers, edits, frames and snapshots) is a
core.run.Run; this loop decides when it steps and when a snapshot goes up. It never touches
widgets: it reads what the UI asked for from the RunControl, uses up the step requests and
edits it takes there, and hands snapshots to `post_snapshot`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from neurotui.core.model.config import XorConfig
from neurotui.core.run import Run
from neurotui.session.control import RunControl

TRAIN_NICE_ENV = "NEUROTUI_TRAIN_NICE"  # set by `neurotui serve` for its tabs
POST_INTERVAL = 0.2  # seconds between snapshots: 5 Hz reads as live; each frame costs the UI ~20 ms here
# the longest wait for the screen's first layout (control.sized) before training at a guessed size:
# a pane not on screen at start never says its size
SIZE_WAIT = 3.0


def give_way(env=None) -> int | None:
    """Run this (the training) thread at the nice value $NEUROTUI_TRAIN_NICE asks for; the nice it got.

    Served tabs share a machine's cores: with training below every tab's screen, a key in any
    tab is answered before another tab's steps are taken. Linux nices one thread by its id;
    raising a nice needs no privilege. Elsewhere, or unasked, nothing changes.
    """
    import os

    env = os.environ if env is None else env
    try:
        wanted = int(env.get(TRAIN_NICE_ENV, ""))
        thread = threading.get_native_id()
        nice = max(os.getpriority(os.PRIO_PROCESS, thread), min(wanted, 19))
        os.setpriority(os.PRIO_PROCESS, thread, nice)
        return nice
    except (ValueError, OSError, AttributeError):
        return None


def import_torch():
    """torch, imported with the cyclic garbage collector off, and what the import made frozen.

    Importing torch makes ~200,000 objects. The collector made three full passes over them during
    the import (49, 76 and 106 ms, measured on the worker), and every later full pass scanned them
    again: 115-130 ms with the whole process stopped, so a key pressed then was answered late. Frozen
    (gc.freeze: never scanned, never freed) a full pass takes 6-10 ms. They live as long as the
    process anyway.
    """
    import gc
    import sys

    if "torch" in sys.modules:  # imported, or being imported by another thread: `import` waits for it
        import torch

        return torch
    enabled = gc.isenabled()
    gc.disable()
    try:
        import torch
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return torch


class Clock:
    """Real time, as the worker paces itself by. A test passes one whose time moves only when
    the worker waits, so pacing, pausing and posting are checked step by step, with no sleeps."""

    def now(self) -> float:
        return time.monotonic()

    def wait(self, wake: threading.Event, seconds: float) -> None:
        """Until the UI pokes the control or `seconds` pass."""
        wake.wait(seconds)
        wake.clear()


def train_loop(
    config: XorConfig | list[XorConfig],
    control: RunControl,
    post_started: Callable[[str, tuple | None, tuple[float, float], object], None],
    post_snapshot: Callable[[object, float | None], None],
    is_cancelled: Callable[[], bool],
    clock: Clock | None = None,
) -> None:
    """Train until done or cancelled; `post_snapshot` gets a tuple of snapshots (one per config)."""
    import_torch()

    from neurotui.core.model.device import describe

    # The run's trainers set this thread's intra-op threads (core.training.threads): one for a
    # small net, whose pool's spin-waiting beside the UI thread cost training a quarter of its
    # speed (measured: UI on/off 0.74 -> 0.87).
    give_way()

    clock = clock or Clock()
    run = Run(config if isinstance(config, list) else [config])
    # the points, the plane they lie on, and for a file that plane in the file's units
    post_started(describe(run.device), run.points(), run.span(), run.units())
    deadline = clock.now() + SIZE_WAIT
    while not control.sized and not is_cancelled() and clock.now() < deadline:
        clock.wait(control.wake, 0.05)  # step 0's frame at the size the screen will show it
    posted = control.pictures  # the pictures last asked for while held
    post_snapshot(run.snapshot(posted), None)
    run.record(posted, force=True)
    _train_to_the_end(run, control, post_snapshot, is_cancelled, clock, _Pace(clock.now(), control.speed, posted))
    if not is_cancelled():
        _after_the_end(run, control, post_snapshot, is_cancelled, clock)


@dataclass
class _Pace:
    """Where the loop stands: the steps owed at `speed` since (`origin`, `origin_steps`), the last
    post and the mark the posted rate is measured from, and whether steps went unposted."""

    origin: float
    speed: int | None
    posted: object  # the pictures last asked for while held
    origin_steps: int = 0
    last_post: float = 0.0
    rate_mark: tuple[float, int] = (0.0, 0)
    dirty: bool = False

    def __post_init__(self) -> None:
        self.last_post = self.origin - POST_INTERVAL  # the first steps go up at once: the run is seen to start
        self.rate_mark = (self.origin, 0)

    def restart(self, now: float, steps: int, speed: int | None) -> None:
        self.origin, self.origin_steps, self.speed = now, steps, speed


def _train_to_the_end(run: Run, control: RunControl, post_snapshot, is_cancelled, clock: Clock, pace: _Pace) -> None:
    """Steps at the chosen speed, held while paused, aside while a key is answered, posted every POST_INTERVAL."""
    while not is_cancelled() and not run.finished:
        now = clock.now()
        if run.apply_edits(control.take_edits(), control.pictures):
            post_snapshot(run.snapshot(control.pictures), None)
        if control.holding(run.step_count):
            _while_held(run, control, post_snapshot, is_cancelled, clock, pace)
            continue
        if (aside := control.making_way()) > 0:  # a key is being answered: the UI thread gets the GIL
            clock.wait(control.wake, min(aside, 0.05))
            continue
        n = _steps_due(run, control, clock, pace, now)
        if n:
            run.train(n, control.pictures, should_stop=is_cancelled)
            pace.dirty = True
        now = clock.now()
        if pace.dirty and now - pace.last_post >= POST_INTERVAL:
            t0, s0 = pace.rate_mark
            rate = (run.step_count - s0) / (now - t0) if now > t0 else None
            post_snapshot(run.snapshot(control.pictures), rate)
            pace.last_post, pace.rate_mark, pace.dirty = now, (now, run.step_count), False


def _while_held(run: Run, control: RunControl, post_snapshot, is_cancelled, clock: Clock, pace: _Pace) -> None:
    """Paused (or at the pause step): show where training stopped, a new view's pictures, one step on `.`."""
    if pace.dirty:  # show exactly where training stopped
        run.record(control.pictures, force=True)
        post_snapshot(run.snapshot(control.pictures), None)
        pace.dirty = False
    if control.pictures != pace.posted:  # a new view while paused still gets its pictures
        pace.posted = control.pictures
        post_snapshot(run.snapshot(pace.posted), None)
    if control.take_step():
        run.step(control.pictures, should_stop=is_cancelled)
        post_snapshot(run.snapshot(control.pictures), None)
    else:
        clock.wait(control.wake, 0.1)
    pace.restart(clock.now(), run.step_count, control.speed)
    pace.rate_mark = (clock.now(), run.step_count)


def _steps_due(run: Run, control: RunControl, clock: Clock, pace: _Pace, now: float) -> int:
    """How many steps to take now at the speed asked for (waiting instead when none is due), never past the pause step."""
    if control.speed != pace.speed:
        pace.restart(now, run.step_count, control.speed)
    if pace.speed is None:
        n = 50
    else:
        due = int((now - pace.origin) * pace.speed) - (run.step_count - pace.origin_steps)
        if due <= 0:
            wait = (run.step_count - pace.origin_steps + 1) / pace.speed - (now - pace.origin)
            clock.wait(control.wake, min(max(wait, 0.001), POST_INTERVAL))
            n = 0
        else:
            n = min(due, 200)
    pause_at = control.pause_at  # read once: the UI may clear it meanwhile
    if pause_at is not None and run.step_count < pause_at:
        n = min(n, pause_at - run.step_count)
    return n


def _after_the_end(run: Run, control: RunControl, post_snapshot, is_cancelled, clock: Clock) -> None:
    """The last frame, then idle (blocked on an Event) so a resize, zoom or new view after the run
    still gets its pictures computed at the new size rather than stretched."""
    posted = control.pictures
    run.record(posted, force=True)
    post_snapshot(run.snapshot(posted), None)
    while not is_cancelled():
        clock.wait(control.wake, 0.25)
        if control.pictures != posted or run.apply_edits(control.take_edits(), control.pictures):
            posted = control.pictures
            post_snapshot(run.snapshot(posted), None)
