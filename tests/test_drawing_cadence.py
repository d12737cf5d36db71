"""What the XOR pane redraws while a run is live, on a clock the test moves: flat out the status
line waits for the picture (one repaint, not one per snapshot), at a paced speed it follows every
snapshot, and a paused or finished run is drawn at once."""

import asyncio
import inspect
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.panes import xor as xor_module
from neurotui.tui.panes.xor import BOUNDARY_EVERY, FLAT_OUT_SLOWER
from neurotui.tui.screenshots import settle


class FrozenClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def shown_step(app) -> int | None:
    found = re.search(r"step (\d+)/", str(app.query_one("#xor-status").render()))
    return int(found.group(1)) if found else None


class Counting(NeuroApp):
    """The app, counting the snapshots the XOR pane has handled (they bubble up after it)."""

    CSS_PATH = str(Path(inspect.getfile(NeuroApp)).parent / NeuroApp.CSS_PATH)  # relative to the app's module

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[int] = []

    def on_train_progress(self, message) -> None:
        if message.run_id == self.xor.run_id:
            self.seen.append(message.snapshot.step)


async def snapshots_after(app, pilot, count: int) -> int:
    """Wait until `count` more snapshots have reached the pane; the last one's step."""
    start = len(app.seen)
    for _ in range(400):
        if len(app.seen) >= start + count:
            return app.seen[-1]
        await pilot.pause(0.05)
    raise AssertionError(f"only {len(app.seen) - start} snapshots came")


@pytest.mark.parametrize("speed", [None, 500])
def test_the_status_line_waits_for_the_picture_only_flat_out(monkeypatch, speed):
    clock = FrozenClock()
    monkeypatch.setattr(xor_module, "time", SimpleNamespace(monotonic=clock.monotonic))

    async def go():
        app = Counting(XorConfig(steps=200_000), speed=speed)
        async with app.run_test(size=(120, 40)) as pilot:
            await snapshots_after(app, pilot, 2)  # the first picture is drawn: it was due
            before = shown_step(app)
            last = await snapshots_after(app, pilot, 3)  # the clock stands still: nothing is due
            await pilot.pause()
            during = shown_step(app)
            clock.now += BOUNDARY_EVERY * FLAT_OUT_SLOWER + 0.01  # the picture is due again
            after_due = await snapshots_after(app, pilot, 1)
            await pilot.pause()
            return before, last, during, after_due, shown_step(app)

    before, last, during, after_due, after = asyncio.run(go())
    if speed is None:
        assert during == before, "flat out, the step on screen moved without the picture"
        assert after == after_due > before, "the picture was due: the step on screen is its snapshot's"
    else:  # snapshots go on arriving while the test looks: the screen is at the last or later
        assert during >= last > before, "at a paced speed the step on screen follows every snapshot"
        assert after >= after_due > during


def test_a_paused_flat_out_run_shows_its_step_at_once(monkeypatch):
    clock = FrozenClock()
    monkeypatch.setattr(xor_module, "time", SimpleNamespace(monotonic=clock.monotonic))

    async def go():
        app = Counting(XorConfig(steps=200_000), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await snapshots_after(app, pilot, 3)
            await pilot.press("space")
            await settle(app, pilot)
            return shown_step(app), app.xor.snapshot.step, str(app.query_one("#xor-status").render())

    on_screen, step, status = asyncio.run(go())
    assert on_screen == step and "paused" in status


def test_torch_is_imported_with_its_objects_frozen_out_of_the_collectors_full_passes():
    """A full collection used to scan torch's ~200,000 objects: 115-130 ms with the app stopped."""
    import subprocess
    import sys

    code = ("import gc, sys; from neurotui.session.loop import import_torch; t = import_torch(); "
            "print(t is sys.modules['torch'], gc.isenabled(), gc.get_freeze_count(), len(gc.get_objects()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    same, enabled, frozen, scanned = out.stdout.split()
    assert same == "True" and enabled == "True"
    assert int(frozen) > 50_000 and int(scanned) < int(frozen) // 5


def test_the_worker_stands_aside_while_a_key_is_answered_and_trains_on_after():
    import threading
    import time

    from neurotui.core.pictures import Pictures
    from neurotui.session.control import RunControl
    from neurotui.session.loop import train_loop

    steps, done = [], threading.Event()
    control = RunControl(speed=None, pictures=Pictures((8, 8)))
    worker = threading.Thread(target=train_loop, args=(
        XorConfig(steps=200_000), control, lambda *_: None,
        lambda snaps, _rate: steps.append(snaps[0].step), done.is_set), daemon=True)
    worker.start()
    try:
        while len(steps) < 3:
            time.sleep(0.05)
        control.make_way(seconds=60)  # a key came; its screen is not drawn yet
        time.sleep(0.3)  # the chunk of steps under way ends and its snapshot may still come
        stood = steps[-1]
        time.sleep(0.6)
        assert steps[-1] == stood, "the worker trained while the UI answered a key"
        control.made_way()
        deadline = time.monotonic() + 10
        while steps[-1] == stood and time.monotonic() < deadline:
            time.sleep(0.05)
        assert steps[-1] > stood, "the worker did not train on once the key was drawn"
    finally:
        done.set()
        control.poke()
        worker.join(10)


def test_a_key_pressed_while_training_leaves_the_worker_training():
    async def go():
        app = Counting(XorConfig(steps=200_000), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await snapshots_after(app, pilot, 2)
            await pilot.press("v")
            await pilot.pause(0.1)
            before = app.seen[-1]
            after = await snapshots_after(app, pilot, 3)
            return app.xor.control.making_way(), before, after

    aside, before, after = asyncio.run(go())
    assert aside == 0 and after > before


def test_the_loss_curve_is_drawn_from_the_first_snapshot_that_has_one(monkeypatch):
    """Step 0's snapshot has no loss yet: it must not use up the plot's turn (a 2000-step run flat out
    showed 'waiting for the first step' until it finished, 1.2 s later)."""
    clock = FrozenClock()
    monkeypatch.setattr(xor_module, "time", SimpleNamespace(monotonic=clock.monotonic))

    async def go():
        app = Counting(XorConfig(steps=200_000), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await snapshots_after(app, pilot, 3)  # step 0, then steps with losses; the clock stands still
            await pilot.pause()
            return app.query_one("#xor-loss").figure

    figure = asyncio.run(go())
    assert figure.series and len(figure.series[0].ys) > 1
