"""Faults: key mashing during training, hostile plot data, a trainer that raises, odd sizes."""

from __future__ import annotations

import asyncio
import math
import random

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.worker import WorkerState

from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.panes.xor import XorPane
from neurotui.tui.panes.xor_text import describe_config
from neurotui.tui.widgets.plot import Figure, PlotView, Series


def run(coro):
    return asyncio.run(coro)


def text_of(app, selector) -> str:
    return str(app.query_one(selector).render())


def live_train_workers(app) -> list:
    return [w for w in app.workers if w.group == "train"
            and w.state not in (WorkerState.CANCELLED, WorkerState.SUCCESS, WorkerState.ERROR)]


QUIT_KEYS = {"q", "ctrl+c"}


def random_keys(n: int, seed: int = 6) -> list[str]:
    """Keys from the app's own bindings, plus letters, digits, arrows and editing keys; never a quit."""
    bound = [k for b in NeuroApp.BINDINGS for k in b.key.split(",") if k not in QUIT_KEYS]
    extra = [c for c in "abcdefghijklmnoprstuvwxyz0123456789"] + [
        "up", "down", "left", "right", "escape", "tab", "shift+tab", "enter", "backspace", "home", "end",
    ]
    rng = random.Random(seed)
    return [rng.choice(bound if rng.random() < 0.6 else extra) for _ in range(n)]


CHARS = {
    "plus": "+", "equals_sign": "=", "minus": "-", "underscore": "_", "space": " ", "full_stop": ".",
    "left_square_bracket": "[", "right_square_bracket": "]", "question_mark": "?", "enter": "\r",
    "tab": "\t", "escape": "\x1b", "backspace": "\x7f",
}


def send_key(app, key: str) -> None:
    """A key as the terminal driver delivers it, without Pilot's wait-until-idle: with training
    flat out the process is never idle, so Pilot.press would take about a second per key."""
    event = events.Key(key, CHARS.get(key, key if len(key) == 1 else None))
    event.set_sender(app)
    app.post_message(event)


async def drained(app, timeout: float = 120.0) -> None:
    """Wait until every message queue of the app and its screens stays empty (keys bubble
    back up to the app, so one sentinel message at the end of the queue is not enough)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet = 0
    while quiet < 3:
        assert loop.time() < deadline, "the app did not work through its queued keys"
        nodes = [app, *(n for s in app.screen_stack for n in s.walk_children(with_self=True))]
        quiet = quiet + 1 if all(n._message_queue.empty() for n in nodes) else 0
        await asyncio.sleep(0.02)


@pytest.mark.slow
def test_400_random_keys_during_training_leave_one_run_and_the_right_config_on_screen(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # `e` writes result cards into the working directory
    keys = random_keys(400)

    async def go():
        app = NeuroApp(XorConfig(steps=20000), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            while app.query_one(XorPane).snapshot is None:
                await pilot.pause(0.05)
            for i, key in enumerate(keys):
                send_key(app, key)
                if i % 8 == 7:  # mashing in bursts, faster than the app can keep up
                    await asyncio.sleep(0.02)
                    assert app.is_running, f"the app stopped by key {i} ({keys[i - 7:i + 1]})"
            await drained(app)
            for _ in range(10):  # close help or anything else the keys opened
                if len(app.screen_stack) == 1:
                    break
                send_key(app, "escape")
                await drained(app)
            await pilot.pause(0.3)
            assert app.is_running
            live = live_train_workers(app)
            return len(app.screen_stack), len(live), text_of(app, "#xor-config"), describe_config(app.config)

    screens, live, shown, wanted = run(go())
    assert screens == 1
    assert live <= 1, f"{live} training workers alive at once"
    assert wanted in shown, (wanted, shown)


# ----- the plot widget against data that is not plottable ------------------------------------
NAN, INF = math.nan, math.inf
HOSTILE = {
    "empty": Figure(),
    "no points": Figure((Series((), (), "loss", "orange"),)),
    "all nan": Figure((Series((1.0, 2.0, 3.0), (NAN, NAN, NAN), "loss", "orange"),)),
    "all inf": Figure((Series((1.0, 2.0), (INF, -INF), "loss", "orange"),)),
    "huge": Figure((Series((1.0, 2.0, 3.0), (1e308, -1e308, 1e308), "loss", "orange"),)),
    "log of zero": Figure((Series((1.0, 2.0, 3.0), (0.0, 0.0, -1.0), "loss", "orange"),), log_y=True),
    "one point": Figure((Series((1.0,), (0.5,), "loss", "orange"),)),
    "flat": Figure((Series((1.0, 2.0, 3.0), (0.25, 0.25, 0.25), "", "orange"),), log_y=True),
    "nan x": Figure((Series((NAN, INF, 2.0), (1.0, 2.0, 3.0), "", "orange"),)),
    "tiny and huge": Figure((Series((1.0, 2.0, 3.0), (1e-300, 1.0, 1e299), "", "orange"),), log_y=True),
    "degenerate limits": Figure((Series((1.0, 2.0), (1.0, 2.0), "", "orange"),), xlim=(3.0, 3.0), ylim=(2.0, 2.0)),
    "inverted limits": Figure((Series((1.0, 2.0), (1.0, 2.0), "", "orange"),), xlim=(5.0, -5.0), ylim=(1.0, -1.0)),
    "nan vline": Figure((Series((1.0, 2.0), (1.0, 2.0), "", "orange"),), vline=NAN),
    "inf limits": Figure((Series((1.0, 2.0), (1.0, 2.0), "", "orange"),), xlim=(-INF, INF), ylim=(NAN, 1.0)),
    "unknown colour": Figure((Series((1.0, 2.0), (1.0, 2.0), "", "no-such-colour"),)),
}


class PlotApp(App):
    def compose(self) -> ComposeResult:
        yield PlotView(id="plot")


@pytest.mark.parametrize("ascii", [False, True])
@pytest.mark.parametrize("size", [(60, 16), (8, 3)])
def test_plot_survives_unplottable_data(ascii, size):
    async def go():
        app = PlotApp()
        seen = {}
        async with app.run_test(size=size) as pilot:
            plot = app.query_one(PlotView)
            plot.ascii = ascii
            for name, figure in HOSTILE.items():
                plot.show(figure)
                await pilot.pause()
                seen[name] = str(plot.render())
            assert app.is_running
        return seen

    seen = run(go())
    for name in ("empty", "no points", "all nan", "all inf", "huge", "log of zero"):
        # nothing plottable: the figure's own words, at any size, never an empty or broken plot
        assert seen[name].strip() == HOSTILE[name].empty_text, (name, seen[name])
    for name in ("one point", "flat", "degenerate limits", "unknown colour"):
        if size == (8, 3):  # plottable, but no room: says so
            assert seen[name].strip() == "(too small to plot)", name
        else:  # drawn: the plot's frame is there
            assert len(seen[name].splitlines()) >= 5, name
    if ascii:
        for name, text in seen.items():
            assert text.isascii(), name


def test_a_trainer_that_raises_shows_the_error_and_the_app_stays_up(monkeypatch):
    from neurotui.core.training import trainer

    def broken_step(self):
        raise RuntimeError("simulated failure inside step")

    async def go():
        app = NeuroApp(XorConfig(steps=500), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            xor = app.query_one(XorPane)
            for _ in range(600):
                if xor.state == "error":
                    break
                await pilot.pause(0.05)
            first = (xor.state, text_of(app, "#xor-diagnosis"), text_of(app, "#xor-status"))
            await pilot.press("r")  # restarting while still broken fails the same way, calmly
            await pilot.pause(0.5)
            for _ in range(600):
                if xor.state == "error":
                    break
                await pilot.pause(0.05)
            monkeypatch.undo()
            await pilot.press("r")  # fixed: the next run trains to the end
            for _ in range(1200):
                if xor.state == "done":
                    break
                await pilot.pause(0.05)
            return first, xor.state, app.is_running

    monkeypatch.setattr(trainer.Trainer, "step", broken_step)
    (state, diagnosis, status), final, running = run(go())
    assert state == "error"
    assert "simulated failure inside step" in diagnosis
    assert "error" in status
    assert final == "done" and running


@pytest.mark.parametrize("size", [(30, 10), (20, 5)])
def test_too_small_then_big_again(size):
    """Below 40x12 the screen says so at once; growing brings the panes back (no one-resize lag)."""

    async def go():
        app = NeuroApp(XorConfig(steps=200), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.2)
            await pilot.resize_terminal(*size)
            await pilot.pause(0.2)
            small = (app.screen.has_class("-too-small"), text_of(app, "#too-small"))
            await pilot.resize_terminal(120, 40)
            await pilot.pause(0.2)
            big = (app.screen.has_class("-too-small"), app.query_one("#xor").region.width)
        return small, big

    (tiny, message), (still_tiny, xor_width) = run(go())
    assert tiny and "terminal too small" in message
    assert not still_tiny and xor_width > 40
