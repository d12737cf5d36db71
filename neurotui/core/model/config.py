"""XOR data, the run configuration, and the model built exactly as the lesson builds it."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from neurotui.core.course.bugs import check_bug
from neurotui.core.data.datasets import DEFAULT_FEATURES, SEED_MAX, plotted_pair
from neurotui.core.errors import ConfigError
from neurotui.core.lesson import XOR_X, XOR_Y
from neurotui.core.model.activations import get_activation
from neurotui.core.model.device import check_spec
from neurotui.core.numbers import short

HIDDEN_MIN, HIDDEN_MAX = 1, 256
# What + and - step through: every small size, then the sizes people try (the case study's 100).
HIDDEN_STEPS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 100, 128, 256)
LAYERS_MIN, LAYERS_MAX = 0, 3
STEPS_MAX = 200_000
LR_MAX = 1e4
OPTIMIZERS = ("adam", "sgd")


@dataclass(frozen=True)
class XorConfig:
    """Defaults are the lesson's: 2-4-1, Tanh, Sigmoid output, BCELoss, Adam lr 0.1, 2000 steps, seed 42."""

    hidden: int = 4
    layers: int = 1
    activation: str = "tanh"
    lr: float = 0.1
    steps: int = 2000
    seed: int = 42
    optimizer: str = "adam"
    device: str = "cpu"
    # Data and training options (core.data); these defaults are the lesson's four rows, full batch,
    # no regularization. None means "the dataset's default" (see core.data.datasets.resolved).
    dataset: str = "xor"
    data: str | None = None  # a CSV file of x1,x2,y instead of a named dataset
    data_seed: int = 0
    samples: int | None = None
    noise: float | None = None
    val_split: float | None = None
    batch: int | None = None  # None: full batch
    l2: float = 0.0
    l1: float = 0.0
    dropout: float = 0.0
    features: tuple[str, ...] = DEFAULT_FEATURES
    classes: int | None = None  # K arms / blobs of spiral or gauss (2-6); None: two (core.model.task)
    task: str | None = None  # 'classify' or 'regress' for a --data file; None: its labels decide
    label: str | None = None  # a --data file's label column (name or number); None: the last
    plot: str | None = None  # the two input columns the boundary is drawn over, "NAME,NAME"; None: the first two
    standardize: bool = True  # a --data file's inputs (and a regression's target) scaled by the train split
    # Early stopping on a slice of the training rows (core.training.early_stop); None: the default,
    # on for a --data file's regression only (core.training.resolved.early_stops).
    early_stop: bool | None = None
    bug: str | None = None  # a classic mistake made on purpose (core.course.bugs); None: the lesson's code

    def validated(self, bug_task: bool = True) -> XorConfig:
        """Return a normalised copy, or raise ConfigError with a one-line reason. `bug_task` False:
        the bug is not checked against the task (core.training.resolved decides the task once, then checks it)."""
        if not HIDDEN_MIN <= self.hidden <= HIDDEN_MAX:
            raise ConfigError(f"hidden units must be {HIDDEN_MIN}-{HIDDEN_MAX}, got {self.hidden}")
        if not LAYERS_MIN <= self.layers <= LAYERS_MAX:
            raise ConfigError(f"hidden layers must be {LAYERS_MIN}-{LAYERS_MAX}, got {self.layers}")
        if not (math.isfinite(self.lr) and 0 < self.lr <= LR_MAX):
            raise ConfigError(f"learning rate must be a finite number in (0, {short(LR_MAX)}], got {self.lr}")
        if not 1 <= self.steps <= STEPS_MAX:
            raise ConfigError(f"steps must be 1-{STEPS_MAX}, got {self.steps}")
        if not 0 <= self.seed <= SEED_MAX:
            raise ConfigError(f"seed must be 0-{SEED_MAX}, got {self.seed}")
        opt = self.optimizer.strip().lower()
        if opt not in OPTIMIZERS:
            raise ConfigError(f"unknown optimizer {self.optimizer!r} (choose from {', '.join(OPTIMIZERS)})")
        from neurotui.core.course.bugs import check_bug_task
        from neurotui.core.data.datasets import checked_options
        from neurotui.core.model.task import task_of

        out = replace(
            self,
            activation=get_activation(self.activation).name,
            optimizer=opt,
            device=check_spec(self.device),
            bug=check_bug(self.bug),
            **checked_options(self),
        )
        if bug_task:
            check_bug_task(out.bug, task_of(out).kind)
        return out

    @property
    def shape(self) -> str:
        """'2-4-1', or '2-8-8-1' for two hidden layers of 8."""
        return shape_of(layer_sizes(self))

    def with_(self, **changes) -> XorConfig:
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)

    def cli_args(self) -> str:
        """The flags that reproduce this config; defaults are left out."""
        default = XorConfig()
        parts = []
        for key, value in asdict(self).items():
            if value != getattr(default, key):
                parts.append(_flag(key, value))
        return " ".join(parts)


def _flag(key: str, value) -> str:
    import shlex

    if isinstance(value, bool):
        return f"--{key}" if value else f"--no-{key}"
    if isinstance(value, float):
        text = short(value)
    elif isinstance(value, (tuple, list)):
        text = ",".join(value)
    else:
        text = shlex.quote(str(value))  # a --data path may hold spaces
    return f"--{key.replace('_', '-')} {text}"


def xor_tensors(device=None):
    import torch

    x = torch.tensor(XOR_X, device=device)
    y = torch.tensor(XOR_Y, device=device).unsqueeze(1)
    return x, y


def linear_bounds(fan_in: int) -> float:
    return 1 / math.sqrt(fan_in) if fan_in > 0 else 0


def layer_sizes(config: XorConfig, facts=None) -> list[tuple[int, int]]:
    """(in, out) of every nn.Linear in order: inputs (2, or the feature count) -> hidden (x layers) ->
    outputs (1, or K scores for K classes: core.model.task).

    No hidden layer (layers 0) is the single-layer perceptron, inputs -> outputs: straight lines.
    `facts`: the run's core.training.resolved.Resolved, whose inputs and task are already decided.
    """
    if facts is None:
        from neurotui.core.data.datasets import input_names
        from neurotui.core.model.task import task_of

        inputs, outputs = len(input_names(config)), task_of(config).outputs
    else:
        inputs, outputs = len(facts.inputs), facts.task.outputs
    if config.layers == 0:
        return [(inputs, outputs)]
    sizes = [(inputs, config.hidden)]
    sizes += [(config.hidden, config.hidden)] * (config.layers - 1)
    sizes.append((config.hidden, outputs))
    return sizes


def shape_of(sizes: list[tuple[int, int]]) -> str:
    """'2-4-1' from layer_sizes' (in, out) pairs: the inputs, then each layer's outputs."""
    return "-".join(str(n) for n in [sizes[0][0]] + [o for _, o in sizes])


def file_inputs(config: XorConfig) -> int:
    """A data file's input columns (0 for the lesson's and generated data)."""
    if config.data is None:
        return 0
    from neurotui.core.data.csvfile import csv_table

    return csv_table(config.data, config.label, config.task).k


def is_linear(config: XorConfig) -> bool:
    """No hidden layer (the perceptron) or no hidden activation: one linear map before the sigmoid,
    so the boundary is one straight line and XOR stays out of reach."""
    return config.layers == 0 or get_activation(config.activation).linear


def build_model(config: XorConfig, generator=None, facts=None):
    """nn.Sequential(Linear, act, [Linear, act]..., Linear, output), initialised as nn.Linear does.

    The output is the task's (core.model.task.output_layers): the lesson's Sigmoid, nothing after K
    class scores or a regression's linear output, or the wrong one a bug asks for.

    The weights are drawn from `generator` (seeded from the config when omitted)
    in nn.Linear's own order and formula, so seed 42 gives the lesson's network
    without touching torch's global RNG, which other threads may be using. `facts`: the run's
    core.training.resolved.Resolved (its inputs and task), so nothing is decided twice.
    """
    import torch
    import torch.nn as nn
    from torch.nn import init

    if generator is None:
        generator = torch.Generator().manual_seed(config.seed)
    act = get_activation(config.activation)
    layers: list = []
    sizes = layer_sizes(config, facts)
    k = file_inputs(config) if facts is None else (0 if facts.table is None else facts.table.k)
    pair = plotted_pair(config) if facts is None else facts.pair
    if k > 2:
        from neurotui.core.model.layers import PlaneSlice

        # the pictures' plane points (two columns) enter the K inputs through the plotted pair
        layers.append(PlaneSlice(k, pair))
    if tuple(config.features) != DEFAULT_FEATURES:
        from neurotui.core.model.layers import Features

        layers.append(Features(config.features, pair))  # no parameters: the lesson's draws stay in order
    from neurotui.core.model.task import output_layers, task_of

    task = task_of(config) if facts is None else facts.task
    for i, (fan_in, fan_out) in enumerate(sizes):
        # Made on the meta device (no draws) with real storage set in place: the weights are then
        # drawn from `generator`. Not torch.nn.utils.skip_init: its to_empty() goes through
        # torch._refs, whose first use imports sympy (~0.4 s before the first step).
        linear = nn.Linear(fan_in, fan_out, device="meta")
        linear.weight = nn.Parameter(torch.empty(fan_out, fan_in))
        linear.bias = nn.Parameter(torch.empty(fan_out))
        with torch.no_grad():
            init.kaiming_uniform_(linear.weight, a=math.sqrt(5), generator=generator)
            bound = linear_bounds(fan_in)
            init.uniform_(linear.bias, -bound, bound, generator=generator)
        layers.append(linear)
        if i < len(sizes) - 1:
            layers.append(act.module())
        else:
            layers += output_layers(task, config.bug)
        if config.dropout and i < len(sizes) - 1:
            from neurotui.core.model.layers import SeededDropout

            # masks continue the init generator: one seed, one run, whatever other threads do
            layers.append(SeededDropout(config.dropout, generator))
    return nn.Sequential(*layers)
