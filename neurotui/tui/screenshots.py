"""`neurotui screenshots DIR`: the README's SVG screens, made by driving the real app.

Each screen uses a fixed config, size and stopping point, and waits for the
worker to settle, so the same command always draws the same pictures.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from neurotui.core.model.config import XorConfig


@dataclass(frozen=True)
class Shot:
    name: str
    title: str
    config: XorConfig = XorConfig()
    size: tuple[int, int] = (120, 40)
    pause_at: int | None = None
    keys: tuple[str, ...] = ()
    lesson_step: int | None = None  # `neurotui learn` at this step; `keys` then answer its question


SHOTS = (
    Shot("learn-perceptron", "neurotui learn: the perceptron step, the prediction beside the measurement",
         lesson_step=4, keys=("0", ".", "6", "9", "enter")),
    Shot("dashboard-training", "neurotui: XOR mid-training (step 25 of 2000)", pause_at=25),
    Shot("dashboard-done", "neurotui: the lesson's run, done"),
    Shot("failure-probe", "neurotui: no hidden activation cannot separate XOR",
         config=XorConfig(activation="identity")),
    Shot("compare", "neurotui: Tanh beside the failure probe, same seed", keys=("c",)),
    Shot("hidden-features", "neurotui: what each hidden unit computes", keys=("3", "z", "v", "v")),
    Shot("network", "neurotui: the network, each unit a map of its output, links by sign and size", keys=("3", "z")),
    Shot("memorization", "neurotui: a big network memorizes 40 noisy points (train 1.00, validation 0.73)",
         config=XorConfig(dataset="xor-noisy", samples=200, noise=0.3, val_split=0.8, hidden=32, layers=2, lr=0.01)),
    Shot("break-it", "neurotui: the final Sigmoid removed; PyTorch stops the run and the doctor names it",
         config=XorConfig(bug="no-output-sigmoid")),
    Shot("code-view", "neurotui: the run's own PyTorch code, the line `a` changed marked", keys=("a", "y")),
)


async def settle(app, pilot, timeout: float = 120.0) -> None:
    """Wait until the run is finished or paused at its stopping point, then let the screen catch up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    # keys typed before (a replay's twelve steps) wait their turn in the app: the picture is the
    # one after the last of them, not whichever the run had when it settled
    while not app.run_settled or app.keys_waiting:
        if loop.time() > deadline:
            raise TimeoutError("the training run did not settle")
        await pilot.pause(0.05)
    await pilot.pause(0.2)
    await pilot.wait_for_scheduled_animations()


async def take(shot: Shot, directory: Path) -> Path:
    from neurotui.tui.app import NeuroApp

    if shot.lesson_step is not None:
        import tempfile

        progress = Path(tempfile.mkdtemp(prefix="neurotui-shot-")) / "lesson.json"  # a fresh learner
        app = NeuroApp(shot.config, speed=None, autostart=False, lesson={"start": shot.lesson_step, "path": progress})
    else:
        app = NeuroApp(shot.config, speed=None, pause_at=shot.pause_at)
    async with app.run_test(size=shot.size) as pilot:
        while shot.lesson_step is not None and not app.query_one("#lesson").ready:
            await pilot.pause(0.05)  # the question shows once the step's run is drawn, held at step 0
        await settle(app, pilot)
        if shot.lesson_step is not None:
            app.query_one("#lesson-number").cursor_blink = False
            await pilot.press(*shot.keys)
            while app.query_one("#lesson").phase != "shown":
                await pilot.pause(0.05)
            await settle(app, pilot)
        elif shot.keys:
            await pilot.press(*shot.keys)
            await settle(app, pilot)
        app.clear_notifications()  # a toast is the moment, not the screen
        await pilot.pause()
        path = directory / f"{shot.name}.svg"
        app.save_screenshot(filename=path.name, path=str(directory))
    # Textual titles the SVG with the app's name; give each picture its own.
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("<title>neurotui</title>", f"<title>{shot.title}</title>", 1), encoding="utf-8")
    return path


def make_screenshots(directory: str) -> list[Path]:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    return [asyncio.run(take(shot, out)) for shot in SHOTS]
