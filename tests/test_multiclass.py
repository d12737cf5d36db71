"""Beyond two classes (issue 22): K-class sets, regression sets, CSV labels deciding the task,
K logits with CrossEntropyLoss, a linear output with MSELoss, their bugs and what the lab prints."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from torch import nn

from neurotui.cli import main
from neurotui.core.data.datasets import generate, load_dataset
from neurotui.core.errors import ConfigError
from neurotui.core.model.boundary import decode
from neurotui.core.model.config import XorConfig, build_model
from neurotui.core.model.task import ce_floor, task_of
from neurotui.core.training.trainer import Trainer

DATA = Path(__file__).parent / "data"


def lab_json(capsys, *args: str) -> dict:
    assert main(["lab", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_spiral3_is_the_case_studys_three_arms():
    x, y = generate("spiral3", 300, 0.0, seed=0)
    assert x.shape == (300, 2) and sorted(set(y.tolist())) == [0.0, 1.0, 2.0]
    assert [int((y == k).sum()) for k in range(3)] == [100, 100, 100]
    # without noise every point is (r sin t, r cos t) with r = linspace(0, 1, 100): radii 0 .. 1
    r = x.norm(dim=1)
    assert float(r.min()) == pytest.approx(0.0, abs=1e-6) and float(r.max()) == pytest.approx(1.0, abs=1e-6)
    a, b = generate("spiral3", 300, 0.2, seed=3), generate("spiral3", 300, 0.2, seed=3)
    assert torch.equal(a[0], b[0]) and not torch.equal(a[0], x)


@pytest.mark.parametrize("name", ["spiral", "gauss"])
def test_classes_k_draws_k_balanced_classes(name):
    d = load_dataset(XorConfig(dataset=name, classes=5, samples=203).validated())
    y = torch.cat([d.train_y, d.val_y]).flatten()
    counts = [int((y == k).sum()) for k in range(5)]
    assert sum(counts) == 203 and max(counts) - min(counts) <= 1
    assert task_of(XorConfig(dataset=name, classes=5)).outputs == 5
    # the split is stratified: every class has validation rows
    assert {int(v) for v in d.val_y.flatten().tolist()} == set(range(5))


def test_classes_two_is_the_binary_set_unchanged():
    assert XorConfig(dataset="spiral", classes=2).validated() == XorConfig(dataset="spiral").validated()


def test_reg_plane_label_is_playgrounds_plane():
    x, y = generate("reg-plane", 500, 0.0, seed=1)
    assert float(x.abs().max()) <= 1.0
    assert torch.allclose(y, (6 * x[:, 0] + 6 * x[:, 1]) / 10, atol=1e-5)
    noisy = generate("reg-plane", 500, 0.3, seed=1)[1]
    assert not torch.allclose(noisy, y)  # noise moves the point the label is read at


def test_reg_gauss_has_signed_bumps():
    x, y = generate("reg-gauss", 4000, 0.0, seed=2)
    assert float(y.max()) > 0.9 and float(y.min()) < -0.9 and float(y.abs().max()) <= 1.0
    # near Playground's (-4, 2.5) cone (positive) and (0, 2.5) cone (negative), scaled by 1/6
    near = (x - torch.tensor([-4 / 6, 2.5 / 6])).norm(dim=1) < 0.05
    assert bool((y[near] > 0.7).all())
    near = (x - torch.tensor([0.0, 2.5 / 6])).norm(dim=1) < 0.05
    assert bool((y[near] < -0.7).all())


def test_k_logits_and_no_softmax_layer_regression_is_linear():
    model = build_model(XorConfig(dataset="spiral3", hidden=100, activation="relu").validated())
    assert isinstance(model[-1], nn.Linear) and model[-1].out_features == 3 and model[0].out_features == 100
    reg = build_model(XorConfig(dataset="reg-gauss", layers=2, hidden=8).validated())
    assert isinstance(reg[-1], nn.Linear) and reg[-1].out_features == 1
    bad = build_model(XorConfig(dataset="spiral3", bug="softmax-before-ce").validated())
    assert isinstance(bad[-1], nn.Softmax)


def test_trainer_uses_cross_entropy_and_mse():
    t = Trainer(XorConfig(dataset="spiral3", hidden=16, steps=5))
    assert isinstance(t.loss_fn, nn.CrossEntropyLoss)
    t.run()
    snap = t.snapshot(boundary_size=(4, 6))
    assert snap.task.classes == 3 and snap.train_r2 is None and 0 <= snap.train_accuracy <= 1
    cells = [decode(v) for row in snap.boundary for v in row]  # class + its probability
    assert len(snap.boundary) == 4 and all(c in (0, 1, 2) and 1 / 3 <= p <= 1 for c, p in cells)
    matrix = t.confusion()
    assert len(matrix) == 3 and sum(map(sum, matrix)) == t.data.n_val
    r = Trainer(XorConfig(dataset="reg-plane", steps=5))
    assert isinstance(r.loss_fn, nn.MSELoss)
    r.run()
    s = r.snapshot()
    assert s.train_accuracy is None and s.train_r2 is not None and s.val_r2 is not None


def test_hidden_up_to_256():
    assert XorConfig(hidden=256).validated().hidden == 256
    with pytest.raises(ConfigError, match="1-256"):
        XorConfig(hidden=257).validated()


@pytest.mark.parametrize("config, message", [
    (XorConfig(dataset="circle", classes=3), "--classes applies to spiral and gauss"),
    (XorConfig(dataset="spiral", classes=7), "classes must be 2-6"),
    (XorConfig(dataset="spiral", task="regress"), "--task applies to a --data file"),
    (XorConfig(bug="softmax-before-ce"), "needs three or more classes"),
    (XorConfig(dataset="spiral3", bug="no-output-sigmoid"), "needs two classes"),
    (XorConfig(dataset="spiral3", bug="sigmoid-for-regression"), "needs a regression dataset"),
])
def test_options_that_do_not_fit_the_task_are_one_line(config, message):
    with pytest.raises(ConfigError, match=message):
        config.validated()


def test_csv_integer_labels_give_k_classes_fractional_labels_regress(capsys):
    three = lab_json(capsys, "--data", str(DATA / "three_classes.csv"), "--steps", "300")
    assert three["classes"] == 3 and three["loss"] == "CrossEntropy"
    assert len(three["confusion"]) == 3 and three["confusion_on"] == "validation"
    assert sum(map(sum, three["confusion"])) == three["data"]["val_rows"]
    assert three["val_accuracy"] >= 0.9
    reg = lab_json(capsys, "--data", str(DATA / "regression.csv"), "--steps", "300")
    assert reg["classes"] is None and reg["confusion"] is None and reg["loss"] == "MSE"
    assert reg["val_r2"] > 0.9 and reg["train_accuracy"] is None
    forced = lab_json(capsys, "--data", str(DATA / "three_classes.csv"), "--task", "regress", "--steps", "5")
    assert forced["classes"] is None and forced["train_r2"] is not None


def test_task_classify_refuses_fractional_labels(capsys):
    assert main(["lab", "--data", str(DATA / "regression.csv"), "--task", "classify"]) == 2
    assert "needs integer class labels" in capsys.readouterr().err


def test_lab_prints_accuracy_for_classes_and_mse_r2_for_regression(capsys):
    assert main(["lab", "--dataset", "reg-plane", "--steps", "50", "--boundary"]) == 0
    out = capsys.readouterr().out
    assert "regression loss= MSE" in out and "train_r2= " in out and "val_r2= " in out
    assert "train_accuracy" not in out and "prediction (x1 across" in out
    assert main(["lab", "--dataset", "spiral3", "--steps", "20", "--hidden", "8", "--boundary"]) == 0
    out = capsys.readouterr().out
    assert "classes= 3 loss= CrossEntropy" in out and "train_accuracy= " in out
    assert "decision regions" in out and "train o/x/+" in out


def test_softmax_before_ce_is_a_loss_pair_error_read_from_the_outputs():
    t = Trainer(XorConfig(dataset="spiral3", hidden=32, activation="relu", optimizer="sgd", lr=1.0,
                          steps=300, val_split=0.0, bug="softmax-before-ce"))
    t.run()
    snap = t.snapshot()
    assert snap.diagnosis.kind == "loss_pair_error"
    assert snap.train_loss >= ce_floor(3) - 1e-6  # the floor: -ln(e / (e + 2)) = 0.551
    assert "CrossEntropyLoss" in snap.diagnosis.detail and "nn.Softmax" in snap.diagnosis.fix
    # the same network without the bug is not blamed on its loss pair
    ok = Trainer(XorConfig(dataset="spiral3", hidden=32, activation="relu", optimizer="sgd", lr=1.0,
                           steps=300, val_split=0.0))
    ok.run()
    assert ok.snapshot().diagnosis.kind != "loss_pair_error"


def test_sigmoid_for_regression_names_the_output_activation():
    t = Trainer(XorConfig(dataset="reg-plane", steps=300, bug="sigmoid-for-regression"))
    t.run()
    d = t.snapshot().diagnosis
    assert d.kind == "output_activation" and "nn.Sigmoid" in d.detail and "nn.Linear" in d.fix
    assert math.isfinite(t.losses[-1])


def test_plus_and_minus_climb_the_ladder_above_32():
    from neurotui.session.state import next_hidden

    assert next_hidden(4, +1) == 6 and next_hidden(6, -1) == 4 and next_hidden(5, +1) == 6 and next_hidden(32, +1) == 48 and next_hidden(64, +1) == 100
    assert next_hidden(100, +2) == 256 and next_hidden(48, -1) == 32 and next_hidden(256, +1) == 257


def test_d_walks_every_dataset_and_drops_what_the_next_task_cannot_take():
    from neurotui.session.state import Session

    s = Session(config=XorConfig(dataset="spiral", classes=4, bug="softmax-before-ce"))
    seen = []
    for _ in range(9):
        s.cycle_dataset()
        seen.append(s.config.dataset)
        assert s.config.classes is None
    assert {"spiral3", "reg-plane", "reg-gauss"} <= set(seen)
    s = Session(config=XorConfig(dataset="spiral3", bug="softmax-before-ce"))
    s.cycle_dataset()  # reg-plane: the softmax mistake has no softmax to misplace
    assert s.config.dataset == "reg-plane" and s.config.bug is None


def test_d_help_names_every_dataset_it_cycles_through():
    """The `?` line of D listed six sets after spiral3 and the regression sets had joined the cycle."""
    from neurotui.core.data.datasets import DATASETS
    from neurotui.tui.keys import APP_KEYS

    (d,) = [k for k in APP_KEYS if k.id == "cycle_dataset"]
    names = [part.split(" (")[0].strip() for part in d.help.split(":", 1)[1].split("->")]
    assert names == list(DATASETS)


def test_hidden_space_shows_every_class_and_a_regression_as_points():
    """spiral3's class-2 points were drawn as 1s with a two-class legend; reg-gauss's targets were cut to ints."""
    from neurotui.core.training.trainer import Trainer
    from neurotui.tui.widgets.inside import space_figure

    for changes, markers in (({"dataset": "spiral3"}, ["0", "1", "2"]), ({"dataset": "reg-gauss"}, ["*"])):
        t = Trainer(XorConfig(steps=20, **changes))
        t.run()
        fig = space_figure(t.look_inside(1), (0, 1))
        assert [s.marker for s in fig.series] == markers, changes
        assert sum(len(s.xs) for s in fig.series) == len(t.look_inside(1).hidden_points)
