"""Messages posted by workers to the UI thread: plain values only, never tensors."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from neurotui.core.training.snapshot import Snapshot


@dataclass
class TrainStarted(Message):
    run_id: int
    device: str
    # (x1, x2, label, is_validation) of every data point, to draw; None for the lesson's four rows
    points: tuple | None = None
    # the range of x1 and x2 (both axes) the boundary covers, the data's: where each point is drawn
    span: tuple[float, float] = (-0.25, 1.25)
    # a data file's plane in the file's own units (core.data.scaling.PlaneUnits); None otherwise
    units: object | None = None


@dataclass
class TrainProgress(Message):
    run_id: int
    snapshot: Snapshot
    steps_per_s: float | None
    other: Snapshot | None = None  # compare mode: the second network, same seed, same steps

    def can_replace(self, message: Message) -> bool:
        # Each snapshot carries the whole history, so a newer one of the same run loses nothing.
        return isinstance(message, TrainProgress) and message.run_id == self.run_id


@dataclass
class TrainFailed(Message):
    run_id: int
    error: str


@dataclass
class CardWritten(Message):
    path: str | None
    error: str | None


@dataclass
class SweepUpdate(Message):
    """Progress of the reliability sweep: fraction of the whole grid done, and what is training."""

    run_id: int
    fraction: float
    label: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SweepUpdate) and message.run_id == self.run_id


@dataclass
class SweepCell(Message):
    run_id: int
    result: object  # neurotui.core.sweep.SweepResult: plain Python values


@dataclass
class SweepDone(Message):
    run_id: int
    error: str | None = None
