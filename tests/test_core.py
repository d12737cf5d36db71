"""The maths a learner checks against the lesson: the neuron, the model, training, the boundary."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from lab_runs import GRID, LESSON_ROWS, trained

from neurotui.core.doctor.diagnosis import diagnose
from neurotui.core.lesson import XOR_X, XOR_Y, train_xor, xor_model
from neurotui.core.model import neuron
from neurotui.core.model.boundary import (
    ASCII_RAMP,
    UNICODE_RAMP,
    cell_of,
    plane_points,
    probability_grid,
    render,
    shade,
)
from neurotui.core.model.config import XorConfig, build_model
from neurotui.core.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "neurotui" / "core"
UI_PACKAGES = ("textual", "rich", "plotext")
LN2 = math.log(2)


# ---------------------------------------------------------------- one neuron


def test_lesson_neuron_numbers():
    cell = neuron.compute()
    assert cell.x == (0.8, 0.3, 0.5) and cell.w == (0.2, -0.4, 0.6) and cell.b == 0.1
    assert round(cell.z, 3) == 0.44
    assert round(cell.activations["sigmoid"], 3) == 0.608
    assert round(cell.activations["relu"], 3) == 0.44
    assert round(cell.activations["tanh"], 4) == 0.4136
    assert cell.activations["identity"] == cell.z
    assert cell.terms == pytest.approx((0.16, -0.12, 0.3))


def test_neuron_matches_torch():
    """z = x @ w + b and each activation, as the lesson computes them with tensors."""
    cell = neuron.compute()
    x = torch.tensor([[0.8, 0.3, 0.5]])
    w = torch.tensor([[0.2], [-0.4], [0.6]])
    b = torch.tensor([0.1])
    z = x @ w + b
    assert cell.z == pytest.approx(z.item(), abs=1e-6)
    assert cell.activations["sigmoid"] == pytest.approx(torch.sigmoid(z).item(), abs=1e-6)
    assert cell.activations["relu"] == pytest.approx(torch.relu(z).item(), abs=1e-6)
    assert cell.activations["tanh"] == pytest.approx(torch.tanh(z).item(), abs=1e-6)


def test_neuron_arithmetic_string():
    cell = neuron.compute()
    assert cell.arithmetic() == "0.8×0.2 + 0.3×(−0.4) + 0.5×0.6 + 0.1 = 0.44"
    assert cell.arithmetic(ascii=True) == "0.8*0.2 + 0.3*(-0.4) + 0.5*0.6 + 0.1 = 0.44"


def test_neuron_negative_z_and_slopes():
    cell = neuron.compute(x=(1.0, 2.0), w=(-1.0, -1.0), b=0.5)
    assert cell.z == -2.5
    assert cell.activations["relu"] == 0.0 and cell.slopes["relu"] == 0.0
    s = cell.activations["sigmoid"]
    assert cell.slopes["sigmoid"] == pytest.approx(s * (1 - s))
    assert cell.slopes["tanh"] == pytest.approx(1 - math.tanh(-2.5) ** 2)
    with pytest.raises(ValueError):
        neuron.compute(x=(1.0,), w=(1.0, 2.0))


# ---------------------------------------------------------------- the model


def _lesson_model(seed: int, hidden: int = 4, layers: int = 1, act=nn.Tanh):
    """Built the lesson's way (core/lesson.py's page): global seed, then nn.Linear's own initialisation."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return xor_model(hidden, layers, act)


@pytest.mark.parametrize(
    "seed, hidden, layers, activation, act",
    [
        (42, 4, 1, "tanh", nn.Tanh),  # the lesson's TinyMLP
        (0, 4, 1, "tanh", nn.Tanh),
        (7, 2, 1, "relu", nn.ReLU),
        (123, 8, 2, "relu", nn.ReLU),
        (99, 32, 3, "sigmoid", nn.Sigmoid),
        (5, 1, 1, "identity", nn.Identity),
        (2**40 + 3, 16, 2, "tanh", nn.Tanh),
    ],
)
def test_build_model_is_the_lessons_model(seed, hidden, layers, activation, act):
    expected = _lesson_model(seed, hidden, layers, act)
    before = torch.get_rng_state()
    model = build_model(XorConfig(seed=seed, hidden=hidden, layers=layers, activation=activation))
    assert torch.equal(torch.get_rng_state(), before), "build_model must not use the global RNG"
    assert [type(m) for m in model] == [type(m) for m in expected]
    got, want = model.state_dict(), expected.state_dict()
    assert list(got) == list(want)
    for name in want:
        assert got[name].shape == want[name].shape, name
        assert torch.equal(got[name], want[name]), name


def _page_run():
    """core/lesson.py's `train_xor`, with every step's loss and the final weights."""
    losses, last = [], []

    def seen(loss, model):
        losses.append(loss.item())
        last[:] = [model]

    with torch.random.fork_rng():
        loss, probs = train_xor(on_step=seen)
    return losses, last[0].state_dict(), loss, probs


def test_the_trainer_is_the_lessons_loop_bit_for_bit(monkeypatch):
    """The app's Trainer on the default config runs the page's loop: every step's loss and the final
    weights are the same floats, not merely close. The Trainer steps Adam's fused kernel (checked
    against torch.optim.Adam(fused=True) by kernel_check), so the page is run with that Adam here."""
    import functools

    monkeypatch.setattr(torch.optim, "Adam", functools.partial(torch.optim.Adam, fused=True))
    page_losses, want, page_loss, page_probs = _page_run()
    trainer = Trainer(XorConfig())
    trainer.run()
    snap = trainer.snapshot()
    assert len(page_losses) == len(snap.losses) == 2000
    assert list(snap.losses) == page_losses
    assert snap.loss == page_loss
    got = trainer.model.state_dict()
    assert list(got) == list(want)
    for name in want:
        assert torch.equal(got[name], want[name]), name
    assert trainer.probabilities() == page_probs


def test_the_pages_own_adam_prints_what_the_trainer_prints():
    """With the page's default Adam (foreach, not fused) the floats part after a few steps (summation
    order), but never where the lesson looks: the loss and probabilities to the lesson's 4 decimals."""
    page_losses, _, page_loss, page_probs = _page_run()
    trainer = Trainer(XorConfig())
    trainer.run()
    assert round(trainer.snapshot().loss, 4) == round(page_loss, 4)
    assert [round(p, 4) for p in trainer.probabilities()] == [round(p, 4) for p in page_probs]


# ---------------------------------------------------------------- training outcomes


def test_default_run_reproduces_the_lesson():
    trainer, snap = trained()
    assert snap.step == 2000 and snap.finished
    assert snap.rows() == LESSON_ROWS
    assert round(snap.loss, 4) == 0.0001
    assert snap.solved and snap.diagnosis.kind == "solved"
    assert len(snap.losses) == 2000 and snap.losses[0] > snap.losses[-1]


def test_no_hidden_activation_cannot_learn_xor():
    _, snap = trained(XorConfig(activation="identity"))
    assert snap.loss == pytest.approx(LN2, abs=1e-3)
    assert all(p == pytest.approx(0.5, abs=1e-3) for p in snap.probs)
    assert snap.diagnosis.kind == "linear"
    assert not snap.diagnosis.ok


@pytest.mark.parametrize(
    "config",
    [XorConfig(optimizer="adam", lr=100.0), XorConfig(optimizer="sgd", lr=50.0)],
    ids=["adam-lr100", "sgd-lr50"],
)
def test_huge_learning_rate_saturates(config):
    _, snap = trained(config)
    # BCELoss clamps log(0) at -100: two rows wrong with certainty give exactly 50.
    assert snap.loss == 50.0
    assert snap.diagnosis.kind == "saturated"
    assert "lower the learning rate" in snap.diagnosis.fix


@pytest.mark.parametrize(
    "losses, probs",
    [
        ([0.7, math.nan], [0.5, 0.5, 0.5, 0.5]),
        ([0.7, math.inf], [0.5, 0.5, 0.5, 0.5]),
        ([0.7, 0.6], [0.1, math.nan, 0.9, 0.1]),
        ([], [0.1, 0.9, 0.9, 0.1]),
    ],
)
def test_diagnose_nonfinite(losses, probs):
    d = diagnose(losses, probs)
    assert d.kind == "nonfinite"
    assert "nan" in d.title and d.fix == "lower the learning rate and check inputs"


def test_diagnose_names_where():
    d = diagnose([0.7], [0.5] * 4, nonfinite_where="layer 2 weights")
    assert d.kind == "nonfinite" and "layer 2 weights" in d.detail


@pytest.mark.parametrize("layer, pname, where", [(0, "weight", "layer 1 weights"), (2, "bias", "layer 2 biases")])
def test_trainer_stops_on_nan_weights(layer, pname, where):
    trainer = Trainer(XorConfig(steps=50))
    trainer.run(3)
    with torch.no_grad():
        getattr(trainer.model[layer], pname).fill_(math.nan)
    trainer.run()  # must not raise (BCELoss rejects a NaN probability)
    assert trainer.finished
    assert trainer.nonfinite_where == where
    assert trainer.step_count < 50
    snap = trainer.snapshot(boundary_size=(3, 4))
    assert snap.finished and snap.diagnosis.kind == "nonfinite"
    assert where in snap.diagnosis.detail
    assert all(ch in "?01" for line in render(snap.boundary) for ch in line)


# ---------------------------------------------------------------- determinism


def test_run_is_identical_when_repeated():
    trainer = Trainer(XorConfig())
    trainer.run()
    assert trainer.losses == trained()[0].losses  # all 2000 values, exactly


def test_run_ignores_another_thread_using_the_global_rng():
    stop = threading.Event()
    spins = []

    def noise():
        while not stop.is_set():
            torch.manual_seed(0)
            torch.rand(16)
            torch.randn(4, 4)
            spins.append(1)

    thread = threading.Thread(target=noise, daemon=True)
    thread.start()
    try:
        trainer = Trainer(XorConfig())  # the weights are drawn while the thread reseeds
        trainer.run()
    finally:
        stop.set()
        thread.join()
    assert len(spins) > 10, "the noise thread did not run alongside"
    assert trainer.losses == trained()[0].losses
    assert trainer.snapshot().rows() == LESSON_ROWS


# ---------------------------------------------------------------- the boundary


def test_shades():
    assert shade(0.0, UNICODE_RAMP) == " " and shade(1.0, UNICODE_RAMP) == "█"
    assert shade(0.5, UNICODE_RAMP) == "▒"
    assert shade(0.0, ASCII_RAMP) == " " and shade(1.0, ASCII_RAMP) == "@"
    assert shade(-3.0, ASCII_RAMP) == " " and shade(7.0, ASCII_RAMP) == "@"
    assert shade(math.nan, UNICODE_RAMP) == "?"


def test_plane_points_row_zero_is_the_top():
    pts = plane_points(4, 3)
    assert len(pts) == 12
    (x1, x2), (x1_last, x2_last) = pts[0], pts[-1]
    assert x1 < 0.5 and x2 > 0.5  # top-left
    assert x1_last > 0.5 and x2_last < 0.5  # bottom-right
    with pytest.raises(ValueError):
        plane_points(0, 3)


def _synthetic(rows, cols):
    """p = 1 on the left half, 0 on the right, 0.5 in the middle column when odd."""
    return [[1.0 if c < cols // 2 else (0.5 if c == cols // 2 and cols % 2 else 0.0) for c in range(cols)]
            for _ in range(rows)]


@pytest.mark.parametrize("rows, cols", [(12, 28), (7, 9), (4, 4), (20, 60)])
def test_render_synthetic_grid_and_marks(rows, cols):
    lines = render(_synthetic(rows, cols))
    assert len(lines) == rows and all(len(line) == cols for line in lines)
    digits = [(r, c, ch) for r, line in enumerate(lines) for c, ch in enumerate(line) if ch in "01"]
    assert len(digits) == 4
    by_corner = {(r < rows / 2, c < cols / 2): ch for r, c, ch in digits}
    # row 0 is the top (x2 high): (0,1) top-left is 1, (1,1) top-right is 0,
    # (0,0) bottom-left is 0, (1,0) bottom-right is 1.
    assert by_corner == {(True, True): "1", (True, False): "0", (False, True): "0", (False, False): "1"}
    plain = render(_synthetic(rows, cols), mark_points=False)
    assert all(ch not in "01" for line in plain for ch in line)
    for line in plain:
        assert line[: cols // 2] == "█" * (cols // 2)
        assert line[-1] == " "
    for point, label in zip(XOR_X, XOR_Y):
        r, c = cell_of(point, rows, cols)
        assert lines[r][c] == str(int(label))


def test_render_ascii_is_pure_ascii():
    grid = [[(r * 7 + c * 3) % 11 / 10 for c in range(30)] for r in range(10)]
    grid[0][5] = math.nan
    lines = render(grid, ascii=True)
    text = "\n".join(lines)
    text.encode("ascii")  # raises if any character is not ASCII
    assert set(text) <= set(ASCII_RAMP) | set("01?\n")
    assert len(set(text) & set(ASCII_RAMP)) > 5  # the ramp is really used


def test_probability_grid_shape():
    trainer, _ = trained()
    grid = probability_grid(trainer.model, 5, 9)
    assert len(grid) == 5 and all(len(row) == 9 for row in grid)
    assert all(isinstance(p, float) and 0.0 <= p <= 1.0 for row in grid for p in row)


@pytest.mark.parametrize("ascii", [False, True])
def test_trained_default_model_corners_read_the_right_class(ascii):
    _, snap = trained()
    rows, cols = GRID
    assert len(snap.boundary) == rows and len(snap.boundary[0]) == cols
    ramp = ASCII_RAMP if ascii else UNICODE_RAMP
    plain = render(snap.boundary, ascii=ascii, mark_points=False)
    for point, label in zip(XOR_X, XOR_Y):
        r, c = cell_of(point, rows, cols)
        ch = plain[r][c]
        assert ch in (ramp[-2:] if label else ramp[:2]), (point, label, ch)


# ---------------------------------------------------------------- core stays UI-free

# every module under core/, dotted from core: "lesson", "model.neuron", "sweep.run"...
CORE_MODULES = sorted(
    ".".join(p.relative_to(CORE).with_suffix("").parts)
    for p in CORE.rglob("*.py")
    if p.name != "__init__.py"
)


def test_core_modules_found():
    assert {"lesson", "model.activations", "model.neuron", "model.config", "training.trainer",
            "model.boundary", "model.device", "doctor.diagnosis", "course.card"} <= set(CORE_MODULES)


def test_core_top_level_stays_readable():
    """A newcomer opens core/ and sees a dozen names at most, lesson.py among them."""
    top = sorted(p.name for p in CORE.iterdir() if p.name != "__pycache__" and p.name != "__init__.py")
    assert len(top) <= 12, top
    assert "lesson.py" in top


@pytest.mark.parametrize("module", ["__init__"] + CORE_MODULES)
def test_core_module_imports_no_ui_anywhere_in_its_source(module):
    """Static: no import of a UI package at any level, lazy imports inside functions included."""
    tree = ast.parse((CORE / (module.replace(".", "/") + ".py")).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name.split(".")[0] not in UI_PACKAGES, f"core/{module}.py imports {name}"


_CHECK = (
    "import importlib, sys; importlib.import_module(sys.argv[1]); "
    f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {UI_PACKAGES!r}); "
    "print(' '.join(bad)); sys.exit(1 if bad else 0)"
)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_importing_core_module_loads_no_ui(module):
    proc = subprocess.run(
        [sys.executable, "-c", _CHECK, f"neurotui.core.{module}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, f"neurotui.core.{module} loads {proc.stdout.strip()} {proc.stderr}"


def test_using_core_end_to_end_loads_no_ui():
    """Train, diagnose, draw the boundary and build a card: still no UI package loaded."""
    code = (
        "import sys\n"
        "from neurotui.core.training.trainer import Trainer\n"
        "from neurotui.core.model.config import XorConfig\n"
        "from neurotui.core.model.boundary import render\n"
        "from neurotui.core.course.card import card_markdown, failure_probe\n"
        "from neurotui.core.model import neuron, device\n"
        "c = XorConfig(steps=5)\n"
        "t = Trainer(c); t.run(); s = t.snapshot(boundary_size=(3, 5))\n"
        "render(s.boundary); neuron.compute().arithmetic(); device.describe(t.device)\n"
        "card_markdown(c, s, failure_probe(c))\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {UI_PACKAGES!r})\n"
        "print(' '.join(bad)); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
