"""Replay: a bounded history of a run's frames, thinned evenly as the run grows.

A frame is what the boundary view needs to show one moment of training: the step, the
decision boundary's grid, the four XOR probabilities and where the loss curve stood. At most
`capacity` frames are kept whatever the run's length: when the history is full every other
frame is dropped (the first and the newest are kept) and frames are taken half as often.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

CAPACITY = 200


@dataclass(frozen=True)
class Frame:
    step: int
    rows: int
    cols: int
    grid_bytes: bytes  # the boundary's probabilities, float32, row-major (4 bytes a cell)
    probs: tuple[float, ...]
    loss_index: int  # how many losses the run had at this step

    @classmethod
    def of(cls, step: int, grid, probs, loss_index: int) -> Frame:
        rows, cols = len(grid), len(grid[0]) if grid else 0
        flat = array("f", (v for row in grid for v in row))
        return cls(step, rows, cols, flat.tobytes(), tuple(probs), loss_index)

    def grid(self) -> tuple[tuple[float, ...], ...]:
        flat = array("f")
        flat.frombytes(self.grid_bytes)
        c = self.cols
        return tuple(tuple(flat[r * c:(r + 1) * c]) for r in range(self.rows))


def thin(items: list, capacity: int) -> list:
    """Every other item, the first and the last kept, until at most `capacity` remain."""
    if capacity < 2:
        raise ValueError("capacity must be at least 2")
    while len(items) > capacity:
        last = items[-1]
        items = items[::2]
        if items[-1] is not last:
            items.append(last)
            if len(items) > capacity:  # two survivors at the end: the newest wins
                del items[-2]
    return items


class FrameHistory:
    """The frames of one run, oldest first; `due(step)` says when the next one is wanted."""

    def __init__(self, capacity: int = CAPACITY, total_steps: int | None = None):
        self.capacity = capacity
        # a run of known length fills the history once, evenly, without thinning
        self.stride = max(1, math.ceil(total_steps / (capacity - 1))) if total_steps else 1
        self.frames: list[Frame] = []

    def due(self, step: int) -> bool:
        return not self.frames or step - self.frames[-1].step >= self.stride

    def next_step(self) -> int:
        """The step at which the next frame is due."""
        return self.frames[-1].step + self.stride if self.frames else 0

    def add(self, frame: Frame) -> None:
        if self.frames and frame.step == self.frames[-1].step:
            self.frames[-1] = frame  # the same step again (an edit, a new size): the newest wins
            return
        self.frames.append(frame)
        if len(self.frames) > self.capacity:
            self.frames = thin(self.frames, self.capacity)
            self.stride *= 2

    def __len__(self) -> int:
        return len(self.frames)

    def nbytes(self) -> int:
        """Memory the frames hold (their grids and numbers), for the record."""
        import sys

        return sum(sys.getsizeof(f.grid_bytes) + sys.getsizeof(f.probs) + 8 * len(f.probs) + 120
                   for f in self.frames)


def take_frame(model, probs, step: int, loss_index: int, rows: int, cols: int, device=None,
               low: float = -0.25, high: float = 1.25) -> Frame:
    """The model's frame now: its boundary over a rows x cols plane, straight to float32 bytes."""
    import torch

    from neurotui.core.model.boundary import _plane_tensor

    pts = _plane_tensor(rows, cols, low, high, str(device) if device is not None else "cpu")
    with torch.no_grad():
        out = model(pts)
        if out.shape[1] > 1:  # K class scores: the boundary's codes (class + its probability)
            from neurotui.core.model.boundary import class_codes

            out = class_codes(out)
        out = out.reshape(-1).to(torch.float32).cpu().numpy()
    return Frame(step, rows, cols, out.tobytes(), tuple(probs), loss_index)
