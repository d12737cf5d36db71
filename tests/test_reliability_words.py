"""Reliability says its counts and its columns, and a rerun stopped early keeps the finished grid."""

from __future__ import annotations

import asyncio

from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.panes.reliability import ReliabilityPane
from neurotui.tui.panes.reliability_text import failed_text
from neurotui.tui.screenshots import settle


def _text(renderable) -> str:
    import io

    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_the_rest_is_a_count_of_seeds_not_of_kinds():
    # the row: 115 stuck, 92 near 0.5, at the column's 22 cells: not "stuck 115, +1 more"
    assert failed_text({"solved": 49, "stuck": 115, "near_half": 92}, 22) == "stuck 115, other 92"


def test_r_then_x_keeps_the_finished_grid_and_the_steps_column_is_explained():
    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None, sweep_seeds=4)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("4")
            pane = app.query_one(ReliabilityPane)
            while pane.state == "running":
                await pilot.pause(0.1)
            before = (pane.query_one("#rel-table").row_count, {k: r.final_losses for k, r in pane.results.items()})
            hist = _text(pane.query_one("#rel-hist").content)
            headers = [str(c.label) for c in pane.query_one("#rel-table").columns.values()]
            pane.action_rerun()  # r, then x in the same tick: stopped before its first network
            pane.action_stop()
            while pane.state == "running":
                await pilot.pause(0.1)
            await pilot.pause(0.2)
            after = (pane.query_one("#rel-table").row_count, {k: r.final_losses for k, r in pane.results.items()})
            return before, after, pane.state, str(pane.query_one("#rel-status").render()), hist, headers

    before, after, state, status, hist, headers = asyncio.run(go())
    assert before[0] == 24 and after == before and state == "done"
    assert "stopped after 0 networks" not in status and "the finished grid is kept" in status
    assert "to solve" in headers and "steps" not in headers
    assert "to solve:" in hist and "the median step at which the solved seeds first got every row right" in hist
