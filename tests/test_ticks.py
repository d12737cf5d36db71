"""Axis ticks a newcomer can read: decades on the log loss axis, 1-2-5 steps elsewhere, never -0."""

import asyncio
import math
import re

import pytest

from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.screenshots import settle
from neurotui.tui.widgets.ticks import label, linear_ticks, log_ticks

TICK = re.compile(r"^\s*(\S+)┤")


def y_labels(text: str) -> list[str]:
    return [m.group(1) for line in text.splitlines() if (m := TICK.match(line))]


def round_step(values: list[float]) -> bool:
    """Evenly spaced, each a whole multiple of one 1, 2 or 5 times a power of ten (0.2, 0.6 is)."""
    gaps = {round(b - a, 12) for a, b in zip(values, values[1:])}
    if len(gaps) != 1:
        return False
    gap = gaps.pop()
    e = math.floor(math.log10(gap))
    return any(all(math.isclose(v / (m * 10.0 ** e), round(v / (m * 10.0 ** e)), abs_tol=1e-6) for v in [*values, gap])
               for m in (1, 2, 5))


@pytest.mark.parametrize(("lo", "hi", "most"), [(0.45, 0.76, 5), (-0.013, 1.02, 5), (-3.2, 2.7, 6),
                                                (0, 2000, 5), (1e-6, 3e-6, 4), (-5, 5, 3), (0.0237, 0.759, 2)])
def test_linear_ticks_are_round_inside_the_range_and_few_enough(lo, hi, most):
    ticks = linear_ticks(lo, hi, most)
    assert 2 <= len(ticks) <= most and round_step(ticks)
    assert lo - 1e-12 <= ticks[0] and ticks[-1] <= hi + 1e-12


def test_log_ticks_are_decades_and_keep_the_top_one():
    assert log_ticks(9e-5, 0.76, 6) == [1e-4, 1e-3, 1e-2, 0.1]
    thinned = log_ticks(1e-9, 10, 5)
    assert len(thinned) <= 5 and thinned[-1] == 10 and all(math.isclose(math.log10(t) % 1, 0, abs_tol=1e-9)
                                                             for t in thinned)
    assert log_ticks(0.05, 0.7, 5) == [0.05, 0.1, 0.2, 0.5]  # less than a decade: 1-2-5 inside it


def test_labels_are_short_and_never_negative_zero():
    assert [label(v) for v in (-0.0, 0.30000000000000004, 2000.0, 1e-05, 0.001)] == ["0", "0.3", "2000", "1e-5", "0.001"]


def test_the_apps_axes_read_in_decades_and_round_steps():
    async def go():
        app = NeuroApp(XorConfig(), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            log = app.query_one("#xor-loss").render().plain
            await pilot.press("l", "v", "v")
            await settle(app, pilot)
            return log, app.query_one("#xor-loss").render().plain, app.query_one("#view-space").render().plain

    log, linear, space = asyncio.run(go())
    assert "log scale" in log and "linear" in linear
    decades = [float(v) for v in y_labels(log)]
    assert len(decades) >= 3 and all(math.isclose(math.log10(v) % 1, 0, abs_tol=1e-9) for v in decades)
    for text in (linear, space):
        values = [float(v) for v in y_labels(text)]
        assert len(values) >= 3 and round_step(sorted(values))
    assert not re.search(r"-0(\.0+)?\b(?!\.)", space), "a -0 tick"
