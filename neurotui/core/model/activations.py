"""The activation registry: one place that knows each hidden activation.

Scalar versions (plain Python) let the UI show numbers before torch has been
imported; `module()` builds the torch module the networks are trained with.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


def _sigmoid(z: float) -> float:
    # Split by sign so large |z| never overflows math.exp.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class Activation:
    name: str
    label: str
    formula: str
    output_range: str
    what_it_does: str
    common_use: str
    fn: Callable[[float], float]
    slope: Callable[[float], float]
    torch_name: str  # attribute of torch.nn

    @property
    def linear(self) -> bool:
        return self.name == "identity"

    def module(self):
        import torch.nn as nn

        return getattr(nn, self.torch_name)()

    def functional(self):
        """The torch function for batched code (torch.tanh, ...); None for identity."""
        import torch

        return None if self.linear else getattr(torch, self.name)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "tanh", "Tanh", "tanh(z) = (e^z - e^-z) / (e^z + e^-z)", "(-1, 1)",
            "squashes to -1 to 1", "small demos, some sequence models",
            math.tanh, lambda z: 1.0 - math.tanh(z) ** 2, "Tanh",
        ),
        Activation(
            "relu", "ReLU", "relu(z) = max(0, z)", "[0, inf)",
            "keeps positive values, zeros negative values", "common hidden-layer default",
            lambda z: z if z > 0 or z != z else 0.0, lambda z: 1.0 if z > 0 else 0.0, "ReLU",  # nan stays nan
        ),
        Activation(
            "sigmoid", "Sigmoid", "sigmoid(z) = 1 / (1 + e^-z)", "(0, 1)",
            "squashes to 0-1", "binary probability output",
            _sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)), "Sigmoid",
        ),
        Activation(
            "identity", "None", "identity(z) = z", "(-inf, inf)",
            "passes z through unchanged (no nonlinearity)",
            "the failure probe: stacked linear layers stay linear",
            lambda z: z, lambda z: 1.0, "Identity",
        ),
    )
}

ACTIVATION_ORDER: tuple[str, ...] = tuple(ACTIVATIONS)


def get_activation(name: str) -> Activation:
    from neurotui.core.errors import ConfigError

    key = name.strip().lower()
    key = {"none": "identity", "linear": "identity"}.get(key, key)
    try:
        return ACTIVATIONS[key]
    except KeyError:
        raise ConfigError(
            f"unknown activation {name!r} (choose from {', '.join(ACTIVATION_ORDER)})"
        ) from None


def next_activation(name: str) -> str:
    i = ACTIVATION_ORDER.index(name)
    return ACTIVATION_ORDER[(i + 1) % len(ACTIVATION_ORDER)]
