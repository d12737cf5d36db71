"""The trainer's optimizer (core.training.optim) against torch.optim itself: the same numbers bit for
bit over whole runs, and no torch._dynamo import before the first step."""

import subprocess
import sys

import pytest
import torch

import neurotui.core.training.trainer as trainer_module
from neurotui.core.model.config import XorConfig
from neurotui.core.training.optim import KernelOptimizer, make_step_optimizer, make_torch_optimizer
from neurotui.core.training.trainer import Trainer

CONFIGS = [
    XorConfig(),  # the lesson
    XorConfig(optimizer="sgd", lr=1.0),
    XorConfig(l2=0.01),
    XorConfig(optimizer="sgd", lr=0.5, l2=0.05),
    XorConfig(bug="no-zero-grad"),
    XorConfig(bug="no-step"),
    XorConfig(hidden=8, layers=2, activation="relu", steps=300),
    XorConfig(dataset="circle", batch=16, dropout=0.2, steps=200),
    XorConfig(dataset="moons", optimizer="sgd", lr=0.3, l1=0.01, steps=200),
]


def run(config, make):
    original = trainer_module.make_step_optimizer
    trainer_module.make_step_optimizer = make
    try:
        t = Trainer(config)
        t.run()
    finally:
        trainer_module.make_step_optimizer = original
    return t


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.shape + (f" {c.optimizer}" if c.optimizer != "adam" else ""))
def test_kernel_runs_equal_torch_optim_bit_for_bit(config):
    ours = run(config, make_step_optimizer)
    ref = run(config, make_torch_optimizer)
    assert isinstance(ours.optimizer, KernelOptimizer)
    assert type(ref.optimizer).__module__.startswith("torch.optim")
    assert ours.step_count == ref.step_count > 0
    assert ours.losses == ref.losses  # exact floats, every step
    for a, b in zip(ours.model.parameters(), ref.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_adam_state_matches_torch_optim_layout():
    ours = run(XorConfig(steps=10), make_step_optimizer)
    ref = run(XorConfig(steps=10), make_torch_optimizer)
    for p, q in zip(ours.model.parameters(), ref.model.parameters(), strict=True):
        mine, theirs = ours.optimizer.state[p], ref.optimizer.state[q]
        assert set(mine) == set(theirs)
        for key in mine:
            assert mine[key].dtype == theirs[key].dtype and torch.equal(mine[key], theirs[key])


def test_l2_groups_keep_biases_undecayed():
    groups = make_step_optimizer(XorConfig(l2=0.5), Trainer(XorConfig()).model.parameters()).param_groups
    assert [g["weight_decay"] for g in groups] == [0.5, 0.0]


def test_a_torch_without_the_kernel_gets_torch_optim(monkeypatch):
    monkeypatch.delattr(torch, "_fused_adam_")
    opt = make_step_optimizer(XorConfig(), [torch.zeros(2, requires_grad=True)])
    assert isinstance(opt, torch.optim.Adam)


def test_a_run_never_imports_dynamo_or_sympy():
    """The reason for core.training.optim: torch.optim's first call imports torch._dynamo (~1-1.7 s
    here), and torch.nn.utils.skip_init imports sympy (~0.4 s), before the first step can run."""
    code = (
        "import sys\n"
        "from neurotui.core.training.trainer import Trainer\n"
        "from neurotui.core.model.config import XorConfig\n"
        "for c in (XorConfig(steps=50), XorConfig(optimizer='sgd', steps=50, l2=0.1)):\n"
        "    t = Trainer(c); t.run(); assert t.step_count == 50\n"
        "    t.snapshot((12, 24)); t.look_inside(1, (4, 8))\n"
        "print('torch._dynamo' in sys.modules, 'sympy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device: nothing ran on a GPU")
def test_kernel_runs_equal_torch_optim_on_cuda():
    for config in (XorConfig(device="cuda", steps=300), XorConfig(device="cuda", optimizer="sgd", lr=1.0, steps=300)):
        ours, ref = run(config, make_step_optimizer), run(config, make_torch_optimizer)
        assert ours.losses == ref.losses
        for a, b in zip(ours.model.parameters(), ref.model.parameters(), strict=True):
            assert torch.equal(a, b)


def test_a_kernel_that_takes_other_arguments_hands_the_run_to_torch_optim(monkeypatch):
    """torch._fused_adam_ is private: where this torch calls it differently (core.training.kernels
    says so, tests/test_kernels.py checks how) the run still trains, with torch.optim's numbers."""
    from neurotui.core.training import kernels

    ref = run(XorConfig(steps=100, l2=0.01), make_torch_optimizer)
    calls = []

    def refused(*args, **kwargs):
        calls.append(1)
        raise kernels.KernelUnavailable("torch 9.9 calls its fused Adam kernel differently")

    monkeypatch.setattr(kernels, "fused_adam_", refused)
    ours = run(XorConfig(steps=100, l2=0.01), make_step_optimizer)
    assert calls == [1]  # asked once, at the first step; torch.optim ran the rest
    assert isinstance(ours.optimizer.fallback, torch.optim.Adam)
    assert ours.losses == ref.losses
    for a, b in zip(ours.model.parameters(), ref.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_a_kernel_refused_after_the_first_step_is_not_hidden(monkeypatch):
    """Past the first step parameters have moved: a fallback would silently restart Adam's state."""
    from neurotui.core.training import kernels

    t = Trainer(XorConfig(steps=10))
    t.run(2)
    monkeypatch.setattr(kernels, "fused_adam_", lambda *a, **k: (_ for _ in ()).throw(kernels.KernelUnavailable("x")))
    with pytest.raises(kernels.KernelUnavailable):
        t.run(1)


def test_the_step_count_adds_as_add_does_bit_for_bit():
    """Adam's shared step count is added by writing its float32 bytes (core.training.optim.step_counter):
    every value add_(1) reaches, rounding past 2^24 and odd starts included, read as int32 bits."""
    from neurotui.core.training.optim import step_counter

    starts = torch.cat([torch.tensor([0.0, 1.0, 2.0**24 - 2, 2.0**24 - 1, 2.0**24, 2.0**24 + 2, 2.0**25 + 6,
                                      0.5, 2.5, -1.0, -0.5, 3.0e38]),
                        torch.randn(200, generator=torch.Generator().manual_seed(0)) * 1e7])
    for start in starts:
        ref, ours = start.clone(), start.clone()
        count = step_counter(ours)
        for _ in range(3):
            ref.add_(1)
            count()
            assert ours.view(torch.int32).item() == ref.view(torch.int32).item(), float(start)
