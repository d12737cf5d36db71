"""The two modules a network gains beyond the lesson's: input features and seeded dropout.

Both are plain nn.Modules inside the model's nn.Sequential, so anything that runs
the model on raw (x1, x2) points — the boundary, the views inside — gets the same
features and an evaluation-mode network without knowing about either.
"""

from __future__ import annotations

import torch
from torch import nn

from neurotui.core.data.datasets import feature_columns
from neurotui.core.numbers import short


class Features(nn.Module):
    """(x1, x2) -> the chosen input features (x1x2, x1sq, sinx1 ...), as Playground's; a data file's K
    inputs -> the features of its plotted pair, then the other inputs (after PlaneSlice: always K)."""

    def __init__(self, names, pair: tuple[int, int] = (0, 1)):
        super().__init__()
        self.names = tuple(names)
        self.pair = tuple(pair)

    def forward(self, x):
        return feature_columns(x, self.names, self.pair)

    def extra_repr(self) -> str:
        return ",".join(self.names)


class PlaneSlice(nn.Module):
    """A data file's K inputs, or a picture's plane of two: a row of K values passes unchanged; a
    row of two is a point of the plotted pair, the other inputs held at their training mean (`hold`,
    set by the Trainer from the training split). So every picture drawn over (x1, x2) is a 2-D slice
    through the K-D input, and training never meets this module's second case."""

    def __init__(self, k: int, pair: tuple[int, int]):
        super().__init__()
        self.k = k
        self.pair = tuple(pair)
        self.register_buffer("hold", torch.zeros(k))

    def forward(self, x):
        if x.shape[-1] == self.k:
            return x
        out = self.hold.to(x.dtype).expand(x.shape[0], self.k).clone()
        out[:, list(self.pair)] = x
        return out

    def extra_repr(self) -> str:
        return f"{self.k} inputs, plotted {self.pair[0]},{self.pair[1]}"


class SeededDropout(nn.Module):
    """Dropout whose masks come from the run's own generator.

    nn.Dropout draws from torch's global RNG, which other threads (the app's
    other workers) also use, so the same config could give different runs. The masks
    and the scaling are nn.Dropout's: the run's script, seeding the global RNG as the
    lab seeds this generator, uses nn.Dropout itself and gets the same numbers.
    Inverted dropout, as nn.Dropout: kept units are scaled by 1/(1-p) while
    training, and the module is the identity in eval mode.
    """

    def __init__(self, p: float, generator):
        super().__init__()
        self.p = p
        self.generator = generator

    def forward(self, x):
        return self.dropped(x) if self.training else x

    def dropped(self, x):
        """The training-time output, whatever the mode (the Trainer keeps the model in eval mode)."""
        if self.p == 0:
            return x
        keep = torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator)
        return x * keep.div_(1 - self.p)  # nn.Dropout's own arithmetic: the script's nn.Dropout matches it bit for bit

    def extra_repr(self) -> str:
        return f"p={short(self.p)}"
