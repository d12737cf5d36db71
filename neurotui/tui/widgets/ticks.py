"""Axis ticks a person reads at a glance: 1-2-5 steps on a linear axis, decades on a log one.

plotext's own ticks split the range evenly (0.756, 0.688, 0.620 ... or 0.75978, 0.16868 on a
log axis, and a `-0.00` where a range crosses zero), which says nothing about the scale.
"""

from __future__ import annotations

import math

from neurotui.core.numbers import sig


def label(value: float) -> str:
    """Short and exact: 0.5, 2000, 0.001, 1e-05 -> 1e-5; never '-0'."""
    if value == 0:
        return "0"
    text = sig(value, 6)
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}e{int(exp)}"
    return text


def linear_ticks(lo: float, hi: float, most: int) -> list[float]:
    """Round values (a 1, 2 or 5 times a power of ten apart) inside [lo, hi], at most `most` of them."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or most < 2:
        return []
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / (most - 1)
    power = 10.0 ** math.floor(math.log10(raw))
    steps = [m * power * 10.0 ** e for e in (-1, 0, 1) for m in (1, 2, 5)]
    fit = next((st for st in steps if st >= raw * (1 - 1e-9)), steps[-1])  # `most` ticks at most
    # from that step down, the first that leaves two ticks inside (few rows: thinned to `most`)
    for step in [fit, *(st for st in reversed(steps) if st < fit)]:
        first = math.ceil(lo / step - 1e-9)
        last = math.floor(hi / step + 1e-9)
        ticks = [round(k * step, 12) + 0.0 for k in range(first, last + 1)]  # + 0.0: no -0.0
        if len(ticks) >= 2:
            return ticks[:: math.ceil(len(ticks) / most)]
    return [lo, hi]


def log_ticks(lo: float, hi: float, most: int) -> list[float]:
    """Decades inside [lo, hi] (lo > 0); every other one when they do not fit; 1-2-5 within a decade
    when the range spans less than two of them."""
    if not (lo > 0 and math.isfinite(hi)) or most < 2:
        return []
    a, b = math.log10(lo), math.log10(hi)
    decades = [10.0 ** k for k in range(math.ceil(a - 1e-9), math.floor(b + 1e-9) + 1)]
    if len(decades) < 2:
        candidates = [m * 10.0 ** k for k in range(math.floor(a) - 1, math.ceil(b) + 1) for m in (1, 2, 5)]
        inside = [v for v in candidates if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]
        return inside[:: math.ceil(len(inside) / most)] if len(inside) >= 2 else [lo, hi]
    every = math.ceil(len(decades) / most)
    return decades[::-1][::every][::-1]  # keep the top decade: the start of a falling loss
