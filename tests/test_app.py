"""Pilot tests: each key does what the Footer says, and runs never mix."""

import asyncio

from neurotui.core.model.config import XorConfig
from neurotui.session.control import SPEEDS
from neurotui.tui.app import NeuroApp
from neurotui.tui.help import HelpScreen
from neurotui.tui.messages import TrainProgress
from neurotui.tui.panes.activations import ActivationsPane
from neurotui.tui.panes.neuron import NeuronPane, NumberField
from neurotui.tui.panes.xor import XorPane
from neurotui.tui.panes.xor_loss import spans_decades
from neurotui.tui.screenshots import settle


def text_of(app, selector) -> str:
    return str(app.query_one(selector).render())


def run(coro):
    return asyncio.run(coro)


async def _started(app, pilot):
    while app.query_one(XorPane).snapshot is None:
        await pilot.pause(0.05)


def test_default_run_ends_with_the_lessons_rows():
    async def go():
        app = NeuroApp(speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            rows = text_of(app, "#xor-rows")
            status = text_of(app, "#xor-status")
        return rows, status

    rows, status = run(go())
    for line in (
        "x=[0.0, 0.0] prob=0.000 pred=0",
        "x=[0.0, 1.0] prob=1.000 pred=1",
        "x=[1.0, 0.0] prob=1.000 pred=1",
        "x=[1.0, 1.0] prob=0.000 pred=0",
        "final_loss= 0.0001",
    ):
        assert line in rows
    assert "done" in status and "step 2000/2000" in status


def test_config_keys_restart_with_the_new_shape():
    async def go():
        app = NeuroApp(XorConfig(steps=300), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            seen = []
            for key, check in (
                ("a", lambda c: c.activation == "relu"),
                ("plus", lambda c: c.hidden == 6),
                ("minus", lambda c: c.hidden == 4),
                ("s", lambda c: c.seed == 43),
            ):
                before = app.xor.run_id
                await pilot.press(key)
                await settle(app, pilot)
                assert app.xor.run_id == before + 1, key
                assert check(app.config), key
                seen.append(text_of(app, "#xor-config"))
            before = app.xor.run_id
            await pilot.press("r")
            await settle(app, pilot)
            assert app.xor.run_id == before + 1 and app.config.seed == 43
            return seen, text_of(app, "#act-table")

    seen, table = run(go())
    assert "ReLU" in seen[0]
    assert seen[1].startswith("2-6-1") and seen[2].startswith("2-4-1")
    assert "seed 43" in seen[3]
    assert "ReLU" in table  # the activations pane follows the training activation


def test_hidden_units_stay_within_limits():
    async def go():
        app = NeuroApp(XorConfig(hidden=1, steps=50), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            run_id = app.xor.run_id
            await pilot.press("minus")
            await pilot.pause(0.1)
            return app.config.hidden, app.xor.run_id == run_id

    hidden, no_restart = run(go())
    assert hidden == 1 and no_restart


def test_pause_step_and_resume():
    async def go():
        app = NeuroApp(XorConfig(steps=100000), speed=100)
        async with app.run_test(size=(120, 40)) as pilot:
            await _started(app, pilot)
            await pilot.press("space")
            await pilot.pause(0.3)
            xor = app.query_one(XorPane)
            assert xor.state == "paused"
            step = xor.snapshot.step
            await pilot.pause(0.4)
            assert xor.snapshot.step == step  # nothing moves while paused
            await pilot.press("full_stop")
            for _ in range(40):
                await pilot.pause(0.05)
                if xor.snapshot.step == step + 1:
                    break
            assert xor.snapshot.step == step + 1
            await pilot.press("space")
            await pilot.pause(0.5)
            assert xor.state == "running" and xor.snapshot.step > step + 1

    run(go())


def test_view_toggles_speed_and_help():
    async def go():
        app = NeuroApp(XorConfig(steps=200), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            before = app.query_one("#xor-loss").figure
            assert "(automatic)" in before.title and before.log_y == spans_decades(app.xor.snapshot.losses)
            await pilot.press("l")  # the other axis, chosen by hand from now on
            after = app.query_one("#xor-loss").figure
            assert after.log_y != before.log_y and "(automatic)" not in after.title
            assert ("log scale" in after.title) == after.log_y
            await pilot.press("d")
            assert app.query_one(ActivationsPane).slopes
            assert "slopes" in app.query_one(ActivationsPane).border_title
            i = app.session.speed_index
            await pilot.press("left_square_bracket")
            assert app.session.speed_index == i - 1
            await pilot.press("right_square_bracket", "right_square_bracket")
            assert app.session.speed == SPEEDS[-1]  # flat out is the top and stays there
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)

    run(go())


def test_pane_keys_and_zoom():
    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            panes = {p.id: p for p in app.query(".pane") if p.id != "reliability"}
            assert all(p.display for p in panes.values())
            assert not app.query_one("#reliability").display  # only ever shown zoomed (key 4)
            await pilot.press("2")
            assert app.focused is panes["activations"]
            await pilot.press("z")
            await pilot.pause(0.1)
            shown = [pid for pid, p in panes.items() if p.display]
            await pilot.press("z")
            await pilot.pause(0.1)
            back = all(p.display for p in panes.values())
            await pilot.press("1")
            assert app.focused is panes["neuron"]
            return shown, back

    shown, back = run(go())
    assert shown == ["activations"] and back


def test_small_terminal_shows_one_pane_at_a_time():
    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            shown = [p.id for p in app.query(".pane") if p.display]
            await pilot.press("1")
            await pilot.pause(0.1)
            shown_after = [p.id for p in app.query(".pane") if p.display]
            return shown, shown_after

    shown, after = run(go())
    assert shown == ["xor"] and after == ["neuron"]


def test_invalid_neuron_input_keeps_the_last_good_value():
    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            pane = app.query_one(NeuronPane)
            field = app.query_one("#field-x1", NumberField)
            field.focus()
            await pilot.press("up")
            await pilot.pause(0.05)
            nudged = (field.value, pane.values()[0][0], text_of(app, "#neuron-math"))
            field.value = ""
            await pilot.press("a", "b", "c")
            await pilot.pause(0.05)
            bad = (field.has_class("-invalid"), text_of(app, "#neuron-error"),
                   pane.values()[0][0], text_of(app, "#neuron-math"))
            for text in ("nan", "inf"):
                field.value = text
                await pilot.pause(0.05)
                assert field.has_class("-invalid")
            field.value = "1"
            await pilot.pause(0.05)
            return nudged, bad, field.has_class("-invalid"), text_of(app, "#neuron-math")

    nudged, bad, still_invalid, fixed = run(go())
    assert nudged[0] == "0.9" and nudged[1] == 0.9
    assert "= 0.46" in nudged[2]  # 0.9*0.2 + 0.3*(-0.4) + 0.5*0.6 + 0.1
    invalid, message, kept, math_text = bad
    assert invalid and "'abc' is not a finite number; keeping 0.9" in message
    assert kept == 0.9 and "= 0.46" in math_text
    assert not still_invalid and "= 0.48" in fixed  # 1*0.2 - 0.12 + 0.3 + 0.1


def test_stale_run_messages_are_dropped():
    async def go():
        app = NeuroApp(XorConfig(steps=100), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            good = app.query_one(XorPane).snapshot
            from dataclasses import replace

            stale = replace(good, step=7, losses=good.losses[:7])
            app.post_message(TrainProgress(app.xor.run_id - 1, stale, 1.0))
            await pilot.pause(0.2)
            return app.query_one(XorPane).snapshot.step

    assert run(go()) == 100


def test_quit_mid_run_returns_the_config_without_waiting_for_the_run():
    """q ends the app while the run is still training: the worker is cancelled, not waited for.
    (The time it takes is measured by `neurotui bench --bandwidth`, not asserted here.)"""
    async def go():
        app = NeuroApp(XorConfig(steps=200000, seed=7), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await _started(app, pilot)
            await pilot.pause(0.3)
            pane = app.xor  # the app's widgets are gone once it has exited
            await pilot.press("q")
        return app.return_value, pane.snapshot

    value, last = run(go())
    assert value == XorConfig(steps=200000, seed=7)
    assert 0 < last.step < 200000 and not last.finished  # quit came first, the run's end never did


def test_the_command_palette_runs_actions_by_name_and_hides_textuals_maximize():
    from textual.command import CommandPalette

    async def go():
        app = NeuroApp(XorConfig(steps=200), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            before = app.config.activation
            await pilot.press("ctrl+p")
            await pilot.pause(0.3)
            assert isinstance(app.screen, CommandPalette)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            await pilot.press(*"Cycle hidden activation")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await pilot.pause(0.3)
            return before, app.config.activation, titles

    before, after, titles = run(go())
    assert (before, after) == ("tanh", "relu")
    assert "Maximize" not in titles
    assert {"More hidden units", "Zoom pane", "Write result card", "Reliability: many seeds at once"} <= set(titles)


def test_views_compare_depth_optimizer_and_lr_keys():
    async def go():
        app = NeuroApp(XorConfig(steps=300), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            xor = app.query_one(XorPane)
            views = []
            for _ in range(7):
                await pilot.press("v")
                await settle(app, pilot)
                views.append(xor.view)
            await pilot.press("v")  # features again: the snapshot now carries per-unit maps
            await settle(app, pilot)
            await pilot.pause(0.5)
            features = xor.snapshot.picture("inside").features
            await pilot.press("v", "v", "v", "v")  # back to the boundary
            await pilot.press("c")
            await pilot.pause(0.2)
            await settle(app, pilot)
            compare = (xor.compare, xor.other is not None and xor.other.loss, text_of(app, "#cmp-b-title"))
            await pilot.press("b")
            await settle(app, pilot)
            b_activation = app.session.other.activation
            await pilot.press("c")
            await pilot.pause(0.2)
            await settle(app, pilot)
            await pilot.press("n")
            await settle(app, pilot)
            layers = app.config.layers
            await pilot.press("o")
            await settle(app, pilot)
            optimizer = app.config.optimizer
            await pilot.press("greater_than_sign")
            await settle(app, pilot)
            lr_up = app.config.lr
            await pilot.press("less_than_sign", "less_than_sign")
            await settle(app, pilot)
            return views, features, compare, b_activation, layers, optimizer, lr_up, app.config.lr

    views, features, compare, b_act, layers, optimizer, lr_up, lr_down = run(go())
    assert views == ["features", "space", "weights", "network", "landscape", "backward", "boundary"]
    assert features is not None and len(features) == 4  # one map per hidden unit
    on, b_loss, b_title = compare
    assert on and abs(b_loss - 0.6931) < 2e-3 and "None" in b_title  # the failure probe beside it
    assert b_act == "tanh"  # identity -> tanh
    assert layers == 2 and optimizer == "sgd"
    assert lr_up == 0.3 and lr_down == 0.03


def test_diverged_run_stops_and_keeps_a_readable_screen():
    async def go():
        app = NeuroApp(XorConfig(lr=50, optimizer="sgd"), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            xor = app.query_one(XorPane)
            return xor.state, xor.snapshot.step, text_of(app, "#xor-diagnosis")

    state, step, diagnosis = run(go())
    assert state == "diverged" and step < 2000
    assert "saturated" in diagnosis and "lower the learning rate" in diagnosis


def test_card_key_writes_a_new_file_each_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def go():
        app = NeuroApp(XorConfig(steps=200), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            for count in (1, 2):
                await pilot.press("e")
                for _ in range(600):  # the card trains the failure probe first: wait for the file
                    await pilot.pause(0.05)
                    if len(list(tmp_path.iterdir())) >= count:
                        break

    run(go())
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["neurotui-card-1.md", "neurotui-card.md"]
    text = (tmp_path / "neurotui-card.md").read_text()
    assert "x=[0.0, 1.0] prob=" in text


def test_every_binding_has_an_action_method():
    app = NeuroApp()
    for binding in app.BINDINGS:
        name = binding.action.split("(")[0]
        assert callable(getattr(app, f"action_{name}", None)), binding.key


def test_reliability_pane_fills_answers_and_picks_seeds_into_the_xor_pane():
    from neurotui.tui.panes.reliability import ReliabilityPane

    async def go():
        # the app trains something else (lr 0.003, 300 steps): the sweep still answers with the lesson's settings
        app = NeuroApp(XorConfig(steps=300, lr=0.003), speed=None, sweep_seeds=32)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("4")
            pane = app.query_one(ReliabilityPane)
            assert pane.display
            while app.query_one(ReliabilityPane).state == "running":
                await pilot.pause(0.1)
            rows = app.query_one("#rel-table").row_count
            answers = text_of(app, "#rel-answers")
            ident = pane.results[(4, 1, "identity")]
            tanh8 = pane.results[(8, 1, "tanh")]
            # pick the identity row (the cursor starts on row 0: hidden 2, layers 1, tanh)
            await pilot.press(*["down"] * pane.order.index((4, 1, "identity")))
            await pilot.press("f")
            await settle(app, pilot)
            failed = (app.config, app.query_one(XorPane).snapshot.diagnosis.kind, app.current_pane)
            await pilot.press("4")
            await pilot.press("w")  # no working seed in the identity row: says so, changes nothing
            await pilot.pause(0.2)
            return rows, answers, ident, tanh8, failed, app.config

    rows, answers, ident, tanh8, failed, after = run(go())
    assert rows == 24
    assert ident.solved_fraction == 0.0 and abs(ident.median_final_loss - 0.6931) < 2e-3
    assert tanh8.solved_fraction > 0.5
    for q in ("1. 2 hidden units", "2. ReLU", "4. No hidden activation", "5. One more hidden layer"):
        assert q in answers
    assert "(waiting)" not in answers
    assert "lesson settings: Adam lr 0.1, 2000 steps, seeds 0-31" in answers
    assert "3. The loss every 200 steps?" in answers and "--log-every 200" in answers
    config, kind, pane_index = failed
    assert (config.hidden, config.layers, config.activation, config.steps, config.lr) == (4, 1, "identity", 2000, 0.1)
    assert kind == "linear" and pane_index == 2
    assert after == config


def test_every_replay_frame_is_drawn_at_the_size_on_screen_from_step_0():
    # the worker used to keep its first frames at a guessed 6x6 grid when it beat the first layout
    async def go():
        sizes = []
        for _ in range(3):
            app = NeuroApp(XorConfig(steps=300), speed=None)
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(app, pilot)
                frames = app.xor.snapshot.frames
                sizes.append(({(f.rows, f.cols) for f in frames}, app.xor.grid_size(), frames[0].step))
        return sizes

    for kept, on_screen, first in run(go()):
        assert kept == {on_screen} and first == 0
