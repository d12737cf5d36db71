"""The app on a --data file (issue 32): its columns in the legend, its scaling on the config line,
and `I` drawing the next pair of input columns."""

import asyncio
from pathlib import Path

import pytest

from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp
from neurotui.tui.screenshots import settle
from neurotui.tui.widgets.boundary import BoundaryView

DATA = Path(__file__).parent / "data"


def test_a_four_column_file_names_its_axes_and_i_cycles_the_plotted_pair():
    async def go():
        app = NeuroApp(XorConfig(data=str(DATA / "flowers4.csv"), steps=100), speed=None)
        out = {}
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            view = app.query_one("#xor-boundary", BoundaryView)
            out["legend"] = str(view.legend_text())
            out["screen"] = " ".join(str(w.render()) for w in app.query("Static"))
            out["cut"] = view.axes_cut()
            await pilot.press("I")
            await settle(app, pilot)
            await pilot.pause(0.3)
            out["plot"] = app.config.plot
            out["legend2"] = str(app.query_one("#xor-boundary", BoundaryView).legend_text())
        return out

    out = asyncio.run(go())
    # the axes' ranges in the file's own units (the model's inputs are standardized: about -2..2): beside
    # the picture, where its legend has room for the names alone (at 120x40)
    assert out["legend"].splitlines()[0] == "sepal_length →, sepal_width ↑; 2 at mean"
    axes = out["cut"]
    assert axes.startswith("sepal_length ") and "; 2 held at mean" in axes and f"axes: {axes}" in out["screen"]
    (lo1, hi1), (lo2, hi2) = (map(float, part.split()[-2].split("..")) for part in axes.split(";")[0].split(","))
    column = {name: [float(r[k]) for r in rows()] for k, name in enumerate(("sepal_length", "sepal_width"))}
    assert lo1 <= min(column["sepal_length"]) and hi1 >= max(column["sepal_length"]) and hi1 - lo1 < 2 * 4
    assert lo2 <= min(column["sepal_width"]) and hi2 >= max(column["sepal_width"])
    assert "inputs standardized" in out["screen"]
    assert out["plot"] == "sepal_length,petal_length"
    assert out["legend2"].startswith("sepal_length ") and " →, petal_length " in out["legend2"]


def rows():
    lines = (DATA / "flowers4.csv").read_text().splitlines()[1:]
    return [line.split(",") for line in lines]


def test_a_regression_file_s_colour_scale_reads_in_the_file_s_units():
    async def go():
        app = NeuroApp(XorConfig(data=str(DATA / "integer_target.csv"), task="regress", steps=50).validated(),
                       speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            screen = " ".join(str(w.render()) for w in app.query("Static"))
            return str(app.query_one("#xor-boundary", BoundaryView).legend_text()), screen, app.xor.snapshot

    legend, screen, snap = asyncio.run(go())
    # the loss on the status line is the file's MSE, as lab prints it (not the standardized ~0.1)
    from neurotui.core.numbers import loss_text

    assert snap.shown_loss > 50 and abs(snap.shown_loss - snap.loss * snap.loss_factor) < 1e-9
    assert f"loss MSE {loss_text(snap.shown_loss)}" in screen
    ends = [float(w) for w in legend.split("██")[1:] for w in [w.split()[0]]]
    targets = [float(line.split(",")[-1]) for line in (DATA / "integer_target.csv").read_text().splitlines()[1:]]
    mean = sum(targets) / len(targets)
    # low, middle, high: about the training mean, not a standardized 0 (trained on (y - mean) / std)
    assert ends[0] < mean < ends[2] and abs(ends[1] - mean) < 10 and ends[2] >= max(targets) - 1





@pytest.mark.parametrize("features", ["x1,x2", "x1,x2,x1x2,sinx1"])
def test_every_view_draws_a_thirteen_column_file(features):
    async def go():
        app = NeuroApp(XorConfig(data=str(DATA / "wide13.csv"), steps=60, features=features), speed=None)
        seen = []
        async with app.run_test(size=(140, 44)) as pilot:
            await settle(app, pilot)
            for _ in range(6):  # boundary, hidden features, hidden space, weights, network, landscape
                await pilot.press("v")
                await settle(app, pilot)
                await pilot.pause(0.3)
                seen.append(app.xor.snapshot is not None and app.xor.snapshot.error is None)
            return seen, app.return_code

    seen, code = asyncio.run(go())
    assert all(seen) and code in (None, 0)
    if features != "x1,x2":  # the network view names the features of the pair, then the other 11 inputs
        app_net = XorConfig(data=str(DATA / "wide13.csv"), features=features).validated()
        from neurotui.core.data.datasets import input_names

        assert input_names(app_net)[:5] == ("x1", "x2", "x1x2", "sinx1", "m2") and len(input_names(app_net)) == 15


def test_a_ten_column_regression_s_legend_fits_under_its_picture_at_120x40():
    """The axes' wording that fits one row (with ranges, else the names alone): a wrapped axes row pushed
    a regression legend's last row ('prediction') out of the picture's three legend rows."""
    async def go():
        app = NeuroApp(XorConfig(data=str(DATA / "noisy_target.csv"), steps=30), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            view = app.query_one("#xor-boundary", BoundaryView)
            return str(view.legend_text()), view.size.width

    legend, width = asyncio.run(go())
    rows = legend.splitlines()
    assert len(rows) == 3 and all(len(r) <= width for r in rows), (rows, width)
    assert rows[0].startswith("s0 ") and "↑" in rows[0] and rows[-1].startswith("prediction")


def test_a_k_class_file_s_probe_names_the_predicted_class():
    """The probe of a K-class file: the class the model predicts there and its softmax probability, not
    the first class's raw score."""
    from neurotui.core.model.network import look_network
    from neurotui.core.training.trainer import Trainer
    from neurotui.tui.panes.xor_text import probe_output

    t = Trainer(XorConfig(data=str(DATA / "flowers4.csv"), steps=200))
    t.run()
    x = t.data.val_x
    _, _, outputs, _ = look_network(t.model, x, t.facts.inputs, probe=(1.0, 1.0)).probe
    assert len(outputs) == 3
    best = max(range(3), key=outputs.__getitem__)
    assert probe_output(t.task, outputs).startswith(f"class {best} (p=")
    assert probe_output(t.task, (0.1, 2.0, -1.0)) == "class 1 (p=0.834)"


def test_a_text_labelled_file_s_classes_are_named_in_the_app_s_probe_and_legend():
    async def go():
        app = NeuroApp(XorConfig(data=str(DATA / "flowers4.csv"), steps=100), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            boundary = app.query_one("#xor-boundary", BoundaryView)
            rows, cols = boundary.wanted_size()
            await pilot.click("#xor-boundary", offset=(cols - 1, 0))
            for _ in range(100):
                net = app.xor.snapshot.picture("network")
                if net is not None and net.probe is not None:
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            return (app.xor.snapshot.picture("network").probe, str(app.query_one("#xor-rows").render()),
                    str(boundary.legend_text()), str(boundary.legend_text(short=True)))

    (_, _, outputs, _), rows, legend, short = asyncio.run(go())
    names = ("setosa", "versicolor", "virginica")  # the file's labels, sorted: classes 0, 1, 2
    best = names[max(range(3), key=outputs.__getitem__)]
    probe = next(line for line in rows.splitlines() if line.startswith("probe "))
    assert f": {best} (p=" in probe and "class " not in probe
    for text in (legend, short):
        assert all(f" {name} " in text for name in names), text


def test_the_probe_names_a_binary_file_s_classes_too():
    from neurotui.core.model.task import BINARY_TASK
    from neurotui.tui.panes.xor_text import probe_output

    assert probe_output(BINARY_TASK, (0.871,), class_names=("no", "yes")) == "p(yes)=0.871"
    assert probe_output(BINARY_TASK, (0.871,)) == "p(y=1)=0.871"
