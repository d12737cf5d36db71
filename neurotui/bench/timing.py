"""The one clock every benchmark uses."""

from __future__ import annotations

import time


def timed(fn) -> tuple[float, object]:
    """(seconds, result) of one call."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result
