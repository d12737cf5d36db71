"""Early stopping (core.training.early_stop): a slice of the training rows watched, the best weights kept.

Fixture: tests/data/noisy_target.csv (300 rows, 10 inputs, a noisy target), where it matters: trained every
step, validation R² falls to 0.34; stopped on the slice, 0.42."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neurotui.core.errors import ConfigError
from neurotui.core.model.config import XorConfig
from neurotui.core.training.early_stop import CHECK_EVERY, PATIENCE
from neurotui.core.training.resolved import resolve
from neurotui.core.training.trainer import Trainer

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
NOISY = str(DATA / "noisy_target.csv")


def run_cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "neurotui", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=600)


def test_it_stops_after_its_patience_and_restores_the_best_weights():
    config = XorConfig(data=NOISY, lr=0.03, l2=0.01)
    t = Trainer(config)
    t.run()
    early = t.early
    assert early is not None and early.stopped and t.finished and t.step_count < config.steps
    assert early.stopped_at == t.step_count and early.stopped_at - early.best_step == PATIENCE
    assert early.best_step % CHECK_EVERY == 0
    # the model now holds the weights of best_step: the same run taken to that step has them
    again = Trainer(config)
    again.run(early.best_step)
    for p, q in zip(t.model.parameters(), again.model.parameters()):
        assert p.equal(q)
    # the slice is part of the training split, never trained on; validation is untouched
    rows = t.facts.stop_rows
    assert rows.n_stop == 21 and rows.n_fit == 189 and len(t._fx) == 189 and t.data.n_val == 90
    assert set(rows.fit.tolist()).isdisjoint(rows.stop.tolist())


def test_it_is_on_for_a_file_s_regression_only_and_refused_on_the_lesson_s_rows():
    assert resolve(XorConfig(data=NOISY)).early_stop
    assert not resolve(XorConfig(data=NOISY, early_stop=False)).early_stop
    assert not resolve(XorConfig(data=str(DATA / "flowers4.csv"))).early_stop  # classification: asked for only
    assert resolve(XorConfig(data=str(DATA / "flowers4.csv"), early_stop=True)).early_stop
    assert not resolve(XorConfig(dataset="reg-plane")).early_stop and not resolve(XorConfig()).early_stop
    with pytest.raises(ConfigError, match="lesson's four rows"):
        XorConfig(early_stop=True).validated()
    proc = run_cli("lab", "--early-stop")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_no_early_stop_trains_every_step_on_every_training_row():
    t = Trainer(XorConfig(data=NOISY, lr=0.1, l2=0.01, early_stop=False, steps=300))
    t.run()
    assert t.early is None and t.step_count == 300 and len(t._fx) == t.data.n_train == 210
    assert t.snapshot().stopping is None


def test_lab_json_card_and_the_script_from_another_folder_agree(tmp_path):
    args = ("--data", os.path.relpath(NOISY, ROOT), "--log-every", "50")
    text = run_cli("lab", *args, cwd=ROOT)
    assert text.returncode == 0, text.stderr
    line = next(x for x in text.stdout.splitlines() if x.startswith("early_stop="))
    card = tmp_path / "card.md"
    js = run_cli("lab", *args, "--json", "--card", str(card), cwd=ROOT)
    result = json.loads(js.stdout)
    stop = result["early_stop"]
    assert stop["stopped_at"] == result["steps_done"] < 2000 and stop["stop_rows"] == 21 and stop["fit_rows"] == 189
    assert line == (f"early_stop= stopped at step {stop['stopped_at']}: no lower loss for {PATIENCE} steps (21 of the "
                    f"210 training rows held out of training, their loss read every {CHECK_EVERY} steps); "
                    f"the weights of step {stop['best_step']} kept")
    assert f"| early stopping | {line.removeprefix('early_stop= ')} |" in card.read_text()
    assert f"val_r2= {result['val_r2']:.3f}" in text.stdout
    script = run_cli("lab", *args, "--script", cwd=ROOT).stdout
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "run.py").write_text(script)
    proc = subprocess.run([sys.executable, "run.py"], capture_output=True, text=True, cwd=tmp_path / "elsewhere",
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == text.stdout


def test_it_matters_on_a_noisy_file_and_no_early_stop_says_nothing_of_it():
    def lab(*extra):
        proc = run_cli("lab", "--data", NOISY, "--json", *extra)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    stopped, every = lab(), lab("--no-early-stop")
    assert stopped["config"]["lr"] == 0.03 and stopped["config"]["l2"] == 0.01  # a regression file's defaults
    assert stopped["val_r2"] > every["val_r2"] + 0.05
    assert every["early_stop"] is None and every["steps_done"] == 2000
    assert "early_stop=" not in run_cli("lab", "--data", NOISY, "--no-early-stop", "--steps", "30").stdout


def test_save_keeps_the_best_weights(tmp_path):
    import torch

    path = tmp_path / "m.pt"
    proc = run_cli("lab", "--data", NOISY, "--save", str(path))
    assert proc.returncode == 0, proc.stderr
    record = torch.load(path, weights_only=True)
    t = Trainer(XorConfig(data=NOISY, lr=0.03, l2=0.01))
    t.run()
    assert record["early_stop"]["best_step"] == t.early.best_step
    linears = [m for m in t.model if isinstance(m, torch.nn.Linear)]
    assert all(w.equal(m.weight) for w, m in zip(record["weights"], linears))


def test_the_sweep_stops_each_seed_on_its_own_and_reports_the_file_s_units():
    from neurotui.core.sweep.config import SweepConfig
    from neurotui.core.sweep.run import run_sweep

    result = run_sweep(SweepConfig.of(seeds=2, seed_start=42, lr=0.03, data=NOISY, l2=0.01))
    assert result.early_stops is not None and len(result.early_stops) == 2
    t = Trainer(XorConfig(data=NOISY, lr=0.03, l2=0.01, seed=42))
    t.run()
    assert result.early_stops[0] == (t.early.best_step, t.early.stopped_at)
    # the loss column in the file's units (lab's final_loss), not the standardized target's MSE
    assert result.final_losses[0] == pytest.approx(t.snapshot().shown_loss) and result.final_losses[0] > 10


def test_the_app_says_it_stopped_early_and_r_restarts_it():
    from neurotui.tui.app import NeuroApp
    from neurotui.tui.screenshots import settle

    async def go():
        app = NeuroApp(XorConfig(data=NOISY, lr=0.03, l2=0.01), speed=None)
        out = {}
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            out["status"] = str(app.query_one("#xor-status").render())
            out["snap"] = app.xor.snapshot
            await pilot.press("r")
            await settle(app, pilot)
            out["again"] = str(app.query_one("#xor-status").render())
            out["snap2"] = app.xor.snapshot
        return out

    out = asyncio.run(go())
    snap = out["snap"]
    assert snap.finished and snap.stopping.stopped_at == snap.step < snap.total
    kept = snap.stopping.best_step
    assert "● done " in out["status"] and f"early stop: kept {kept}" in out["status"]  # not "diverged"
    assert out["snap2"].stopping == snap.stopping and f"early stop: kept {kept}" in out["again"]


def test_final_loss_is_the_kept_weights_training_loss_where_weights_were_restored(tmp_path):
    args = ("--data", os.path.relpath(NOISY, ROOT))
    text = run_cli("lab", *args, cwd=ROOT).stdout.splitlines()
    card = tmp_path / "card.md"
    result = json.loads(run_cli("lab", *args, "--json", "--card", str(card), cwd=ROOT).stdout)
    stop = result["early_stop"]
    # the run went on past its best step: the last step's loss is another model's
    assert stop["stopped_at"] > stop["best_step"] and stop["final_loss_is"] == "kept weights' train loss"
    train_mse = next(x for x in text if x.startswith("train_mse=")).split()[1]
    assert text[0] == f"final_loss= {round(result['train_loss'], 4)}" and f"{result['final_loss']:.4f}" == train_mse
    t = Trainer(XorConfig(data=NOISY, lr=0.03, l2=0.01))
    t.run()
    snap = t.snapshot()
    last = snap.loss * snap.loss_factor
    assert abs(result["final_loss"] - last) > 1  # the old number (the last step's) is far from the kept one
    assert (f"| final loss | {result['final_loss']:.4f} (file's units; the kept weights of step {stop['best_step']}, "
            "on the training rows) |") in card.read_text()
    # without early stopping final_loss is still the last step's loss, and says so
    every = json.loads(run_cli("lab", *args, "--no-early-stop", "--steps", "50", "--json", cwd=ROOT).stdout)
    assert every["early_stop"] is None and every["final_loss"] != every["train_loss"]


def test_the_sweep_reports_the_kept_weights_loss():
    from neurotui.core.sweep.config import SweepConfig
    from neurotui.core.sweep.run import run_sweep

    result = run_sweep(SweepConfig.of(seeds=1, seed_start=42, lr=0.03, data=NOISY, l2=0.01))
    t = Trainer(XorConfig(data=NOISY, lr=0.03, l2=0.01, seed=42))
    t.run()
    snap = t.snapshot()
    assert snap.kept_weights and result.final_losses[0] == pytest.approx(snap.train_loss)
