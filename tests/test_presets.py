"""Presets (issue 10): the lesson's experiments by name; typed options override them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from neurotui.cli import main
from neurotui.cli.parser import build_parser, config_from_args
from neurotui.core.course.presets import PRESETS, get_preset
from neurotui.core.model.config import XorConfig
from neurotui.core.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_BYTES = (Path(__file__).parent / "data" / "expected_output.txt").read_bytes()


def config_of(*argv: str) -> XorConfig:
    return config_from_args(build_parser().parse_args(list(argv)))


def lab_json(capsys, *args: str) -> dict:
    assert main(["lab", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


NOISY_SMALL = {"dataset": "xor-noisy", "samples": 200, "noise": 0.3, "val_split": 0.8, "hidden": 32, "layers": 2,
               "lr": 0.01}
REQUIRED = {  # the lesson's practice questions, and what each changes from the lesson's run
    "lesson": {}, "hidden-2": {"hidden": 2}, "relu": {"activation": "relu"}, "no-activation": {"activation": "identity"},
    "deeper": {"layers": 2}, "features": {"activation": "identity", "features": ("x1", "x2", "x1x2")},
    "memorization": NOISY_SMALL, "regularized": {**NOISY_SMALL, "l2": 0.01},
}


@pytest.mark.parametrize("name", REQUIRED)
def test_each_required_preset_changes_only_what_its_question_asks(name):
    p = get_preset(name)
    assert "\n" not in p.question and p.question[-1] in ".?"  # one line, a whole sentence
    assert config_of("--preset", name) == XorConfig().with_(**REQUIRED[name]).validated()


def test_presets_command_lists_one_line_each(capsys):
    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name, p in PRESETS.items():
        assert sum(line.startswith(f"{name} ") for line in lines) == 1
        assert any(p.question in line for line in lines)
    assert any("--activation identity --features x1,x2,x1x2" in line for line in lines)


@pytest.mark.parametrize("argv, expected", [
    (["lab", "--preset", "hidden-2"], {"hidden": 2}),
    (["lab", "--preset", "hidden-2", "--hidden", "4"], {"hidden": 4}),  # typed, even the default, wins
    (["--hidden", "4", "lab", "--preset", "hidden-2"], {"hidden": 4}),  # a shared option typed before lab
    (["--preset", "relu", "lab"], {"activation": "relu"}),
    (["lab", "--preset", "memorization", "--l2", "0.001"], {"l2": 0.001, "hidden": 32, "dataset": "xor-noisy"}),
    (["lab", "--preset", "memorization", "--noise", "0.1"], {"noise": 0.1, "samples": 200}),
    (["--preset", "features", "--activation", "tanh"], {"activation": "tanh", "features": ("x1", "x2", "x1x2")}),
])
def test_typed_options_override_the_preset(argv, expected):
    config = config_of(*argv)
    for key, value in expected.items():
        assert getattr(config, key) == value, key


def test_a_data_file_replaces_a_presets_generated_set(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("".join(f"{i % 3},{i % 5},{i % 2}\n" for i in range(20)))
    config = config_of("lab", "--preset", "memorization", "--data", str(path))
    assert config.data == str(path) and config.dataset == "xor" and config.noise is None
    assert config.hidden == 32 and config.val_split == 0.8


def test_preset_lesson_prints_exactly_the_lessons_output():
    proc = subprocess.run([sys.executable, "-m", "neurotui", "lab", "--preset", "lesson"], cwd=ROOT,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == EXPECTED_BYTES


def test_features_preset_solves_xor_without_a_hidden_activation(capsys):
    config = get_preset("features").apply()
    assert config.activation == "identity" and "x1x2" in config.features
    trainer = Trainer(config)
    trainer.run()
    snap = trainer.snapshot()
    assert snap.solved and list(snap.preds) == [0, 1, 1, 0]
    assert snap.diagnosis.kind == "solved" and snap.loss < 0.01
    # the same network on x1, x2 alone cannot (the lesson's failure probe)
    probe = Trainer(config.with_(features=("x1", "x2")))
    probe.run()
    assert not probe.snapshot().solved


def test_memorization_and_regularized_from_their_json(capsys):
    memo = lab_json(capsys, "--preset", "memorization")
    reg = lab_json(capsys, "--preset", "regularized")
    assert memo["diagnosis"]["kind"] == "memorization"
    assert memo["train_accuracy"] - memo["val_accuracy"] >= 0.15
    assert memo["solved"] is False
    gap = reg["train_accuracy"] - reg["val_accuracy"]
    assert gap < memo["train_accuracy"] - memo["val_accuracy"]
    assert reg["val_accuracy"] > memo["val_accuracy"]
    assert reg["val_loss"] < memo["val_loss"]
    assert reg["diagnosis"]["kind"] != "memorization"
    assert memo["curve"] and memo["curve"][-1]["step"] == 2000
