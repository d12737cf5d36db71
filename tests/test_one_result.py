"""One run, one result (issue 20): the app, lab and the doctor say the same thing about a run,
and what they say agrees with the numbers beside it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from neurotui.core.model.config import XorConfig
from neurotui.session.state import Session
from neurotui.tui.app import NeuroApp
from neurotui.tui.panes.xor import XorPane
from neurotui.tui.screenshots import settle


def run(coro):
    return asyncio.run(coro)


def text_of(app, selector) -> str:
    return str(app.query_one(selector).render())


# ----- 2. PyTorch refusing the very first step still gets the doctor's verdict ----------------------
def test_target_shape_bug_shows_its_verdict_and_no_stale_curve():
    async def go():
        app = NeuroApp(XorConfig(steps=60), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            before = app.query_one("#xor-loss").figure.series  # the healthy run's curve
            app.change(app.session.set_bug, "target-shape")
            await pilot.pause(0.2)
            await settle(app, pilot)
            xor = app.query_one(XorPane)
            return (before, xor.state, text_of(app, "#xor-status"), text_of(app, "#xor-diagnosis"),
                    app.query_one("#xor-loss").figure)

    before, state, status, diagnosis, figure = run(go())
    assert before  # there was a curve to leave behind
    assert state == "error" and "error at step 1/60" in status  # one count: the doctor's "step 1" too
    assert "output shape error" in diagnosis and "step 1" in diagnosis
    assert "fix: use target shape [batch, 1]" in diagnosis
    assert not figure.series and "stopped at step 1" in figure.empty_text  # not the old run, not "waiting"


# ----- 5. the lesson preset is the lesson's run, seed included -------------------------------------------
def test_lesson_preset_sets_the_lessons_seed_after_s_or_a_picked_seed():
    session = Session(XorConfig())
    session.new_seed()
    assert session.config.seed == 43
    session.apply_preset("lesson")
    assert session.config == XorConfig() and session.question == ""
    session.pick(XorConfig(seed=137, hidden=2))  # Reliability's f / w
    session.apply_preset("lesson")
    assert session.config == XorConfig()
    session.new_seed()
    session.apply_preset("relu")  # as --preset relu: the lesson's seed, not the one `s` gave
    assert session.config.seed == 42 and session.config.activation == "relu"


def test_lesson_preset_picked_in_the_app_trains_seed_42():
    async def go():
        app = NeuroApp(XorConfig(steps=30), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("s")
            await settle(app, pilot)
            seed_after_s = app.query_one(XorPane).configs[0].seed
            await pilot.press("P")
            await pilot.pause(0.2)
            await pilot.press("home", "enter")  # the first entry: lesson
            await pilot.pause(0.2)
            await settle(app, pilot)
            return seed_after_s, app.query_one(XorPane).configs[0], text_of(app, "#xor-config")

    seed_after_s, config, line = run(go())
    assert seed_after_s == 43
    assert config.seed == 42 and "seed 42" in line


# ----- 3. a missing zero_grad(): one run wherever it runs, and the doctor names zero_grad --------------
def test_no_zero_grad_is_one_run_in_lab_app_and_script(capsys, tmp_path):
    import json
    import subprocess
    import sys

    from neurotui.cli import main

    assert main(["lab", "--bug", "no-zero-grad", "--json"]) == 0
    lab = json.loads(capsys.readouterr().out)
    assert main(["lab", "--bug", "no-zero-grad"]) == 0
    lab_text = capsys.readouterr().out
    assert main(["lab", "--bug", "no-zero-grad", "--script"]) == 0
    script = tmp_path / "run.py"
    script.write_text(capsys.readouterr().out)
    printed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300).stdout

    async def go():
        app = NeuroApp(XorConfig(bug="no-zero-grad"), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            xor = app.query_one(XorPane)
            return xor.snapshot, xor.state, text_of(app, "#xor-diagnosis")

    snap, state, words = run(go())
    # the same step, loss and rows everywhere: the blow-up is stopped at the same check
    assert lab["steps_done"] == snap.step < 2000 and lab["final_loss"] == snap.loss
    assert lab["preds"] == list(snap.preds)
    assert [line for line in printed.splitlines() if not line.startswith("diagnosis:")] == \
        [line for line in lab_text.splitlines() if not line.startswith("diagnosis:")]
    # and the same verdict, which is zero_grad(), not the learning rate
    assert lab["diagnosis"]["kind"] == snap.diagnosis.kind == "piling_gradients"
    assert "zero_grad()" in snap.diagnosis.fix and "learning rate" not in snap.diagnosis.fix
    assert state == "diverged" and "gradients pile up" in words and "fix: call optimizer.zero_grad()" in words


def test_a_too_high_learning_rate_is_still_sent_to_the_learning_rate():
    from neurotui.core.training.trainer import Trainer

    for config in (XorConfig(bug="lr-high"), XorConfig(lr=50.0, optimizer="sgd")):
        trainer = Trainer(config)
        trainer.run()
        d = trainer.snapshot().diagnosis
        assert d.kind == "saturated" and d.fix == "lower the learning rate"


# ----- 4. memorization is training solved and validation lagging -----------------------------------------
RISE = [(10 * i, 0.7 - 0.06 * i, 0.5 - 0.05 * i if i < 5 else 0.25 + 0.1 * (i - 5)) for i in range(10)]


def _fit(train, val, curve=(), n_train=140, n_val=60):
    from neurotui.core.training.fit import diagnose_fit

    return diagnose_fit([0.7, 0.3], train_loss=0.3, val_loss=0.6, train_accuracy=train, val_accuracy=val,
                        curve=curve, n_train=n_train, n_val=n_val)


def test_memorization_needs_training_solved_and_validation_lagging():
    assert _fit(1.0, 0.73, n_train=40, n_val=160).kind == "memorization"  # the memorization preset
    assert _fit(0.99, 0.90, curve=RISE).kind == "memorization"  # lagging, and its loss rose
    spiral = _fit(0.71, 0.63, curve=RISE)  # training not solved: not memorizing anything
    assert spiral.kind == "stuck" and "memoriz" not in spiral.title.replace("not memoriz", "")
    gauss = _fit(1.0, 0.983, curve=RISE)  # validation solved: it generalizes, whatever its loss did
    assert gauss.kind == "solved" and "validation loss rose late" in gauss.detail


def test_the_doctors_words_agree_with_the_accuracies():
    regularized = _fit(0.925, 0.82, n_train=40, n_val=160)
    assert regularized.kind == "stuck"
    assert "as well as it fits" not in regularized.detail and "does not fit even its training points" in regularized.detail
    chance = _fit(0.96, 0.91, n_train=40, n_val=160)  # fits; a gap within what 40 and 160 points vary by
    assert chance.kind == "stuck" and "it fits its training points" in chance.detail and "chance" in chance.detail


def test_lab_json_never_says_solved_and_memorization_at_once(capsys):
    import json

    from neurotui.cli import main

    assert main(["lab", "--json", "--dataset", "gauss", "--seed", "0"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["solved"] is True and result["diagnosis"]["kind"] == "solved"


# ----- 6. the numbers around a run agree with the run ------------------------------------------------------
def test_the_config_line_shows_the_learning_rate_an_lr_bug_forces():
    from neurotui.tui.panes.xor_text import describe_config

    assert "adam lr 100 " in describe_config(XorConfig(bug="lr-high"))
    assert "adam lr 1e-05 " in describe_config(XorConfig(bug="lr-low"))
    assert "adam lr 0.1 " in describe_config(XorConfig())


def test_small_losses_are_written_in_scientific_notation():
    from neurotui.tui.glyphs import ASCII
    from neurotui.tui.panes.xor_text import final_loss, status_line

    assert final_loss(4.52e-05) == "final_loss= 0.0 (4.52e-05)"  # the lesson's line, and the value it hides
    assert final_loss(0.3466) == "final_loss= 0.3466"
    _, snap = _trained(XorConfig(layers=2))  # the deeper preset: its loss rounds to 0.0000
    assert snap.loss < 5e-5
    status = str(status_line(ASCII, "done", snap, None, None))
    assert "loss 0.0000" not in status and f"loss {snap.loss:.2e}" in status


def test_solved_hint_fits_the_run():
    from neurotui.tui.panes.xor_text import solved_hint

    assert "press a until 'None'" in solved_hint(XorConfig())
    features = XorConfig(activation="identity", features=("x1", "x2", "x1x2"))  # the features preset
    assert "press a" not in solved_hint(features) and "press F" in solved_hint(features)


def _trained(config):
    from neurotui.core.training.trainer import Trainer

    trainer = Trainer(config)
    trainer.run()
    return trainer, trainer.snapshot()


def test_broadcast_target_is_named_as_an_mse_run_with_a_shape_mistake():
    async def go():
        app = NeuroApp(XorConfig(bug="broadcast-target", steps=200), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            return app.query_one("#xor-loss").figure.title, text_of(app, "#xor-diagnosis")

    title, words = run(go())
    assert title.startswith("loss (MSE)")
    assert "target shape broadcast" in words and "shape [4] but the output [4, 1]" in words
    assert "ln 2" not in words and "train longer" not in words
    assert "fix: use target shape [batch, 1]" in words


# ----- 1. generated data are drawn on their own plane, in the boundary and inside the network -------------
CIRCLE = XorConfig(dataset="circle", samples=200, steps=150)


def test_boundary_places_generated_points_on_the_datas_plane_as_lab_does():
    from neurotui.core.data.datasets import load_dataset
    from neurotui.core.model.boundary import point_marks, render

    async def go():
        app = NeuroApp(CIRCLE, speed=None, ascii=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            view = app.query_one("#xor-boundary")
            snap = app.query_one(XorPane).snapshot
            training_only = view._lines(snap.boundary)
            await pilot.press("V")  # the validation points too, as lab draws them
            return view.span, training_only, view._lines(snap.boundary), snap

    span, training_only, lines, snap = run(go())
    data = load_dataset(CIRCLE)
    assert span == snap.grid_range == (data.low, data.high) != (-0.25, 1.25)
    assert lines == render(snap.boundary, ascii=True, points=data.points(), low=data.low, high=data.high)
    train = [p for p in data.points() if not p[3]]
    assert training_only == render(snap.boundary, ascii=True, points=train, low=data.low, high=data.high)
    # the circle fills the plane: not piled on the left column and the bottom row
    rows, cols = len(snap.boundary), len(snap.boundary[0])
    marks = point_marks(data.points(), rows, cols, data.low, data.high)
    edge = [cell for cell in marks if cell[1] == 0 or cell[0] == rows - 1]
    assert len(edge) < 0.2 * len(marks)


def test_inside_views_look_at_the_datas_points_and_plane():
    from neurotui.core.data.datasets import load_dataset
    from neurotui.core.training.trainer import Trainer

    trainer = Trainer(CIRCLE)
    trainer.run()
    inside = trainer.look_inside(1, (6, 12))
    data = load_dataset(CIRCLE)
    assert inside.plane == (data.low, data.high)
    assert len(inside.hidden_points) == len(inside.labels) == min(200, data.n_train)
    assert inside.labels == tuple(int(v) for v in data.train_y.reshape(-1).tolist()[:200])
    assert set(inside.labels) == {0, 1}
    lesson = Trainer(XorConfig(steps=10)).look_inside(1, (6, 12))
    assert lesson.plane == (-0.25, 1.25) and lesson.labels == (0, 1, 1, 0) and len(lesson.hidden_points) == 4


# ----- 11. the features picker shows which features are ticked without colour ----------------------------------
def test_features_picker_ticks_only_the_chosen_features_without_colour():
    from neurotui.tui.picker import TickList

    async def go():
        app = NeuroApp(XorConfig(steps=20), speed=None, autostart=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("F")
            await pilot.pause(0.3)
            ticks = app.screen.query_one(TickList)
            boxes = ["".join(seg.text for seg in list(ticks.render_line(y))[:3]) for y in range(ticks.option_count)]
            values = [ticks.get_option_at_index(i).value for i in range(ticks.option_count)]
            return dict(zip(values, boxes))

    boxes = run(go())
    assert len(boxes) == 7
    assert {v for v, box in boxes.items() if "X" in box} == {"x1", "x2"}  # the lesson's two, not all seven


# ----- 9. the doctor's verdict and its fix always show in full, with the app's key ---------------------------
def _rows(text, width):
    """Rows `text` takes at `width`: a Rich Text, or the Content a Static renders."""
    from rich.console import Console
    from rich.text import Text

    if isinstance(text, Text):
        return len(text.wrap(Console(width=width, color_system=None), width))
    return len(text.wrap(width))


def test_fix_line_is_never_cut_and_names_the_key_at_120x40():
    async def go():
        app = NeuroApp(XorConfig(bug="no-output-sigmoid"), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            doctor = app.query_one("#xor-diagnosis")
            return doctor.render(), doctor.content_size

    text, size = run(go())
    assert _rows(text, size.width) <= size.height  # nothing below the widget's last row
    assert "fix: check output activation and loss pair" in text.plain
    assert text.plain.rstrip().endswith("press B to clear the bug")


def test_memorization_fix_names_r_and_fits_four_rows():
    from neurotui.core.training.fit import diagnose_fit
    from neurotui.core.training.snapshot import Snapshot
    from neurotui.tui.panes.xor_text import diagnosis_text

    d = diagnose_fit([0.7, 0.1], train_loss=0.1, val_loss=0.9, train_accuracy=1.0, val_accuracy=0.73,
                     n_train=350, n_val=150)
    assert d.kind == "memorization"
    snap = Snapshot(step=2000, total=2000, losses=[0.7, 0.1], probs=(0.0, 1.0, 1.0, 0.0), preds=(0, 1, 1, 0),
                    diagnosis=d, finished=True)
    keys = {"cycle_regularization": "R", "pick_bug": "B", "cycle_samples": "M"}
    text = diagnosis_text("done", "", snap, config=XorConfig(dataset="xor-noisy"), width=64, lines=4,
                          key=keys.__getitem__)
    assert _rows(text, 64) <= 4
    # the app names its keys, not the command line's options
    assert "more samples; press R for L2 or dropout, M for more samples" in text.plain
    assert "--" not in text.plain
    remapped = diagnosis_text("done", "", snap, config=XorConfig(dataset="xor-noisy"), width=64, lines=4,
                              key={"cycle_regularization": "ctrl+g", "cycle_samples": "M"}.__getitem__)
    assert "press ctrl+g for L2 or dropout" in remapped.plain  # the key in force, as config.toml set it


# ----- 13 / 15: small words that disagreed with the numbers ------------------------------------------------------
def test_rows_of_0500_say_how_pred_is_decided_and_counts_are_singular():
    from neurotui.core.doctor.diagnosis import Diagnosis
    from neurotui.core.training.snapshot import Snapshot
    from neurotui.tui.glyphs import ASCII
    from neurotui.tui.panes.xor_text import rows_text, status_line

    d = Diagnosis("linear", "cannot separate XOR", "", "")
    snap = Snapshot(step=1, total=2000, losses=[0.6931], probs=(0.4999, 0.5001, 0.4998, 0.5002),
                    preds=(0, 1, 0, 1), diagnosis=d, finished=False)
    rows = rows_text(ASCII, snap).plain
    assert "prob=0.500 pred=0" in rows and "prob=0.500 pred=1" in rows and "pred = p >= 0.5" in rows
    assert "1 step/s" in status_line(ASCII, "running", snap, 1, 1.2).plain  # not "1 steps/s"


def test_practice_questions_run_1_to_5_and_practice_1_points_to_reliability():
    from neurotui.core.course.presets import PRESETS

    practice = [p.question.split(":")[0] for p in PRESETS.values() if p.question.startswith("Practice")]
    assert practice == [f"Practice {i}" for i in range(1, 6)]
    assert "press 4" in PRESETS["hidden-2"].question


# ----- 14. words whole, never cut or glued ------------------------------------------------------------------------
def test_reliability_failures_are_whole_words_and_ranges_are_not_glued():
    from neurotui.tui.panes.reliability_text import failed_text

    counts = {"solved": 300, "near_half": 154, "stuck": 40, "saturated": 2, "linear": 1}
    assert failed_text(counts, 22) == "all near 0.5 154"  # the commonest, whole; not "all near 0.5 154, stuc"
    assert failed_text(counts, 40) == "all near 0.5 154, stuck 40, other 3"  # 3 seeds, not 2 kinds
    assert failed_text({"solved": 49, "stuck": 115, "near_half": 92}, 22) == "stuck 115, other 92"
    assert failed_text({"solved": 10}, 22) == "-"


def test_running_status_keeps_its_speed_in_view():
    from neurotui.core.doctor.diagnosis import Diagnosis
    from neurotui.core.training.snapshot import Snapshot
    from neurotui.tui.glyphs import ASCII
    from neurotui.tui.panes.xor_text import status_line

    snap = Snapshot(step=1234, total=2000, losses=[0.1234], probs=(0.1, 0.9, 0.9, 0.1), preds=(0, 1, 1, 0),
                    diagnosis=Diagnosis("training", "training", "", ""), finished=False)
    line = status_line(ASCII, "running", snap, 500, 487.0).plain
    assert line.endswith("487 steps/s (speed 500/s)") and len(line) <= 64  # the XOR pane's width at 120x40


# ----- 17. data points leave the prediction readable ---------------------------------------------------------------
def test_a_data_points_glyph_sits_on_its_cells_shading():
    from neurotui.tui.widgets.boundary import half_block_rows
    from neurotui.tui.widgets.palette import half_color

    grid = [[0.05, 0.95], [0.05, 0.95]]
    (row,) = half_block_rows(grid, {(0, 0): "x", (0, 1): "O"})
    (glyph0, style0), (glyph1, style1) = row
    assert glyph0 == "x" and style0.endswith(f"on {half_color(0.05)}")  # class 1 where the model says 0
    assert glyph1 == "O" and style1.endswith(f"on {half_color(0.95)}")
    (lesson,) = half_block_rows(grid, {(0, 0): "1"})
    assert lesson[0] == ("1", "bold black on white")  # the lesson's four digits stay stamped


def test_the_perceptrons_fix_key_adds_a_hidden_layer():
    from neurotui.core.doctor.diagnosis import diagnose
    from neurotui.tui.panes.xor_text import fix_key

    keys = {"cycle_layers": "n", "cycle_activation": "a"}.__getitem__
    half = [0.5, 0.5, 0.5, 0.5]
    perceptron = diagnose([0.7, 0.6931], half, linear_model=True, no_hidden_layer=True)
    identity = diagnose([0.7, 0.6931], half, linear_model=True)
    assert fix_key(perceptron, XorConfig(layers=0), keys) == "press n for a hidden layer"
    assert fix_key(identity, XorConfig(activation="identity"), keys) == "press a for Tanh or ReLU"


def test_hidden_space_says_when_points_overlap():
    from neurotui.core.model.inside import Inside
    from neurotui.tui.widgets.inside import space_figure

    inside = Inside(layer=1, hidden_points=((0.9, -0.9), (-0.5, 0.4), (0.2, 0.7), (0.9, -0.9)), weights=(),
                    biases=(), grad_norms=())
    assert space_figure(inside, (0, 1)).title.endswith("; 1 point hidden")
    apart = Inside(layer=1, hidden_points=((0.9, -0.9), (-0.5, 0.4), (0.2, 0.7), (0.1, -0.3)), weights=(),
                   biases=(), grad_norms=())
    assert space_figure(apart, (0, 1)).title.endswith("(p: next pair)")


def test_the_config_line_names_a_data_file_by_its_name_not_its_path(tmp_path):
    # a long absolute path cut the line at "- data" at 120 columns, before the file's name and the inputs
    import shutil

    from neurotui.tui.panes.xor_text import config_line

    deep = tmp_path / "projects" / "course" / "week3"
    deep.mkdir(parents=True)
    path = shutil.copy(Path(__file__).parent / "data" / "noisy_target.csv", deep / "diabetes.csv")
    line = config_line(XorConfig(data=str(path))).plain
    assert " - data diabetes.csv - inputs standardized" in line and "week3" not in line
