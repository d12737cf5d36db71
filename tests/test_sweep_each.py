"""Sweeps with what the batched programs do not implement (a bug, dropout, minibatches): each
seed is the single Trainer's run, so every seed equals `neurotui lab` with that seed."""

import json
import subprocess
import sys

import pytest

from neurotui.core.model.config import XorConfig
from neurotui.core.sweep.config import SweepConfig
from neurotui.core.sweep.run import run_grid, run_sweep
from neurotui.core.training.trainer import Trainer


@pytest.mark.parametrize("changes", [
    {"bug": "no-step", "steps": 300},
    {"bug": "target-shape", "steps": 50},
    {"bug": "no-output-sigmoid", "steps": 60},
    {"dataset": "circle", "dropout": 0.2, "steps": 40},
    {"dataset": "circle", "batch": 16, "steps": 40},
])
def test_each_seed_is_the_trainers_run(changes):
    result = run_sweep(SweepConfig.of(seeds=3, seed_start=41, **changes))
    for seed in (41, 42, 43):
        trainer = Trainer(XorConfig(seed=seed, **changes))
        trainer.run()
        snap = trainer.snapshot()
        i = result.index_of(seed)
        assert result.kinds[i] == snap.diagnosis.kind
        assert result.solved[i] == snap.solved
        assert (result.final_losses[i] == snap.loss) or (result.final_losses[i] != result.final_losses[i])


def test_a_bug_in_the_grid_and_the_doctors_verdicts():
    results = list(run_grid(SweepConfig.of(seeds=4, steps=200, bug="no-step"), hidden=[2, 4]))
    assert [r.config.hidden for r in results] == [2, 4]
    assert all(set(r.kind_counts) == {"not_decreasing"} for r in results)
    assert all(r.solved_count == 0 for r in results)


def test_sweep_command_with_a_bug():
    out = subprocess.run([sys.executable, "-m", "neurotui", "sweep", "--bug", "target-shape", "--seeds", "3",
                          "--steps", "20", "--json"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert "--bug target-shape: not in the batched program, so each seed is trained in turn" in out.stderr
    rows = json.loads(out.stdout)
    assert rows[0]["solved_count"] == 0 and rows[0]["diagnosis"] == {"shape_error": 3}


def test_sweep_with_dropout_on_a_dataset_says_it_trains_seed_by_seed(capsys):
    from neurotui import cli

    assert cli.main(["sweep", "--dataset", "circle", "--dropout", "0.2", "--seeds", "2", "--steps", "5"]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("neurotui: note: --dropout 0.2: not in the batched program") and err.count("\n") == 1
    assert out.splitlines()[0].split()[:3] == ["hidden", "layers", "activation"]
