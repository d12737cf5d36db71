"""One run as the app steers it: A (and B, in compare mode) trained in lockstep.

A `Run` owns its trainers, the weights set by hand and the replay's frames of A, and
builds each look at the run (one `Snapshot` per trainer) in one place. Which pictures a look
computes besides the numbers is a `Pictures`: the worker's loop (session/loop.py) reads it
from the UI's requests, so this module knows nothing of threads, pacing or pausing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from neurotui.core.data.datasets import is_xor_rows
from neurotui.core.model.config import XorConfig


@dataclass(frozen=True)
class Pictures:
    """The pictures the views on screen need: the boundary's grid (rows, cols), the hidden layer
    to look inside (None: no view shows one), per-unit grids, the network view's tiles and a
    point of the plane probed by a click. Only what is asked for is computed."""

    grid_size: tuple[int, int] = (12, 24)
    layer: int | None = 1
    feature_grid: tuple[int, int] | None = None
    network_tile: tuple[int, int] | None = None
    probe_at: tuple[float, float] | None = None
    landscape: tuple[str, int] | None = None  # (plane, draw): the loss landscape view's plane (core.model.landscape)
    backward: str | None = None  # the parameter whose chain the backward view writes out ('w2[0,0]')


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
        from neurotui.core.model.landscape import PathRecorder

        # each run's weights at A's replay frames (B trains in lockstep): the landscapes' paths
        self.paths = [PathRecorder(c.steps) for c in configs]
        self._landscapes: list[tuple | None] = [None] * len(configs)  # (plane, step, when, Landscape) each

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
        # The landscape's path: the weights at each frame (17 numbers for the lesson's net), at the
        # frames' steps, so the same run gives the same path however fast it was trained.
        for t, path in zip(self.trainers, self.paths):
            if t.nonfinite_where is None:
                path.record(t.model, t.step_count)
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

    def snapshot(self, pictures: Pictures) -> tuple:
        """One Snapshot per trainer, A first, with the pictures asked for. A's also carries the
        run's own: the replay's frames, the network view and the edits."""
        a = self.trainers[0]
        edited_loss = None
        if self._edited_at is not None and self._edited_at == a.step_count:
            a.run(0)  # the loss at this step is the edited model's (a forward pass), until it trains on
            edited_loss = a.metrics()["train_loss"]
        network = None
        if pictures.network_tile is not None or pictures.probe_at is not None:
            from neurotui.core.model.network import look_network

            d = a.data
            # After an edit .grad still holds the old weights' gradients: show where the next step pushes.
            from neurotui.core.data.datasets import input_names

            network = look_network(a.model, a.x, input_names(a.config), pictures.network_tile, pictures.probe_at,
                                   device=a.device, low=d.low, high=d.high,
                                   grads=(a.gradients_now() or {}) if edited_loss is not None else None)
        lands = [self.landscape(pictures.landscape, i) if pictures.landscape is not None else None
                 for i in range(len(self.trainers))]  # compare mode shows B's beside A's
        first = a.snapshot(pictures.grid_size, inside_layer=pictures.layer, feature_grid=pictures.feature_grid,
                           edited_loss=edited_loss, frames=tuple(self.history.frames), network=network,
                           edits=tuple(self.edits), landscape=lands[0])
        if pictures.backward is not None:
            from dataclasses import replace

            from neurotui.core.training.gradcheck import look

            first = replace(first, backward=look(a, pictures.backward))
        return (first, *(t.snapshot(pictures.grid_size, inside_layer=pictures.layer, feature_grid=pictures.feature_grid,
                                    landscape=land) for t, land in zip(self.trainers[1:], lands[1:])))

    LANDSCAPE_EVERY = 1.0  # seconds between refreshes while training: each costs ms of the run's time

    def landscape(self, plane: tuple[str, int], which: int = 0):
        """A's (or B's: `which` 1) loss landscape: (plane name, draw) with draw seeding the random plane's directions.
        While training it is refreshed at most once every LANDSCAPE_EVERY seconds (a snapshot in
        between carries the last one); a new plane or a run that stopped gets it at once. None when
        PyTorch refused the run's loss or its weights are not finite."""
        import time

        from neurotui.core.model.landscape import landscape, loss_kind

        a, path = self.trainers[which], self.paths[which]
        if a.nonfinite_where is not None or a.error is not None:
            return None
        last = self._landscapes[which]
        now = time.monotonic()
        if last is not None and last[0] == plane and last[1] == a.step_count:
            return last[3]  # nothing moved (paused, or finished): the same picture
        if last is not None and last[0] == plane and not a.finished and now - last[2] < self.LANDSCAPE_EVERY:
            return last[3].moved_to(a.model, a.step_count)  # the map stays; the point moves on it
        import torch

        name, draw = plane
        d = a.data
        land = landscape(a.model, d.train_x, d.train_y, path.tensor(), path.steps, a.step_count, name,
                         generator=torch.Generator().manual_seed(draw), loss=loss_kind(a.config, a.mistakes.mse_loss))
        self._landscapes[which] = (plane, a.step_count, now, land)
        return land
