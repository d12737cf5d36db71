"""Issue 33, item 7: text on screen is whole and says one thing: the status line drops whole parts, the
pane is titled by its data, a refused step is counted once, z keeps the view, the output tile is named for
the task, and the activations' words end on a word."""

from __future__ import annotations

import asyncio

from neurotui.core.model.activations import ACTIVATIONS
from neurotui.core.model.config import XorConfig
from neurotui.core.training.trainer import Trainer
from neurotui.tui.app import NeuroApp
from neurotui.tui.glyphs import ASCII
from neurotui.tui.panes.activations import description
from neurotui.tui.panes.xor_text import pane_title, status_line
from neurotui.tui.screenshots import settle


def _done(config: XorConfig, steps: int = 30):
    t = Trainer(config.with_(steps=steps))
    t.run(steps)
    return t.snapshot()


def test_the_status_line_drops_whole_parts_never_a_cut_word():
    snap = _done(XorConfig(dataset="xor-noisy"))
    g = ASCII
    full = status_line(g, "done", snap, None, None).plain
    assert full.endswith("(speed max)")
    for width in range(len(full) - 1, 30, -1):
        text = status_line(g, "done", snap, None, None, width=width).plain
        assert len(text) <= width or "val" not in text  # what is left fits, in whole parts
        assert "(spee" not in text or text.endswith("(speed max)")


def test_a_refused_step_is_counted_once():
    snap = _done(XorConfig(bug="no-output-sigmoid"), steps=2000)
    text = status_line(ASCII, "error", snap, None, None).plain
    assert snap.error is not None
    assert f"at step {snap.step + 1}/" in text and f"step {snap.step}/" not in text
    assert f"at step {snap.step + 1}" in snap.diagnosis.detail  # the doctor's count


def test_the_pane_is_titled_by_its_data():
    assert pane_title([XorConfig()], "decision boundary") == "3 XOR training - decision boundary"
    assert pane_title([XorConfig(dataset="spiral3")], "decision boundary").startswith("3 spiral3 training")
    assert pane_title([XorConfig(dataset="reg-gauss")], "network").startswith("3 reg-gauss training")


def test_the_output_tile_is_named_for_the_task():
    assert Trainer(XorConfig(steps=5)).look_inside(1, (8, 8)).output_name == "p(y=1)"
    assert Trainer(XorConfig(dataset="spiral3", steps=5)).look_inside(1, (8, 8)).output_name == "max p"
    assert Trainer(XorConfig(dataset="reg-gauss", steps=5)).look_inside(1, (8, 8)).output_name == "y"


def test_activation_words_end_on_a_word():
    for room in range(12, 70):
        for a in ACTIVATIONS.values():
            text = description(a, room)
            assert len(text) <= room or " " not in text
            assert not text.endswith(("…", "(no", ",")) and text in f"{a.what_it_does}; {a.common_use}"


def test_z_enlarges_the_view_on_screen():
    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("3", "v")  # the features view
            before = app.xor.view
            await pilot.press("z")
            await pilot.pause(0.2)
            return before, app.xor.view, app.zoomed

    before, after, zoomed = asyncio.run(go())
    assert before == after == "features" and zoomed
