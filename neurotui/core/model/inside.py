"""What the network computes inside: hidden features, hidden space, weights and gradients.

The lesson's core reason is that nonlinear hidden layers create intermediate
features; these are the numbers that make that visible. Plain floats out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Inside:
    layer: int  # 1-based hidden layer the features and hidden space are taken from; 0: none (the perceptron)
    hidden_points: tuple[tuple[float, ...], ...]  # the data's points (the lesson's four rows), one value per unit
    weights: tuple[tuple[tuple[float, ...], ...], ...]  # per Linear: [out][in]
    biases: tuple[tuple[float, ...], ...]
    grad_norms: tuple[float | None, ...]  # per Linear: norm of weight and bias gradients together
    features: tuple[tuple[tuple[float, ...], ...], ...] | None = None  # [unit][row][col]
    output_map: tuple[tuple[float, ...], ...] | None = None  # p(y=1) on the same grid (see output_name)
    output_name: str = "p(y=1)"  # what output_map holds: p(y=1), K classes' "max p", or a regression's "y"
    labels: tuple[float, ...] = (0, 1, 1, 0)  # each hidden point's class (XOR's by default), or a regression's target
    plane: tuple[float, float] = (-0.25, 1.25)  # the range of x1 and x2 the maps cover: the data's


def hidden_layer_count(model) -> int:
    import torch.nn as nn

    return sum(isinstance(m, nn.Linear) for m in model) - 1


def hidden_outputs(model, x) -> list:
    """Output of each hidden layer (after its activation) for inputs x: list of [N, H] tensors."""
    import torch.nn as nn

    outs, h = [], x
    modules = list(model)
    for i, m in enumerate(modules):
        h = m(h)
        # a hidden activation follows each Linear except the last (which the output Sigmoid follows);
        # input features before the first Linear and dropout after an activation are not layers
        if 0 < i < len(modules) - 1 and isinstance(modules[i - 1], nn.Linear) and not isinstance(m, nn.Linear):
            outs.append(h)
    return outs


def look_inside(model, x, layer: int = 1, feature_grid: tuple[int, int] | None = None, device=None,
                labels=(0, 1, 1, 0), low: float = -0.25, high: float = 1.25) -> Inside:
    """The hidden values of the points `x` (of class `labels`), and with `feature_grid` each unit's map
    over the plane [low, high]^2: the data's own range, as the boundary uses.

    The single-layer perceptron (2-1) has no hidden layer: layer 0, no hidden points or features,
    its one Linear's weights and the output map."""
    import torch
    import torch.nn as nn

    layer = max(min(1, hidden_layer_count(model)), min(layer, hidden_layer_count(model)))
    linears = [m for m in model if isinstance(m, nn.Linear)]

    def hidden_of(points):
        return hidden_outputs(model, points)[layer - 1] if layer else points[:, :0]

    with torch.no_grad():
        hidden = hidden_of(x)
        features = output_map = name = None
        if feature_grid is not None:
            from neurotui.core.model.boundary import plane_points

            rows, cols = feature_grid
            pts = torch.tensor(plane_points(rows, cols, low, high), device=device)
            h = hidden_of(pts)  # [rows*cols, H]
            features = tuple(
                tuple(tuple(r) for r in unit) for unit in h.T.reshape(-1, rows, cols).tolist()
            )
            out = model(pts)
            name = "p(y=1)" if isinstance(model[-1], torch.nn.Sigmoid) else "y"
            if out.shape[1] > 1:  # K class scores: the winning class's probability (core.model.task)
                out, name = torch.softmax(out, dim=1).max(1).values, "max p"
            output_map = tuple(tuple(r) for r in out.reshape(rows, cols).tolist())
        norms = []
        for lin in linears:
            grads = [p.grad for p in (lin.weight, lin.bias) if p.grad is not None]
            norms.append(float(torch.sqrt(sum((g.float() ** 2).sum() for g in grads))) if grads else None)
        return Inside(
            layer=layer,
            hidden_points=tuple(tuple(r) for r in hidden.tolist()),
            weights=tuple(tuple(tuple(r) for r in lin.weight.tolist()) for lin in linears),
            biases=tuple(tuple(lin.bias.tolist()) for lin in linears),
            grad_norms=tuple(norms),
            features=features,
            output_map=output_map, output_name=name if output_map is not None else "p(y=1)",
            labels=tuple(int(v) if float(v).is_integer() else float(v) for v in labels),  # a regression keeps its targets
            plane=(low, high),
        )
