"""`neurotui learn` in a real terminal (a pty): the backward step as a learner meets it, keys typed
the moment the question shows, a resize while it waits, and `m` on to the next step."""

from __future__ import annotations

import pytest

from neurotui.bench.pty import PtyApp, child_env
from neurotui.core.course.steps import KEYS, STEPS

pytestmark = pytest.mark.skipif(not hasattr(__import__("os"), "openpty"), reason="needs a pty")
START_S = 120.0  # a torch import on a loaded two-core machine


def test_the_backward_step_in_a_terminal_asks_masked_then_measures_the_first_adam_step(tmp_path):
    number = KEYS.index("backward-step") + 1
    env = child_env(XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    with PtyApp(["learn", "--step", str(number)], cols=80, rows=24, env=env).start() as app:
        assert app.wait_for("predict:", START_S), app.text()[-2000:]
        assert app.wait_for("-> ?", 20), app.text()[-2000:]  # the step's size masked in the view
        asked = app.text()
        for hidden in STEPS[number - 1].hides:
            assert hidden not in asked, hidden
        assert "autograd" in asked and f"step {number}/{len(STEPS)}" in asked
        mark = app.mark()
        app.resize(120, 40)
        assert app.wait_for("-> ?", 20, since=mark), app.text(mark)[-2000:]  # still masked after the resize
        mark = app.mark()
        app.press("0.1\r")
        assert app.wait_for("right", 60, since=mark), app.text(mark)[-2000:]
        shown = app.text(mark)
        assert "step 1 moved w2[0,0] -0.1" in shown and "step 1/2000" in shown
        mark = app.mark()
        app.press("m")
        assert app.wait_for(f"step {number + 1}/{len(STEPS)}", 30, since=mark), app.text(mark)[-2000:]
        assert app.wait_for("predict:", 60, since=mark), app.text(mark)[-2000:]
        app.press("q")
        assert app.wait(30) == 0
    assert f"resumes at step {number + 1}/" in app.text()
