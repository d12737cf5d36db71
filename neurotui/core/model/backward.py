"""What `loss.backward()` computes, by the chain rule in plain numbers: no autograd.

The forward pass keeps, per stage, what came in and what went out. The backward pass then
walks the stages in reverse, each kind of stage with one short function that turns dL/d(its
output) into dL/d(its input), as micrograd's `_backward` closures do for single numbers:

    loss      dL/dp      from the loss (BCE, CrossEntropy, MSE)
    output    dp/dz      through the output (Sigmoid, Softmax, or nothing)
    Linear    dz/dw      = the input that weight multiplied; dz/da = the weights, back to the layer below
    hidden    da/dz      through each hidden activation (Tanh, ReLU, Sigmoid, identity)

Everything is float64 tensors with `requires_grad` off: the numbers autograd gets, worked out in
the order a learner would write them down. `weight_chain` writes one parameter's chain out per
row of the batch, the factors whose products add up to its gradient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LOSSES = ("bce", "ce", "mse")
BCE_EPS = 1e-12  # BCELoss's backward divides by max(p(1 - p), 1e-12): the same guard here
LOG_FLOOR = -100.0  # BCELoss clamps each log at -100


@dataclass(eq=False)  # compared by identity: its fields are tensors
class Stage:
    """One module of the network in the forward pass, and its gradients once backward has run."""

    kind: str  # 'linear', or an activation: 'tanh', 'relu', 'sigmoid', 'identity', 'softmax'
    x: object  # what came in [n, in]
    out: object  # what went out [n, out]
    weight: object = None  # Linear only: [out, in]
    bias: object = None
    grad_out: object = None  # dL/d(out), filled by backward
    grad_weight: object = None  # dL/dW (the loss alone: a penalty is added by `gradients`)
    grad_bias: object = None


# ---- one backward function per kind of stage: dL/d(out) -> dL/d(in) ----

def _linear_back(s: Stage, g):
    s.grad_weight = g.T @ s.x  # dz/dW[i,k] = x[k], summed over the rows
    s.grad_bias = g.sum(0)  # dz/db = 1
    return g @ s.weight  # dz/dx[k] = W[:, k]


def _tanh_back(s: Stage, g):
    return g * (1 - s.out ** 2)  # d tanh(z)/dz = 1 - tanh(z)^2


def _relu_back(s: Stage, g):
    return g * (s.x > 0).to(g.dtype)  # 1 where z > 0, else 0 (PyTorch's choice at z = 0 too)


def _sigmoid_back(s: Stage, g):
    return g * s.out * (1 - s.out)  # d sigma(z)/dz = sigma(z)(1 - sigma(z))


def _identity_back(s: Stage, g):
    return g


def _softmax_back(s: Stage, g):
    # dp_j/dz_i = p_j (1[i=j] - p_i): every score moves every probability
    return s.out * (g - (g * s.out).sum(1, keepdim=True))


BACKWARD = {"linear": _linear_back, "tanh": _tanh_back, "relu": _relu_back, "sigmoid": _sigmoid_back,
            "identity": _identity_back, "softmax": _softmax_back}
ELEMENTWISE = ("tanh", "relu", "sigmoid", "identity")


def local_slope(s: Stage):
    """d(out)/d(in) of an elementwise stage, per row and unit (the factor in a chain)."""
    import torch

    return BACKWARD[s.kind](s, torch.ones_like(s.out))


# ---- the loss: its value and dL/dp, mean over the batch as PyTorch's losses take it ----

def loss_and_grad(kind: str, p, y):
    """(loss, dL/dp). BCE: p in (0, 1) against y in {0, 1}; CE: raw scores [n, K] against class
    indices [n] (log-softmax inside, as nn.CrossEntropyLoss); MSE: p against y, both [n, 1]."""
    import torch

    if kind == "bce":
        logs = y * p.log().clamp(min=LOG_FLOOR) + (1 - y) * (1 - p).log().clamp(min=LOG_FLOOR)
        return -logs.mean(), (p - y) / (p * (1 - p)).clamp(min=BCE_EPS) / p.numel()
    if kind == "mse":
        return ((p - y) ** 2).mean(), 2 * (p - y) / p.numel()
    if kind == "ce":
        n = p.shape[0]
        log_probs = torch.log_softmax(p, dim=1)
        onehot = torch.nn.functional.one_hot(y.long(), p.shape[1]).to(p.dtype)
        return -(log_probs * onehot).sum() / n, (log_probs.exp() - onehot) / n
    raise ValueError(f"unknown loss {kind!r} (choose from {', '.join(LOSSES)})")


@dataclass
class Backprop:
    """One forward and backward pass: every stage, the loss, dL/dp."""

    stages: list[Stage]
    loss: float
    loss_kind: str
    grad_p: object  # dL/dp, the gradient the loss hands back [n, outputs]
    l1: float = 0.0  # the L1 strength added to the loss (weights only), as the Trainer adds it
    linears: list[Stage] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.stages[0].x.shape[0]


def forward(layers, x) -> list[Stage]:
    """`layers`: ('linear', W, b) or (activation name,) tuples in order (see `layers_of`)."""
    stages, h = [], x
    for layer in layers:
        if layer[0] == "linear":
            _, w, b = layer
            out = h @ w.T + b
            stages.append(Stage("linear", h, out, weight=w, bias=b))
        else:
            out = _act_forward(layer[0], h)
            stages.append(Stage(layer[0], h, out))
        h = out
    return stages


def _act_forward(kind: str, z):
    import torch

    if kind == "softmax":
        return torch.softmax(z, dim=1)
    return z if kind == "identity" else getattr(torch, kind)(z)


def backprop(layers, x, y, loss_kind: str, l1: float = 0.0) -> Backprop:
    """Forward, the loss, then each stage's backward in reverse order."""
    stages = forward(layers, x)
    loss, grad_p = loss_and_grad(loss_kind, stages[-1].out, y)
    g = grad_p
    for s in reversed(stages):
        s.grad_out = g
        g = BACKWARD[s.kind](s, g)
    linears = [s for s in stages if s.kind == "linear"]
    if l1:
        loss = loss + l1 * sum(s.weight.abs().sum() for s in linears)
    return Backprop(stages, float(loss), loss_kind, grad_p, l1, linears)


def gradients(bp: Backprop) -> list[tuple[object, object]]:
    """(dL/dW, dL/db) per Linear, with the L1 term's l1 * sign(w) on the weights (abs's slope, 0 at 0)."""
    return [(s.grad_weight + bp.l1 * s.weight.sign() if bp.l1 else s.grad_weight, s.grad_bias) for s in bp.linears]


@dataclass(frozen=True)
class RowChain:
    """One row's share of a parameter's gradient: the factors, and their product."""

    row: int
    factors: tuple[tuple[str, float], ...]  # (name, value), multiplied in this order

    @property
    def product(self) -> float:
        out = 1.0
        for _, v in self.factors:
            out *= v
        return out


@dataclass(frozen=True)
class Chain:
    """A parameter's gradient written out: sum over rows of the chain's factors, plus the L1 term."""

    name: str
    rows: tuple[RowChain, ...]
    penalty: float  # l1 * sign(w); 0 for a bias or without L1
    total: float

    @property
    def formula(self) -> str:
        factors = " * ".join(n for n, _ in self.rows[0].factors)
        return f"dL/d{self.name} = sum over rows of {factors}" + (" + l1*sign(w)" if self.penalty else "")


def weight_chain(bp: Backprop, layer: int, unit: int, source: int | None) -> Chain:
    """The chain of `w{layer}[unit,source]` (or `b{layer}[unit]`, source None), per row.

    The factors stop at the Linear's own output z: its dL/dz is split into dL/da * da/dz (da/dz
    the activation's slope after it), or dL/dp * dp/dz at the output, where the loss's gradient
    enters. Softmax and CrossEntropy mix every unit, so there the factor is dL/dz itself."""
    from neurotui.core.model.network import name_of

    lin = bp.linears[layer - 1]
    i = bp.stages.index(lin)
    after = bp.stages[i + 1] if i + 1 < len(bp.stages) else None
    last = layer == len(bp.linears)
    up, down = ("p", "z") if last else ("a", "z")
    if after is not None and after.kind in ELEMENTWISE:
        first = after.grad_out[:, unit].tolist()
        slope = local_slope(after)[:, unit].tolist()
        names = (f"dL/d{up}", f"d{up}/d{down}")
    else:  # no stage after (CE's scores) or a softmax: the gradient at z as the loss hands it back
        first, slope = lin.grad_out[:, unit].tolist(), None
        names = ("dL/dz",)
    inputs = [1.0] * bp.rows if source is None else lin.x[:, source].tolist()
    var = "b" if source is None else "w"
    rows = []
    for r in range(bp.rows):
        factors = [(names[0], first[r])]
        if slope is not None:
            factors.append((names[1], slope[r]))
        factors.append((f"dz/d{var}", inputs[r]))
        rows.append(RowChain(r, tuple(factors)))
    penalty = 0.0
    if source is not None and bp.l1:
        penalty = bp.l1 * float(lin.weight[unit, source].sign())
    grad_w, grad_b = gradients(bp)[layer - 1]
    total = float(grad_b[unit]) if source is None else float(grad_w[unit, source])
    return Chain(name_of(layer, unit, source), tuple(rows), penalty, total)
