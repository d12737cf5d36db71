"""Issue 12: half-block boundary, replay frames, the network view, weight edits, the probe."""

from neurotui.tui.widgets.boundary import half_block_rows, half_marks
from neurotui.tui.widgets.palette import HALF, HALF_COLORS


# ----- half-block boundary -------------------------------------------------------------------------
def test_half_blocks_put_two_plane_rows_in_one_text_row():
    grid = [[0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    rows = half_block_rows(grid, {})
    assert len(rows) == 2 and all(len(r) == 3 for r in rows)
    # different colours above and below: the upper half block, upper cell in front, lower behind
    assert rows[0][0] == (HALF, f"{HALF_COLORS[0]} on {HALF_COLORS[-1]}")
    # one colour: a blank on that background
    assert rows[0][1] == (" ", f"on {HALF_COLORS[-1]}")
    assert rows[1][2] == (" ", f"on {HALF_COLORS[0]}")


def test_half_blocks_an_odd_row_count_and_marks():
    grid = [[0.2, 0.9], [0.2, 0.9], [0.7, 0.7]]
    rows = half_block_rows(grid, {(0, 1): "1"})
    assert len(rows) == 2
    assert rows[0][1][0] == "1"  # the data point's glyph wins its cell
    assert rows[1][0][0] == HALF and rows[1][0][1].endswith("on default")


def test_xor_digits_land_on_their_text_rows():
    marks = half_marks(None, 20, 20)
    assert sorted(marks.values()) == ["0", "0", "1", "1"]
    assert {r for r, _ in marks} <= set(range(10))  # 20 plane rows are 10 text rows


# ----- replay frames -------------------------------------------------------------------------------
def test_thinning_keeps_a_bounded_count_first_and_last():
    from neurotui.core.training.replay import Frame, FrameHistory, thin

    assert thin(list(range(10)), 4)[0] == 0 and thin(list(range(10)), 4)[-1] == 9
    assert len(thin(list(range(1000)), 200)) <= 200
    history = FrameHistory(capacity=50)
    grid = [[0.25, 0.75]]
    for step in range(20_000):
        if history.due(step):
            history.add(Frame.of(step, grid, (0.0,) * 4, step))
    history.add(Frame.of(20_000, grid, (0.0,) * 4, 20_000))  # the end is always kept
    steps = [f.step for f in history.frames]
    assert len(steps) <= 50 and steps[0] == 0 and steps[-1] == 20_000
    gaps = {b - a for a, b in zip(steps, steps[1:-1])}
    assert len(gaps) == 1  # evenly spaced
    assert history.frames[-1].grid() == ((0.25, 0.75),)


# ----- the app: network view, edits, replay, probe -----------------------------------------------
import asyncio  # noqa: E402
import re  # noqa: E402

import torch  # noqa: E402

from neurotui.core.lesson import XOR_X, XOR_Y  # noqa: E402
from neurotui.core.model.config import XorConfig  # noqa: E402
from neurotui.tui.app import NeuroApp  # noqa: E402
from neurotui.tui.screenshots import settle  # noqa: E402
from neurotui.tui.widgets.network import Item, NetworkView  # noqa: E402


def run(coro):
    return asyncio.run(coro)


async def network_of(app, pilot):
    for _ in range(100):
        if app.xor.snapshot.picture("network") is not None and app.query_one(NetworkView).network is not None:
            return app.xor.snapshot.picture("network")
        await pilot.pause(0.05)
    raise AssertionError("no network picture came")


def test_selection_edit_bad_esc_and_resume_from_the_edited_weights():
    async def go():
        app = NeuroApp(XorConfig(), speed=None, pause_at=300)
        seen = {}
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("v", "v", "v", "v")  # the network view
            await network_of(app, pilot)
            view = app.query_one(NetworkView)
            await pilot.press("right", "down", "right")  # a unit, the next one, its first link... then on
            seen["selected"] = view.selected
            seen["info"] = str(view.info())
            # Esc cancels: nothing changes
            await pilot.press("enter")
            seen["field_shown"] = app.query_one("#net-edit").display
            await pilot.press("escape")
            await pilot.pause(0.2)
            seen["after_esc"] = (app.query_one("#net-edit").display, app.xor.snapshot.edits)
            # a bad number is marked and the old value kept
            await pilot.press("enter")
            field = app.query_one("#net-edit")
            field.value = "abc"
            await pilot.press("enter")
            await pilot.pause(0.2)
            seen["bad"] = (field.has_class("-invalid"), field.display, app.xor.snapshot.edits)
            await pilot.press("escape")
            # a good one: every weight of the output layer set by hand
            await pilot.press("enter")
            field.value = "3.5"
            await pilot.press("enter")
            for _ in range(100):
                if app.xor.snapshot.edits:
                    break
                await pilot.pause(0.05)
            snap = app.xor.snapshot
            seen["edit"] = (snap.edits, snap.loss, snap.step, app.xor.paused)
            net = snap.picture("network")
            seen["weights"] = (net.weights, net.biases)
            seen["grads"] = (net.weight_grads, net.bias_grads)
            # resume: the first step's loss is the edited model's forward pass
            await pilot.press("full_stop")
            for _ in range(100):
                if app.xor.snapshot.step == 301:
                    break
                await pilot.pause(0.05)
            seen["resumed"] = app.xor.snapshot.losses[300]
            await pilot.press("q")
        seen["quit_edits"] = [e.name for e in app.hand_edits]  # what the quit line lists
        return seen

    seen = run(go())
    assert seen["selected"] == Item(2, 0, 0)  # output column, the link from h1
    assert "link w2[0,0] h1 -> out" in seen["info"] and "gradient" in seen["info"]
    assert seen["field_shown"] and seen["after_esc"] == (False, ())
    invalid, shown, edits = seen["bad"]
    assert invalid and shown and edits == ()
    edits, shown_loss, step, paused = seen["edit"]
    assert len(edits) == 1 and edits[0].name == "w2[0,0]" and edits[0].new == 3.5 and step == 300 and paused
    weights, biases = seen["weights"]
    assert weights[1][0][0] == 3.5
    # the edited model, rebuilt by hand from the numbers the view shows
    x, y = torch.tensor(XOR_X), torch.tensor(XOR_Y).reshape(-1, 1)
    w1, b1, w2, b2 = (torch.tensor(v, requires_grad=True) for v in (weights[0], biases[0], weights[1], biases[1]))
    p = torch.sigmoid(torch.tanh(x @ w1.T + b1) @ w2.T + b2)
    bce = torch.nn.functional.binary_cross_entropy(p, y)
    bce.backward()
    loss = bce.item()
    assert abs(shown_loss - loss) < 1e-5  # shown at once, from a forward pass
    # and the gradients shown are the edited model's, not the last step's
    weight_grads, bias_grads = seen["grads"]
    assert torch.allclose(torch.tensor(weight_grads[1]), w2.grad, atol=1e-7)
    assert torch.allclose(torch.tensor(bias_grads[0]), b1.grad, atol=1e-7)
    assert abs(seen["resumed"] - loss) < 1e-5  # training resumed from the edited weights
    assert seen["quit_edits"] == ["w2[0,0]"]


def test_replay_keys_step_through_frames_and_a_training_key_leaves():
    async def go():
        app = NeuroApp(XorConfig(), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            frames = app.xor.snapshot.frames
            await pilot.press("left")
            last = (app.xor.replay, str(app.query_one("#xor-status").render()))
            await pilot.press("home")
            first = (app.xor.replay, str(app.query_one("#xor-status").render()),
                     app.query_one("#xor-loss").figure.vline)
            await pilot.press("right")
            doctor = [(app.xor.replay_frame().step, str(app.query_one("#xor-diagnosis").render()))]
            await pilot.press("right")
            two = app.xor.replay_frame().step
            await pilot.press("end")
            end = app.xor.replay
            doctor.append(str(app.query_one("#xor-diagnosis").render()))  # the last frame, as replayed
            await pilot.press("space")  # a training key (the run is over: it only leaves replay)
            doctor.append(str(app.query_one("#xor-diagnosis").render()))
            return frames, last, first, two, end, app.xor.replay, doctor

    frames, last, first, two, end, after, doctor = run(go())
    # the doctor speaks of the frame on screen: mid-run words while replaying, the verdict after
    assert doctor[0] == (frames[1].step, "training")  # step ~10: row 4 is still wrong
    assert doctor[1] == "all four rows correct so far"
    assert doctor[2].startswith("solved: all four XOR rows correct")
    assert 100 <= len(frames) <= 200 and frames[0].step == 0 and frames[-1].step == 2000
    assert last[0] == len(frames) - 2 and f"replay step {frames[-2].step}/2000" in last[1]
    assert first[0] == 0 and "replay step 0/2000" in first[1] and first[2] == 1.0
    assert two == frames[2].step and end == len(frames) - 1
    assert after is None


def test_a_click_on_the_boundary_probes_that_point():
    async def go():
        app = NeuroApp(XorConfig(), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            boundary = app.query_one("#xor-boundary")
            rows, cols = boundary.wanted_size()
            await pilot.click("#xor-boundary", offset=(cols - 1, 0))  # top right: x1 ~ 1.2, x2 ~ 1.2
            for _ in range(100):
                net = app.xor.snapshot.picture("network")
                if net is not None and net.probe is not None:
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            return app.xor.snapshot.picture("network").probe, str(app.query_one("#xor-rows").render())

    (x1, x2, (p,), hidden), rows = run(go())
    assert x1 > 1.0 and x2 > 1.0 and 0.0 <= p <= 1.0 and len(hidden[0]) == 4
    assert "probe x1=" in rows and "p(y=1)=" in rows and "h1 " in rows


def test_the_loss_axis_turns_log_by_itself_past_two_decades():
    from neurotui.tui.panes.xor_loss import spans_decades

    assert spans_decades([0.7, 0.5, 0.001]) and not spans_decades([0.7, 0.5, 0.01])
    assert not spans_decades([float("nan"), 0.0])


def test_at_80x24_the_boundary_keeps_20_plane_rows_the_doctor_sits_beside_it_and_the_loss_has_axes():
    async def go():
        app = NeuroApp(XorConfig(steps=100), speed=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.pause(0.3)
            return (app.xor.compact, app.xor.grid_size(), str(app.query_one("#xor-rows").render()),
                    app.query_one("#xor-diagnosis").display, str(app.query_one("#xor-loss").render()))

    compact, (plane_rows, _), side, diagnosis_shown, loss = run(go())
    assert compact and plane_rows >= 20
    assert "solved" in side and "x=[0.0, 1.0]" in side and "true labels" in side
    assert not diagnosis_shown
    assert "┤" in loss and len(loss.splitlines()) >= 5  # a plot with its axis, not a sparkline


def test_hidden_feature_tiles_grow_with_their_space_and_a_click_focuses_a_pane():
    from neurotui.tui.widgets.inside import FeaturesView

    async def go():
        app = NeuroApp(XorConfig(steps=30), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.click("#act-table")
            focused = type(app.focused).__name__
            await pilot.press("3", "v")
            await settle(app, pilot)
            await pilot.pause(0.5)
            small = len(app.xor.snapshot.picture("inside").features[0])
            await pilot.press("z")  # zoom enlarges the features view it is in
            await settle(app, pilot)
            await pilot.pause(0.5)
            maps = app.xor.snapshot.picture("inside").features
            return focused, small, (len(maps[0]), len(maps[0][0])), app.query_one(FeaturesView).size

    focused, small, (rows, cols), size = run(go())
    assert focused == "ActivationsPane"
    assert rows > small and rows >= 10 and cols == 2 * rows  # five maps side by side fill the zoomed pane


def test_the_boundary_takes_its_colours_from_the_theme():
    from textual.theme import BUILTIN_THEMES

    from neurotui.tui.widgets.boundary import BoundaryView
    from neurotui.tui.widgets.palette import theme_palette

    async def go():
        app = NeuroApp(XorConfig(steps=30), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            dark = app.query_one("#xor-boundary", BoundaryView).palette
            app.theme = "textual-light"
            await pilot.pause(0.2)
            view = app.query_one("#xor-boundary", BoundaryView)
            return dark, view.palette, str(view.render())

    dark, light, picture = run(go())
    assert dark == theme_palette(BUILTIN_THEMES["textual-dark"])
    assert light == theme_palette(BUILTIN_THEMES["textual-light"]) != dark
    assert dark[0] == BUILTIN_THEMES["textual-dark"].primary.upper() or dark[0].upper() == "#0178D4"
    assert "near 1" in picture


def test_compare_chooses_the_log_axis_from_both_curves():
    async def go():
        app = NeuroApp(XorConfig(bug="no-step", steps=300), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("c")
            await settle(app, pilot)
            await pilot.pause(0.7)
            return app.query_one("#xor-loss").figure

    figure = run(go())
    assert figure.log_y and "log scale (automatic)" in figure.title  # A is flat, B falls by decades


# ----- issue 20 item 8: wide layers are summarised, never wrapped or mislabelled -----------------
def test_network_view_with_32_units_summarises_and_never_wraps():
    async def go():
        app = NeuroApp(XorConfig(hidden=32, layers=2, steps=60), speed=None)
        seen = {}
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("3", "z", "v", "v", "v", "v")  # zoomed at 120x40, then the network view
            await network_of(app, pilot)
            await pilot.pause(0.3)
            for size in ((120, 40), (80, 24)):
                await pilot.resize_terminal(*size)
                await settle(app, pilot)
                await pilot.pause(0.5)
                view = app.query_one(NetworkView)
                seen[size] = (view.size.width, str(view.render()))
        return seen

    for (cols, _), (width, text) in run(go()).items():
        lines = text.splitlines()
        assert all(len(line) <= width for line in lines), f"a line wider than the view at {cols} columns"
        summary = [line for line in lines if "strongest of 32 units" in line]
        assert summary and summary[0].startswith("showing h's ") and "g's " in summary[0], summary
        header = next(line for line in lines if line.startswith("in "))
        names = re.findall(r"\b[hg]\d+\b", header)
        shown = int(re.search(r"h's (\d+) strongest", summary[0]).group(1))
        assert 1 <= shown < 32
        assert len(set(names)) == len(names), f"a unit named twice in the header: {header}"  # h1 h1 h1...
        assert any(int(n[1:]) >= 10 for n in names)  # h10+ keep their number (seed 42 keeps some)
