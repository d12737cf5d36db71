"""Snapshot tests: fixed config, fixed size, the run settled before the picture, no blinking cursor."""

import pytest

from neurotui.core.course.steps import STEPS
from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.panes.neuron import NumberField
from neurotui.tui.panes.reliability import ReliabilityPane
from neurotui.tui.screenshots import settle


def make(**config):
    return NeuroApp(XorConfig(**config), speed=None)


def before(*keys):
    async def run_before(pilot):
        app = pilot.app
        for field in app.query(NumberField):
            field.cursor_blink = False
        await settle(app, pilot)
        if keys:
            await pilot.press(*keys)
            await settle(app, pilot)
        app.clear_notifications()  # toasts time out on the clock: never part of a picture
        await pilot.pause()

    return run_before


def test_dashboard_done(snap_compare):
    assert snap_compare(make(), terminal_size=(120, 40), run_before=before())


@pytest.mark.parametrize("key", ["1", "2", "3"])
def test_pane_zoomed(snap_compare, key):
    assert snap_compare(make(), terminal_size=(120, 40), run_before=before(key, "z"))


def test_failure_probe_identity(snap_compare):
    assert snap_compare(make(activation="identity"), terminal_size=(120, 40), run_before=before())


def test_hidden_two(snap_compare):
    assert snap_compare(make(hidden=2), terminal_size=(120, 40), run_before=before())


def test_relu(snap_compare):
    assert snap_compare(make(activation="relu"), terminal_size=(120, 40), run_before=before())


def test_help_screen(snap_compare):
    assert snap_compare(make(), terminal_size=(120, 40), run_before=before("question_mark"))


def test_single_pane_80x24(snap_compare):
    assert snap_compare(make(), terminal_size=(80, 24), run_before=before())


def test_invalid_neuron_field(snap_compare):
    async def run_before(pilot):
        app = pilot.app
        await before()(pilot)
        field = app.query_one("#field-w2", NumberField)
        field.focus()
        field.value = ""
        await pilot.press("o", "o", "p", "s")
        await pilot.pause(0.1)

    assert snap_compare(make(), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("views", [1, 2, 3], ids=["hidden-features", "hidden-space", "weights"])
def test_inside_views(snap_compare, views):
    assert snap_compare(make(), terminal_size=(120, 40), run_before=before(*["v"] * views))


def test_compare_mode(snap_compare):
    assert snap_compare(make(), terminal_size=(120, 40), run_before=before("c"))


def test_diverged_run_explains_itself(snap_compare):
    assert snap_compare(make(lr=100), terminal_size=(120, 40), run_before=before())


def test_depth_two(snap_compare):
    assert snap_compare(make(layers=2), terminal_size=(120, 40), run_before=before())


def test_reliability_pane_finished(snap_compare):
    async def run_before(pilot):
        app = pilot.app
        await settle(app, pilot)
        await pilot.press("4")
        while app.query_one(ReliabilityPane).state == "running":
            await pilot.pause(0.1)
        await pilot.press("down", "down")
        await pilot.pause(0.2)

    app = NeuroApp(XorConfig(steps=300), speed=None, sweep_seeds=32)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


# ----- data, presets, bugs and the code view -----------------------------------------------------
def test_spiral_mid_training_with_train_and_validation_points(snap_compare):
    app = NeuroApp(XorConfig(dataset="spiral", hidden=8, layers=2), speed=None, pause_at=400)
    assert snap_compare(app, terminal_size=(120, 40), run_before=before("V"))  # V: the validation points too


def test_memorization_both_curves(snap_compare):
    from neurotui.core.course.presets import get_preset

    app = NeuroApp(get_preset("memorization").apply(), speed=None)
    assert snap_compare(app, terminal_size=(120, 40), run_before=before())


def test_preset_picker(snap_compare):
    assert snap_compare(make(steps=50), terminal_size=(120, 40), run_before=before("P"))


def test_code_view_after_a(snap_compare):
    assert snap_compare(make(), terminal_size=(120, 40), run_before=before("a", "y"))


def test_bug_with_its_verdict(snap_compare):
    assert snap_compare(make(bug="no-output-sigmoid"), terminal_size=(120, 40), run_before=before())


def test_compare_mode_with_a_bug(snap_compare):
    assert snap_compare(make(bug="no-step"), terminal_size=(120, 40), run_before=before("c"))


def test_light_theme(snap_compare):
    app = make()
    app.theme = "textual-light"
    assert snap_compare(app, terminal_size=(120, 40), run_before=before())


# ----- issue 12: the network view, an edit, replay ------------------------------------------------
def test_network_view_2_4_1_zoomed(snap_compare):
    assert snap_compare(make(), terminal_size=(120, 40), run_before=before("3", "z", "v", "v", "v", "v", "right"))


def test_network_view_2_4_1_at_80x24(snap_compare):
    assert snap_compare(make(), terminal_size=(80, 24), run_before=before("v", "v", "v", "v"))


def test_network_view_2_8_8_1(snap_compare):
    assert snap_compare(make(hidden=8, layers=2), terminal_size=(120, 40),
                        run_before=before("3", "z", "v", "v", "v", "v", "right", "right", "down"))


def test_weight_edit_in_progress(snap_compare):
    async def run_before(pilot):
        app = pilot.app
        await before("3", "z", "v", "v", "v", "v", "right", "right")(pilot)
        await pilot.press("enter")
        field = app.query_one("#net-edit")
        field.cursor_blink = False
        field.value = "oops"
        await pilot.press("enter")
        await pilot.pause(0.1)

    assert snap_compare(make(), terminal_size=(120, 40), run_before=run_before)


def test_replay_early_frame(snap_compare):
    assert snap_compare(make(), terminal_size=(120, 40), run_before=before("home", *["right"] * 12))


@pytest.mark.parametrize("keys", [("v",), ("v", "v"), ("v", "v", "v"), ("c",), ("y",)],
                         ids=["features", "space", "weights", "compare", "code"])
def test_xor_views_at_80x24(snap_compare, keys):
    assert snap_compare(make(), terminal_size=(80, 24), run_before=before(*keys))


# ----- the guided lesson (neurotui learn): a question before and after its reveal, at both sizes ---------
def lesson_before(*answer):
    async def run_before(pilot):
        app = pilot.app
        lesson = app.query_one("#lesson")
        app.query_one("#lesson-number").cursor_blink = False
        for field in app.query(NumberField):
            field.cursor_blink = False
        while not (lesson.ready or lesson.phase == "info") or app.xor.snapshot is None:
            await pilot.pause(0.05)  # the question shows once its step's run is drawn at step 0
        if answer:
            await pilot.press(*answer)
            while lesson.phase != "shown":
                await pilot.pause(0.05)
        await settle(app, pilot)
        app.clear_notifications()
        await pilot.pause()

    return run_before


def learn(tmp_path, step):
    return NeuroApp(speed=None, autostart=False, lesson={"start": step, "path": tmp_path / "lesson.json"})


LESSON_SHOTS = {
    "activations-revealed": (2, ("2",)),
    "perceptron-question": (4, ()),
    "perceptron-revealed": (4, ("0", ".", "6", "9", "enter")),
    "code-question": (7, ()),
    "pass-check": (len(STEPS), ()),  # the last step
}


# At 80x24 the Activations pane's 4-row plot picked its y ticks (-1..1 or 0..2) by when it was first laid
# out, so that one picture is taken at 120x40 only.
LESSON_SIZES = [(name, size) for name in LESSON_SHOTS for size in ((120, 40), (80, 24))
                if not (name == "activations-revealed" and size == (80, 24))]


@pytest.mark.parametrize(("name", "size"), LESSON_SIZES, ids=[f"{n}-{w}x{h}" for n, (w, h) in LESSON_SIZES])
def test_lesson_step(snap_compare, tmp_path, name, size):
    step, answer = LESSON_SHOTS[name]
    assert snap_compare(learn(tmp_path, step), terminal_size=size, run_before=lesson_before(*answer))


# ----- issue 25: the loss landscape (v five times) ---------------------------------------------------
@pytest.mark.parametrize("config", [{}, {"hidden": 2, "seed": 1}, {"lr": 100}],
                         ids=["lesson-done", "stuck-two-units", "lr-100"])
def test_loss_landscape(snap_compare, config):
    assert snap_compare(make(**config), terminal_size=(120, 40), run_before=before("v", "v", "v", "v", "v"))


def test_loss_landscapes_compared(snap_compare):
    # c pressed in the landscape view: A's map beside B's (the failure probe), each its own run's
    assert snap_compare(make(), terminal_size=(120, 40), run_before=before("v", "v", "v", "v", "v", "c"))
