"""core.training.kernels: PyTorch's private kernels in one module, each against what torch.optim
or autograd computes, bit for bit."""

import ast
from pathlib import Path

import pytest
import torch

from neurotui.core.training import kernels

ROOT = Path(__file__).resolve().parents[1] / "neurotui"


def _private_torch_uses(tree: ast.AST) -> list[str]:
    """`torch._x`, `torch.ops`, getattr/hasattr(torch, "_x") anywhere in a module's code."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "torch":
            if node.attr == "ops" or (node.attr.startswith("_") and not node.attr.startswith("__")):
                found.append(f"torch.{node.attr}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")
                and len(node.args) >= 2 and isinstance(node.args[0], ast.Name) and node.args[0].id == "torch"
                and isinstance(node.args[1], ast.Constant) and str(node.args[1].value).startswith("_")):
            found.append(f"{node.func.id}(torch, {node.args[1].value!r})")
    return found


def test_private_torch_calls_live_in_one_module():
    uses = {}
    for path in ROOT.rglob("*.py"):
        found = _private_torch_uses(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            uses[str(path.relative_to(ROOT.parent))] = found
    assert list(uses) == ["neurotui/core/training/kernels.py"], uses
    assert {"torch.ops", "getattr(torch, '_fused_adam_')"} <= set(uses["neurotui/core/training/kernels.py"])


def test_the_reduction_constants_are_atens():
    from torch.nn import _reduction

    assert [kernels.REDUCTION_NONE, kernels.REDUCTION_MEAN, kernels.REDUCTION_SUM] == [
        _reduction.get_enum(name) for name in ("none", "mean", "sum")]


def _params(seed: int):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(4, 2, generator=g), torch.randn(4, generator=g), torch.randn(1, 4, generator=g)]


def _grads(params, step: int):
    g = torch.Generator().manual_seed(100 + step)
    return [torch.randn(p.shape, generator=g) for p in params]


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_fused_adam_is_torch_optims_adam(weight_decay):
    ours, ref = _params(0), [p.clone().requires_grad_() for p in _params(0)]
    opt = torch.optim.Adam(ref, lr=0.1, weight_decay=weight_decay, fused=True)
    avg, avg_sq = [torch.zeros_like(p) for p in ours], [torch.zeros_like(p) for p in ours]
    steps = [torch.zeros((), dtype=torch.float32) for _ in ours]
    for step in range(25):
        grads = _grads(ours, step)
        for p, g in zip(ref, grads):
            p.grad = g.clone()
        opt.step()
        kernels.add_scalar_(steps, 1)
        kernels.fused_adam_(ours, grads, avg, avg_sq, steps, lr=0.1, weight_decay=weight_decay)
    for a, b in zip(ours, ref):
        assert torch.equal(a, b.detach())
    for q, m, v in zip(ref, avg, avg_sq):
        assert torch.equal(m, opt.state[q]["exp_avg"]) and torch.equal(v, opt.state[q]["exp_avg_sq"])


@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_foreach_sgd_is_torch_optims_sgd(weight_decay):
    ours, ref = _params(1), [p.clone().requires_grad_() for p in _params(1)]
    opt = torch.optim.SGD(ref, lr=0.5, weight_decay=weight_decay)
    for step in range(25):
        grads = _grads(ours, step)
        for p, g in zip(ref, grads):
            p.grad = g.clone()
        opt.step()
        if weight_decay:
            grads = kernels.added(grads, ours, alpha=weight_decay)
        kernels.add_(ours, grads, alpha=-0.5)
    for a, b in zip(ours, ref):
        assert torch.equal(a, b.detach())


def test_foreach_fallbacks_give_the_same_numbers(monkeypatch):
    """A torch without the _foreach_ ops gets the same public op on each tensor."""
    with_kernel = _params(2)
    kernels.add_(with_kernel, kernels.signs(_params(3)), alpha=0.3)
    kernels.add_scalar_(with_kernel, 1.0)
    for name in ("_foreach_add_", "_foreach_add", "_foreach_sign"):
        monkeypatch.delattr(torch, name)
    without = _params(2)
    kernels.add_(without, kernels.signs(_params(3)), alpha=0.3)
    kernels.add_scalar_(without, 1.0)
    assert kernels.added([torch.ones(2)], [torch.ones(2)], alpha=2.0)[0].tolist() == [3.0, 3.0]
    for a, b in zip(with_kernel, without):
        assert torch.equal(a, b)


def test_a_missing_or_different_fused_adam_is_said_before_anything_moves(monkeypatch):
    params, grads = _params(4), _grads(_params(4), 0)
    before = [p.clone() for p in params]
    state = ([torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params],
             [torch.ones((), dtype=torch.float32) for _ in params])

    def other_signature(*args, beta_1=None, **kwargs):  # a torch whose kernel names its arguments differently
        if beta_1 is None:
            raise TypeError("_fused_adam_() missing required keyword argument 'beta_1'")

    monkeypatch.setattr(torch, "_fused_adam_", other_signature)
    with pytest.raises(kernels.KernelUnavailable, match="calls its fused Adam kernel differently"):
        kernels.fused_adam_(params, grads, *state, lr=0.1, weight_decay=0.0)
    monkeypatch.delattr(torch, "_fused_adam_")
    assert not kernels.has_fused_adam()
    with pytest.raises(kernels.KernelUnavailable, match="has no fused Adam kernel"):
        kernels.fused_adam_(params, grads, *state, lr=0.1, weight_decay=0.0)
    assert all(torch.equal(a, b) for a, b in zip(params, before))


def test_a_missing_aten_op_is_said_before_anything_moves(monkeypatch):
    grad, out = torch.ones(3), torch.full((3,), 0.5)
    into = torch.zeros(3)
    monkeypatch.setattr(kernels, "_aten", lambda: type("Aten", (), {})())  # a torch without these ops
    for call in (lambda: kernels.tanh_backward_into(grad, out, into), lambda: kernels.sigmoid_backward(grad, out),
                 lambda: kernels.bce_backward_sum(torch.tensor(1.0), out, grad)):
        with pytest.raises(kernels.KernelUnavailable, match="has no aten op"):
            call()
    assert torch.equal(into, torch.zeros(3))


def test_the_backward_ops_are_autograds():
    g = torch.Generator().manual_seed(5)
    z = torch.randn(4, 1, 3, generator=g, requires_grad=True)
    y = torch.randint(0, 2, (4, 1, 3), generator=g).float()
    p = torch.sigmoid(z)
    # each net (the last axis) its own mean over its 4 rows, as the sweeps train
    (torch.nn.functional.binary_cross_entropy(p, y, reduction="sum") / 4).backward()
    with torch.no_grad():
        out = p.detach()
        ours = kernels.sigmoid_backward(kernels.bce_backward_sum(torch.tensor(0.25), out, y), out)
    assert torch.equal(ours, z.grad)

    dh = torch.randn(4, 3, generator=g)
    for fn, kernel in ((torch.tanh, kernels.tanh_backward_into), (torch.sigmoid, kernels.sigmoid_backward_into),
                       (torch.relu, kernels.relu_backward_into)):
        x = torch.randn(4, 3, generator=g, requires_grad=True)
        h = fn(x)
        h.backward(dh)
        into = torch.empty_like(dh)
        assert kernel(dh, h.detach(), into) is into
        assert torch.equal(into, x.grad), fn.__name__


def _trained(config, monkeypatch=None):
    from neurotui.core.training.trainer import Trainer

    trainer = Trainer(config)
    trainer.run()
    return [p.detach().clone() for p in trainer.model.parameters()], list(trainer.losses)


@pytest.mark.parametrize("changes", [{}, {"dataset": "moons", "hidden": 16, "lr": 0.01, "l1": 0.001, "steps": 300}])
def test_the_engines_backward_is_loss_backward(changes, monkeypatch):
    """The trainer's backward (kernels.backward_, straight into autograd's engine) against loss.backward()."""
    from neurotui.core.model.config import XorConfig

    config = XorConfig(**changes)
    fast = _trained(config)
    monkeypatch.setattr(kernels, "backward_", lambda loss: loss.backward())
    plain = _trained(config)
    assert fast[1] == plain[1]
    assert all(torch.equal(a, b) for a, b in zip(fast[0], plain[0]))


def test_an_engine_taking_other_arguments_falls_back_to_loss_backward(monkeypatch):
    real = torch.autograd.Variable._execution_engine

    class Refusing:  # refuses our call (its arguments are checked first), then serves loss.backward()'s
        calls = 0

        def run_backward(self, *args, **kwargs):
            Refusing.calls += 1
            if Refusing.calls == 1:
                raise TypeError("run_backward() got an unexpected keyword argument")
            return real.run_backward(*args, **kwargs)

    monkeypatch.setattr(torch.autograd.Variable, "_execution_engine", Refusing())
    w = torch.tensor([2.0], requires_grad=True)
    kernels.backward_((w * 3).sum())
    assert w.grad.tolist() == [3.0] and Refusing.calls == 2
