"""What a new user met in an hour with every key (issue 15), each as that user would see it."""

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from neurotui.core.model.config import XorConfig
from neurotui.session.state import Refused, Session
from neurotui.tui.app import NeuroApp
from neurotui.tui.keys import APP_KEYS, LESSON_KEYS, XOR_KEYS
from neurotui.tui.panes.neuron import NumberField
from neurotui.tui.panes.reliability import ReliabilityPane
from neurotui.tui.screenshots import settle

ROOT = Path(__file__).resolve().parents[1]


def text_of(app, selector) -> str:
    return str(app.query_one(selector).render())


def run(coro):
    return asyncio.run(coro)


async def type_into(pilot, app, field_id: str, text: str) -> None:
    field = app.query_one(f"#{field_id}", NumberField)
    field.focus()
    await pilot.pause()
    field.value = ""
    await pilot.press(*text)
    await pilot.pause(0.1)


# ----- 1. the Activations pane follows the neuron ---------------------------------------------
def test_activations_pane_follows_the_edited_neuron():
    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await type_into(pilot, app, "field-x1", "10")
            return text_of(app, "#neuron-math"), text_of(app, "#act-table"), app.query_one("#act-plot").figure.vline

    neuron, table, vline = run(go())
    assert "= 2.28" in neuron and "Tanh(z) = 0.979" in neuron
    assert "f(2.28)" in table and "0.979" in table  # Tanh's row at the new z
    assert vline == pytest.approx(2.28)


# ----- 2. the boundary after resizes ----------------------------------------------------------
async def _grid_shape(app, pilot):
    await pilot.pause(0.3)
    await settle(app, pilot)
    for _ in range(100):  # the worker recomputes the grid for the new size
        grid = app.xor.snapshot.boundary
        if (len(grid), len(grid[0])) == app.xor.grid_size():
            break
        await pilot.pause(0.05)
    grid = app.xor.snapshot.boundary
    lines = str(app.query_one("#xor-boundary").render()).splitlines()
    return (len(grid), len(grid[0])), app.xor.grid_size(), lines


def fresh_shape(size, zoom=False):
    async def go():
        app = NeuroApp(XorConfig(steps=100), speed=None)
        async with app.run_test(size=size) as pilot:
            if zoom:
                await pilot.press("z")
            return await _grid_shape(app, pilot)

    return run(go())


def test_boundary_is_recomputed_for_every_size_finished_or_not():
    async def go():
        app = NeuroApp(XorConfig(steps=100), speed=None)
        seen = {}
        async with app.run_test(size=(120, 40)) as pilot:
            seen["start"] = await _grid_shape(app, pilot)
            for size in ((200, 60), (80, 24), (120, 40), (104, 40), (160, 50), (104, 40)):
                await pilot.resize_terminal(*size)
                seen[size] = await _grid_shape(app, pilot)
        return seen

    seen = run(go())
    for size in ((200, 60), (80, 24), (120, 40), (104, 40), (160, 50)):
        shape, wanted, lines = seen[size]
        assert shape == wanted, size  # the model's own grid for this size, not a stale one
        fresh_shape_, _, fresh_lines = fresh_shape(size)
        assert shape == fresh_shape_, size  # the same picture as a fresh start at that size
        assert lines == fresh_lines, size
    # the grid never wraps: every text row is exactly the grid's width (half blocks in colour:
    # two plane rows per text row)
    shape, _, lines = seen[(104, 40)]
    assert all(len(line) == shape[1] for line in lines[: shape[0] // 2])


def test_zoomed_boundary_shrinks_with_the_window_and_keeps_points_and_legend():
    async def go():
        app = NeuroApp(XorConfig(steps=100), speed=None)
        async with app.run_test(size=(200, 60)) as pilot:
            await settle(app, pilot)
            await pilot.press("z")
            await _grid_shape(app, pilot)
            await pilot.resize_terminal(100, 30)
            return await _grid_shape(app, pilot)

    shape, wanted, lines = run(go())
    assert shape == wanted
    text = "\n".join(lines)
    assert text.count("0") >= 2 and text.count("1") >= 2  # all four XOR points are on the picture
    assert "x1 across, x2 up" in text and "near 1" in text


# ----- 4. no diagnosis before the first step --------------------------------------------------
def test_no_nan_and_no_diagnosis_before_the_first_step():
    async def go():
        app = NeuroApp(XorConfig(), speed=1)
        async with app.run_test(size=(120, 40)) as pilot:
            while app.xor.snapshot is None:
                await pilot.pause(0.05)
            seen = (app.xor.snapshot.step, text_of(app, "#xor-status"), text_of(app, "#xor-diagnosis"))
            await pilot.press("q")
        return seen

    step, status, diagnosis = run(go())
    assert step == 0
    assert "nan" not in status and "nan" not in diagnosis and "inf" not in diagnosis


# ----- 5. --no-autostart ----------------------------------------------------------------------
def test_no_autostart_waits_for_space_and_dot_takes_one_step():
    async def go():
        app = NeuroApp(XorConfig(steps=300), autostart=False, speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.2)
            top = text_of(app, "#topbar")
            await pilot.press("a")
            await pilot.pause(0.3)
            after_a = (app.xor.control, app.config.activation, app.xor.state, text_of(app, "#xor-config"))
            await pilot.press("full_stop")
            for _ in range(200):
                if app.xor.snapshot is not None and app.xor.snapshot.step == 1:
                    break
                await pilot.pause(0.05)
            return top, after_a, app.xor.snapshot.step, app.xor.state, app.xor.paused

    top, (control, activation, state, config_line), step, state_after, paused = run(go())
    assert "loading torch" not in top
    assert control is None and state == "waiting" and activation == "relu" and "ReLU" in config_line
    assert step == 1 and state_after == "paused" and paused


# ----- 6/7. legends beside the data; NO_COLOR ----------------------------------------------------
def test_plot_legends_sit_under_the_data_and_every_series_has_its_own_marker(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")

    async def go():
        app = NeuroApp(XorConfig(steps=100), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            act = text_of(app, "#act-plot").splitlines()
            await pilot.press("1")
            await pilot.pause(0.2)
            subtitles = {pid: app.query_one(f"#{pid}").border_subtitle for pid in ("neuron", "xor")}
            await pilot.press("3", "c")
            await settle(app, pilot)
            await pilot.pause(0.7)
            loss = text_of(app, "#xor-loss").splitlines()
        return act, subtitles, loss

    act, subtitles, loss = run(go())
    assert act[-1].split() == ["t", "Tanh", "r", "ReLU", "s", "Sigmoid", "n", "None"]
    assert not any("Sigmoid" in line for line in act[:-1])  # no legend over the curves
    assert subtitles == {"neuron": "(focused)", "xor": ""}
    assert "A A: 2-4-1 Tanh" in loss[-1] and "B B: 2-4-1 None" in loss[-1]


def test_hidden_space_legend_is_outside_the_points():
    async def go():
        app = NeuroApp(XorConfig(hidden=5, layers=3, activation="sigmoid", steps=200), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("v", "v")
            await settle(app, pilot)
            await pilot.pause(0.3)
            return text_of(app, "#view-space").splitlines(), app.query_one("#view-space").figure

    lines, figure = run(go())
    assert "0 y=0" in lines[-1] and "1 y=1" in lines[-1]
    assert "straight line" in figure.xlabel


# ----- 8. the Reliability screen ----------------------------------------------------------------
def test_reliability_screen_columns_escape_inert_keys_and_stopped_answers():
    async def go():
        app = NeuroApp(XorConfig(steps=100), speed=None, sweep_seeds=1024)  # long enough to stop midway
        out = {}
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("4")
            await pilot.pause(0.05)
            table = app.query_one("#rel-table")
            out["columns"] = [str(c.label) for c in table.columns.values()]
            before = app.config
            await pilot.press("a", "plus", "space")
            await pilot.pause(0.2)
            out["unchanged"] = app.config == before
            await pilot.press("x")
            pane = app.query_one(ReliabilityPane)
            while pane.state == "running":
                await pilot.pause(0.05)
            out["answers"] = text_of(app, "#rel-answers")
            out["status"] = text_of(app, "#rel-status")
            await pilot.pause(0.1)
            answers = app.query_one("#rel-answers").region
            out["answers_rows"] = answers.y, min(answers.bottom, app.size.height - 2) - answers.y  # on screen
            await pilot.press("escape")
            await pilot.pause(0.2)
            out["after_escape"] = (app.current_pane, app.zoomed)
        async with NeuroApp(XorConfig(steps=100), speed=None, sweep_seeds=16).run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            await pilot.pause(0.3)
            out["wide"] = [str(c.label) for c in pilot.app.query_one("#rel-table").columns.values()]
        return out

    out = run(go())
    assert out["columns"][:2] == ["network", "solved"]
    assert "solved" in out["wide"] and "how the rest failed" in out["wide"]
    assert out["unchanged"]
    assert "(waiting)" not in out["answers"] and "stopped first" in out["answers"]
    assert "3. The loss every 200 steps?" in out["answers"]
    top, rows = out["answers_rows"]  # at 80x24 the answers were under the histogram, off-screen
    assert top <= 6 and rows >= 12, out["answers_rows"]
    assert "lesson settings" in out["status"]
    assert out["after_escape"] == (2, False)


# ----- 9. neuron fields -------------------------------------------------------------------------
def test_neuron_fields_huge_nan_empty_typing_and_fast_nudges():
    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None)
        out = {}
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await type_into(pilot, app, "field-x1", "1e308")
            out["huge"] = text_of(app, "#neuron-math")
            await type_into(pilot, app, "field-w1", "10")
            await type_into(pilot, app, "field-x2", "1e308")
            await type_into(pilot, app, "field-w2", "-10")
            out["nan"] = text_of(app, "#neuron-math")
            await type_into(pilot, app, "field-b", "")
            out["empty"] = text_of(app, "#neuron-error")
            out["footer_while_typing"] = {
                a: app.check_action(a, ()) for a in ("session", "restart", "quit")}
            field = app.query_one("#field-x3", NumberField)
            field.focus()
            await pilot.pause()
            await pilot.press("up", "up", "up")
            await pilot.pause(0.2)
            out["nudged"] = (field.value, field.good)
        return out

    out = run(go())
    assert max(len(line) for line in out["huge"].splitlines()) < 70  # no 308-digit number
    assert "e+308" in out["huge"] or "e+307" in out["huge"]
    assert re.search(r"ReLU\(z\) = nan", out["nan"])
    assert "b: the field is empty; keeping 0.1" in out["empty"]
    assert out["footer_while_typing"] == {"session": False, "restart": False, "quit": True}
    assert out["nudged"] == ("0.8", 0.8)  # 0.5 + three nudges of 0.1


# ----- 10. small terminals -------------------------------------------------------------------
def test_one_pane_mode_says_how_to_switch_panes():
    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            single = [app.query_one(f"#{pid}").display for pid in ("neuron", "activations", "xor")] == [False, False, True]
            return single, text_of(app, "#topbar"), app.xor.snapshot.boundary

    single, top, grid = run(go())
    assert single and "1 2 3: switch pane" in top
    assert len(grid) >= 10


# ----- 11. wording and small things -------------------------------------------------------------
def test_the_status_line_says_step_in_the_singular_and_the_lr_keys_walk_1_3_10():
    from neurotui.tui.glyphs import ASCII
    from neurotui.tui.panes.xor_text import status_line

    assert status_line(ASCII, "paused", None, 1, None).plain == "* paused (speed 1/s)"
    assert status_line(ASCII, "running", None, 500, 480.0).plain == "* running 480 steps/s (speed 500/s)"
    s = Session(config=XorConfig(lr=3.0))
    up = []
    with pytest.raises(Refused, match="learning rate stays within 0.001-100"):
        while True:
            s.step_lr(+1)
            up.append(s.config.lr)
    assert up == [10.0, 30.0, 100.0]  # 1-3-10 steps, never 50
    s = Session(config=XorConfig(lr=0.01))
    with pytest.raises(Refused, match="learning rate stays within"):
        for _ in range(3):
            s.step_lr(-1)
    assert s.config.lr == 0.001


def test_a_change_while_paused_stays_paused():
    async def go():
        app = NeuroApp(XorConfig(steps=2000), speed=10)
        async with app.run_test(size=(120, 40)) as pilot:
            while app.xor.snapshot is None or app.xor.state != "running":
                await pilot.pause(0.05)
            await pilot.press("space")
            await pilot.pause(0.2)
            await pilot.press("a")
            await pilot.pause(0.8)
            return app.config.activation, app.xor.state, app.xor.snapshot.step if app.xor.snapshot else 0

    activation, state, step = run(go())
    assert activation == "relu" and state == "paused" and step == 0


def test_lab_boundary_under_a_c_locale_is_ascii():
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k != "LANG"}
    env["LC_ALL"] = "C"
    out = subprocess.run([sys.executable, "-m", "neurotui", "lab", "--boundary", "--steps", "50"],
                         capture_output=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0
    assert out.stdout.isascii() and b"decision boundary" in out.stdout


# ----- 12. for a learner ----------------------------------------------------------------------
def test_learner_hints_ticks_and_weight_numbers():
    async def go():
        app = NeuroApp(XorConfig(steps=100), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            rows = text_of(app, "#xor-rows")
            boundary = text_of(app, "#xor-boundary")
            ticks = app.query_one("#act-plot").figure.yticks
            await pilot.press("v", "v", "v")
            await settle(app, pilot)
            await pilot.press("p")
            await pilot.pause(0.2)
            return rows, boundary, ticks, text_of(app, "#view-weights")

    rows, boundary, ticks, weights = run(go())
    assert "x=[0.0, 1.0]" in rows and "true labels" in boundary
    assert {-1.0, 0.0, 1.0} <= set(ticks)
    selected = [line for line in weights.splitlines() if line.startswith("> ")]
    assert len(selected) == 1 and re.search(r"w = [+-]\d\.\d{3} [+-]\d\.\d{3}  b = [+-]\d\.\d{3}", selected[0])


# ----- the README's key table is the app's ----------------------------------------------------
def test_readme_key_table_matches_the_key_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Keys", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for line in section.splitlines():
        m = re.match(r"\|\s*(.+?)\s*\|", line)
        if m and "`" in m.group(1):
            documented |= set(re.findall(r"`([^`]+)`", m.group(1)))
    app_keys = {k.shown_key for k in APP_KEYS + XOR_KEYS + LESSON_KEYS if k.binding_id != "quit_now"} | {"ctrl+c", "ctrl+p"}
    missing = app_keys - documented
    unknown = documented - app_keys - {"up", "down", "esc", "f", "w", "x", "Esc", "r"}
    assert not missing, f"keys the README does not list: {sorted(missing)}"
    assert not unknown, f"keys the README lists that the app does not have: {sorted(unknown)}"


# ----- 17. validation points on request, so the prediction stays readable ----------------------------
def test_validation_points_show_only_when_asked_for_and_the_legend_says_how(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # glyphs in the text: O X are validation points

    def picture(app) -> str:
        view = app.query_one("#xor-boundary")
        return "\n".join(strip.text for strip in (view.render_line(y) for y in range(view.size.height)))

    async def go():
        app = NeuroApp(XorConfig(dataset="xor-noisy", samples=200, noise=0.3, val_split=0.8, steps=50), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            hidden = picture(app)
            await pilot.press("V")
            await settle(app, pilot)
            shown = picture(app)
            await pilot.press("V")
            await settle(app, pilot)
            return hidden, shown, picture(app)

    hidden, shown, again = run(go())
    grid = lambda text: "\n".join(text.splitlines()[:-3])  # noqa: E731 - the picture without its legend
    assert not re.search("[OX]", grid(hidden)) and re.search("[ox]", grid(hidden))
    assert re.search("[OX]", grid(shown)) and "O X: validation" in shown
    assert "V shows validation" in hidden and again == hidden


def test_v_on_the_lessons_four_rows_says_there_is_nothing_to_show():
    async def go():
        app = NeuroApp(XorConfig(steps=20), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("V")
            await pilot.pause(0.1)
            return [n.message for n in app._notifications]

    assert any("no validation points" in m for m in run(go()))
