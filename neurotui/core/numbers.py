"""How numbers are written, the same way everywhere: tables, JSON, cards and the screen."""

from __future__ import annotations

import math


def finite_or_none(v):
    """JSON has no nan/inf: a non-finite float becomes null."""
    return v if v is not None and math.isfinite(v) else None


def fmt_value(v: float, digits: int = 3) -> str:
    """A value for a narrow field: 0.979, 2.28e+308, 1.5e-07, nan. Never wider than ~10 cells."""
    if not math.isfinite(v):
        return f"{v}"
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 10 ** -digits):
        return f"{v:.{max(1, digits - 1)}e}"
    return f"{v:.{digits}f}"


def loss_text(loss: float) -> str:
    """A loss on screen and in a table: 0.3466 as the lesson prints it, in scientific notation where
    four decimals would say 0.0000 (a hand-built XOR's 4.52e-05); nan and inf as they are."""
    return f"{loss:.2e}" if 0 < abs(loss) < 5e-5 else f"{loss:.4f}"


def lesson_round(v: float) -> str:
    """The lesson prints round(loss, 4); keep that, plus the exact value when it rounds to 0: 0.0 (4.52e-05)."""
    if not math.isfinite(v):
        return str(v)
    shown = f"{round(v, 4)}"
    if v != 0 and round(v, 4) == 0:
        shown += f" ({v:.2e})"
    return shown


def cell(v: float | None, digits: int) -> str:
    """A metric in lab's train/validation lines: fixed decimals, '-' where there is none."""
    return "-" if v is None else f"{v:.{digits}f}"


def term_text(v: float, digits: int) -> str:
    """A term of the neuron's sum, as short as it can be: 0.5, -1.2, 1.00e+308 (never 308 digits)."""
    if v != v or abs(v) == float("inf"):
        return f"{v}"
    if v != 0 and (abs(v) >= 1e6 or abs(v) < 10 ** -digits):
        return f"{v:.{digits - 1}e}"
    return f"{round(v, digits):g}"
