"""The decision boundary: the model's probability over the input plane, as characters.

`plane_points` and `render` are pure functions; `probability_grid` runs the model.
Row 0 is the top of the plane (largest x2), so the grid reads like a plot.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

from neurotui.core.model.config import XOR_X, XOR_Y

LOW, HIGH = -0.25, 1.25
UNICODE_RAMP = " ░▒▓█"
ASCII_RAMP = " .:-=+*#%@"


def plane_points(rows: int, cols: int, low: float = LOW, high: float = HIGH) -> list[tuple[float, float]]:
    """Cell centres, row-major, top row first: (x1, x2)."""
    if rows < 1 or cols < 1:
        raise ValueError("grid needs at least one row and one column")
    pts = []
    for r in range(rows):
        x2 = high - (r + 0.5) * (high - low) / rows
        for c in range(cols):
            x1 = low + (c + 0.5) * (high - low) / cols
            pts.append((x1, x2))
    return pts


def cell_of(point: Sequence[float], rows: int, cols: int, low: float = LOW, high: float = HIGH) -> tuple[int, int]:
    x1, x2 = point
    c = int((x1 - low) / (high - low) * cols)
    r = int((high - x2) / (high - low) * rows)
    return min(max(r, 0), rows - 1), min(max(c, 0), cols - 1)


def probability_grid(
    model, rows: int, cols: int, device=None, low: float = LOW, high: float = HIGH
) -> list[list[float]]:
    """Run `model` over a rows x cols grid of the plane; returns plain floats."""
    import torch

    pts = _plane_tensor(rows, cols, low, high, str(device) if device is not None else "cpu")
    with torch.no_grad():
        out = model(pts).reshape(rows, cols)
    return out.tolist()


@functools.lru_cache(maxsize=8)
def _plane_tensor(rows: int, cols: int, low: float, high: float, device: str):
    """The grid's points as a tensor, built once per size and device: every snapshot of a run
    asks for the same grid, and building it in Python cost more than running the net on it."""
    import torch

    return torch.tensor(plane_points(rows, cols, low, high), device=device)


def shade(p: float, ramp: str) -> str:
    if not math.isfinite(p):
        return "?"
    i = int(min(max(p, 0.0), 1.0) * len(ramp))
    return ramp[min(i, len(ramp) - 1)]


# Data points: the class by glyph (not only by colour), training and validation points differ.
TRAIN_GLYPHS = ("o", "x")  # class 0, class 1
VAL_GLYPHS = ("O", "X")


def point_marks(points, rows: int, cols: int, low: float = LOW, high: float = HIGH) -> dict:
    """{(row, col): glyph} for (x1, x2, label, is_validation) points; a validation point wins its cell."""
    marks: dict = {}
    for x1, x2, label, is_val in points:
        cell = cell_of((x1, x2), rows, cols, low, high)
        if is_val or cell not in marks:
            marks[cell] = (VAL_GLYPHS if is_val else TRAIN_GLYPHS)[int(label)]
    return marks


def render(
    grid: Sequence[Sequence[float]], ascii: bool = False, mark_points: bool = True,
    points=None, low: float = LOW, high: float = HIGH,
) -> list[str]:
    """Rows of characters: denser = higher probability of class 1; XOR points as their label 0/1.

    points: (x1, x2, label, is_validation) data points to mark instead of the XOR
    corners, with the plane spanning low..high on both axes.
    """
    ramp = ASCII_RAMP if ascii else UNICODE_RAMP
    rows = [[shade(p, ramp) for p in row] for row in grid]
    if points is not None and rows:
        for (r, c), glyph in point_marks(points, len(rows), len(rows[0]), low, high).items():
            rows[r][c] = glyph
    elif mark_points and rows:
        n_rows, n_cols = len(rows), len(rows[0])
        for point, label in zip(XOR_X, XOR_Y):
            r, c = cell_of(point, n_rows, n_cols)
            rows[r][c] = str(int(label))
    return ["".join(r) for r in rows]
