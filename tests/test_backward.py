"""loss.backward() written out: the chain rule in plain float64 numbers (core.model.backward) against
autograd and finite differences, and `neurotui lab --backward` against what PyTorch's own step did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neurotui.cli import main
from neurotui.core.errors import ConfigError
from neurotui.core.model.config import XorConfig
from neurotui.core.training.gradcheck import FD_STEP, backward_pass
from neurotui.core.training.trainer import Trainer

DATA = Path(__file__).parent / "data"
AUTOGRAD_TOL = 1e-9  # float64 both ways: only the order of additions differs
NUMERIC_TOL = 1e-5

RUNS = {
    "lesson": XorConfig(),
    "relu": XorConfig(activation="relu"),
    "two hidden layers": XorConfig(layers=2, hidden=6),
    "three hidden layers, sigmoid": XorConfig(layers=3, hidden=3, activation="sigmoid"),
    "three classes": XorConfig(dataset="spiral3", samples=60),
    "four classes, minibatch": XorConfig(dataset="gauss", classes=4, samples=80, batch=16),
    "regression": XorConfig(dataset="reg-plane", samples=60),
    "csv, three classes": XorConfig(data=str(DATA / "three_classes.csv")),
    "csv, regression": XorConfig(data=str(DATA / "regression.csv")),
    "features, L1 and L2": XorConfig(dataset="circle", samples=60, features=("x1", "x2", "x1sq", "x2sq"),
                                     l1=0.01, l2=0.01),
    "sgd": XorConfig(optimizer="sgd", lr=0.5),
    "softmax before CE (bug)": XorConfig(dataset="spiral3", samples=60, bug="softmax-before-ce"),
    "sigmoid for regression (bug)": XorConfig(dataset="reg-plane", samples=60, bug="sigmoid-for-regression"),
}


def _trained(config: XorConfig, steps: int) -> Trainer:
    trainer = Trainer(config)
    trainer.run(steps)
    assert trainer.step_count == steps
    return trainer


def _relu_margin(result) -> float:
    """The smallest |z| into a ReLU over the batch. A finite difference moves z by at most
    h * (|x| + 1) per parameter, so a margin far above FD_STEP keeps both sides of it on one side of
    the kink, where the slope is the chain rule's 0 or 1. We keep the seed and step only where
    this holds (the assert says so), rather than hunting for points."""
    return min(float(s.x.abs().min()) for s in result.bp.stages if s.kind == "relu")


@pytest.mark.parametrize("steps", [0, 37])
@pytest.mark.parametrize("name", list(RUNS))
def test_chain_rule_agrees_with_autograd_and_finite_differences(name, steps):
    trainer = _trained(RUNS[name], steps)
    result = backward_pass(trainer)
    if RUNS[name].activation == "relu":
        assert _relu_margin(result) > 1e3 * FD_STEP  # this seed's points are away from the kink
    assert len(result.params) == sum(p.numel() for p in trainer.model.parameters())
    for p in result.params:
        assert abs(p.chain - p.autograd) <= AUTOGRAD_TOL, (p.name, p.chain, p.autograd)
        assert abs(p.chain - p.numeric) <= NUMERIC_TOL, (p.name, p.chain, p.numeric)
    assert any(abs(p.chain) > 1e-4 for p in result.params)  # a real gradient, not all zeros


@pytest.mark.parametrize("name", ["lesson", "four classes, minibatch", "features, L1 and L2", "sgd"])
def test_the_trainers_own_step_had_these_gradients_and_made_this_update(name):
    """The trainer's next real step: its float32 .grad is the chain rule's gradient, and each
    parameter moved by the update shown (Adam's, or SGD's for an SGD run)."""
    trainer = _trained(RUNS[name], 25)
    result = backward_pass(trainer)
    before = [p.detach().clone() for p in trainer.model.parameters()]
    trainer.step()
    grads, moved = [], []
    for p, b in zip(trainer.model.parameters(), before):
        grads += p.grad.reshape(-1).tolist()
        moved += (p.detach() - b).reshape(-1).tolist()
    for p, g, d in zip(result.params, grads, moved, strict=True):
        assert g == pytest.approx(p.chain, rel=1e-5, abs=1e-7), p.name
        update = p.adam_update if result.optimizer == "adam" else p.sgd_update
        assert d == pytest.approx(update, rel=1e-4, abs=1e-6), p.name


def test_l2_is_in_the_updates_and_not_in_the_gradient():
    plain = backward_pass(_trained(RUNS["lesson"].with_(optimizer="sgd"), 0))
    decayed = backward_pass(_trained(RUNS["lesson"].with_(optimizer="sgd", l2=0.5), 0))
    assert [p.chain for p in decayed.params] == [p.chain for p in plain.params]  # the same weights, the same loss
    w = decayed.find("w2[0,0]")
    assert w.sgd_update == pytest.approx(-decayed.lr * (w.chain + 0.5 * w.value), rel=1e-12)
    b = decayed.find("b2[0]")
    assert b.sgd_update == pytest.approx(-decayed.lr * b.chain, rel=1e-12)  # no decay on biases


def test_weight_chain_rows_add_up_to_the_gradient():
    result = backward_pass(_trained(XorConfig(l1=0.02), 5))
    for name in ("w2[0,1]", "b2[0]", "w1[2,1]", "b1[3]"):
        chain = result.chain_of(name)
        assert len(chain.rows) == 4
        assert sum(r.product for r in chain.rows) + chain.penalty == pytest.approx(result.find(name).chain, abs=1e-15)
    assert [n for n, _ in result.chain_of("w2[0,1]").rows[0].factors] == ["dL/dp", "dp/dz", "dz/dw"]
    assert [n for n, _ in result.chain_of("w1[2,1]").rows[0].factors] == ["dL/da", "da/dz", "dz/dw"]
    assert result.chain_of("w2[0,1]").penalty == pytest.approx(0.02 * (1 if result.find("w2[0,1]").value > 0 else -1))
    assert result.chain_of("b2[0]").penalty == 0


def test_dropout_is_refused():
    trainer = Trainer(XorConfig(dataset="circle", samples=40, dropout=0.2))
    with pytest.raises(ConfigError, match="dropout"):
        backward_pass(trainer)


# ------------------------------------------------------------------ lab --backward


def _lab(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["lab", "--backward", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _json(capsys, *args: str) -> dict:
    code, out, _ = _lab(capsys, "--json", *args)
    assert code == 0
    return json.loads(out)


def test_lab_backward_json_at_step_0_and_500(capsys):
    first, later = _json(capsys), _json(capsys, "--at", "500")
    keys = {"name", "value", "chain", "autograd", "numeric", "sgd_update", "adam_update"}
    for doc, step in ((first, 0), (later, 500)):
        assert doc["step"] == step and isinstance(doc["loss"], float)
        assert len(doc["parameters"]) == 17  # 2-4-1: 8 + 4 + 4 + 1
        for p in doc["parameters"]:
            assert keys <= set(p)
            assert abs(p["chain"] - p["autograd"]) <= AUTOGRAD_TOL
            assert abs(p["chain"] - p["numeric"]) <= NUMERIC_TOL
    assert [p["name"] for p in first["parameters"]][:3] == ["w1[0,0]", "w1[0,1]", "w1[1,0]"]
    assert later["loss"] < first["loss"] / 2
    assert all(a["value"] != b["value"] and a["chain"] != b["chain"]
               for a, b in zip(first["parameters"], later["parameters"]))
    # Adam's first step moves every parameter by about lr against its gradient's sign
    for p in first["parameters"]:
        assert p["adam_update"] == pytest.approx(-0.1 if p["chain"] > 0 else 0.1, abs=1e-4)


@pytest.mark.parametrize("fused, drift", [(True, 0.0), (None, 1e-5)], ids=["fused", "default"])
def test_lab_backward_adam_update_is_what_torch_optim_adam_did(capsys, fused, drift):
    """The lesson's own loop with torch.optim.Adam: the change step 501 made to each weight. The
    trainer runs torch's fused Adam kernel (core.training.kernels), the same arithmetic as
    `Adam(fused=True)`: the same weights at step 500, bit for bit. torch.optim.Adam's default (foreach
    on the CPU) rounds in another order: its weights drift apart in float32 (1.7e-6 after 500 steps here,
    torch 2.13), so they are held to 1e-5; either way step 501 is the update lab --backward announced."""
    import torch
    import torch.nn as nn

    from neurotui.core.lesson import XOR_X, XOR_Y, xor_model
    from neurotui.core.training.kernel_check import verified

    if fused and not verified("cpu").ok:
        drift = 1e-5  # the kernels were refused here: the trainer runs torch.optim.Adam's default
    doc = _json(capsys, "--at", "500")
    torch.manual_seed(42)
    x, y = torch.tensor(XOR_X), torch.tensor(XOR_Y).reshape(-1, 1)
    model = xor_model()
    opt = torch.optim.Adam(model.parameters(), lr=0.1, fused=fused)
    loss_fn = nn.BCELoss()
    for step in range(501):
        if step == 500:
            before = torch.cat([p.detach().reshape(-1).clone() for p in model.parameters()])
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    did = (torch.cat([p.detach().reshape(-1) for p in model.parameters()]) - before).tolist()
    values = before.tolist()
    for p, d, v in zip(doc["parameters"], did, values, strict=True):
        assert abs(p["value"] - v) <= drift, p["name"]  # the same run to step 500
        assert p["adam_update"] == pytest.approx(d, rel=1e-3, abs=1e-6), p["name"]
    assert max(abs(d) for d in did) > 1e-4  # the step moved something


def test_lab_backward_text_table_and_one_weights_chain(capsys):
    code, out, _ = _lab(capsys, "--at", "500", "--weight", "w2[0,1]")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("one backward pass at step 500 of the 2-4-1 run: BCE loss")
    table = lines[:lines.index("", 2)]
    rows = [line for line in table if line.startswith(("w1[", "b1[", "w2[", "b2["))]
    assert len(rows) == 17
    assert "dL/dw2[0,1] = sum over rows of dL/dp * dp/dz * dz/dw" in lines
    products = [float(line.split("=")[-1]) for line in lines if line[:4].strip().isdigit() and " * " in line]
    assert len(products) == 4
    total = float(next(line for line in lines if line.strip().startswith("sum")).split()[-1])
    assert sum(products) == pytest.approx(total, rel=1e-3)
    assert "Adam step 501:" in out


@pytest.mark.parametrize("args, words", [
    (("--weight", "w3[0,0]"), "no parameter 'w3[0,0]'"),
    (("--weight", "banana"), "no parameter 'banana'"),
    (("--bug", "target-shape"), "wrong shape"),
    (("--bug", "no-zero-grad"), "no-zero-grad"),
    (("--at", "2001"), "past the run's last step"),
    (("--dataset", "circle", "--dropout", "0.3"), "dropout"),
])
def test_lab_backward_refuses_in_one_line(capsys, args, words):
    code, out, err = _lab(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err


def test_at_and_weight_need_backward(capsys):
    assert main(["lab", "--at", "5"]) == 2
    assert "--at needs --backward" in capsys.readouterr().err


def test_lab_backward_on_a_csv_with_three_classes(capsys):
    doc = _json(capsys, "--data", str(DATA / "three_classes.csv"), "--at", "20", "--weight", "w2[2,1]")
    assert doc["loss_kind"] == "ce" and len(doc["parameters"]) == 2 * 4 + 4 + 4 * 3 + 3
    assert [*doc["weight"]["rows"][0]["factors"]] == ["dL/dz", "dz/dw"]  # CE hands back dL/dz itself
    assert sum(r["product"] for r in doc["weight"]["rows"]) == pytest.approx(doc["weight"]["sum"], abs=1e-12)


def test_lab_backward_on_cuda_matches_the_cpu(capsys):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: the GPU path (weights and Adam state read back to the CPU) did not run")
    cpu, gpu = _json(capsys, "--at", "50"), _json(capsys, "--at", "50", "--device", "cuda")
    for a, b in zip(cpu["parameters"], gpu["parameters"], strict=True):
        assert abs(b["chain"] - b["autograd"]) <= AUTOGRAD_TOL and abs(b["chain"] - b["numeric"]) <= NUMERIC_TOL
        assert b["value"] == pytest.approx(a["value"], abs=1e-4)  # float32 on two devices: not bit for bit
