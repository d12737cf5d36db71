"""The backward view (v until "loss.backward()"): pick a weight, read its chain, take the step."""

from __future__ import annotations

import asyncio
import re

import pytest

from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.panes.xor_views import CYCLE, VIEWS, cycle_help
from neurotui.tui.screenshots import settle
from neurotui.tui.widgets.backward import BackwardView

TO_BACKWARD = ("v",) * CYCLE.index("backward")


def run(coro):
    return asyncio.run(coro)


async def look_for(app, pilot, name: str, step: int | None = None):
    """The view's numbers once the worker has worked out `name`'s chain (at `step`)."""
    view = app.query_one(BackwardView)
    for _ in range(200):
        look = view.look
        if look is not None and not isinstance(look, str) and look.selected.name == name and (
                step is None or look.step == step):
            await pilot.pause(0.1)
            return look
        await pilot.pause(0.05)
    raise AssertionError(f"no backward pass for {name} at step {step} came (last: {view.look!r:.200})")


def chain_lines(app) -> str:
    chain = app.query_one("#backward-chain")
    return "\n".join(strip.text for strip in (chain.render_line(y) for y in range(chain.size.height)))


def test_select_a_weight_step_and_the_numbers_move():
    async def go():
        seen = {}
        app = NeuroApp(XorConfig(), speed=30)  # training slowly: entering the view must pause it
        async with app.run_test(size=(120, 40)) as pilot:
            while app.xor.snapshot is None or app.xor.snapshot.step < 3:
                await pilot.pause(0.05)
            await pilot.press(*TO_BACKWARD)
            seen["paused"] = app.xor.paused
            first = await look_for(app, pilot, "w2[0,0]")
            seen["first"], seen["first_text"] = first, chain_lines(app)
            await pilot.press("right")  # the next link into the output: w2[0,1]
            second = await look_for(app, pilot, "w2[0,1]", first.step)
            seen["second"] = second
            await pilot.press(".")
            stepped = await look_for(app, pilot, "w2[0,1]", first.step + 1)
            seen["stepped"], seen["stepped_text"] = stepped, chain_lines(app)
            await pilot.press("p")
            await pilot.pause(0.2)
            seen["row_text"] = chain_lines(app)
            seen["network_selected"] = app.query_one("#view-network").selected
        return seen

    seen = run(go())
    assert seen["paused"]
    first, second, stepped = seen["first"], seen["second"], seen["stepped"]
    for look in (first, second, stepped):
        p = look.selected
        assert abs(p.chain - p.autograd) < 1e-9 and abs(p.chain - p.numeric) < 1e-5
        assert sum(r.product for r in look.chain.rows) == pytest.approx(p.chain, abs=1e-12)
        assert len(look.chain.rows) == 4  # the lesson's four rows
    assert first.selected.chain != second.selected.chain
    # the step Adam took is the one the view announced, and the gradient moved with it
    assert stepped.selected.value == pytest.approx(second.selected.value + second.selected.adam_update,
                                                                 abs=1e-6)
    assert stepped.selected.chain != second.selected.chain
    assert f"{first.selected.chain:+.8g}" in seen["first_text"]
    assert f"{stepped.selected.chain:+.8g}" in seen["stepped_text"]
    assert f"{second.selected.chain:+.8g}" not in seen["stepped_text"]
    assert "dL/dw2[0,1] = sum over rows of dL/dp * dp/dz * dz/dw" in seen["stepped_text"]
    marked = lambda text: [line for line in text.splitlines() if line.startswith("\u25b8")]  # noqa: E731
    assert marked(seen["stepped_text"])[0].split()[1] == "0"
    assert marked(seen["row_text"])[0].split()[1] == "1"  # p: the next row
    assert seen["network_selected"].source == 1  # the network view keeps the same selection


def test_the_view_is_in_v_s_help_and_the_readme():
    from pathlib import Path

    assert "loss.backward()" in cycle_help()
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    v_line = next(line for line in readme.splitlines() if line.startswith("| `v` |"))
    for name in CYCLE:
        assert VIEWS[name].title in v_line, name


def test_a_refused_run_says_why_in_the_view():
    async def go():
        app = NeuroApp(XorConfig(dataset="circle", samples=40, dropout=0.2), speed=None, pause_at=5)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press(*TO_BACKWARD)
            for _ in range(100):
                if isinstance(app.query_one(BackwardView).look, str):
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            return chain_lines(app)

    text = run(go())
    assert re.search(r"backward: dropout draws a new mask", text)


# ----- snapshots: the lesson's net paused at step 30, w2[0,0] and a hidden weight ---------------------
def before(*keys, name="w2[0,0]"):
    async def run_before(pilot):
        app = pilot.app
        await settle(app, pilot)
        await pilot.press(*TO_BACKWARD, *keys)
        await look_for(app, pilot, name, 30)
        await settle(app, pilot)
        app.clear_notifications()
        await pilot.pause()

    return run_before


def test_backward_view_120x40(snap_compare):
    assert snap_compare(NeuroApp(XorConfig(), speed=None, pause_at=30), terminal_size=(120, 40), run_before=before())


def test_backward_view_hidden_weight_80x24(snap_compare):
    # left from w2[0,0]: the links into h1, the last of them w1[0,1]
    assert snap_compare(NeuroApp(XorConfig(), speed=None, pause_at=30), terminal_size=(80, 24),
                        run_before=before("left", "left", name="w1[0,1]"))


def test_the_code_view_names_the_key_beside_backward_and_the_key_opens_the_view():
    from neurotui.tui.widgets.code import BACKWARD_KEY, CodeView

    async def go():
        app = NeuroApp(XorConfig(steps=40), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("y")
            await pilot.pause(0.3)
            code = app.query_one(CodeView)
            note = str(code.query_one("#code-note").render())
            text = "\n".join(s.text for s in (code.query_one("#code-text").render_line(y)
                                             for y in range(code.query_one("#code-text").size.height)))
            await pilot.press(BACKWARD_KEY)
            look = await look_for(app, pilot, "w2[0,0]", 40)
            return note, text, app.xor.shown, look

    note, text, shown, look = run(go())
    line = next(line for line in text.splitlines() if "loss.backward()" in line)
    assert f"# {BACKWARD_KEY}: see what this computes" in line
    number = int(line.split()[0])
    assert f"line {number}: backward(), {BACKWARD_KEY} shows it worked out" in note
    assert shown == "backward" and look.step == 40


@pytest.mark.parametrize("config, name", [
    (XorConfig(), "w1[0,0]"),  # x1 = 0 on two rows: a product of 0 times a negative factor
    (XorConfig(dataset="circle", samples=40), "w1[1,0]"),  # negative inputs
    (XorConfig(dataset="reg-plane", samples=40), "w2[0,1]"),  # regression: targets with decimals
])
def test_the_chain_writes_zero_as_0_and_keeps_its_columns_with_negative_inputs(config, name):
    """A zero product read '-0' (0 times a negative factor is -0.0), and a negative x1 pushed the
    factors one column right of the rows above it."""
    from neurotui.core.training.gradcheck import look
    from neurotui.core.training.trainer import Trainer
    from neurotui.tui.widgets.backward import chain_text

    seen = look(Trainer(config), name)
    text = chain_text(seen, 0, 16, 78).plain
    rows = [line for line in text.splitlines() if re.match(r"^.\s*\d+ ", line)]  # the batch's rows
    assert len(rows) >= 4
    assert not re.search(r"(?<![\d.])-0(?![.\d])", text), text
    for column in ("*", "="):
        assert len({tuple(i for i, c in enumerate(line) if c == column) for line in rows}) == 1, text
    head = next(line for line in text.splitlines() if line.lstrip().startswith("row"))
    assert head.index("product") + len("product") == len(rows[0].rstrip())  # the header sits over its column
    assert all(len(line.rstrip()) <= 62 for line in rows)  # the XOR pane's text width at 120x40
    if config.dataset == "circle":
        assert any(line[5:11].strip().startswith("-") for line in rows)  # a negative x1 on screen


def test_the_network_picture_comes_back_when_the_terminal_grows_over_a_held_run(tmp_path):
    # The lesson's backward step at 80x24 leaves the picture out for the chain; grown to 120x40 over the
    # same held run (no new snapshot comes), the view lays itself out again and the picture is back.
    from neurotui.core.course.steps import KEYS

    async def go():
        app = NeuroApp(speed=None, autostart=False,
                       lesson={"start": KEYS.index("backward-step") + 1, "path": tmp_path / "lesson.json"})
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(BackwardView)
            await look_for(app, pilot, "w2[0,0]", 0)
            small = view.net.display
            await pilot.resize_terminal(120, 40)
            for _ in range(40):
                await pilot.pause(0.05)
            return small, view.net.display

    small, big = run(go())
    assert (small, big) == (False, True)


def test_a_run_started_under_the_view_is_held_there_too():
    # Entering the view holds a running run, and r restarts under it held at step 0. (Keys typed at the
    # first frame, before the first run starts, are the pty's case: checked in tmux, see the note.)
    async def go():
        app = NeuroApp(XorConfig(), speed=30)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("3", *TO_BACKWARD)
            await look_for(app, pilot, "w2[0,0]")
            await pilot.pause(0.5)
            first = (app.xor.paused, app.xor.snapshot.step)
            await pilot.press("r")
            await pilot.pause(1.0)
            return first, (app.xor.paused, app.xor.snapshot.step)

    (held, at), (held_after_r, at_after_r) = run(go())
    assert held and held_after_r and at_after_r == 0, (at, at_after_r)
