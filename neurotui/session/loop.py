"""The body of the training worker: pacing, pausing and throttled snapshots.

Runs in a thread. It never touches widgets and never writes the RunControl: it reads
what the UI asked for and hands snapshots to `post_snapshot`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from neurotui.core.model.config import XorConfig
from neurotui.session.control import RunControl

POST_INTERVAL = 0.2  # seconds between snapshots: 5 Hz reads as live; each frame costs the UI ~20 ms here


class Lockstep:
    """One or more trainers (compare mode) stepped together, seen as one run."""

    def __init__(self, configs: list[XorConfig]):
        from neurotui.core.training.replay import FrameHistory
        from neurotui.core.training.trainer import Trainer

        self.trainers = [Trainer(c, halt_on_saturation=True) for c in configs]
        self.device = self.trainers[0].device
        self.history = FrameHistory(total_steps=configs[0].steps)  # the replay's frames, of A
        self.edits: list = []  # core.network.Edit: weights of A set by hand, oldest first
        self._edited_at: int | None = None  # the step of the last edit: the loss shown is the edited model's

    def points(self) -> tuple | None:
        """The data points to draw on the boundary; None for the lesson's four XOR rows."""
        data = self.trainers[0].data
        return None if data.name == "xor" else tuple(data.points())

    @property
    def step_count(self) -> int:
        return max(t.step_count for t in self.trainers)

    @property
    def finished(self) -> bool:
        return all(t.finished for t in self.trainers)

    def run(self, n: int, should_stop: Callable[[], bool]) -> None:
        for t in self.trainers:
            if not t.finished:
                t.run(n, should_stop=should_stop)

    def snapshot(self, control: RunControl) -> tuple:
        from dataclasses import replace

        a = self.trainers[0]
        edited_loss = None
        if self._edited_at is not None and self._edited_at == a.step_count:
            a.run(0)  # the loss at this step is the edited model's (a forward pass), until it trains on
            edited_loss = a.metrics()["train_loss"]
        snaps = [t.snapshot(control.grid_size, inside_layer=control.layer, feature_grid=control.feature_grid,
                            edited_loss=edited_loss if t is a else None)
                 for t in self.trainers]
        network = None
        if control.network_tile is not None or control.probe_at is not None:
            from neurotui.core.model.network import look_network

            d = a.data
            network = look_network(a.model, a.x, a.config.features, control.network_tile, control.probe_at,
                                   device=a.device, low=d.low, high=d.high,
                                   grads=(a.gradients_now() or {}) if edited_loss is not None else None)
        snaps[0] = replace(snaps[0], frames=tuple(self.history.frames), network=network, edits=tuple(self.edits))
        return tuple(snaps)

    def record(self, control: RunControl, force: bool = False) -> None:
        """Keep a replay frame of A when one is due (or `force`: a pause, the end, an edit)."""
        a = self.trainers[0]
        if not (force or self.history.due(a.step_count)) or a.nonfinite_where is not None:
            return
        from neurotui.core.training.replay import take_frame

        a.run(0)  # read back any losses still on the device
        self.history.add(take_frame(a.model, a.probabilities(), a.step_count, len(a.losses), *control.grid_size,
                                    device=a.device, low=a.data.low, high=a.data.high))

    def until_frame(self, n: int) -> int:
        """At most n steps, stopping where the next replay frame is due."""
        gap = self.history.next_step() - self.step_count
        return min(n, gap) if gap > 0 else n

    def apply_edits(self, control: RunControl) -> bool:
        """Set the weights the UI asked for (between steps); True if any was set."""
        from neurotui.core.model.network import Edit, apply_edit

        a = self.trainers[0]
        done = False
        for layer, unit, source, value in control.take_edits():
            try:
                old = apply_edit(a.model, layer, unit, source, value)
            except (ValueError, IndexError):
                continue  # the UI checks first; a stale request (a replaced network) is dropped
            self.edits.append(Edit(layer, unit, source, old, float(value), a.step_count))
            self._edited_at = a.step_count
            done = True
        if done:
            self.record(control, force=True)
        return done


def train_loop(
    config: XorConfig | list[XorConfig],
    control: RunControl,
    post_started: Callable[[str, tuple | None], None],
    post_snapshot: Callable[[object, float | None], None],
    is_cancelled: Callable[[], bool],
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Train until done or cancelled; `post_snapshot` gets a tuple of snapshots (one per config)."""
    import torch

    from neurotui.core.model.device import describe

    # A 2-H-1 network gains nothing from intra-op threads, and beside the UI thread their
    # spin-waiting costs training a quarter of its speed (measured: UI on/off 0.74 -> 0.87).
    torch.set_num_threads(1)

    trainer = Lockstep(config if isinstance(config, list) else [config])
    post_started(describe(trainer.device), trainer.points())
    post_snapshot(trainer.snapshot(control), None)

    def view_key():
        return control.grid_size, control.layer, control.feature_grid, control.network_tile, control.probe_at

    posted = view_key()
    trainer.record(control, force=True)
    origin, origin_steps, speed = clock(), 0, control.speed
    last_post = clock() - POST_INTERVAL  # the first steps go up at once: the run is seen to start
    rate_mark = (clock(), 0)
    dirty = False
    while not is_cancelled() and not trainer.finished:
        now = clock()
        if trainer.apply_edits(control):
            post_snapshot(trainer.snapshot(control), None)
        if control.holding(trainer.step_count):
            if dirty:  # show exactly where training stopped
                trainer.record(control, force=True)
                post_snapshot(trainer.snapshot(control), None)
                dirty = False
            if view_key() != posted:  # a new view while paused still gets its pictures
                posted = view_key()
                post_snapshot(trainer.snapshot(control), None)
            if control.take_step():
                trainer.run(1, should_stop=is_cancelled)
                trainer.record(control, force=True)
                post_snapshot(trainer.snapshot(control), None)
            else:
                control.wake.wait(0.1)
                control.wake.clear()
            origin, origin_steps, speed = clock(), trainer.step_count, control.speed
            rate_mark = (clock(), trainer.step_count)
            continue
        if control.speed != speed:
            origin, origin_steps, speed = now, trainer.step_count, control.speed
        if speed is None:
            n = 50
        else:
            due = int((now - origin) * speed) - (trainer.step_count - origin_steps)
            if due <= 0:
                wait = (trainer.step_count - origin_steps + 1) / speed - (now - origin)
                control.wake.wait(min(max(wait, 0.001), POST_INTERVAL))
                control.wake.clear()
                n = 0
            else:
                n = min(due, 200)
        pause_at = control.pause_at  # read once: the UI may clear it meanwhile
        if pause_at is not None and trainer.step_count < pause_at:
            n = min(n, pause_at - trainer.step_count)
        if n:
            trainer.run(trainer.until_frame(n), should_stop=is_cancelled)
            trainer.record(control)
            dirty = True
        now = clock()
        if dirty and now - last_post >= POST_INTERVAL:
            t0, s0 = rate_mark
            rate = (trainer.step_count - s0) / (now - t0) if now > t0 else None
            post_snapshot(trainer.snapshot(control), rate)
            last_post, rate_mark, dirty = now, (now, trainer.step_count), False
    if is_cancelled():
        return
    posted = view_key()
    trainer.record(control, force=True)
    post_snapshot(trainer.snapshot(control), None)
    # Stay (idle, blocked on an Event) so a resize, zoom or new view after the run
    # still gets its pictures computed at the new size rather than stretched.
    while not is_cancelled():
        control.wake.wait(0.25)
        control.wake.clear()
        if view_key() != posted or trainer.apply_edits(control):
            posted = view_key()
            post_snapshot(trainer.snapshot(control), None)
