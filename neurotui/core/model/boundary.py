"""The decision boundary: the model's probability over the input plane, as characters.

`plane_points` and `render` are pure functions; `probability_grid` runs the model.
Row 0 is the top of the plane (largest x2), so the grid reads like a plot.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

from neurotui.core.data.datasets import LESSON_RANGE
from neurotui.core.lesson import XOR_X, XOR_Y

LOW, HIGH = LESSON_RANGE
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


# A K-class map travels as one float per cell, like a probability map (so resampling, replay
# frames and caches need nothing new): the winning class plus its softmax probability, kept
# below 1 so the class is the integer part.
CODE_MAX = 0.999


def class_codes(scores):
    """[n, K] scores -> [n] codes: class + probability of that class (at most CODE_MAX)."""
    import torch

    conf, cls = torch.softmax(scores, dim=1).max(1)
    return cls.to(conf.dtype) + conf.clamp(max=CODE_MAX)


def decode(code: float) -> tuple[int, float]:
    """A class map's cell -> (class, its probability)."""
    if not math.isfinite(code):
        return 0, math.nan
    cls = int(code)
    return cls, code - cls


def class_grid(model, rows: int, cols: int, device=None, low: float = LOW, high: float = HIGH):
    """K class scores over the grid -> a grid of codes (class + its probability), tuples of rows."""
    import torch

    pts = _plane_tensor(rows, cols, low, high, str(device) if device is not None else "cpu")
    with torch.no_grad():
        codes = class_codes(model(pts))
    return tuple(tuple(r) for r in codes.reshape(rows, cols).tolist())


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
# Beyond two classes (core.model.task), class k's glyphs; the first two are the binary ones.
CLASS_TRAIN_GLYPHS = TRAIN_GLYPHS + ("+", "s", "v", "*")
CLASS_VAL_GLYPHS = VAL_GLYPHS + ("#", "S", "V", "@")
# A class's region, where the model is fairly sure (blank where it hesitates): its own texture.
CLASS_FILLS = (".", "-", ":", "=", "~", "'")
# Regression: from the most negative prediction to the most positive, blank near zero.
DIVERGING_RAMP = "=-~ :+#"


def point_marks(points, rows: int, cols: int, low: float = LOW, high: float = HIGH) -> dict:
    """{(row, col): glyph} for (x1, x2, label, is_validation) points; a validation point wins its cell."""
    marks: dict = {}
    for x1, x2, label, is_val in points:
        cell = cell_of((x1, x2), rows, cols, low, high)
        if is_val or cell not in marks:
            marks[cell] = (CLASS_VAL_GLYPHS if is_val else CLASS_TRAIN_GLYPHS)[int(label)]
    return marks


def class_char(confidence: float, cls: int, classes: int) -> str:
    """A cell of a K-class map: the class's fill where its probability is past halfway from 1/K to 1."""
    if not math.isfinite(confidence):
        return "?"
    sure = (confidence - 1 / classes) / (1 - 1 / classes)
    return CLASS_FILLS[cls % len(CLASS_FILLS)] if sure >= 0.5 else " "


def value_scale(values) -> float:
    """Half-width of a regression map's symmetric colour range: the largest |value|, at least 1e-6."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    return max(finite + [1e-6])


def value_char(v: float, scale: float) -> str:
    if not math.isfinite(v):
        return "?"
    q = min(max(v / scale, -1.0), 1.0)  # -1 .. 1
    i = int((q + 1) / 2 * len(DIVERGING_RAMP))
    return DIVERGING_RAMP[min(i, len(DIVERGING_RAMP) - 1)]


def render_task(grid, k: int | None = None, scale: float | None = None, points=None,
                low: float = LOW, high: float = HIGH) -> list[str]:
    """Off the binary task: a K-class map (`k` classes; `grid` of codes, see class_codes; data
    points as their class's glyph) or a regression map (`k` None; `grid` the prediction, shaded on
    a diverging ramp over +-scale; data points not drawn, the map is the answer)."""
    if k is not None:
        rows = [[class_char(conf, c, k) for c, conf in map(decode, row)] for row in grid]
        if points is not None and rows:
            for (r, c), glyph in point_marks(points, len(rows), len(rows[0]), low, high).items():
                rows[r][c] = glyph
    else:
        scale = scale or value_scale([v for row in grid for v in row])
        rows = [[value_char(v, scale) for v in row] for row in grid]
    return ["".join(r) for r in rows]


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
