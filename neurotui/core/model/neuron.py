"""One neuron, written out the way the lesson reads it: z = x @ w + b.

Plain Python floats so the UI can show it before torch is loaded; the lesson's
defaults give z = 0.44, sigmoid = 0.608, relu = 0.44.
"""

from __future__ import annotations

from dataclasses import dataclass

from neurotui.core.lesson import NEURON_B, NEURON_W, NEURON_X
from neurotui.core.model.activations import ACTIVATIONS
from neurotui.core.numbers import term_text


@dataclass(frozen=True)
class NeuronResult:
    x: tuple[float, ...]
    w: tuple[float, ...]
    b: float
    terms: tuple[float, ...]
    z: float
    activations: dict[str, float]
    slopes: dict[str, float]

    def arithmetic(self, digits: int = 3, ascii: bool = False) -> str:
        """'0.8×0.2 + 0.3×(−0.4) + 0.5×0.6 + 0.1 = 0.44' ('*' and '-' when ascii)."""
        times = "*" if ascii else "×"
        parts = [f"{term_text(xi, digits)}{times}{_paren(wi, digits)}" for xi, wi in zip(self.x, self.w)]
        text = " + ".join(parts + [_paren(self.b, digits)]) + f" = {term_text(self.z, digits)}"
        return text if ascii else text.replace("-", "−")


def _paren(v: float, digits: int) -> str:
    s = term_text(v, digits)
    return f"({s})" if v < 0 else s


def compute(x=NEURON_X, w=NEURON_W, b=NEURON_B) -> NeuronResult:
    if len(x) != len(w):
        raise ValueError("x and w must have the same length")
    terms = tuple(float(xi) * float(wi) for xi, wi in zip(x, w))
    z = sum(terms) + float(b)
    return NeuronResult(
        x=tuple(float(v) for v in x),
        w=tuple(float(v) for v in w),
        b=float(b),
        terms=terms,
        z=z,
        activations={name: a.fn(z) for name, a in ACTIVATIONS.items()},
        slopes={name: a.slope(z) for name, a in ACTIVATIONS.items()},
    )
