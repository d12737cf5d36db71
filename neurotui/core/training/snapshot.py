"""What a run shows at one moment: plain values a worker hands to the screen (core.training.trainer)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from neurotui.core.doctor.diagnosis import Diagnosis
from neurotui.core.lesson import XOR_X, XOR_Y
from neurotui.core.model.task import BINARY_TASK, Task
from neurotui.core.numbers import fixed

TIE = 1e-6  # float32's noise around 0.5, with room


def is_tie(p: float) -> bool:
    """p within float32's noise of 0.5 (a model that learned no side, e.g. a linear one on XOR): which
    side its last bit lands on is no prediction, and differs between CPUs, so it is shown as 0.5."""
    return abs(p - 0.5) < TIE


@dataclass(frozen=True)
class Snapshot:
    """Plain Python values, safe to hand to another thread. `losses` shares the trainer's
    append-only list (core.training.series): the first len(losses) values never change."""

    step: int
    total: int
    losses: Sequence[float]  # a core.training.series.LossSeries, or a plain list (a replayed frame)
    probs: tuple[float, ...]
    preds: tuple[int, ...]
    diagnosis: Diagnosis
    finished: bool
    boundary: tuple[tuple[float, ...], ...] | None = None
    # Whole train / validation sets in eval mode (dropout off); val_* None without a validation set.
    train_loss: float | None = None
    val_loss: float | None = None
    train_accuracy: float | None = None  # None for regression, which has R² instead
    val_accuracy: float | None = None
    # (step, train loss, val loss or None) every few steps, when there is a validation set: both curves.
    curve: tuple[tuple[int, float, float | None], ...] = ()
    # Off the lesson's four rows "solved" is an accuracy (core.training.fit); None: all four XOR rows right.
    data_solved: bool | None = None
    grid_range: tuple[float, float] = (-0.25, 1.25)  # the boundary's plane, both axes
    error: str | None = None  # the first line of an exception PyTorch raised; the run stopped there
    # What only the run knows (core.run.Run hands them to Trainer.snapshot): the replay's frames
    # (core.training.replay.Frame) and the weights edited by hand (core.model.network.Edit), oldest first.
    frames: tuple = ()
    edits: tuple = ()
    # The pictures the views on screen asked for, by provider name (core.pictures: 'inside',
    # 'network', 'landscape', 'backward'...); only those asked for are here.
    pictures: Mapping[str, object] = field(default_factory=dict)
    # Beyond two classes (core.model.task): what the run predicts, and regression's R². A K-class
    # `boundary` holds codes (class + its probability: core.model.boundary.class_codes), a
    # regression's the predicted value.
    task: Task = BINARY_TASK
    train_r2: float | None = None
    val_r2: float | None = None
    # A data file's regression trains on a standardized target: `losses` x this is the MSE in the
    # file's units, as train_loss, val_loss and the curve already are (1.0 otherwise).
    loss_factor: float = 1.0
    # Early stopping (core.training.early_stop.StopReport): the kept step, where it stopped; None without it.
    stopping: object = None

    def picture(self, name: str):
        """The picture provider `name` computed for this look (core.pictures); None if none was asked for."""
        return self.pictures.get(name)

    @property
    def loss(self) -> float:
        return self.losses[-1] if self.losses else math.nan

    @property
    def shown_loss(self) -> float:
        """The run's loss as it reports it (lab's final_loss, the card, the sweep, the status line): the last
        step's, in the run's units (a scaled target's: the file's); once early stopping put its best weights
        back, those weights' loss on the training rows instead, so the final loss and the figures beside it
        are of the same model."""
        if self.kept_weights and self.train_loss is not None:
            return self.train_loss
        return self.loss * self.loss_factor

    @property
    def kept_weights(self) -> bool:
        """Early stopping restored earlier weights: the model is not the last step's (a run whose best look
        was its last step keeps the last weights, and its last step's loss)."""
        return self.stopping is not None and self.stopping.restored and self.stopping.best_step != self.step

    @property
    def solved(self) -> bool:
        if self.data_solved is not None:
            return self.data_solved
        return list(self.preds) == [int(y) for y in XOR_Y]

    def rows(self) -> list[str]:
        """The lesson's own output lines: x=[0.0, 1.0] prob=1.000 pred=1"""
        return [
            f"x={list(x)} prob={fixed(p, 3)} pred={y}" for x, p, y in zip(XOR_X, self.probs, self.preds)
        ]
