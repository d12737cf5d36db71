"""One backward pass of a Trainer's run, three ways, and what the optimizer's next step does with it.

For the batch the trainer's next step takes, at the weights it holds now (after K steps):

- `chain`: the chain rule in plain float64 numbers (core.model.backward), no autograd;
- `autograd`: `loss.backward()` on a float64 copy of the same modules and the same loss module,
  the penalty added as the trainer adds it: what `.grad` holds after that step, in float64;
- `numeric`: a central finite difference of that loss, (L(w + h) - L(w - h)) / 2h, h = 1e-6.

Then the step: SGD's update -lr * g and Adam's, from the Adam state the run holds after K steps
(its m and v), that is the change step K+1 makes. L2 is the optimizer's weight decay (on
weights only, core.training.optim), so it is in neither gradient: it is added to g inside both
updates, as torch.optim does. L1 is a term of the loss, so it is in all three gradients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from neurotui.core.errors import ConfigError
from neurotui.core.model import backward
from neurotui.core.model.network import name_of
from neurotui.core.training.kernels import ADAM_BETAS, ADAM_EPS

FD_STEP = 1e-6  # float64: truncation ~h^2, rounding ~1e-16/h; both far under the 1e-5 the checks ask
NUMERIC_MAX = 300  # finite differences (two forward passes each) for the first this many parameters (a 2-64-64-1
# has 4,417: minutes on a busy CPU, for a check the first few hundred already make)


@dataclass(frozen=True)
class ParamGrad:
    name: str  # 'w2[0,1]', 'b1[3]' (core.model.network.name_of)
    layer: int
    unit: int
    source: int | None  # None: a bias
    value: float
    chain: float
    autograd: float
    numeric: float | None  # None past NUMERIC_MAX parameters
    sgd_update: float  # -lr * (g + weight_decay * w)
    adam_update: float  # what Adam's step K+1 adds to the parameter
    adam_m: float  # Adam's first moment after K steps (0 before any)
    adam_v: float  # ... and its second

    def as_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "chain": self.chain, "autograd": self.autograd,
                "numeric": self.numeric, "sgd_update": self.sgd_update, "adam_update": self.adam_update,
                "adam_m": self.adam_m, "adam_v": self.adam_v}


@dataclass(frozen=True)
class BackwardPass:
    step: int  # the steps trained before this pass
    loss: float
    loss_kind: str  # 'bce', 'ce', 'mse'
    lr: float
    optimizer: str  # the run's: 'adam' or 'sgd'
    adam_fresh: bool  # no Adam state yet (step 0, an SGD run, no-step): its update is a first step's
    weight_decay: float
    l1: float
    params: tuple[ParamGrad, ...]
    bp: backward.Backprop  # the chain rule's own pass: per-weight chains (weight_chain)

    def find(self, name: str) -> ParamGrad:
        for p in self.params:
            if p.name == name.replace(" ", ""):
                return p
        names = [p.name for p in self.params]
        raise ConfigError(f"no parameter {name!r} (this network has {names[0]} ... {names[-1]}, "
                          f"e.g. {', '.join(names[:3])})")

    def chain_of(self, name: str) -> backward.Chain:
        p = self.find(name)
        return backward.weight_chain(self.bp, p.layer, p.unit, p.source)

    def as_dict(self) -> dict:
        return {"step": self.step, "loss": self.loss, "loss_kind": self.loss_kind, "lr": self.lr,
                "optimizer": self.optimizer, "adam_fresh": self.adam_fresh, "weight_decay": self.weight_decay,
                "l1": self.l1, "parameters": [p.as_dict() for p in self.params]}


def refusal(trainer) -> str | None:
    """Why one backward pass of this run would mean nothing, in one line; None when it means something."""
    m, c = trainer.mistakes, trainer.config
    if m.flat_target:
        return (f"--backward: the bug {c.bug} hands the loss a target of the wrong shape, so there is no "
                "per-row chain to write out (run it without --backward to see what PyTorch does)")
    if not m.zero_grad:
        return ("--backward: with no-zero-grad, .grad holds every step's gradient added up, not one "
                "backward pass's (run it without --backward to watch it pile up)")
    if c.dropout:
        return ("--backward: dropout draws a new mask every step, so one pass's gradient is not the "
                "network's; refused rather than shown without it (use --dropout 0)")
    if trainer.error:
        return f"--backward: PyTorch refused this run's loss: {trainer.error}"
    if trainer.nonfinite_where:
        return f"--backward: the run went non-finite ({trainer.nonfinite_where}) before this step"
    return None


def layers_of(model):
    """The model's stages as float64 plain tensors: ('linear', W, b) or (activation,). Features
    have no parameters: the batch is already featurized (the trainer's own batches are)."""
    import torch.nn as nn

    from neurotui.core.model.layers import Features, SeededDropout

    kinds = {nn.Tanh: "tanh", nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Identity: "identity",
             nn.Softmax: "softmax"}
    out = []
    for mod in model:
        if isinstance(mod, Features) or (isinstance(mod, SeededDropout) and not mod.p):
            continue
        if isinstance(mod, nn.Linear):
            out.append(("linear", _f64(mod.weight), _f64(mod.bias)))
        elif type(mod) in kinds:
            out.append((kinds[type(mod)],))
        else:
            raise ConfigError(f"--backward: no chain rule written for {type(mod).__name__}")
    return out


def _f64(t):
    import torch

    return t.detach().to("cpu", torch.float64).clone()


def next_batch(trainer):
    """(x, y) of the trainer's next step, featurized, targets as the loss takes them, on the CPU."""
    x, y = (trainer._fx, trainer._fy) if trainer._batches is None else trainer._batches.peek()
    return _f64(x), (_f64(y) if y.dtype.is_floating_point else y.detach().cpu())  # CE: class indices


def loss_kind_of(loss_fn) -> str:
    import torch.nn as nn

    for cls, kind in ((nn.BCELoss, "bce"), (nn.CrossEntropyLoss, "ce"), (nn.MSELoss, "mse")):
        if isinstance(loss_fn, cls):
            return kind
    raise ConfigError(f"--backward: no chain rule written for {type(loss_fn).__name__}")


def _torch_loss(layers, x, y, loss_fn, l1: float):
    """The loss as the trainer computes it (its own loss module), on these float64 tensors."""
    h = x
    for layer in layers:
        h = h @ layer[1].T + layer[2] if layer[0] == "linear" else backward._act_forward(layer[0], h)
    loss = loss_fn(h, y)
    if l1:
        loss = loss + l1 * sum(layer[1].abs().sum() for layer in layers if layer[0] == "linear")
    return loss


def autograd_grads(layers, x, y, loss_fn, l1: float) -> list:
    """Per Linear, (W.grad, b.grad) after loss.backward() on leaf copies of the float64 weights."""
    leaves = [(k[0], k[1].clone().requires_grad_(), k[2].clone().requires_grad_()) if k[0] == "linear" else k
              for k in layers]
    _torch_loss(leaves, x, y, loss_fn, l1).backward()
    return [(k[1].grad, k[2].grad) for k in leaves if k[0] == "linear"]


def numeric_grad(layers, x, y, loss_fn, l1: float, tensor, index) -> float:
    """Central difference of the loss in one entry of one weight tensor (restored after)."""
    import torch

    with torch.no_grad():
        old = float(tensor[index])
        tensor[index] = old + FD_STEP
        up = float(_torch_loss(layers, x, y, loss_fn, l1))
        tensor[index] = old - FD_STEP
        down = float(_torch_loss(layers, x, y, loss_fn, l1))
        tensor[index] = old
    return (up - down) / (2 * FD_STEP)


def _adam_state(trainer, param):
    opt = trainer.optimizer
    opt = getattr(opt, "fallback", None) or opt
    return opt.state.get(param) if getattr(trainer.config, "optimizer", "adam") == "adam" else None


def _weight_decay(trainer, param) -> float:
    for group in trainer.optimizer.param_groups:
        if any(p is param for p in group["params"]):
            return float(group.get("weight_decay", 0.0))
    return 0.0


def adam_update(g: float, w: float, m: float, v: float, t: int, lr: float, wd: float) -> tuple[float, float, float]:
    """(update, m', v') of Adam's step t (1-based) from m, v: torch.optim.Adam's formula, in float64."""
    b1, b2 = ADAM_BETAS
    g = g + wd * w
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    return -lr * m_hat / (math.sqrt(v_hat) + ADAM_EPS), m, v


def backward_pass(trainer, numeric_max: int = NUMERIC_MAX, only: str | None = None,
                  also: str | None = None) -> BackwardPass:
    """The trainer's next step's backward pass, three ways, with the updates it leads to.
    `only`: that one parameter's row (a view showing one: a wide network has 100,000). `also`: a
    parameter whose finite difference is taken even past `numeric_max` (the one written out)."""
    why = refusal(trainer)
    if why:
        raise ConfigError(why)
    layers = layers_of(trainer.model)
    x, y = next_batch(trainer)
    kind = loss_kind_of(trainer.loss_fn)
    l1 = float(trainer.config.l1 or 0.0)
    bp = backward.backprop(layers, x, y, kind, l1)
    chains = backward.gradients(bp)
    autos = autograd_grads(layers, x, y, trainer.loss_fn, l1)
    lr = float(trainer.optimizer.param_groups[0]["lr"])
    import torch.nn as nn

    linears = [m for m in trainer.model if isinstance(m, nn.Linear)]
    f64 = [k for k in layers if k[0] == "linear"]
    rows, budget, fresh = [], numeric_max, True
    for li, lin in enumerate(linears, start=1):
        for which, param in ((1, lin.weight), (2, lin.bias)):
            tensor = f64[li - 1][which]
            state = _adam_state(trainer, param)
            t = int(state["step"]) if state else 0
            fresh = fresh and not state
            wd = _weight_decay(trainer, param)
            ms = state["exp_avg"].double().cpu() if state else None
            vs = state["exp_avg_sq"].double().cpu() if state else None
            for index in _indices(tensor, li, which == 2, only):
                w, g = float(tensor[index]), float(chains[li - 1][which - 1][index])
                m = float(ms[index]) if ms is not None else 0.0
                v = float(vs[index]) if vs is not None else 0.0
                unit, source = (index[0], index[1]) if which == 1 else (index[0], None)
                wanted = budget > 0 or (also is not None and name_of(li, unit, source) == also.replace(" ", ""))
                numeric = numeric_grad(layers, x, y, trainer.loss_fn, l1, tensor, index) if wanted else None
                budget -= 1
                update, _, _ = adam_update(g, w, m, v, t + 1, lr, wd)
                rows.append(ParamGrad(name_of(li, unit, source), li, unit, source, w, g,
                                      float(autos[li - 1][which - 1][index]), numeric,
                                      -lr * (g + wd * w), update, m, v))
    wds = {_weight_decay(trainer, p) for p in trainer.model.parameters()}
    return BackwardPass(trainer.step_count, bp.loss, kind, lr, trainer.config.optimizer, fresh,
                        max(wds), l1, tuple(rows), bp)


def _indices(tensor, layer: int, bias: bool, only: str | None):
    if only is not None:
        found = parse_name(only)
        if found is None or found[0] != layer or (found[2] is None) != bias:
            return []
        index = (found[1],) if bias else (found[1], found[2])
        return [index] if all(i < n for i, n in zip(index, tensor.shape)) else []
    if tensor.dim() == 1:
        return [(i,) for i in range(tensor.shape[0])]
    return [(i, k) for i in range(tensor.shape[0]) for k in range(tensor.shape[1])]


@dataclass(frozen=True)
class BackwardLook:
    """What the app's backward view shows of one pass: plain values, made by the worker."""

    step: int
    loss: float
    loss_kind: str
    lr: float
    optimizer: str
    adam_fresh: bool
    weight_decay: float
    params: tuple[ParamGrad, ...]
    chain: backward.Chain  # the selected parameter's, every row
    inputs: tuple[tuple[float, ...], ...]  # each row's inputs (featurized), as the first Linear sees them
    targets: tuple[float, ...]  # each row's label (a class index, or the number to predict)
    selected: ParamGrad


def look(trainer, name: str) -> BackwardLook | str:
    """The backward view's numbers for parameter `name` (or the first weight, if the network has no
    such parameter now); a one-line reason instead where one pass would mean nothing."""
    why = refusal(trainer)
    if why:
        return why.removeprefix("--backward: ")
    shapes, found = linear_shapes(trainer.model), parse_name(name)
    fits = found is not None and 1 <= found[0] <= len(shapes) and found[1] < shapes[found[0] - 1][0] and (
        found[2] is None or found[2] < shapes[found[0] - 1][1])
    name = name if fits else name_of(1, 0, 0)  # a network changed under the selection: its first weight
    result = backward_pass(trainer, only=name)
    x, y = next_batch(trainer)
    return BackwardLook(result.step, result.loss, result.loss_kind, result.lr, result.optimizer, result.adam_fresh,
                        result.weight_decay, result.params, result.chain_of(name),
                        tuple(tuple(r) for r in x.tolist()), tuple(float(v) for v in y.reshape(-1).tolist()),
                        result.find(name))


def linear_shapes(model) -> list[tuple[int, int]]:
    """(out, in) of every Linear, in order."""
    import torch.nn as nn

    return [tuple(m.weight.shape) for m in model if isinstance(m, nn.Linear)]


def parse_name(name: str) -> tuple[int, int, int | None] | None:
    """'w2[0,1]' -> (2, 0, 1), 'b1[3]' -> (1, 3, None); None for anything else."""
    import re

    m = re.fullmatch(r"([wb])(\d+)\[(\d+)(?:,(\d+))?\]", name.replace(" ", ""))
    if m is None or (m[1] == "w") != (m[4] is not None):
        return None
    return int(m[2]), int(m[3]), None if m[4] is None else int(m[4])
