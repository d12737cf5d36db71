"""One run as the app steers it: A (and B, in compare mode) trained in lockstep.

A `Run` owns its trainers, the weights set by hand and the replay's frames of A, and
builds each look at the run (one `Snapshot` per trainer) in one place. Which pictures a look
computes besides the numbers is a `core.pictures.Pictures`, whose providers it asks: the worker's
loop (session/loop.py) reads it from the UI's requests, so this module knows nothing of threads,
pacing, pausing or views.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from neurotui.core.data.datasets import is_xor_rows
from neurotui.core.model.config import XorConfig
from neurotui.core.pictures import PROVIDERS, Pictures, computed


class Run:
    """One or more trainers (compare mode) stepped together, seen as one run."""

    def __init__(self, configs: Sequence[XorConfig]):
        from neurotui.core.training.replay import FrameHistory
        from neurotui.core.training.trainer import Trainer

        # A blown-up run is stopped and explained rather than trained to its end (core.doctor).
        self.trainers = [Trainer(c, halt_on_saturation=True) for c in configs]
        self.device = self.trainers[0].device
        self.history = FrameHistory(total_steps=configs[0].steps)  # the replay's frames, of A
        self.edits: list = []  # core.model.network.Edit: weights of A set by hand, oldest first
        self._edited_at: int | None = None  # the step of the last edit: the loss shown is the edited model's
        # each run's weights at A's replay frames (B trains in lockstep), kept by the landscape's
        # provider (core.pictures.keep_path) only while the views declare it (Pictures.keeps)
        self.paths: dict[int, object] = {}
        self.kept: dict = {}  # what a picture's provider keeps between looks (core.pictures: the landscape's last map)

    def points(self) -> tuple | None:
        """The data points to draw on the boundary; None for the lesson's four XOR rows."""
        trainer = self.trainers[0]
        return None if is_xor_rows(trainer.config) else tuple(trainer.data.points())

    def units(self):
        """A data file's plane in the file's own units (core.data.scaling.PlaneUnits); None otherwise."""
        from neurotui.core.data.scaling import plane_units

        return plane_units(self.trainers[0].data)

    def span(self) -> tuple[float, float]:
        """The range of x1 and x2 the pictures cover (the data's, both axes): where a point is drawn."""
        data = self.trainers[0].data
        return data.low, data.high

    @property
    def step_count(self) -> int:
        return max(t.step_count for t in self.trainers)

    @property
    def finished(self) -> bool:
        return all(t.finished for t in self.trainers)

    def train(self, n: int, pictures: Pictures, should_stop: Callable[[], bool]) -> None:
        """At most n steps, stopping where the next replay frame is due (and keeping that frame)."""
        gap = self.history.next_step() - self.step_count
        self._run(min(n, gap) if gap > 0 else n, should_stop)
        self.record(pictures)

    def step(self, pictures: Pictures, should_stop: Callable[[], bool]) -> None:
        """One step, asked for while paused, and a replay frame of it."""
        self._run(1, should_stop)
        self.record(pictures, force=True)

    def _run(self, n: int, should_stop: Callable[[], bool]) -> None:
        for t in self.trainers:
            if not t.finished:
                t.run(n, should_stop=should_stop)

    def record(self, pictures: Pictures, force: bool = False) -> None:
        """Keep a replay frame of A when one is due (or `force`: a pause, the end, an edit)."""
        a = self.trainers[0]
        if not (force or self.history.due(a.step_count)) or a.nonfinite_where is not None:
            return
        for name in pictures.keeps:  # what a picture needs of the run's past (the landscape's path)
            keep = PROVIDERS[name].keep
            for i, t in enumerate(self.trainers):
                if keep is not None and t.nonfinite_where is None:
                    keep(self, i)
        from neurotui.core.training.replay import take_frame

        a.run(0)  # read back any losses still on the device
        self.history.add(take_frame(a.model, a.probabilities(), a.step_count, len(a.losses), *pictures.grid_size,
                                    device=a.device, low=a.data.low, high=a.data.high))

    def apply_edits(self, edits: Iterable[tuple], pictures: Pictures) -> bool:
        """Set weights of A by hand, (layer, unit, source, value) each, between steps; True if any was set.
        A request that no longer fits the network (a stale one) is dropped: the UI checked it first."""
        from neurotui.core.model.network import Edit, apply_edit

        a = self.trainers[0]
        done = False
        for layer, unit, source, value in edits:
            try:
                old = apply_edit(a.model, layer, unit, source, value)
            except (ValueError, IndexError):
                continue
            self.edits.append(Edit(layer, unit, source, old, float(value), a.step_count))
            self._edited_at = a.step_count
            done = True
        if done:
            self.record(pictures, force=True)
        return done

    def edited_now(self) -> bool:
        """True while A stands at the step of its last hand edit: its .grad still holds the old weights'."""
        return self._edited_at is not None and self._edited_at == self.trainers[0].step_count

    def snapshot(self, pictures: Pictures) -> tuple:
        """One Snapshot per trainer, A first, with the pictures asked for (core.pictures' providers,
        B's only where a provider draws each run). A's also carries the run's own: the replay's
        frames and the edits."""
        a = self.trainers[0]
        edited_loss = None
        if self.edited_now():
            a.run(0)  # the loss at this step is the edited model's (a forward pass), until it trains on
            edited_loss = a.metrics()["train_loss"]
        first = a.snapshot(pictures.grid_size, edited_loss=edited_loss, frames=tuple(self.history.frames),
                           edits=tuple(self.edits))
        snaps = (first, *(t.snapshot(pictures.grid_size) for t in self.trainers[1:]))
        if not pictures.asks:
            return snaps
        return tuple(replace(s, pictures=computed(self, i, pictures)) for i, s in enumerate(snaps))
