"""Keys typed in one burst (one terminal read) are each handled where focus is when their
turn comes, before the first snapshot as well as later."""

import asyncio
import inspect
from pathlib import Path

from textual import events

from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.help import HelpScreen
from neurotui.tui.panes.neuron import NumberField
from neurotui.tui.panes.xor import XorPane

# What a terminal read of `1`, Enter, `10`, Enter turns into: all five queued at once.
EDIT_X1 = (("1", "1"), ("enter", "\r"), ("1", "1"), ("0", "0"), ("enter", "\r"))


def burst(app, keys) -> None:
    for key, char in keys:
        app.post_message(events.Key(key, char))


async def _until(pilot, check, timeout: float = 30.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await pilot.pause(0.05)
    return True


class TypedAtStart(NeuroApp):
    """The burst arrives while the app is still starting: queued as it mounts, as a terminal
    read during start-up would be, before the worker has trained anything."""

    CSS_PATH = str(Path(inspect.getfile(NeuroApp)).parent / NeuroApp.CSS_PATH)  # relative to the app's module
    before_first = None

    def on_mount(self) -> None:
        super().on_mount()
        self.before_first = self.query_one(XorPane).snapshot is None
        burst(self, EDIT_X1)


def test_a_burst_typed_before_the_first_snapshot_edits_the_neuron():
    async def go():
        app = TypedAtStart(XorConfig(steps=300), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            before_first = app.before_first
            x1 = app.query_one("#field-x1", NumberField)
            edited = await _until(pilot, lambda: x1.value == "10")
            await _until(pilot, lambda: app.query_one(XorPane).snapshot is not None)
            return before_first, edited, x1.value, x1.good, app.focused

    before_first, edited, value, good, focused = asyncio.run(go())
    assert before_first
    assert edited, f"x1 reads {value!r}"
    assert good == 10.0
    # and focus stayed where the keys put it, through the first snapshots
    assert isinstance(focused, NumberField) and focused.id == "field-x1"


def test_a_burst_across_panes_help_and_back_lands_every_key():
    async def go():
        app = NeuroApp(XorConfig(steps=300), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            # help opens and closes, then `1`, Esc leaves nothing, `3` back to XOR, `a` cycles the activation
            burst(app, (("question_mark", "?"), ("escape", None), ("1", "1"), ("3", "3"), ("a", "a")))
            changed = await _until(pilot, lambda: app.session.config.activation == "relu")
            return changed, isinstance(app.screen, HelpScreen), app.focused

    changed, help_open, focused = asyncio.run(go())
    assert changed
    assert not help_open
    assert isinstance(focused, XorPane)


def test_q_after_a_burst_quits_before_the_burst_is_handled():
    async def go():
        app = NeuroApp(XorConfig(steps=200_000), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(pilot, lambda: app.query_one(XorPane).snapshot is not None)
            burst(app, [("plus", "+"), ("minus", "-")] * 100 + [("q", "q")])
            quit_at_once = app._exit  # decided as q arrived, not after 200 restarts
            await pilot.pause()
            return quit_at_once, app.session.config.hidden

    quit_at_once, hidden = asyncio.run(go())
    assert quit_at_once


def test_q_waits_its_turn_when_a_key_before_it_opens_the_help():
    async def go():
        app = NeuroApp(XorConfig(steps=300), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            burst(app, (("plus", "+"), ("question_mark", "?"), ("q", "q")))
            await _until(pilot, lambda: not app.keys_waiting)
            await pilot.pause()
            return app._exit, isinstance(app.screen, HelpScreen), app.session.config.hidden

    exited, help_open, hidden = asyncio.run(go())
    assert not exited and not help_open  # q closed the help it opened
    assert hidden == 6  # + steps 4 -> 6 on the ladder
