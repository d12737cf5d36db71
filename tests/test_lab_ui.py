"""The app's side of data, presets, bugs and the code view, driven as a user would."""

import asyncio

import pytest

from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.picker import MultiPicker, Picker
from neurotui.tui.screenshots import settle


def text_of(app, selector) -> str:
    return str(app.query_one(selector).render())


def run(coro):
    return asyncio.run(coro)


async def pick(pilot, app, name: str) -> None:
    """In an open Picker, move to `name` and press Enter."""
    screen = app.screen
    assert isinstance(screen, Picker)
    ids = [cid for cid, _ in screen.choices]
    await pilot.press("home", *["down"] * ids.index(name), "enter")
    await pilot.pause(0.2)


def test_preset_picker_restarts_with_the_preset_and_shows_its_question():
    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("P")
            await pilot.pause(0.2)
            await pick(pilot, app, "memorization")
            await settle(app, pilot)
            await pilot.pause(0.7)
            loss = app.query_one("#xor-loss").figure
            return (app.config, text_of(app, "#xor-question"), text_of(app, "#xor-status"),
                    text_of(app, "#xor-diagnosis"), [s.label for s in loss.series], app.xor.snapshot)

    config, question, status, diagnosis, labels, snap = run(go())
    assert (config.dataset, config.hidden, config.layers, config.val_split) == ("xor-noisy", 32, 2, 0.8)
    assert "Solves training but not new data" in question
    assert "acc train 1.00 val 0.83" in status  # the README's memorization figure (0.831)
    assert snap.diagnosis.kind == "memorization" and "memoriz" in diagnosis.lower()
    assert labels == ["train", "validation"]


def test_bug_picker_tags_the_run_the_doctor_names_the_symptom_and_b_again_clears_it():
    async def go():
        app = NeuroApp(XorConfig(steps=300), speed=None)
        out = {}
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("B")
            await pilot.pause(0.2)
            await pick(pilot, app, "no-step")
            await settle(app, pilot)
            out["bug"] = (app.config.bug, text_of(app, "#xor-status"), app.xor.snapshot.diagnosis.kind,
                          text_of(app, "#xor-diagnosis"))
            await pilot.press("B")  # clears, no picker
            await settle(app, pilot)
            out["cleared"] = (app.config.bug, isinstance(app.screen, Picker), app.xor.snapshot.diagnosis.kind)
            await pilot.press("B")
            await pick(pilot, app, "target-shape")
            await settle(app, pilot)
            out["raised"] = (app.is_running, app.xor.state, app.xor.snapshot.diagnosis.kind,
                             text_of(app, "#xor-diagnosis"))
        return out

    out = run(go())
    bug, status, kind, diagnosis = out["bug"]
    assert bug == "no-step" and "BUG no-step" in status and kind == "not_decreasing"
    assert "optimizer.step()" in diagnosis
    assert out["cleared"] == (None, False, "solved")
    running, state, kind, diagnosis = out["raised"]
    assert running and kind == "shape_error" and "Traceback" not in diagnosis


def test_compare_with_a_bug_puts_the_healthy_run_beside_it():
    async def go():
        app = NeuroApp(XorConfig(steps=300, bug="no-step"), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("c")
            await settle(app, pilot)
            await pilot.pause(0.3)
            return (app.session.other, text_of(app, "#cmp-a-title"), text_of(app, "#cmp-b-title"),
                    app.xor.snapshot.diagnosis.kind, app.xor.other.diagnosis.kind)

    other, a_title, b_title, a_kind, b_kind = run(go())
    assert other.bug is None and other.activation == "tanh"
    assert a_kind == "not_decreasing" and b_kind == "solved"
    assert "solved" in b_title
    assert "A: 2-4-1 Tanh, bug no-step" in a_title and "bug" not in b_title


def test_code_view_marks_the_changed_line_and_capital_y_writes_the_script(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("a", "y")
            await settle(app, pilot)
            await pilot.pause(0.3)
            view = app.query_one("#view-code")
            note = text_of(app, "#code-note")
            shown = app.xor.shown
            await pilot.press("Y", "Y")
            await pilot.pause(0.3)
            await pilot.press("y")
            return shown, note, app.xor.shown, view

    shown, note, after, _ = run(go())
    from neurotui.core.course.script import changed_line, script_lines

    line = changed_line(XorConfig(steps=50), XorConfig(steps=50, activation="relu"))
    assert shown == "code" and after == "boundary"
    assert f"line{'' if ',' not in note else 's'} {line}" in note or f"{line}" in note
    assert "nn.ReLU()" in script_lines(XorConfig(steps=50, activation="relu"))[line - 1]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["neurotui-lab-1.py", "neurotui-lab.py"]
    assert "nn.ReLU()" in (tmp_path / "neurotui-lab.py").read_text()


@pytest.mark.parametrize("config", [XorConfig(steps=40, dataset="spiral", batch=16, dropout=0.1),
                                    XorConfig(steps=40, dataset="spiral3", activation="relu")],
                         ids=["spiral-batch-dropout", "spiral3"])
def test_code_view_scrolls_with_the_panes_keys_and_shows_a_datasets_code(config):
    """Opens with the loop in sight, and the arrows, PgUp/PgDn, Home/End scroll it without Tab: End
    is no replay jump there (no toast). A spiral's run has code too, three classes included."""
    from neurotui.core.course.script import script_lines
    from neurotui.tui.widgets.code import loop_lines, model_line

    async def go():
        app = NeuroApp(config, speed=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("y")
            await pilot.pause(0.3)
            scroll = app.query_one("#code-scroll")
            seen = {"open": scroll.scroll_y, "note": text_of(app, "#code-note"), "focus": app.focused}
            for key in ("home", "down", "pagedown", "end", "pageup"):
                await pilot.press(key)
                await pilot.pause(0.1)
                seen[key] = scroll.scroll_y
            seen["max"], seen["page"] = scroll.max_scroll_y, scroll.scrollable_content_region.height
            seen["toasts"] = len(app._notifications)
            return seen

    seen = run(go())
    lines = script_lines(config)
    start, end = loop_lines(lines)
    assert model_line(lines) - 1 <= seen["open"] <= start - 1 < seen["open"] + seen["page"]  # the loop in sight
    assert lines[start - 1].startswith("for step in range(40)") and f"the loop: lines {start}-{end}" in seen["note"]
    assert "PgUp/PgDn" in seen["note"]
    assert seen["home"] == 0 and seen["down"] == 1 and seen["pagedown"] > seen["down"]
    assert seen["end"] == seen["max"] > 0 and seen["max"] - seen["page"] - 1 <= seen["pageup"] < seen["max"]
    assert seen["toasts"] == 0


def test_data_keys_dataset_noise_samples_regularization_and_features():
    async def go():
        app = NeuroApp(XorConfig(steps=30), speed=None)
        seen = []
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("N")  # the lesson's four rows have no noise: refused, nothing restarts
            seen.append(app.config.noise)
            for key in ("D", "D", "N", "M", "R", "R"):
                await pilot.press(key)
                await pilot.pause(0.1)
            await settle(app, pilot)
            c = app.config
            seen.append((c.dataset, c.noise, c.samples, c.l2))
            seen.append(text_of(app, "#xor-config"))
            seen.append(text_of(app, "#xor-rows"))
            await pilot.press("F")
            await pilot.pause(0.2)
            assert isinstance(app.screen, MultiPicker)
            await pilot.press("down", "down", "space", "enter")  # tick x1x2
            await settle(app, pilot)
            seen.append(app.config.features)
            seen.append(app.xor.snapshot.boundary is not None and app.query_one("#xor-boundary").points is not None)
        return seen

    noise, (dataset, noise2, samples, l2), config_line, rows, features, points = run(go())
    assert noise is None
    assert (dataset, noise2, samples, l2) == ("circle", 0.1, 500, 1e-2)  # circle: noise 0.05 -> 0.1, 200 -> 500 points
    assert "data circle" in config_line and "L2 0.01" in config_line
    assert "accuracy" in rows and "x=[0.0, 1.0]" not in rows  # XOR's rows mean nothing on a circle
    assert features == ("x1", "x2", "x1x2")
    assert points


def test_a_remapped_key_and_a_theme_take_effect():
    async def go():
        app = NeuroApp(XorConfig(steps=30), speed=None)
        app.set_keymap({"cycle_activation": "A"})  # what config.toml's [keys] does through launch()
        app.theme = "textual-light"
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("a")
            after_a = app.config.activation
            await pilot.press("A")
            await pilot.pause(0.1)
            return after_a, app.config.activation, app.theme, app.current_theme.dark

    after_a, after_shift_a, theme, dark = run(go())
    assert (after_a, after_shift_a) == ("tanh", "relu")
    assert theme == "textual-light" and not dark
