"""The app on a --data file (issue 32): its columns in the legend, its scaling on the config line,
and `I` drawing the next pair of input columns."""

import asyncio
from pathlib import Path

from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.screenshots import settle
from neurotui.tui.widgets.boundary import BoundaryView

DATA = Path(__file__).parent / "data"


def test_a_four_column_file_names_its_axes_and_i_cycles_the_plotted_pair():
    async def go():
        app = NeuroApp(XorConfig(data=str(DATA / "flowers4.csv"), steps=100), speed=None)
        out = {}
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            view = app.query_one("#xor-boundary", BoundaryView)
            out["legend"] = str(view.legend_text())
            out["screen"] = " ".join(str(w.render()) for w in app.query("Static"))
            await pilot.press("I")
            await settle(app, pilot)
            await pilot.pause(0.3)
            out["plot"] = app.config.plot
            out["legend2"] = str(app.query_one("#xor-boundary", BoundaryView).legend_text())
        return out

    out = asyncio.run(go())
    assert "sepal_length across, sepal_width up; 2 other inputs at their training mean" in out["legend"]
    assert "inputs standardized" in out["screen"]
    assert out["plot"] == "sepal_length,petal_length"
    assert "sepal_length across, petal_length up" in out["legend2"]


def test_every_view_draws_a_thirteen_column_file():
    async def go():
        app = NeuroApp(XorConfig(data=str(DATA / "wide13.csv"), steps=60), speed=None)
        seen = []
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(app, pilot)
            for _ in range(6):  # boundary, hidden features, hidden space, weights, network, landscape
                await pilot.press("v")
                await settle(app, pilot)
                await pilot.pause(0.3)
                seen.append(app.xor.snapshot is not None and app.xor.snapshot.error is None)
            return seen, app.return_code

    seen, code = asyncio.run(go())
    assert all(seen) and code in (None, 0)
