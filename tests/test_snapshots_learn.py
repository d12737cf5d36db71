"""Snapshots of `neurotui learn` (issue 31): steps 4, 7, 8, 10 and 14 as the question waits over the
step's own step-0 run, and after the reveal; the pass check and its summary (`m`). At 120x40 and
80x24. The progress file is the test's own, so no learner's saved answers get into the picture."""

import pytest

from neurotui.core.course import progress as saved
from neurotui.core.course.steps import KEYS, STEPS
from neurotui.tui.app import NeuroApp

SIZES = [(120, 40), (80, 24)]
# step key -> the prediction typed or chosen (keys, as Pilot presses them)
ASKED = {"perceptron": ("0", ".", "6", "9", "enter"), "training-loop": ("2",),
         "backward-step": ("0", ".", "1", "enter"),
         "check-not-decreasing": ("2",), "check-memorization": ("7", "5", "enter")}


def learn(tmp_path, key: str) -> NeuroApp:
    return NeuroApp(speed=None, autostart=False,
                    lesson={"start": KEYS.index(key) + 1, "path": tmp_path / "lesson.json"})


async def wait(pilot, check, timeout: float = 300.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise TimeoutError("the lesson did not settle")
        await pilot.pause(0.05)


def run_before(answer: tuple[str, ...] | None, then: tuple[str, ...] = ()):
    async def before(pilot):
        app = pilot.app
        lesson = app.query_one("#lesson")
        app.query_one("#lesson-number").cursor_blink = False
        await wait(pilot, lambda: lesson.ready or lesson.phase == "info")
        if lesson.phase == "info":  # a step without a question runs its run to the end: picture that end
            await wait(pilot, lambda: app.xor.finished)
        if answer:
            await pilot.press(*answer)
            # settled: the run finished, or (the backward step) held at the step it measured, with the
            # backward view's numbers for that step in
            await wait(pilot, lambda: lesson.phase == "shown" and app.xor.settled)
        if then:
            await wait(pilot, lambda: app.xor.settled)
            await pilot.press(*then)
        await pilot.pause(0.3)
        app.clear_notifications()
        await pilot.pause()

    return before


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
@pytest.mark.parametrize("revealed", [False, True], ids=["asked", "revealed"])
@pytest.mark.parametrize("key", list(ASKED))
def test_learn_step(snap_compare, tmp_path, key, revealed, size):
    answer = ASKED[key] if revealed else None
    assert snap_compare(learn(tmp_path, key), terminal_size=size, run_before=run_before(answer))


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
@pytest.mark.parametrize("summary", [False, True], ids=["pass-check", "summary"])
def test_learn_pass_check(snap_compare, tmp_path, summary, size):
    answers = {
        "neuron": {"said": "0.04", "measured": "z = 0.04, sigmoid 0.510, relu 0.04", "right": True},
        "stacked-linear": {"said": "two", "measured": "one: at step 0 W2 W1 = [0.175, 0.266]", "right": False},
        "perceptron": {"said": "0.69", "measured": "final loss 0.6931 after 2000 steps", "right": False,
                       "predicted": False},
        "mlp": {"said": "4", "measured": "4 of 4 rows right, final loss 0.0001", "right": True},
        "training-loop": {"said": "loss.backward()", "measured": "line 64: loss.backward()", "right": True},
        "backward-step": {"said": "0.013", "measured": "Adam's step 1 moved w2[0,0] -0.1 (+0.3694 -> +0.2694)",
                          "right": False},
    }
    saved.save(saved.Progress(step=len(STEPS), answers=answers), tmp_path / "lesson.json")
    app = learn(tmp_path, STEPS[-1].key)
    assert snap_compare(app, terminal_size=size, run_before=run_before(None, ("m",) if summary else ()))
