"""How numbers are written, the same way everywhere: tables, JSON, cards and the screen."""

from __future__ import annotations

import math


def finite_or_none(v):
    """JSON has no nan/inf: a non-finite float becomes null."""
    return v if v is not None and math.isfinite(v) else None


def fmt_loss(v: float) -> str:
    """A loss for a table cell: 0.3466, 4.99e-05 for tiny ones, and nan / inf as they are."""
    if not math.isfinite(v):
        return f"{v}"
    return f"{v:.4f}" if v >= 1e-3 or v == 0 else f"{v:.2e}"


def fmt_value(v: float, digits: int = 3) -> str:
    """A value for a narrow field: 0.979, 2.28e+308, 1.5e-07, nan. Never wider than ~10 cells."""
    if not math.isfinite(v):
        return f"{v}"
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 10 ** -digits):
        return f"{v:.{max(1, digits - 1)}e}"
    return f"{v:.{digits}f}"
