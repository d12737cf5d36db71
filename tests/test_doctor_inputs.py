"""The doctor reads the inputs a model trained on, and says how to apply its fix where it is read.

A linear model on a curved input feature (x1x2) draws curves in x1, x2: it is judged by what it
reaches, never told it "cannot separate" the data, and never told to add a feature already in use.
Lab names the option that applies the fix; the app names the key.
"""

from __future__ import annotations

from neurotui.cli import main
from neurotui.core.doctor.diagnosis import diagnose
from neurotui.core.model.config import XorConfig
from neurotui.core.training.fit import diagnose_fit
from neurotui.core.training.snapshot import Snapshot
from neurotui.tui.panes.xor_text import diagnosis_text

NOISY_LINEAR = ["lab", "--dataset", "xor-noisy", "--noise", "0.3", "--samples", "500", "--activation", "identity",
                "--steps", "300"]
KEYS = {"cycle_activation": "a", "pick_features": "F", "cycle_layers": "n", "cycle_noise": "N",
        "cycle_samples": "M", "new_seed": "s", "hidden_more": "+"}.__getitem__


def _fit(features, **scores):
    return diagnose_fit([0.69, 0.25], train_loss=0.25, val_loss=0.24, linear_model=True, n_train=350, n_val=150,
                        features=features, **scores)


def test_a_linear_model_on_x1x2_is_judged_by_what_it_reaches():
    # the run: identity activation, x1x2 on, train 0.914 / val 0.893 on noise 0.3
    d = _fit(("x1", "x2", "x1x2"), train_accuracy=0.914, val_accuracy=0.893)
    assert d.kind != "linear" and "cannot separate" not in d.title
    assert "x1x2" not in d.fix and "features" not in d.remedies
    assert "near the best possible" in d.detail  # noise 0.3 caps it: the verdict the accuracy earns
    solved = _fit(("x1", "x2", "x1x2"), train_accuracy=0.99, val_accuracy=0.98)
    assert solved.kind == "solved"
    # without the curved feature the same model is one straight line: that verdict, and x1x2 offered
    straight = _fit(("x1", "x2"), train_accuracy=0.53, val_accuracy=0.51)
    assert straight.kind == "linear" and "x1x2" in straight.fix


def test_the_lesson_doctor_does_not_call_a_curved_linear_model_a_straight_line():
    probs = [0.2, 0.3, 0.6, 0.4]  # mid-way: row [1,1] wrong
    on = diagnose([0.7, 0.5], probs, linear_model=True, features=("x1", "x2", "x1x2"))
    off = diagnose([0.7, 0.5], probs, linear_model=True)
    assert off.kind == "linear" and "no straight line splits XOR" in off.detail
    assert on.kind == "stuck" and "straight" not in on.detail
    assert "hidden units" not in on.fix  # more units of a linear map are still one linear map


def test_lab_names_the_option_and_never_what_is_on(capsys):
    assert main([*NOISY_LINEAR, "--features", "x1,x2,x1x2"]) == 0
    err = capsys.readouterr().err
    assert "diagnosis:" in err and "cannot separate" not in err
    assert "x1x2" not in err.split("fix:")[1]
    assert main(NOISY_LINEAR) == 0
    err = capsys.readouterr().err
    assert "cannot separate this data" in err
    assert err.rstrip().endswith("; use --activation tanh or --features x1,x2,x1x2")


def test_the_app_names_the_keys_not_the_options():
    d = _fit(("x1", "x2"), train_accuracy=0.53, val_accuracy=0.51)
    snap = Snapshot(step=300, total=300, losses=[0.69, 0.69], probs=(0.5,) * 4, preds=(1,) * 4, diagnosis=d,
                    finished=True)
    text = diagnosis_text("done", "", snap, config=XorConfig(dataset="xor-noisy", activation="identity"),
                          key=KEYS).plain
    assert text.endswith("press a for Tanh or ReLU, F for input features")
    assert "--" not in text
    noisy = _fit(("x1", "x2", "x1x2"), train_accuracy=0.914, val_accuracy=0.893)
    snap = Snapshot(step=300, total=300, losses=[0.69, 0.25], probs=(0.1, 0.9, 0.9, 0.1), preds=(0, 1, 1, 0),
                    diagnosis=noisy, finished=True)
    text = diagnosis_text("done", "", snap, config=XorConfig(dataset="xor-noisy", activation="identity",
                                                             features=("x1", "x2", "x1x2")), key=KEYS).plain
    assert text.endswith("press N to change the noise, M for more samples")


NOISY_FILE = ["lab", "--data", "tests/data/noisy_target.csv", "--lr", "0.1"]  # memorizes at its L2 0.01


def test_memorization_with_l2_on_asks_for_a_stronger_l2_and_early_stopping_when_off(capsys):
    assert main([*NOISY_FILE, "--no-early-stop"]) == 0
    err = capsys.readouterr().err
    assert "(memorization)" in err
    fix = err.split("fix:")[1]
    assert "--l2 1e-2" not in fix and "L2 is 0.01 already" in fix
    assert fix.rstrip().endswith("; use --l2 0.1 or --early-stop")
    # the same run at L2 0.001 asks for ten times that; with no L2 at all, for L2 or dropout as before
    assert main([*NOISY_FILE, "--no-early-stop", "--l2", "0.001"]) == 0
    assert capsys.readouterr().err.rstrip().endswith("; use --l2 0.01 or --early-stop")


def test_memorization_fix_follows_what_the_run_already_has():
    def fix(**run):
        d = diagnose_fit([0.69, 0.05], train_loss=0.05, val_loss=0.6, train_accuracy=1.0, val_accuracy=0.7,
                         n_train=40, n_val=160, **run)
        assert d.kind == "memorization"
        return d.remedies
    assert fix() == ("regularize", "samples")
    assert fix(regularized=(0.01, 0.0, False)) == ("l2_stronger", "samples")  # a generated set: no early stopping
    assert fix(data_file=True, regularized=(0.01, 0.0, False)) == ("l2_stronger", "early_stop")
    assert fix(data_file=True, regularized=(0.01, 0.0, True)) == ("l2_stronger",)
    assert fix(data_file=True, regularized=(0.0, 0.2, False)) == ("l2",)


def test_the_app_names_r_for_the_next_stronger_l2_and_no_key_where_r_has_none():
    d = diagnose_fit([0.69, 0.05], train_loss=0.05, val_loss=0.6, train_accuracy=1.0, val_accuracy=0.7,
                     n_train=200, n_val=90, data_file=True, regularized=(0.01, 0.0, True))
    keys = {"cycle_regularization": "R"}.__getitem__
    snap = Snapshot(step=300, total=300, losses=[0.69, 0.05], probs=(0.5,) * 4, preds=(1,) * 4, diagnosis=d,
                    finished=True)
    text = diagnosis_text("done", "", snap, config=XorConfig(l2=0.01), key=keys).plain
    assert text.endswith("press R for L2 1e-1")
    # an L2 typed off R's ladder: R would go back to none, so no key is offered for a stronger one
    assert "press R" not in diagnosis_text("done", "", snap, config=XorConfig(l2=0.05), key=keys).plain


def test_a_run_early_stopping_ended_is_not_told_to_train_longer(capsys):
    # noisy_target.csv at its defaults: early stopping keeps an early step, and the verdict is "not
    # accurate enough"; more steps would not be kept, so the fix offers room, not time
    assert main([*NOISY_FILE]) == 0
    err = capsys.readouterr().err
    assert "not accurate enough (not memorization)" in err
    fix = err.split("fix:")[1]
    assert "train longer" not in fix and "early stopping kept its best step" in fix and "add hidden units" in fix
    # without early stopping the same verdict still offers more steps
    assert main([*NOISY_FILE, "--no-early-stop", "--l2", "0.1"]) == 0
    assert "train longer or add hidden units" in capsys.readouterr().err.split("fix:")[1]
