"""`neurotui learn`: the guided lesson. Each step sets the app up, asks before it runs, and the
answer shown is what the app measured then (change the measurement, the answer changes)."""

from __future__ import annotations

import asyncio
import json

import pytest

from neurotui.cli import main
from neurotui.core.course import progress as saved
from neurotui.core.course.measure import Answer, Measured, Question, judge, measure_final_loss
from neurotui.core.course.steps import KEYS, PASS_CHECK, STEPS, get_step, predictions_markdown, step_lines
from neurotui.core.errors import ConfigError
from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.panes.neuron import NeuronPane, NumberField


def run(coro):
    return asyncio.run(coro)


def panel_text(app) -> str:
    return str(app.query_one("#lesson-text").render())


async def until(pilot, check, timeout: float = 240.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise TimeoutError(f"the lesson step did not get there: {panel_text(pilot.app)!r}")
        await pilot.pause(0.05)
    await pilot.pause(0.05)


def learn_app(tmp_path, start=None) -> NeuroApp:
    return NeuroApp(speed=None, autostart=False, lesson={"start": start, "path": tmp_path / "lesson.json"})


# ---------------------------------------------------------------- the steps, headless


def test_the_steps_cover_the_lesson_in_order():
    lines = step_lines()
    assert len(lines) >= 12
    assert all(line.startswith(f"{i}. ") for i, line in enumerate(lines, 1))
    text = "\n".join(lines).lower()
    for word in ("neuron", "activations", "xor", "perceptron", "hidden features", "training loop",
                 "watch the loss", "watch the probabilities", "the target's shape", "a learning rate of 100",
                 "a big network, little data",
                 "2 hidden units", "relu", "every 200 steps", "no hidden activation", "one more hidden layer",
                 "pass check"):
        assert word in text, word
    order = [text.index(w) for w in ("neuron", "perceptron", "training loop", "evidence card", "checklist",
                                      "practice 1", "pass check")]
    assert order == sorted(order)
    assert {key for _, key in PASS_CHECK} <= set(KEYS) and len(PASS_CHECK) == 5


def test_a_bad_step_number_is_one_line():
    with pytest.raises(ConfigError, match="step must be 1-"):
        get_step(len(STEPS) + 1)


def test_the_answer_is_the_measurement_not_a_fixed_text():
    """The same prediction, two measurements: the answer and the verdict follow the numbers."""
    from neurotui.core.training.trainer import Trainer

    q = Question("final loss?", tolerance=0.05)
    verdicts = []
    for config in (XorConfig(layers=0, steps=300), XorConfig(steps=300)):
        t = Trainer(config)
        t.run()
        verdicts.append(judge(q, 0.69, measure_final_loss(Measured(config=config, snapshot=t.snapshot()))))
    perceptron, mlp = verdicts
    assert perceptron.right and "final loss 0.6931" in perceptron.measured and "2-1 perceptron" in perceptron.measured
    assert not mlp.right and "2-4-1 Tanh" in mlp.measured and perceptron.measured != mlp.measured
    assert perceptron.line() == f"you said: 0.69 — measured: {perceptron.measured}"


def test_choices_are_judged_by_index():
    q = Question("which?", ("one", "two"))
    assert judge(q, 0, Answer(0, "one: measured")).right
    v = judge(q, 1, Answer(0, "one: measured"))
    assert not v.right and v.said == "two"


# ---------------------------------------------------------------- progress on disk


def test_progress_is_saved_atomically_and_resumed(tmp_path):
    path = tmp_path / "state" / "neurotui" / "lesson.json"
    p = saved.Progress(step=7, answers={"neuron": {"said": "0.04", "measured": "z = 0.04", "right": True}})
    saved.save(p, path)
    assert json.loads(path.read_text())["step"] == 7
    assert [f.name for f in path.parent.iterdir()] == ["lesson.json"]  # no temporary file left behind
    back, warning = saved.load(path)
    assert warning is None and back.step == 7 and back.answers == p.answers


def test_a_corrupt_progress_file_is_kept_as_bak_and_the_lesson_starts_fresh(tmp_path):
    path = tmp_path / "lesson.json"
    path.write_text("{not json")
    back, warning = saved.load(path)
    assert back.step == 1 and back.answers == {}
    assert warning and len(warning.splitlines()) == 1 and "lesson.json.bak" in warning
    assert (tmp_path / "lesson.json.bak").read_text() == "{not json"


def test_the_state_path_follows_xdg_state_home(tmp_path):
    assert saved.state_path({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "neurotui" / "lesson.json"
    assert str(saved.state_path({"HOME": "/h"})).endswith(".local/state/neurotui/lesson.json")


# ---------------------------------------------------------------- the command line


def test_learn_list_step_and_reset(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert main(["learn", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(STEPS) >= 12 and lines[3].startswith("4. ")
    for bad in ("0", str(len(STEPS) + 1)):
        assert main(["learn", "--step", bad]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "step must be 1-" in err
    saved.save(saved.Progress(step=3), saved.state_path())
    assert main(["learn", "--reset"]) == 0
    assert "cleared" in capsys.readouterr().out and not saved.state_path().exists()


def test_serve_learn_starts_each_tab_in_the_lesson(monkeypatch):
    pytest.importorskip("textual_serve")
    import neurotui.serve.server as server
    from neurotui.cli.commands import cmd_serve
    from neurotui.cli.parser import build_parser

    seen = {}
    monkeypatch.setattr(server, "serve", lambda argv, **kw: seen.setdefault("argv", argv) and 0)
    args, extra = build_parser().parse_known_args(["--ascii", "serve", "--learn"])
    args.extra = extra
    cmd_serve(args)
    assert seen["argv"][-2:] == ["--ascii", "learn"]


# ---------------------------------------------------------------- the app


BACKWARD, PROBE, SWEEP = (KEYS.index(k) + 1 for k in ("backward-step", "evidence-card", "practice-hidden-2"))


def test_every_step_opens_with_its_setup_and_each_kind_of_prediction_is_measured(tmp_path):
    """Walk all steps with `m`; predict by typed number (neuron, run, probe, sweep) and by choice
    (neuron, code); each answer is read from the panes, the run, the probe or the sweep."""
    answers = {
        1: "-0.36",  # typed; the neuron's fields are set, then read
        2: "2",  # choice: Tanh
        3: "1",  # choice: one; the weights as they were when asked (step 0), then the trained run
        4: "0.69",  # typed; the perceptron's run
        7: "2",  # choice: loss.backward(); read from the script the code view shows
        BACKWARD: "0.1",  # typed; one training step, read by the backward view at steps 0 and 1
        PROBE: "0.7",  # typed; the failure probe
        SWEEP: "30",  # typed; a sweep of 64 seeds
    }

    async def go():
        app = learn_app(tmp_path)
        seen = {}
        async with app.run_test(size=(120, 40)) as pilot:
            lesson = app.query_one("#lesson")
            await until(pilot, lambda: "step 1/" in panel_text(app))
            for k, step in enumerate(STEPS, 1):
                if k > 1:
                    await pilot.press("m")
                await until(pilot, lambda k=k: f"step {k}/{len(STEPS)}" in panel_text(app))
                assert step.title in panel_text(app)
                cfg = step.config()
                assert (app.config.layers, app.config.activation, app.config.bug) == (cfg.layers, cfg.activation,
                                                                                       cfg.bug), k
                assert app.xor.shown == step.view, k
                if step.question is not None:
                    assert "predict:" in panel_text(app) and step.question.prompt in panel_text(app)
                    if step.reveal != "neuron":
                        assert not app.xor.finished, k  # nothing has run before the prediction
                if k in answers:
                    if step.question.typed:
                        await pilot.press(*answers[k], "enter")
                    else:
                        await pilot.press(answers[k])
                    await until(pilot, lambda: lesson.phase == "shown")
                    seen[k] = panel_text(app)
            return seen, json.loads((tmp_path / "lesson.json").read_text())

    seen, state = run(go())
    assert "you said: -0.36 — measured: z = 0.04" in seen[1]
    assert "you said: Tanh — measured: at z = -2: Sigmoid 0.119, Tanh -0.964, ReLU 0" in seen[2] and "right" in seen[2]
    assert "you said: one — measured: one: at step 0 W2 W1 = [" in seen[3] and "trained, loss 0.6931" in seen[3]
    assert "you said: 0.69 — measured: final loss 0.6931" in seen[4] and "2-1 perceptron" in seen[4]
    assert "you said: loss.backward() — measured: line" in seen[7]
    assert "you said: 0.1 — measured: Adam's step 1 moved w2[0,0] -0.1 (" in seen[BACKWARD]
    assert "right" in seen[BACKWARD] and "(chain rule; autograd " in seen[BACKWARD]
    assert "you said: 0.7 — measured: probe final_loss 0.6931" in seen[PROBE]
    m = seen[SWEEP].split("measured: ")[1]
    assert " of 64 with 2-2-1" in m and " of 64 with 2-4-1" in m and "(seeds 0-63)" in m
    assert state["step"] == len(STEPS)
    assert set(state["answers"]) == {STEPS[k - 1].key for k in answers}
    assert state["answers"]["perceptron"]["right"] and not state["answers"]["neuron"]["right"]
    assert "not answered yet" in predictions_markdown(state["answers"])


def test_changing_the_neuron_before_the_reveal_changes_the_measured_answer(tmp_path):
    async def go():
        app = learn_app(tmp_path, start=1)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: "step 1/" in panel_text(app))
            field = next(f for f in app.query_one(NeuronPane).query(NumberField) if f.field_name == "x1")
            field.value = "1.0"  # the learner edits x1 live: z moves by 0.2 * 0.2 = 0.04
            await pilot.pause(0.1)
            app.query_one("#lesson-number").focus()
            await pilot.press(*"0.08", "enter")
            await until(pilot, lambda: app.query_one("#lesson").phase == "shown")
            return panel_text(app)

    text = run(go())
    assert "you said: 0.08 — measured: z = 0.08" in text and "right" in text


def test_keys_work_during_a_step_and_t_restores_its_setup(tmp_path):
    async def go():
        app = learn_app(tmp_path, start=5)  # the 2-4-1 MLP, hidden features view
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: "step 5/" in panel_text(app))
            app.xor.focus()
            await pilot.press("a", "v")  # ReLU, the next view: the app's keys, as always
            await pilot.pause(0.2)
            changed = (app.config.activation, app.xor.shown)
            await pilot.press("t")
            await until(pilot, lambda: app.config.activation == "tanh")
            return changed, (app.config.activation, app.xor.shown, app.query_one("#lesson").phase)

    changed, restored = run(go())
    assert changed == ("relu", "space")
    assert restored == ("tanh", "features", "ask")


def test_the_lesson_resumes_and_a_corrupt_file_warns_once(tmp_path):
    saved.save(saved.Progress(step=6), tmp_path / "lesson.json")

    async def resumed():
        app = learn_app(tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: "step 6/" in panel_text(app))
            return app.xor.shown

    assert run(resumed()) == "space"
    (tmp_path / "lesson.json").write_text("[1, 2")

    async def fresh():
        app = learn_app(tmp_path)
        notes = []
        app.notify = lambda message, **kw: notes.append(message)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: "step 1/" in panel_text(app))
            return notes

    notes = run(fresh())
    assert sum("damaged" in n for n in notes) == 1
    assert (tmp_path / "lesson.json.bak").read_text() == "[1, 2"


def test_e_at_the_end_writes_the_card_with_predictions_beside_measurements(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    saved.save(saved.Progress(step=len(STEPS), answers={
        "perceptron": {"said": "0.3", "measured": "final loss 0.6931 after 2000 steps", "right": False}}),
        tmp_path / "lesson.json")

    async def go():
        app = learn_app(tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: "Pass check" in panel_text(app))
            await until(pilot, lambda: app.xor.finished)
            summary = panel_text(app)
            await pilot.press("e")
            await until(pilot, lambda: (tmp_path / "neurotui-card.md").exists())
            return summary

    summary = run(go())
    assert "a single-layer perceptron cannot solve XOR: step 4, you said 0.3" in summary
    assert "not answered yet" in summary
    card = (tmp_path / "neurotui-card.md").read_text()
    assert "## Your predictions" in card
    assert "| 4. XOR vs one line: the single-layer perceptron | 0.3 | final loss 0.6931 after 2000 steps | off |" in card


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_panel_shares_the_screen(tmp_path, size):
    async def go():
        app = learn_app(tmp_path, start=4)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: "step 4/" in panel_text(app))
            panel = app.query_one("#lesson").region
            pane = app.xor.region
            return panel, pane, app.screen.size

    panel, pane, screen = run(go())
    from neurotui.tui.lesson import panel_rows

    assert panel.height == panel_rows(screen.height) and panel.bottom == screen.height - 1  # above the Footer
    assert panel.height == (8 if screen.height < 30 else 10)
    assert pane.bottom <= panel.y and pane.height >= 12


def test_no_lesson_keys_without_learn():
    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.2)
            shown = {b.binding.key for b in app.active_bindings.values() if b.enabled and b.binding.show}
            return shown, app.query("#lesson")

    shown, panels = run(go())
    assert not panels and not {"m", "u", "t"} & shown


def test_at_80x24_the_lessons_run_shows_its_loss_inside_the_pane(tmp_path):
    # the panel takes 10 rows, so the XOR pane keeps 10: a fixed 8-row loss plot was pushed below the
    # pane's edge by the picture, and the learner saw an empty frame where the curve should be
    from neurotui.tui.screenshots import settle

    async def go():
        app = learn_app(tmp_path, start=KEYS.index("pass-check") + 1)  # the pass check: the lesson's own run, trained
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.xor.snapshot is not None)
            await settle(app, pilot)
            pane, loss = app.query_one("#xor").content_region, app.query_one("#xor-loss")
            return pane, loss.region, loss.render().plain

    pane, loss, text = run(go())
    assert pane.contains_region(loss) and loss.height >= 2, (pane, loss)
    assert text.startswith("loss (BCE)") and any(bar in text for bar in "▁▂▃▄▅▆▇█")


def test_a_step_0_snapshot_is_not_called_nonfinite():
    """No loss yet is not a nan loss: the XOR pane skips drawing a non-finite snapshot, so a step-0
    snapshot read as one left the previous step's finished run on screen under the next question."""
    from neurotui.core.training.trainer import Trainer

    for config in (XorConfig(), XorConfig(bug="no-step"), get_step(KEYS.index("check-memorization") + 1).config()):
        snap = Trainer(config).snapshot()
        assert snap.step == 0 and not snap.losses
        assert snap.diagnosis.kind == "training" and "not trained yet" in snap.diagnosis.title, config
