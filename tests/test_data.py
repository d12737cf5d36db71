"""Data beyond the four rows (issue 10): datasets, CSV files, the split, features, training options.

Bad values and bad files run as real processes: the point is the exit status,
one stderr line, no traceback, nothing on stdout and no file written. They are
refused before torch is imported, so each takes a fraction of a second.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from neurotui.cli import main
from neurotui.core.data.csvfile import read_csv_rows
from neurotui.core.data.datasets import (
    BINARY_DATASETS,
    DEFAULT_SAMPLES,
    check_features,
    feature_columns,
    generate,
    load_dataset,
)
from neurotui.core.errors import ConfigError
from neurotui.core.lesson import XOR_X, XOR_Y
from neurotui.core.model.boundary import TRAIN_GLYPHS, VAL_GLYPHS, render
from neurotui.core.model.config import XorConfig
from neurotui.core.training.fit import diagnose_fit, val_loss_rise
from neurotui.core.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
GENERATED = [d for d in BINARY_DATASETS if d != "xor"]  # two classes; the rest: tests/test_multiclass.py


def run_cli(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neurotui", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def lab_json(capsys, *args: str) -> dict:
    assert main(["lab", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


# ---------------------------------------------------------------- datasets


@pytest.mark.parametrize("name", GENERATED)
def test_generated_set_shape_labels_balance(name):
    x, y = generate(name, 201, 0.1, seed=0)
    assert x.shape == (201, 2) and x.dtype == torch.float32
    assert y.shape == (201,)
    assert set(y.tolist()) == {0.0, 1.0}
    assert abs(int((y == 0).sum()) - int((y == 1).sum())) <= 1
    assert torch.isfinite(x).all()


@pytest.mark.parametrize("name", GENERATED)
def test_generated_set_is_determined_by_the_data_seed(name):
    a = generate(name, 100, 0.1, seed=3)
    b = generate(name, 100, 0.1, seed=3)
    c = generate(name, 100, 0.1, seed=4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_xor_is_the_lessons_four_rows_without_a_split():
    d = load_dataset(XorConfig().validated())
    assert d.train_x.tolist() == [list(r) for r in XOR_X]
    assert d.train_y.flatten().tolist() == list(XOR_Y)
    assert not d.has_val and (d.low, d.high) == (-0.25, 1.25)


def test_default_sample_count_and_split():
    d = load_dataset(XorConfig(dataset="circle").validated())
    assert (d.n_train, d.n_val) == (DEFAULT_SAMPLES * 7 // 10, DEFAULT_SAMPLES * 3 // 10)


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.8])
def test_split_is_stratified_and_disjoint(fraction):
    d = load_dataset(XorConfig(dataset="moons", samples=300, val_split=fraction).validated())
    assert d.n_train + d.n_val == 300
    for y in (d.train_y, d.val_y):
        assert abs(int((y == 0).sum()) - int((y == 1).sum())) <= 1  # each class split alike
    assert d.n_val == 2 * round(150 * fraction)
    train = {tuple(r) for r in d.train_x.tolist()}
    assert not train & {tuple(r) for r in d.val_x.tolist()}


def test_grid_range_holds_every_point():
    d = load_dataset(XorConfig(dataset="spiral", noise=0.2).validated())
    for x in (d.train_x, d.val_x):
        assert d.low < float(x.min()) and float(x.max()) < d.high


def test_a_new_init_seed_keeps_the_data_and_a_new_data_seed_changes_it():
    a = Trainer(XorConfig(dataset="gauss", seed=1, steps=1))
    b = Trainer(XorConfig(dataset="gauss", seed=2, steps=1))
    c = Trainer(XorConfig(dataset="gauss", seed=1, data_seed=5, steps=1))
    assert torch.equal(a.data.train_x, b.data.train_x) and torch.equal(a.data.val_y, b.data.val_y)
    assert not torch.equal(a.data.train_x, c.data.train_x)


# ---------------------------------------------------------------- features


def test_features_in_canonical_order_once():
    assert check_features("x1x2, x1,x1") == ("x1", "x1x2")
    with pytest.raises(ConfigError):
        check_features("x1,x3")


def test_feature_columns_values():
    x = torch.tensor([[2.0, 3.0]])
    cols = feature_columns(x, ("x1", "x2", "x1x2", "x1sq", "x2sq", "sinx1", "sinx2"))
    assert cols[0, :5].tolist() == [2.0, 3.0, 6.0, 4.0, 9.0]
    assert cols[0, 5].item() == pytest.approx(torch.sin(torch.tensor(2.0)).item())


def test_default_features_build_the_lessons_module_list():
    from neurotui.core.model.config import build_model

    assert [type(m).__name__ for m in build_model(XorConfig())] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    model = build_model(XorConfig(features=("x1", "x2", "x1x2"), dropout=0.5).validated())
    assert [type(m).__name__ for m in model] == ["Features", "Linear", "Tanh", "SeededDropout", "Linear", "Sigmoid"]
    assert model[1].in_features == 3


# ---------------------------------------------------------------- training options


def test_minibatches_are_deterministic_and_differ_from_full_batch():
    config = XorConfig(dataset="moons", steps=60, batch=16)
    a, b = Trainer(config), Trainer(config)
    a.run()
    b.run()
    full = Trainer(config.with_(batch=None))
    full.run()
    assert a.losses == b.losses
    assert a.losses != full.losses


def test_l2_decays_weights_not_biases():
    trainer = Trainer(XorConfig(l2=0.5))
    groups = trainer.optimizer.param_groups
    assert [g["weight_decay"] for g in groups] == [0.5, 0.0]
    assert all(p.dim() == 2 for p in groups[0]["params"]) and all(p.dim() == 1 for p in groups[1]["params"])


def test_l1_shrinks_the_weights():
    def weight_sum(config):
        t = Trainer(config)
        t.run()
        return sum(m.weight.abs().sum().item() for m in t.model if isinstance(m, torch.nn.Linear))

    config = XorConfig(dataset="circle", steps=300)
    assert weight_sum(config.with_(l1=0.01)) < 0.7 * weight_sum(config)


def test_dropout_trains_with_masks_and_evaluates_without():
    config = XorConfig(dataset="circle", steps=50, dropout=0.5)
    a, b = Trainer(config), Trainer(config)
    a.run()
    b.run()
    assert a.losses == b.losses  # the masks come from the run's own generator
    assert a.snapshot().train_loss == a.snapshot().train_loss  # no dropout when evaluating
    plain = Trainer(config.with_(dropout=0.0))
    plain.run()
    assert plain.losses != a.losses


def test_snapshot_has_train_and_validation_numbers():
    t = Trainer(XorConfig(dataset="circle", steps=200))
    t.run()
    s = t.snapshot()
    assert 0 <= s.train_accuracy <= 1 and 0 <= s.val_accuracy <= 1
    assert s.train_loss > 0 and s.val_loss > 0
    assert [c[0] for c in s.curve] == list(range(1, 201))  # by step count: ~200 points a run
    lesson = Trainer(XorConfig(steps=10))
    lesson.run()
    ls = lesson.snapshot()
    assert ls.val_loss is None and ls.val_accuracy is None and ls.curve == ()


# ---------------------------------------------------------------- the doctor


def test_memorization_from_the_accuracy_gap():
    d = diagnose_fit([0.7, 0.01], train_loss=0.01, val_loss=1.5, train_accuracy=1.0, val_accuracy=0.7,
                     n_train=40, n_val=160)
    assert d.kind == "memorization"
    assert "regularize the network or give it more samples" in d.fix


def test_a_small_gap_on_small_sets_is_not_memorization():
    d = diagnose_fit([0.7, 0.2], train_loss=0.2, val_loss=0.4, train_accuracy=0.925, val_accuracy=0.82,
                     n_train=40, n_val=160)
    assert d.kind == "stuck"


def test_memorization_from_a_rising_validation_loss():
    curve = [(10 * i, 0.7 - 0.06 * i, 0.5 - 0.05 * i if i < 5 else 0.25 + 0.1 * (i - 5)) for i in range(10)]
    assert val_loss_rise(curve) == (50, pytest.approx(0.25), pytest.approx(0.65))
    d = diagnose_fit([0.7, 0.1], train_loss=0.1, val_loss=0.65, train_accuracy=0.99, val_accuracy=0.93,
                     curve=curve)
    assert d.kind == "memorization" and "rose" in d.detail


# ---------------------------------------------------------------- the boundary with points


def test_render_marks_train_and_validation_points_by_class():
    grid = [[0.0] * 4 for _ in range(4)]
    points = [(0.1, 0.9, 0, False), (0.9, 0.9, 1, False), (0.1, 0.1, 0, True), (0.9, 0.1, 1, True)]
    lines = render(grid, ascii=True, points=points, low=0.0, high=1.0)
    assert lines[0][0] == TRAIN_GLYPHS[0] and lines[0][3] == TRAIN_GLYPHS[1]
    assert lines[3][0] == VAL_GLYPHS[0] and lines[3][3] == VAL_GLYPHS[1]


# ---------------------------------------------------------------- CSV files


def test_csv_with_and_without_header(tmp_path):
    rows = "0,0,0\n0,1,1\n1,0,1\n1,1,0\n"
    (tmp_path / "a.csv").write_text("x1,x2,y\n" + rows)
    (tmp_path / "b.csv").write_text(rows)
    assert read_csv_rows(tmp_path / "a.csv") == read_csv_rows(tmp_path / "b.csv")
    assert read_csv_rows(tmp_path / "a.csv")[1] == [0.0, 1.0, 1.0, 0.0]


def test_lab_trains_on_a_csv(tmp_path, capsys):
    lines = ["x1,x2,y"] + [f"{i / 10},{(i * 7 % 10) / 10},{int(i % 2)}" for i in range(40)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    out = lab_json(capsys, "--data", str(tmp_path / "d.csv"), "--steps", "50")
    assert out["data"]["train_rows"] + out["data"]["val_rows"] == 40
    assert out["data"]["val_rows"] == 12  # 0.3 of each class of 20, rounded


BAD_FILES = {
    "missing": (None, "does not exist"),
    "directory": ("DIR", "is a directory"),
    "empty": ("", "is empty"),
    "blank": ("\n  \n", "is empty"),
    "binary": (b"\x7fELF\x02\x01\x01\x00\x00\x00junk", "line 1: binary data"),
    "latin1": (b"0,0,0\n0,1,1\n1,0,1\n1,1,\xff\n", "line 4: not UTF-8"),
    "text": ("x1,x2,y\n0,0,0\n0,abc,1\n1,0,1\n1,1,0\n", "line 3: x2 'abc' is not a number"),
    "nan": ("0,0,0\n0,1,1\nnan,0,1\n1,1,0\n", "line 3: x1 'nan' is not finite"),
    "inf": ("0,0,0\n0,1,1\n1,0,1\n1,-inf,0\n", "line 4: x2 '-inf' is not finite"),
    "overflow": ("0,0,0\n0,1,1\n1e400,0,1\n1,1,0\n", "line 3: x1 '1e400' is not finite"),
    "huge": ("0,0,0\n0,1,1\n1e30,0,1\n1,1,0\n", "line 3: x1 '1e30' is out of range"),
    # labels 0..K-1 are K classes and fractional labels regression (issue 22): these fit neither
    "label": ("0,0,0\n0,1,1\n1,0,7\n1,1,0\n", "class labels must be 0-5 (6 classes at most), got 3 different integers 0..7; "
              "if it is a number to predict, add --task regress"),
    "label-negative": ("0,0,0\n0,1,-1\n1,0,1\n1,1,0\n", "class labels must be 0-5 (6 classes at most), got 3 different integers -1..1"),
    "label-gap": ("0,0,0\n0,1,1\n1,0,3\n1,1,0\n", "class 2 has no rows"),
    "label-huge": ("0,0,0\n0,1,1e30\n1,0,1\n1,1,0\n", "line 2: y '1e30' is out of range"),
    "few": ("x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n", "has 3 data rows; need at least 4"),
    "header-only": ("x1,x2,y\n", "has 0 data rows"),
    "columns": ("0,0,0\n0,1,1\n1,0\n1,1,0\n", "line 3: expected 3 columns, as the first row, got 2"),
    "columns-66": (",".join(["0"] * 66) + "\n", "line 1: expected 3-65 columns (two inputs or more, then a label), got 66"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_data_file_is_one_line_and_exit_2(case, tmp_path):
    content, expected = BAD_FILES[case]
    path = tmp_path / "data.csv"
    if content == "DIR":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    card = tmp_path / "card.md"
    proc = run_cli("lab", "--data", str(path), "--card", str(card))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert proc.stderr.startswith("neurotui: error: data file ") and str(path) in proc.stderr
    assert expected in proc.stderr
    assert not card.exists()


BAD_VALUES = [
    (["--dataset", "squares"], "unknown dataset 'squares'"),
    (["--features", "x1,x3"], "unknown feature 'x3'"),
    (["--features", ""], "features must be"),
    (["--dataset", "circle", "--samples", "3"], "samples must be 4-100,000"),
    (["--dataset", "circle", "--samples", "100001"], "samples must be 4-100,000"),
    (["--dataset", "circle", "--samples", "many"], "not a whole number"),
    (["--dataset", "circle", "--noise", "-0.1"], "noise must be a finite number >= 0"),
    (["--dataset", "circle", "--noise", "nan"], "noise must be a finite number >= 0"),
    (["--dataset", "circle", "--noise", "inf"], "noise must be a finite number >= 0"),
    (["--noise", "0.1"], "--noise does not apply to xor"),
    (["--samples", "50"], "--samples does not apply to xor"),
    (["--val-split", "1"], "validation split must be a finite number in [0, 1)"),
    (["--val-split", "-0.2"], "validation split must be"),
    (["--val-split", "nan"], "validation split must be"),
    (["--dataset", "gauss", "--samples", "4", "--val-split", "0.1"], "leaves no validation rows"),
    (["--batch", "0"], "batch size must be at least 1"),
    (["--batch", "-3"], "batch size must be at least 1"),
    (["--l2=-1e-3"], "L2 strength must be a finite number >= 0"),
    (["--l2", "inf"], "L2 strength must be"),
    (["--l1", "-1"], "L1 strength must be"),
    (["--l1", "nan"], "L1 strength must be"),
    (["--dropout", "1"], "dropout must be a finite number in [0, 1)"),
    (["--dropout", "-0.1"], "dropout must be"),
    (["--dropout", "nan"], "dropout must be"),
    (["--data-seed", "-1"], "data seed must be"),
    (["--preset", "nope"], "unknown preset 'nope'"),
    (["--dataset", "circle", "--data", "x.csv"], "not both"),
]


@pytest.mark.parametrize("args, expected", BAD_VALUES, ids=[" ".join(a) for a, _ in BAD_VALUES])
def test_bad_value_is_one_line_and_exit_2(args, expected, tmp_path):
    card = tmp_path / "card.md"
    for command in (["lab", *args, "--card", str(card)], [*args, "lab"], args):  # lab, shared option, the app
        proc = run_cli(*command, cwd=tmp_path)
        assert proc.returncode == 2, command
        assert proc.stdout == ""
        assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1, proc.stderr
        assert proc.stderr.startswith("neurotui: error: ") and expected in proc.stderr, proc.stderr
    assert list(tmp_path.iterdir()) == []  # no card, nothing written


# ---------------------------------------------------------------- lab


def test_lab_json_on_other_data_is_deterministic(capsys):
    args = ("--dataset", "moons", "--steps", "150", "--batch", "32", "--dropout", "0.2", "--l1", "1e-4")
    first = lab_json(capsys, *args)
    assert lab_json(capsys, *args) == first
    # the numbers are the trainer's own, over the whole sets (eval mode), for this config
    from neurotui.cli.parser import build_parser, config_from_args

    t = Trainer(config_from_args(build_parser().parse_args(["lab", *args])))
    t.run()
    snap = t.snapshot()
    for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
        assert first[key] == getattr(snap, key), key
    assert first["solved"] is snap.solved is (snap.val_accuracy >= 0.95)
    assert first["diagnosis"]["kind"] == snap.diagnosis.kind
    assert first["config"]["dataset"] == "moons" and first["data"]["val_rows"] == 60


def test_lab_json_default_has_null_validation(capsys):
    out = lab_json(capsys, "--steps", "20")
    assert out["val_loss"] is None and out["val_accuracy"] is None
    assert out["train_accuracy"] is not None and "curve" not in out


def test_lab_plain_output_on_other_data(capsys):
    assert main(["lab", "--dataset", "circle", "--steps", "300", "--boundary", "--ascii"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == ["single_neuron", "z= 0.44", "sigmoid= 0.608", "relu= 0.44"]
    assert "xor_mlp" not in out  # the four XOR rows do not apply to a circle
    assert out[4].startswith("final_loss= ")
    assert out[5] == "data= circle train_rows= 140 val_rows= 60"
    assert out[6].startswith("train_loss= ") and " val_loss= " in out[6]
    assert out[7].startswith("train_accuracy= ") and " val_accuracy= " in out[7]
    board = [line for line in out if line.startswith("|")]
    assert len(board) == 12 and any(g in "".join(board) for g in VAL_GLYPHS)


def test_lab_plain_output_on_noisy_xor_keeps_the_lessons_rows(capsys):
    assert main(["lab", "--dataset", "xor-noisy", "--steps", "200"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[4] == "xor_mlp" and out[5].startswith("x=[0.0, 0.0] prob=")
    assert any(line.startswith("train_accuracy= ") for line in out)
