"""Break it on purpose: the run's PyTorch script, the injected bugs, and the doctor's symptoms.

The script is checked the way a learner would use it: written out, run with
plain `python` in a subprocess, its stdout compared byte for byte with
`neurotui lab`'s, for the lesson, every generated dataset, minibatches with dropout
and a validation split, features with L1/L2, and a CSV file. Each bug's verdict
comes from `lab --json` in a real process. The doctor's checks are also fed the
same symptoms with no bug at all.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lab_runs import DATA, LESSON_OUTPUT

from neurotui.cli import main
from neurotui.core.course.bugs import BUG_ORDER, BUGS, check_bug, next_bug
from neurotui.core.course.script import (
    ScriptError,
    bug_line,
    changed_line,
    changed_lines,
    script_for,
    script_lines,
    write_script,
)
from neurotui.core.doctor.diagnosis import diagnose
from neurotui.core.errors import ConfigError
from neurotui.core.model.config import XorConfig

ROOT = Path(__file__).resolve().parents[1]


def lab(*args: str) -> str:
    """`neurotui lab ARGS`'s stdout, in-process (torch is imported once per session)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["lab", *args]) == 0
    return out.getvalue()


def run_script(text: str, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "run.py"
    path.write_text(text)
    return subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=300)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neurotui", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


# ---------------------------------------------------------------- the script prints what lab prints

SCRIPT_RUNS = [
    (),  # the lesson
    ("--activation", "relu", "--hidden", "8", "--layers", "2"),
    ("--activation", "identity", "--steps", "500"),  # not solved: the doctor's line too
    ("--layers", "0", "--steps", "500"),  # the single-layer perceptron, 2-1
    ("--optimizer", "sgd", "--lr", "0.5", "--seed", "3", "--log-every", "100"),
    ("--bug", "no-step", "--steps", "300"),
    ("--bug", "target-shape"),  # PyTorch raises at the first step
    ("--bug", "no-output-sigmoid", "--log-every", "10"),  # raises at step 25, after two log lines
    ("--bug", "lr-high", "--log-every", "20"),  # blows up: lab and the script stop at the same step (50)
    # every generated dataset, its generator written out in the script
    ("--dataset", "xor-noisy", "--steps", "300"),
    ("--dataset", "circle", "--steps", "300", "--samples", "61", "--noise", "0.1"),  # odd: 31 + 30 points
    ("--dataset", "gauss", "--steps", "300", "--data-seed", "5", "--val-split", "0"),  # no validation set
    ("--dataset", "spiral", "--steps", "300"),
    ("--dataset", "moons", "--steps", "300", "--seed", "7", "--log-every", "120"),
    ("--val-split", "0.5", "--steps", "300", "--log-every", "100"),  # the lesson's rows, split
    # bugs off the lesson's rows: the flat target in the loop, raw scores into BCELoss, a diverging SGD
    ("--dataset", "circle", "--bug", "target-shape", "--batch", "32"),
    ("--dataset", "gauss", "--bug", "no-output-sigmoid", "--steps", "200", "--log-every", "7"),
    ("--dataset", "moons", "--optimizer", "sgd", "--lr", "1e4", "--steps", "300", "--log-every", "50"),
    ("--dataset", "circle", "--bug", "lr-high", "--log-every", "20"),  # blown up: stopped at a check (step 50)
    # several classes and regression: K scores and CrossEntropyLoss, a linear output and MSELoss
    ("--dataset", "spiral", "--classes", "4", "--batch", "32", "--dropout", "0.1", "--steps", "300",
     "--log-every", "100"),
    ("--dataset", "gauss", "--classes", "3", "--steps", "200", "--features", "x1,x2,x1x2", "--l1", "0.001"),
    ("--dataset", "reg-plane", "--val-split", "0", "--steps", "300", "--log-every", "70"),
    ("--dataset", "spiral3", "--bug", "softmax-before-ce", "--steps", "300"),
    ("--dataset", "reg-gauss", "--bug", "sigmoid-for-regression", "--steps", "300"),
]

# The "done when" runs, 2000 steps each.
DONE_WHEN_RUNS = [
    ("--dataset", "spiral", "--samples", "150", "--noise", "0.1", "--val-split", "0.3", "--batch", "16",
     "--dropout", "0.1"),
    ("--dataset", "moons", "--features", "x1,x2,x1x2,sinx1", "--l1", "0.001", "--l2", "0.01"),
    ("--dataset", "xor-noisy", "--hidden", "8", "--layers", "2", "--batch", "10", "--dropout", "0.2",
     "--val-split", "0.4", "--activation", "relu", "--optimizer", "sgd", "--lr", "0.3"),
    ("--dataset", "spiral3", "--activation", "relu"),
    ("--dataset", "reg-gauss", "--layers", "2", "--hidden", "8", "--lr", "0.03"),
]


@pytest.mark.parametrize("args", SCRIPT_RUNS, ids=lambda a: " ".join(a) or "lesson")
def test_the_script_prints_exactly_what_lab_prints(args, tmp_path):
    expected = lab(*args)
    proc = run_script(lab(*args, "--script"), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == expected
    if not args:
        assert proc.stdout == LESSON_OUTPUT


@pytest.mark.slow
@pytest.mark.parametrize("args", DONE_WHEN_RUNS, ids=" ".join)
def test_done_when_runs_print_exactly_what_lab_prints(args, tmp_path):
    test_the_script_prints_exactly_what_lab_prints(args, tmp_path)


def test_a_csv_file_with_a_split_and_a_log(tmp_path):
    """The script reads the file with the csv module as the lab does: header, comments, blank lines."""
    rows = [f"{(i % 7) / 3 - 1:.3f}, {((i * 5) % 11) / 5 - 1:g},{int((i % 7) / 3 - 1 > ((i * 5) % 11) / 5 - 1)}"
            for i in range(60)]
    path = tmp_path / "my points.csv"
    path.write_text("# two columns and a label\r\nx1,x2,y\r\n\r\n" + "\r\n".join(rows) + "\r\n")
    args = ("--data", str(path), "--val-split", "0.25", "--log-every", "300", "--steps", "1000", "--l2", "1e-3")
    text = lab(*args, "--script")
    assert "import csv" in text and "csv.reader(" in text
    assert text.count("import ") == 4  # csv, math, torch, torch.nn
    test_the_script_prints_exactly_what_lab_prints(args, tmp_path)


@pytest.mark.parametrize("name", ["three_classes.csv", "regression.csv"])
def test_a_csv_of_classes_or_numbers(name, tmp_path):
    """Integer labels 0..2 train three classes, fractional ones a regression: the script reads both."""
    test_the_script_prints_exactly_what_lab_prints(("--data", str(DATA / name), "--steps", "300"), tmp_path)


def test_lab_prints_the_doctors_verdict_on_stderr():
    """The doctor is neurotui's commentary: stdout is the program's output, which the script prints."""
    proc = run_cli("lab", "--activation", "identity", "--steps", "300")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1].startswith("final_loss= ")
    assert "diagnosis" not in proc.stdout
    assert proc.stderr.startswith("diagnosis: cannot separate XOR: ") and len(proc.stderr.splitlines()) == 1


LESSON_MODEL = """\
class TinyMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2, 4),
            nn.Tanh(),
            nn.Linear(4, 1),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.net(x)


model = TinyMLP()
loss_fn = nn.BCELoss()
"""

LESSON_LOOP = """\
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def test_the_default_script_is_the_lessons_program():
    text = script_for(XorConfig())
    imports = {line for line in text.splitlines() if line.startswith(("import ", "from "))}
    assert imports == {"import math", "import torch", "import torch.nn as nn"}  # torch only, never neurotui
    assert "torch.manual_seed(42)" in text and "for step in range(2000):" in text
    assert LESSON_MODEL in text and LESSON_LOOP in text
    assert "optimizer = torch.optim.Adam(model.parameters(), lr=0.1" in text


def test_each_bug_is_one_marked_line_of_the_script():
    plain = script_lines(XorConfig())
    for name in BUG_ORDER:
        config = XorConfig(bug=name)
        lines = script_lines(config)
        line = bug_line(config)
        assert line is not None and f"BUG ({name})" in lines[line - 1]
        assert sum("# BUG (" in x for x in lines) == 1
        assert changed_line(XorConfig(), config) is not None
        assert len(changed_lines(XorConfig(), config)) <= 2, name  # one mistake (+ MSELoss for broadcast)
    assert bug_line(XorConfig()) is None
    assert not any("BUG" in x for x in plain)


def test_changed_line_marks_what_the_learner_just_changed():
    old = XorConfig()
    new = old.with_(activation="relu")
    line = changed_line(old, new)
    assert script_lines(new)[line - 1].strip() == "nn.ReLU(),"
    assert changed_line(old, old) is None
    seed = changed_line(old, old.with_(seed=7))
    assert script_lines(old.with_(seed=7))[seed - 1] == "torch.manual_seed(7)"
    steps = old.with_(steps=50)
    assert script_lines(steps)[changed_line(old, steps) - 1] == "for step in range(50):"


def test_write_script_never_overwrites(tmp_path):
    first = write_script(XorConfig(), tmp_path / "neurotui-lab.py")
    second = write_script(XorConfig(bug="no-step"), tmp_path / "neurotui-lab.py")
    third = write_script(XorConfig(), tmp_path / "neurotui-lab.py")
    assert [p.name for p in (first, second, third)] == ["neurotui-lab.py", "neurotui-lab-1.py", "neurotui-lab-2.py"]
    assert first.read_text() == script_for(XorConfig())
    assert "BUG (no-step)" in second.read_text()
    with pytest.raises(ScriptError, match="already exists"):
        write_script(XorConfig(), first, fresh=False)
    with pytest.raises(ScriptError, match="script"):
        write_script(XorConfig(), tmp_path / "missing" / "x.py", fresh=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neurotui-lab-1.py", "neurotui-lab-2.py", "neurotui-lab.py"]


# ---------------------------------------------------------------- bugs as options


def test_bug_names_are_checked():
    assert check_bug(" No-Step ") == "no-step" and check_bug("none") is None and check_bug(None) is None
    with pytest.raises(ConfigError, match="unknown bug 'nope'"):
        XorConfig(bug="nope").validated()
    assert XorConfig(bug="lr-high").validated().cli_args() == "--bug lr-high"
    assert next_bug(None) == BUG_ORDER[0] and next_bug(BUG_ORDER[-1]) is None
    assert set(BUGS) == {"no-step", "no-zero-grad", "lr-high", "lr-low", "target-shape", "broadcast-target",
                         "no-output-sigmoid"}


@pytest.mark.parametrize("args", [("lab", "--bug", "nope"), ("lab", "--script", "--json"), ("--bug", "x")])
def test_bad_bug_or_script_use_is_one_line_and_exit_2(args):
    proc = run_cli(*args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith("neurotui: error: ")


# ---------------------------------------------------------------- each bug's verdict, from a real process

BUG_VERDICTS = {
    "no-step": "not_decreasing",
    "lr-low": "not_decreasing",
    "lr-high": ("saturated", "nonfinite"),
    "target-shape": "shape_error",
    "broadcast-target": "shape_broadcast",  # the shapes differ: not a run that needs longer training
    "no-output-sigmoid": "loss_pair_error",
    "no-zero-grad": "piling_gradients",  # it blows up like lr-high, but the held gradients say why
}


@pytest.mark.parametrize("bug", BUG_ORDER)
def test_each_bug_gets_its_verdict_through_lab_json(bug):
    proc = run_cli("lab", "--bug", bug, "--json")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    result = json.loads(proc.stdout)
    kind = result["diagnosis"]["kind"]
    expected = BUG_VERDICTS[bug]
    assert kind in expected if isinstance(expected, tuple) else kind == expected
    assert result["config"]["bug"] == bug and result["diagnosis"]["fix"]
    if bug in ("target-shape", "no-output-sigmoid"):
        assert result["error"].startswith(("ValueError: ", "RuntimeError: "))
    else:
        assert result["error"] is None
    if bug == "broadcast-target":  # PyTorch's own warning, on stderr, as the script shows it
        assert "broadcasting" in proc.stderr


@pytest.mark.parametrize("bug", ["target-shape", "no-output-sigmoid"])
def test_a_raised_pytorch_error_is_shown_not_crashed(bug):
    out = lab("--bug", bug).splitlines()
    stopped = [line for line in out if line.startswith("stopped at step ")]
    assert len(stopped) == 1
    if bug == "target-shape":
        assert stopped[0].startswith("stopped at step 1: ValueError: Using a target size (torch.Size([4]))")
    else:
        assert stopped[0] == "stopped at step 25: RuntimeError: all elements of input should be between 0 and 1"
    assert out[-1] == stopped[0]  # the doctor's verdict is on stderr


# ---------------------------------------------------------------- the doctor reads symptoms, not names


def test_the_same_symptoms_without_a_bug_get_the_same_verdict():
    from neurotui.core.training.trainer import Trainer

    def verdict(config):
        trainer = Trainer(config)
        trainer.run()
        return trainer.snapshot().diagnosis

    # lr-low is lr 1e-5 and lr-high lr 100: asked for plainly, the doctor says the same
    assert verdict(XorConfig(lr=1e-5, steps=300)) == verdict(XorConfig(bug="lr-low", steps=300))
    assert verdict(XorConfig(lr=100.0, steps=300)) == verdict(XorConfig(bug="lr-high", steps=300))


LOSSES_FLAT = [0.7598] * 2000
LOSSES_SLOW = [0.7598 - 0.0000063 * i for i in range(2000)]


@pytest.mark.parametrize(
    "symptoms, kind",
    [
        # weights never moved although gradients flow: the update is not applied
        (dict(losses=LOSSES_FLAT, probs=[0.66, 0.69, 0.68, 0.7], moved=0.0, grad_norm=0.26), "not_decreasing"),
        # a loss that fell 1.7% while the weights moved 5%: steps too small
        (dict(losses=LOSSES_SLOW, probs=[0.65, 0.68, 0.67, 0.68], moved=0.05, grad_norm=0.24), "not_decreasing"),
        (dict(losses=LOSSES_SLOW, probs=[0.52, 0.48, 0.51, 0.5], moved=0.06, grad_norm=0.01), "not_decreasing"),
        # the same small fall after the weights travelled far is a plateau, not a tiny step size
        (dict(losses=[0.80, 0.6931], probs=[0.5] * 4, moved=0.88, grad_norm=0.0, linear_model=True), "linear"),
        (dict(losses=[0.26, 0.25], probs=[0.5] * 4, moved=1.02, grad_norm=0.0), "near_half"),
        # dead network: nothing moves because nothing flows back
        (dict(losses=[0.7, 0.7], probs=[0.45, 0.45, 0.45, 0.45], moved=0.0, grad_norm=0.0), "near_half"),
        (dict(losses=[0.76, 25.0], probs=[1e-9, 1.0, 1.0, 1.0], moved=456.0, grad_norm=25.7), "saturated"),
        (dict(losses=[0.76, 50.0], probs=[0.0] * 4, moved=1472.0, grad_norm=0.0), "saturated"),
        (dict(losses=[], probs=[0.66, 0.69, 0.68, 0.7], moved=0.0, grad_norm=None,
              error="ValueError: Using a target size (torch.Size([4])) that is different to the input size "
                    "(torch.Size([4, 1])) is deprecated. Please ensure they have the same size."), "shape_error"),
        (dict(losses=[0.8] * 24, probs=[-0.01, 0.62, 0.82, 0.6], moved=1.6, grad_norm=0.33,
              error="RuntimeError: all elements of input should be between 0 and 1"), "loss_pair_error"),
        (dict(losses=[0.7], probs=[0.5] * 4, error="RuntimeError: mat1 and mat2 shapes cannot be multiplied"),
         "shape_error"),
        (dict(losses=[0.7], probs=[0.5] * 4, error="RuntimeError: out of memory"), "error"),
        # gradients found held before a backward(): zero_grad() is missing, whatever the outputs did
        (dict(losses=[0.76, 6.17], probs=[1e-9, 1e-9, 1.0, 1e-9], moved=40.0, grad_norm=15.0, leftover=14.9),
         "piling_gradients"),
        (dict(losses=[0.76, 0.6], probs=[0.4, 0.6, 0.4, 0.6], moved=2.0, grad_norm=3.0, leftover=2.5),
         "piling_gradients"),
        # healthy runs are untouched by the new checks
        (dict(losses=[0.76, 0.0001], probs=[0.0, 1.0, 1.0, 0.0], moved=10.9, grad_norm=6e-5), "solved"),
        (dict(losses=[0.76, 0.4], probs=[0.1, 0.9, 0.9, 0.9], moved=3.0, grad_norm=0.1), "stuck"),
        (dict(losses=[0.76, 0.4], probs=[0.1, 0.9, 0.9, 0.9], moved=3.0, grad_norm=0.1, leftover=0.0), "stuck"),
        # solved in spite of piled-up gradients: nothing to fix in what the run shows
        (dict(losses=[0.76, 0.01], probs=[0.0, 1.0, 1.0, 0.0], moved=3.0, grad_norm=1.7, leftover=1.7), "solved"),
    ],
)
def test_doctor_symptoms(symptoms, kind):
    d = diagnose(**symptoms)
    assert d.kind == kind, d
    assert d.title and d.detail and d.fix
    assert "\n" not in d.detail and "\n" not in d.fix


def test_doctor_fixes_are_the_checklists():
    shape = diagnose([], [0.5] * 4, error="ValueError: Using a target size (torch.Size([4])) differs")
    assert shape.fix == "use target shape [batch, 1] for this binary example"
    flat = diagnose(LOSSES_FLAT, [0.66, 0.69, 0.68, 0.7], moved=0.0, grad_norm=0.26)
    assert "optimizer.step()" in flat.fix
    pair = diagnose([0.8], [-0.5, 0.5, 0.9, 0.1], error="RuntimeError: all elements of input should be between 0 and 1")
    assert "check output activation and loss pair" in pair.fix and "-0.500 to 0.900" in pair.detail


# ---------------------------------------------------------------- what the script covers


def test_script_refuses_only_what_it_cannot_reproduce():
    with pytest.raises(ScriptError, match="--device cuda") as exc:
        script_for(XorConfig(device="cuda"))
    assert "\n" not in str(exc.value)
    for config in (XorConfig(dataset="circle", batch=8, dropout=0.2, l1=1e-3), XorConfig(val_split=0.5),
                   XorConfig(dataset="spiral", features=("x1", "sinx2"), bug="target-shape")):
        assert "for step in range(" in script_for(config)


def test_a_bugged_runs_script_is_the_lessons_program_plus_its_bug():
    """No doctor in the script: the lesson's program, one marked line, the guard for PyTorch's refusal."""
    lesson = script_lines(XorConfig())
    for name in BUG_ORDER:
        lines = script_lines(XorConfig(bug=name))
        assert len(lines) <= len(lesson) + 1, name
        assert not any("diagnos" in line or "doctor" in line for line in lines), name


def _lab_of(config: XorConfig, monkeypatch) -> str:
    """lab's stdout for `config` itself, whichever options the command line has grown so far."""
    import neurotui.cli.lab as cli

    monkeypatch.setattr(cli, "config_from_args", lambda args: config)
    return lab()


@pytest.mark.parametrize("changes", [
    {"features": ("x1", "x2", "x1x2"), "activation": "identity"},  # the features preset: no activation, solved
    {"l2": 0.01, "hidden": 8},
    {"l1": 0.001, "optimizer": "sgd", "lr": 0.5},
    {"features": ("x1sq", "sinx2", "x1x2"), "l1": 0.0005, "l2": 0.001, "bug": "no-step"},
], ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_the_script_covers_features_and_regularization(changes, tmp_path, monkeypatch):
    from dataclasses import fields

    if not set(changes) <= {f.name for f in fields(XorConfig)}:
        pytest.skip("this checkout has no such options yet")
    config = XorConfig(**changes).validated()
    proc = run_script(script_for(config), tmp_path)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == _lab_of(config, monkeypatch)


def test_each_bug_has_a_preset():
    presets = pytest.importorskip("neurotui.core.course.presets")
    for name in BUG_ORDER:
        assert presets.get_preset(f"bug-{name}").apply().bug == name


def _calls(functions, action) -> list[str]:
    """The names of `functions` called while `action()` runs, however they were imported."""
    codes = {f.__code__: f.__name__ for f in functions}
    seen: list[str] = []

    def profile(frame, event, _arg):
        if event == "call" and frame.f_code in codes:
            seen.append(codes[frame.f_code])

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return seen


def test_the_script_is_written_from_the_resolved_run_alone():
    """A Resolved is the run's facts: the script asks neither the task, the mistakes, the defaults,
    the rows nor the CSV again (each would be a second place the run's facts are decided)."""
    from neurotui.core.course.bugs import mistakes
    from neurotui.core.data import csvfile, datasets
    from neurotui.core.model.task import task_of
    from neurotui.core.training.resolved import resolve

    deciders = (task_of, mistakes, datasets.resolved, datasets.check_data, datasets.row_counts,
                datasets.plotted_pair, datasets.input_names, csvfile.csv_table, csvfile.parse_table)
    for config in (XorConfig(), XorConfig(dataset="spiral", classes=3, batch=16, dropout=0.2),
                   XorConfig(dataset="reg-gauss", val_split=0.2),
                   XorConfig(data=str(DATA / "flowers4.csv"), features=("x1", "x1sq"), val_split=0.5)):
        expected = script_for(config, log_every=100)
        run = resolve(config)
        facts = run.split, run.pair  # Resolved's lazy facts, decided there once (lab's data check asks first)
        assert facts and _calls(deciders, lambda r=run: script_for(r, log_every=100)) == [], config
        assert script_for(run, log_every=100) == expected
    assert "task_of" in _calls(deciders, lambda: script_for(XorConfig()))  # the counter sees a plain config's


def test_the_scripts_threads_are_the_trainers_choice(monkeypatch):
    """The Trainer picks threads from its training rows (threads.run_size); the script said torch's
    pool for 100,000 points x 50 units, counting the validation rows the lab never steps on."""
    from neurotui.core.training import threads
    from neurotui.core.training.resolved import resolve

    monkeypatch.setattr(threads, "_requested", None)  # no --threads from an earlier test's command line
    run = resolve(XorConfig(dataset="circle", samples=100_000, hidden=50))
    assert run.split == (70_000, 30_000)
    assert threads.run_size(run.config, 100_000) >= threads.CROSSOVER > threads.run_size(run.config, 70_000)
    assert "torch.set_num_threads(1)" in script_for(run)
