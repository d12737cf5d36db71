"""`neurotui learn`, step by step as a learner meets it (issue 31): each step reached with `m` from
the one before (answered) asks over its own run at step 0, with nothing on screen that answers
the question and the element it asks about in sight, at 120x40 and at 80x24; the question owns
the keys meant for its answer; the grades say what happened."""

from __future__ import annotations

import asyncio
import json

import pytest

from neurotui.core.course import measure as M
from neurotui.core.course.steps import (
    KEYS,
    PARTS,
    STEPS,
    keep_first,
    pass_check_lines,
    predictions_markdown,
    summary_lines,
)
from neurotui.tui.app import NeuroApp
from neurotui.tui.panes.neuron import NeuronPane, NumberField
from neurotui.tui.panes.reliability import ReliabilityPane

SIZES = [(120, 40), (80, 24)]
N = len(STEPS)


def panel_text(app) -> str:
    return str(app.query_one("#lesson-text").render())


def screen_text(app) -> str:
    """The screen as the learner reads it, row by row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def until(pilot, check, timeout: float = 180.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise TimeoutError(f"the lesson did not get there: {panel_text(pilot.app)!r}")
        await pilot.pause(0.05)
    await pilot.pause(0.05)


def learn_app(tmp_path, start) -> NeuroApp:
    return NeuroApp(speed=None, autostart=False, lesson={"start": start, "path": tmp_path / "lesson.json"})


def asking(app, k: int) -> bool:
    lesson = app.query_one("#lesson")
    return lesson.number == k and (lesson.ready or STEPS[k - 1].question is None)


async def predict(pilot, step, typed: str = "0.5", choice: str = "1") -> None:
    if step.question.typed:
        await pilot.press(*typed, "enter")
    else:
        await pilot.press(choice)


def number(step) -> int:
    return STEPS.index(step) + 1


def step_of(key: str):
    return STEPS[KEYS.index(key)]


# ---------------------------------------------------------------- every step, reached with m


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
@pytest.mark.parametrize("k", range(1, N + 1))
def test_each_step_asks_over_its_own_step_0_run(tmp_path, k, size):
    """Step k reached with `m` from step k-1, answered and revealed (step 1: a fresh start): the
    run on screen is step k's own, at step 0, drawn; nothing that answers the question shows;
    the element the question is about does."""
    step = STEPS[k - 1]

    async def go():
        app = learn_app(tmp_path, start=max(1, k - 1))
        async with app.run_test(size=size) as pilot:
            lesson = app.query_one("#lesson")
            if k > 1:
                await until(pilot, lambda: asking(app, k - 1))
                await predict(pilot, STEPS[k - 2])
                await until(pilot, lambda: lesson.phase == "shown")
                await pilot.press("m")
            await until(pilot, lambda: asking(app, k))
            await pilot.pause(0.3)
            xor = app.xor
            return (panel_text(app), screen_text(app), xor.snapshot.step if xor.snapshot else None,
                    xor.configs[0] if xor.configs else None, xor.state)

    panel, screen, at, config, state = asyncio.run(go())
    assert f"step {k}/{N}" in panel
    assert config == step.config()  # this step's run, not the last one's
    if step.question is None:
        return
    assert at == 0 and state == "paused", (at, state)
    assert "predict:" in panel and step.question.prompt.split("?")[0][:40] in " ".join(panel.split())
    if step.question.typed:
        assert "within ±" in panel or "(exactly)" in panel
    if step.full_title and step.full_title != step.title:
        assert step.full_title not in screen
    for hidden in step.hides:
        assert hidden not in screen, f"{hidden!r} on screen before the prediction"
    for shown in step.shows:
        assert shown in screen, f"{shown!r} not on screen:\n{screen}"
    if step.pane == "xor" and step.view != "code":
        assert "step 0/" in screen and "final_loss" not in screen


# ---------------------------------------------------------------- the keyboard


def test_a_neuron_edit_then_the_answer(tmp_path):
    """Esc leaves the answer for the neuron's fields, i comes back: the edit stays in x1, the
    answer in the box, and the measurement follows the edit."""
    step = step_of("neuron")

    async def go():
        app = learn_app(tmp_path, start=number(step))
        async with app.run_test(size=(80, 24)) as pilot:
            lesson = app.query_one("#lesson")
            await until(pilot, lambda: asking(app, 1))
            assert "esc: edit the panes" in panel_text(app)
            await pilot.press("escape")
            await pilot.pause(0.1)
            x1 = next(f for f in app.query_one(NeuronPane).query(NumberField) if f.field_name == "x1")
            assert app.focused is x1 and "i: back to the answer" in panel_text(app)
            x1.value = ""
            await pilot.press("1", ".", "0", "escape", "i")
            await pilot.pause(0.1)
            assert app.focused is app.query_one("#lesson-number")
            await pilot.press(*"0.08", "enter")
            await until(pilot, lambda: lesson.phase == "shown")
            return x1.value, panel_text(app)

    x1, panel = asyncio.run(go())
    assert x1 == "1.0"
    assert "you said: 0.08 — measured: z = 0.08" in panel and "right" in panel


def test_digits_and_the_full_stop_go_to_the_answer_wherever_focus_is(tmp_path):
    """With the XOR pane focused, `4` must not open Reliability nor `.` take a training step:
    they are the typed prediction."""
    step = step_of("perceptron")

    async def go():
        app = learn_app(tmp_path, start=number(step))
        async with app.run_test(size=(120, 40)) as pilot:
            lesson = app.query_one("#lesson")
            await until(pilot, lambda: asking(app, number(step)))
            await pilot.press("escape")
            await pilot.pause(0.1)
            assert app.focused is app.xor
            await pilot.press("4", ".", "6", "tab")
            await pilot.pause(0.2)
            typed = app.query_one("#lesson-number").value
            seen = (app.current_pane, app.query_one(ReliabilityPane).state, app.xor.snapshot.step, app.focused.id)
            await pilot.press("backspace", "backspace", "backspace", *"0.69", "enter")
            await until(pilot, lambda: lesson.phase == "shown")
            return typed, seen, lesson.verdict

    typed, (pane, sweep, at, focused), verdict = asyncio.run(go())
    assert typed == "4.6" and focused == "lesson-number"  # Tab did not carry the answer away
    assert sweep == "idle" and at == 0 and pane != 3
    assert verdict.said == "0.69" and verdict.right and verdict.predicted


def test_3_on_a_choice_step_answers_and_4_does_not_start_reliability(tmp_path):
    step = step_of("training-loop")  # four choices
    three = step_of("check-not-decreasing")  # three choices

    async def go():
        out = []
        for s, keys in ((step, ("escape", "3")), (three, ("4", ".", "2"))):
            app = learn_app(tmp_path, start=number(s))
            async with app.run_test(size=(120, 40)) as pilot:
                lesson = app.query_one("#lesson")
                await until(pilot, lambda s=s, app=app: asking(app, number(s)))
                await pilot.press(*keys)
                await until(pilot, lambda lesson=lesson: lesson.phase in ("running", "shown"))
                out.append((lesson.said, app.query_one(ReliabilityPane).state, app.current_pane))
                await until(pilot, lambda lesson=lesson: lesson.phase == "shown")
        return out

    (said7, sweep7, pane7), (said9, sweep9, pane9) = asyncio.run(go())
    assert said7 == 2 and sweep7 == "idle" and pane7 == 2  # choice 3: pred = model(xor_x); the XOR pane stays
    assert said9 == 1 and sweep9 == "idle"  # `4` (no such choice) and `.` were not app keys; `2` answered


# ---------------------------------------------------------------- grading


def test_predicting_after_space_is_not_right(tmp_path):
    step = step_of("perceptron")

    async def go():
        app = learn_app(tmp_path, start=number(step))
        async with app.run_test(size=(120, 40)) as pilot:
            lesson = app.query_one("#lesson")
            await until(pilot, lambda: asking(app, number(step)))
            await pilot.press("escape", "space")
            await until(pilot, lambda: app.xor.finished)  # final_loss= 0.6931 is now on screen
            await pilot.press("i", *"0.69", "enter")
            await until(pilot, lambda: lesson.phase == "shown")
            return panel_text(app), json.loads((tmp_path / "lesson.json").read_text())

    panel, state = asyncio.run(go())
    got = state["answers"]["perceptron"]
    assert got["said"] == "0.69" and got["right"] is False and got["predicted"] is False
    assert "not predicted" in panel and "  right" not in panel


def test_the_first_prediction_is_kept_and_a_later_one_goes_beside_it(tmp_path):
    step = step_of("neuron")

    async def go():
        app = learn_app(tmp_path, start=number(step))
        async with app.run_test(size=(120, 40)) as pilot:
            lesson = app.query_one("#lesson")
            for said in ("0.5", "0.04"):
                await until(pilot, lambda: asking(app, 1) and lesson.phase == "ask")
                assert "measured" not in panel_text(app)  # a second visit shows no earlier measurement
                await pilot.press(*said, "enter")
                await until(pilot, lambda: lesson.phase == "shown")
                shown = panel_text(app)
                await pilot.press("t")
            return shown, json.loads((tmp_path / "lesson.json").read_text())

    shown, state = asyncio.run(go())
    got = state["answers"]["neuron"]
    assert got["said"] == "0.5" and got["right"] is False
    assert [g["said"] for g in got["later"]] == ["0.04"] and got["later"][0]["right"] is True
    assert "kept: your first prediction 0.5 (later: 0.04)" in shown
    assert f"| {number(step)}. {step.answered_title} | 0.5 (later: 0.04) | z = 0.04" in predictions_markdown(
        state["answers"])


def test_the_pass_check_marks_only_what_was_right():
    right = {"said": "one", "measured": "one: folded", "right": True}
    off = {"said": "0.3", "measured": "final loss 0.6931", "right": False}
    seen = {"said": "0.69", "measured": "final loss 0.6931", "right": False, "predicted": False}
    lines = pass_check_lines({"stacked-linear": right, "perceptron": off, "mlp": seen})
    marks = {line.split(":")[0][2:]: line[0] for line in lines}
    assert marks["activation functions add nonlinearity"] == "✓"
    assert marks["a single-layer perceptron cannot solve XOR"] == "·"
    assert marks["an MLP stacks layers to build intermediate features"] == "·"
    assert sum(line.startswith("✓") for line in lines) == 1
    assert "(off)" in lines[2] and "(not predicted)" in lines[3]


def test_keep_first_and_the_card_cell():
    answers = {}
    keep_first(answers, "neuron", {"said": "0.5", "measured": "z = 0.04", "right": False})
    keep_first(answers, "neuron", {"said": "0.04", "measured": "z = 0.04", "right": True})
    assert answers["neuron"]["said"] == "0.5" and not answers["neuron"]["right"]
    assert "| 0.5 (later: 0.04) | z = 0.04 | off |" in predictions_markdown(answers)


def test_the_summary_scores_each_part_and_names_the_steps_to_revisit():
    answers = {"neuron": {"said": "0.04", "measured": "z = 0.04", "right": True},
               "perceptron": {"said": "0.3", "measured": "final loss 0.6931", "right": False}}
    lines = summary_lines(answers)
    asked = {name: 0 for name, _ in PARTS}
    starts = [KEYS.index(first) for _, first in PARTS] + [N]
    for p, (name, _) in enumerate(PARTS):
        asked[name] = sum(STEPS[i].question is not None for i in range(starts[p], starts[p + 1]))
    assert lines[0] == f"neuron and activations: 1 of {asked['neuron and activations']} right"
    assert lines[1] == f"XOR and the MLP: 0 of {asked['XOR and the MLP']} right"
    revisit = next(line for line in lines if line.startswith("revisit:"))
    assert f"step {number(step_of('perceptron'))} (off)" in revisit
    assert f"step {number(step_of('neuron'))} " not in revisit
    assert any("presets" in line for line in lines) and any("--data" in line for line in lines)


def test_what_each_step_asks_is_set_by_its_setup():
    """No coin flips: the no-activation step asks for its loss (a line's best is ln 2 whatever the
    seed), not for which rows luck puts on the right side."""
    step = step_of("practice-no-activation")
    assert step.question.typed and step.measure is M.measure_final_loss and step.question.tolerance > 0


def test_a_takeaway_never_contradicts_its_measurement():
    deeper = step_of("practice-deeper")
    assert "more" in deeper.takeaway(0) and "about the same" in deeper.takeaway(1)
    assert "fewer" in deeper.takeaway(2)
    for s in STEPS:
        if s.question is not None and s.question.choices:
            for i in range(len(s.question.choices)):
                s.takeaway(i)  # one line (or none) for whatever is measured


def test_quitting_mid_lesson_says_where_learn_resumes(tmp_path):
    async def go():
        app = learn_app(tmp_path, start=5)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: asking(app, 5))
            await pilot.press("m")
            await until(pilot, lambda: asking(app, 6))
            return list(app.farewell)

    assert asyncio.run(go()) == [f"the lesson: `neurotui learn` resumes at step 6/{N} ({STEPS[5].title})"]


def test_m_on_the_last_step_shows_the_summary(tmp_path):
    async def go():
        app = learn_app(tmp_path, start=N)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: asking(app, N))
            await pilot.press("m")
            await pilot.pause(0.2)
            return panel_text(app)

    text = asyncio.run(go())
    assert "the end" in text and "revisit:" in text and "e writes the card" in text


def test_the_footer_shows_the_questions_own_answer_range(tmp_path):
    """`1-4 Answer` sat in the Footer under two and three choices: it says the range asked, follows
    the question after `m`, and is gone while a number is typed."""
    two, four = step_of("hidden-space"), step_of("training-loop")
    assert len(two.question.choices) == 2 and len(four.question.choices) == 4

    def footer(app) -> str:
        return screen_text(app).splitlines()[-1]

    async def go():
        seen = []
        app = learn_app(tmp_path, start=number(two))
        async with app.run_test(size=(120, 40)) as pilot:
            lesson = app.query_one("#lesson")
            await until(pilot, lambda: asking(app, number(two)))
            await pilot.pause(0.2)
            seen.append(footer(app))
            await pilot.press("1")
            await until(pilot, lambda: lesson.phase == "shown")
            await pilot.press("m")
            await until(pilot, lambda: asking(app, number(four)))
            await pilot.pause(0.2)
            seen.append(footer(app))
        app = learn_app(tmp_path, start=number(step_of("perceptron")))
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: asking(app, number(step_of("perceptron"))))
            await pilot.pause(0.2)
            seen.append(footer(app))
        return seen

    at_two, at_four, typed = asyncio.run(go())
    assert "1-2 Answer" in at_two and "1-4" not in at_two, at_two
    assert "1-4 Answer" in at_four, at_four
    assert "Answer" not in typed and "esc Edit panes" in typed, typed


# ---------------------------------------------------------------- backward(), then step()


def test_the_first_adam_step_is_measured_from_the_run_and_matches_torch_optim_adam(tmp_path):
    """The backward step, from a fresh start: the view writes out w2[0,0]'s chain at step 0 with the
    step's size masked; the reveal takes one step and measures the move. A learner who expects SGD's
    lr*|g| is off; the move is what torch.optim.Adam does to the lesson's own net."""
    import torch

    from neurotui.core.lesson import XOR_X, XOR_Y, xor_model
    from neurotui.tui.widgets.backward import BackwardView

    step = step_of("backward-step")

    async def go():
        app = learn_app(tmp_path, start=number(step))
        async with app.run_test(size=(120, 40)) as pilot:
            lesson = app.query_one("#lesson")
            await until(pilot, lambda: asking(app, number(step)))
            await pilot.pause(0.2)
            look = app.query_one(BackwardView).look
            asked = screen_text(app)
            sgd = f"{abs(look.selected.sgd_update):.4f}"
            await pilot.press(*sgd, "enter")
            await until(pilot, lambda: lesson.phase == "shown")
            await pilot.pause(0.3)
            return look, asked, screen_text(app), lesson.verdict, app.xor.snapshot.step

    look, asked, shown, verdict, at = asyncio.run(go())
    torch.manual_seed(42)
    model = xor_model()
    out = next(m for m in reversed(model) if isinstance(m, torch.nn.Linear))
    before = out.weight[0, 0].item()
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    torch.nn.BCELoss()(model(torch.tensor(XOR_X)), torch.tensor(XOR_Y).reshape(-1, 1)).backward()
    grad = out.weight.grad[0, 0].item()
    opt.step()
    moved = out.weight[0, 0].item() - before
    assert look.step == 0 and look.selected.name == "w2[0,0]"
    assert look.selected.chain == pytest.approx(grad, rel=1e-5)  # the gradient on screen is autograd's
    assert f"{look.selected.chain:+.8g}" in asked and "-> ?" in asked
    # the whole picture: 4 units of 2 rows fit 9 rows (each name is in the links' header and by its unit)
    assert all(asked.count(f"h{k}") >= 2 for k in range(1, 5)), asked
    assert abs(moved) == pytest.approx(0.1, rel=1e-5)  # lr: the gradient's size does not enter
    assert verdict.word == "off" and f"moved w2[0,0] {moved:+.4g} (" in verdict.measured
    assert at == 1 and "step 1/2000" in shown and "w2[0,0] = " in shown
    assert step.answered_title in shown and "m-hat / sqrt(v-hat) is g / |g|" in shown


def test_a_step_taken_before_the_prediction_is_not_predicted_and_step_1_is_still_measured(tmp_path):
    step = step_of("backward-step")

    async def go():
        app = learn_app(tmp_path, start=number(step))
        async with app.run_test(size=(80, 24)) as pilot:
            lesson = app.query_one("#lesson")
            await until(pilot, lambda: asking(app, number(step)))
            await pilot.press("escape", "space")  # (`.` would go to the typed answer)
            await until(pilot, lambda: app.xor.snapshot.step > 1)
            await pilot.press("i", *"0.1", "enter")
            await until(pilot, lambda: lesson.phase == "shown")
            return lesson.verdict, app.xor.snapshot.step

    verdict, at = asyncio.run(go())
    assert verdict.word == "not predicted" and not verdict.right
    assert at == 1 and "step 1 moved w2[0,0] -0.1 (" in verdict.measured  # the run started again from step 0


def test_the_pass_checks_backward_item_links_to_the_backward_step():
    from neurotui.core.course.steps import PASS_CHECK

    item, key = PASS_CHECK[4]
    assert "backward()" in item and key == "backward-step"
    got = {"said": "0.1", "measured": "Adam's step 1 moved w2[0,0] -0.1 (+0.3694 -> +0.2694)", "right": True}
    line = pass_check_lines({"backward-step": got})[4]
    assert line.startswith("✓ PyTorch") and f"step {number(step_of('backward-step'))}, you said 0.1" in line


def test_the_backward_step_asks_about_w2_0_0_even_after_another_weight_was_picked(tmp_path):
    """Arrows in the backward view pick another weight (and the network view follows); `t` sets the
    step up again on the weight its question names."""
    from neurotui.tui.widgets.backward import BackwardView

    step = step_of("backward-step")

    async def go():
        app = learn_app(tmp_path, start=number(step))
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: asking(app, number(step)))
            await pilot.press("escape", "right")
            await until(pilot, lambda: getattr(app.query_one(BackwardView).look, "selected", None) is not None
                        and app.query_one(BackwardView).look.selected.name == "w2[0,1]")
            await pilot.press("t")
            await until(pilot, lambda: asking(app, number(step)))
            await until(pilot, lambda: app.query_one(BackwardView).look is not None)
            await pilot.pause(0.3)
            return app.query_one(BackwardView).look.selected.name

    assert asyncio.run(go()) == "w2[0,0]"
