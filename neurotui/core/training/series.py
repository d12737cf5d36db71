"""A run's losses as a snapshot hands them to the UI: shared, not copied.

A snapshot goes to the UI five times a second. Copying the whole loss history into each one
made a frame's cost grow with the run (200,000 floats by the end of a long run), and so did
scanning it for the plot's log-axis choice. The trainer's list only ever grows, so a snapshot
can hold the list and a length: the first n values never change. The span of positive
losses is kept the same way, scanning only what was appended since the last snapshot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import islice


class LossSeries(Sequence):
    """The first `n` values of an append-only list (then `extra`: the loss of a model edited by
    hand, not yet trained on), and (min, max) of its finite positive values."""

    __slots__ = ("_values", "_n", "_extra", "span")

    def __init__(self, values: list, n: int, span: tuple[float, float] | None, extra: tuple = ()):
        self._values, self._n, self._extra = values, n, tuple(extra)
        self.span = _widen(span, self._extra)

    def __len__(self) -> int:
        return self._n + len(self._extra)

    def __iter__(self):
        yield from islice(self._values, self._n)
        yield from self._extra

    def __getitem__(self, i):
        if isinstance(i, slice):  # a list: a replayed frame's losses, the start of the run
            start, stop, step = i.indices(len(self))
            if step == 1 and stop <= self._n:
                return self._values[start:stop]
            return [self[j] for j in range(start, stop, step)]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("loss index out of range")
        return self._values[i] if i < self._n else self._extra[i - self._n]

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __repr__(self) -> str:
        return f"LossSeries({len(self)} losses)"


class SpanTracker:
    """(min, max) of the finite positive values of a growing list, scanning each value once."""

    def __init__(self) -> None:
        self.seen = 0
        self.span: tuple[float, float] | None = None

    def update(self, values: list) -> tuple[float, float] | None:
        self.span = _widen(self.span, values[self.seen:])
        self.seen = len(values)
        return self.span


def _widen(span: tuple[float, float] | None, values) -> tuple[float, float] | None:
    finite = [v for v in values if v > 0 and math.isfinite(v)]
    if not finite:
        return span
    lo, hi = min(finite), max(finite)
    return (lo, hi) if span is None else (min(span[0], lo), max(span[1], hi))


def positive_span(losses) -> tuple[float, float] | None:
    """(min, max) of the finite positive losses: kept by a LossSeries, scanned from anything else."""
    return losses.span if isinstance(losses, LossSeries) else _widen(None, losses)
