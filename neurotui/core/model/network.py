"""The network as one picture (inputs, each unit's map over the plane, every weight and its
gradient), weights edited by hand, and a probe of one point of the plane. Plain floats out.

Layers are counted over the model's Linear layers, 1-based: layer k maps the units of column
k-1 (column 0: the inputs) to the units of column k; the last layer is the output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from neurotui.core.model.inside import hidden_outputs
from neurotui.core.numbers import signed


@dataclass(frozen=True)
class Edit:
    """One weight or bias set by hand."""

    layer: int  # 1-based Linear
    unit: int  # the unit the weight leads into (a row of the weight matrix)
    source: int | None  # the unit it comes from; None: the unit's bias
    old: float
    new: float
    step: int

    @property
    def name(self) -> str:
        return name_of(self.layer, self.unit, self.source)

    def describe(self) -> str:
        return f"{self.name} {signed(self.old, 4)} -> {signed(self.new, 4)} at step {self.step}"


def name_of(layer: int, unit: int, source: int | None) -> str:
    """'w2[3,1]' (layer 2, into unit 3 from unit 1, 0-based as in PyTorch) or 'b2[3]'."""
    return f"b{layer}[{unit}]" if source is None else f"w{layer}[{unit},{source}]"


@dataclass(frozen=True)
class Network:
    inputs: tuple[str, ...]  # the input columns' names: x1, x2 and any input features
    weights: tuple[tuple[tuple[float, ...], ...], ...]  # per layer: [unit][source]
    biases: tuple[tuple[float, ...], ...]
    weight_grads: tuple[tuple[tuple[float, ...], ...] | None, ...]  # None before any backward
    bias_grads: tuple[tuple[float, ...] | None, ...]
    at_points: tuple[tuple[tuple[float, ...], ...], ...]  # per layer: [unit][the four XOR points]
    maps: tuple[tuple[tuple[tuple[float, ...], ...], ...], ...] | None = None  # per layer: [unit][row][col]
    # x1, x2, the outputs (p(y=1); K class scores; a regression's value, as trained), the hidden values
    probe: tuple[float, float, tuple[float, ...], tuple[tuple[float, ...], ...]] | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.inputs), *(len(w) for w in self.weights))


def _linears(model):
    import torch.nn as nn

    return [m for m in model if isinstance(m, nn.Linear)]


def _columns(model, x) -> list:
    """Each hidden layer's output (after its activation) and the output, for inputs x: [N, units]."""
    return [*hidden_outputs(model, x), model(x)]


def look_network(model, x, input_names, tile: tuple[int, int] | None = None, probe=None, device=None,
                 low: float = -0.25, high: float = 1.25, grads: dict | None = None) -> Network:
    """`grads`: parameter -> gradient to show instead of each parameter's .grad (weights just
    edited by hand: .grad still holds the last step's, for the old weights)."""
    import torch

    linears = _linears(model)
    with torch.no_grad():
        at = [tuple(tuple(u) for u in col.T.tolist()) for col in _columns(model, x)]
        maps = None
        if tile is not None:
            from neurotui.core.model.boundary import _plane_tensor

            rows, cols = tile
            pts = _plane_tensor(rows, cols, low, high, str(device) if device is not None else "cpu")
            maps = tuple(
                tuple(tuple(tuple(r) for r in unit) for unit in col.T.reshape(-1, rows, cols).tolist())
                for col in _columns(model, pts)
            )
        probed = None
        if probe is not None:
            pt = torch.tensor([list(probe)], dtype=x.dtype, device=x.device)
            cols_ = _columns(model, pt)
            probed = (float(probe[0]), float(probe[1]), tuple(cols_[-1][0].tolist()),  # every output: K scores
                      tuple(tuple(c[0].tolist()) for c in cols_[:-1]))

        def grad(p):
            g = p.grad if grads is None else grads.get(p)
            return None if g is None else g.tolist()

        return Network(
            inputs=tuple(input_names),
            weights=tuple(tuple(tuple(r) for r in lin.weight.tolist()) for lin in linears),
            biases=tuple(tuple(lin.bias.tolist()) for lin in linears),
            weight_grads=tuple(None if grad(lin.weight) is None else tuple(tuple(r) for r in grad(lin.weight))
                               for lin in linears),
            bias_grads=tuple(None if grad(lin.bias) is None else tuple(grad(lin.bias)) for lin in linears),
            at_points=tuple(at),
            maps=maps,
            probe=probed,
        )


def parameter_count(model) -> tuple[int, ...]:
    return tuple(lin.weight.shape[0] for lin in _linears(model))


def apply_edit(model, layer: int, unit: int, source: int | None, value: float) -> float:
    """Set one weight (or a bias, source None) of the model; returns the old value.

    Called by the worker between steps, never from the UI thread."""
    import torch

    if not math.isfinite(value):
        raise ValueError("a weight must be a finite number")
    linears = _linears(model)
    if not 1 <= layer <= len(linears):
        raise ValueError(f"no layer {layer}")
    lin = linears[layer - 1]
    with torch.no_grad():
        if source is None:
            old = float(lin.bias[unit])
            lin.bias[unit] = value
        else:
            old = float(lin.weight[unit, source])
            lin.weight[unit, source] = value
    return old
