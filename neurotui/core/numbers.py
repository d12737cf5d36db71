"""How numbers are written, the same way everywhere: tables, JSON, cards and the screen.

Every number a user sees (the screen, tables, JSON text, error messages) goes through a function
here (tests/test_structure.py holds every module under neurotui/ to it), so "how many digits does a loss get" has
one answer to read and one place to change.
"""

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


def sig(v: float, digits: int) -> str:
    """`digits` significant digits, scientific only where it must be: a loss in a sentence (0.6931,
    4.518e-05), a range in a file's units."""
    return f"{v:.{digits}g}"


def signed(v: float, digits: int) -> str:
    """sig() with its sign always written: +0.25, -1.3 (a change, or a position on an axis)."""
    return f"{v:+.{digits}g}"


def fixed(v: float, digits: int, sign: bool = False) -> str:
    """Exactly `digits` decimals: 0.693, 1.00 (an accuracy, a loss beside a fixed threshold); with
    `sign`, +0.25 and -1.30 (a weight, a change)."""
    return f"{v:+.{digits}f}" if sign else f"{v:.{digits}f}"


def sci(v: float, digits: int, sign: bool = False) -> str:
    """Scientific notation with `digits` decimals: 4.52e-05 (a value too small or large for fixed
    decimals); with `sign`, +5e-01 (a weight's colour scale)."""
    return f"{v:+.{digits}e}" if sign else f"{v:.{digits}e}"


def short(v: float) -> str:
    """An option's value as typed: 0.01, 100, 1e-05 (six significant digits, no trailing zeros)."""
    return f"{v:g}"


def percent(v: float, digits: int = 0, sign: bool = False) -> str:
    """A fraction as a percentage: 0.25 -> 25% (+25.0% with a sign and a decimal)."""
    return f"{v:+.{digits}%}" if sign else f"{v:.{digits}%}"


def thousands(v: float) -> str:
    """A count with thousands separators: 100,000."""
    return f"{v:,.0f}"


def cell(v: float | None, digits: int) -> str:
    """A metric in lab's train/validation lines: fixed decimals, '-' where there is none."""
    return "-" if v is None else fixed(v, digits)


def term_text(v: float, digits: int) -> str:
    """A term of the neuron's sum, as short as it can be: 0.5, -1.2, 1.00e+308 (never 308 digits)."""
    if v != v or abs(v) == float("inf"):
        return f"{v}"
    if v != 0 and (abs(v) >= 1e6 or abs(v) < 10 ** -digits):
        return f"{v:.{digits - 1}e}"
    return f"{round(v, digits):g}"
