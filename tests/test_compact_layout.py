"""At 80x24 the decision boundary has one size, however the window got there."""

import asyncio

from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.screenshots import settle


def boundary_after(start, steps):
    """The boundary's size and the grid it asks the model for, after `steps`: window sizes
    (cols, rows) and keys, each followed by a settled screen."""

    async def go():
        app = NeuroApp(XorConfig(steps=300), speed=None)
        async with app.run_test(size=start) as pilot:
            await settle(app, pilot)
            for step in steps:
                if isinstance(step, tuple):
                    await pilot.resize_terminal(*step)
                else:
                    await pilot.press(step)
                await pilot.pause(0.2)
                await settle(app, pilot)
            await pilot.pause(0.2)
            boundary = app.query_one("#xor-boundary")
            return tuple(boundary.size), boundary.wanted_size(), app.run_settled

    return asyncio.run(go())


def test_the_80x24_boundary_survives_too_small_and_zoom():
    fresh = boundary_after((80, 24), [])
    assert fresh[0][0] >= 20 and fresh[1] == (20, 20), fresh  # a 20x10 plane: 20 plane rows, 20 columns
    assert boundary_after((120, 40), [(30, 10), (80, 24)]) == fresh
    assert boundary_after((120, 40), ["z", "z", (80, 24)]) == fresh
    assert boundary_after((80, 24), [(30, 10), (80, 24), "r"]) == fresh
