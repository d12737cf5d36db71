"""Session: what the user has asked for, and the rules that turn a key into configs to train.

Actions in the app call one method here and then train `session.configs()`; a change
the rules refuse raises Refused with the sentence to show. No UI, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from neurotui.core.course.bugs import check_bug
from neurotui.core.course.card import probe_config
from neurotui.core.course.presets import DEFAULT_PRESET, get_preset
from neurotui.core.data.datasets import DATASETS, DEFAULT_NOISE, DEFAULT_SAMPLES, check_features, is_xor_rows
from neurotui.core.errors import ConfigError
from neurotui.core.model.activations import next_activation
from neurotui.core.model.config import HIDDEN_MAX, HIDDEN_MIN, LAYERS_MAX, XorConfig
from neurotui.core.numbers import short
from neurotui.session.control import DEFAULT_SPEED, SPEEDS

# learning rates `<` and `>` step through: 1-3-10 steps, as far as the validator allows
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


# What `N`, `M` and `R` step through (generated datasets only for N and M).
NOISE_LEVELS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
SAMPLE_COUNTS = (50, 100, 200, 500, 1000)
REGULARIZATION = (
    ("none", {"l2": 0.0, "dropout": 0.0}), ("L2 1e-3", {"l2": 1e-3, "dropout": 0.0}),
    ("L2 1e-2", {"l2": 1e-2, "dropout": 0.0}),
    # a decade above a file regression's default L2 (1e-2), the doctor's "stronger L2" when that memorizes
    ("L2 1e-1", {"l2": 1e-1, "dropout": 0.0}), ("dropout 0.2", {"l2": 0.0, "dropout": 0.2}),
)


def next_regularization(config) -> tuple[str, dict]:
    """The regularization R gives next from `config`'s: (its name, its options)."""
    now = {"l2": config.l2, "dropout": config.dropout}
    names = [name for name, _ in REGULARIZATION]
    current = next((name for name, opts in REGULARIZATION if opts == now), None)
    name = _next(names, current)
    return name, dict(REGULARIZATION)[name]


class Refused(Exception):
    """A change the rules do not allow; str(exc) says why, in one line."""


def partner(config: XorConfig) -> XorConfig:
    """Compare mode's default B: a buggy run beside the same run without the bug, else the
    failure probe (the same network with no hidden activation)."""
    return config.with_(bug=None) if config.bug else probe_config(config)


def _next(values, current, direction: int = 1):
    """The value after `current` in `values` (wrapping); the first if `current` is not there."""
    values = list(values)
    i = values.index(current) if current in values else -direction
    return values[(i + direction) % len(values)]


@dataclass
class Session:
    config: XorConfig = field(default_factory=XorConfig)
    compare: bool = False
    speed_index: int = DEFAULT_SPEED
    inside_layer: int = 1
    other: XorConfig | None = None  # network B of compare mode; see partner()
    previous: XorConfig | None = None  # A before the last change: the code view marks what changed
    question: str = ""  # the preset's question, shown at the top of the XOR pane while its run is on
    question_for: XorConfig | None = None  # the run the question is about (default: the first config)

    def __post_init__(self) -> None:
        self.config = self.config.validated()
        if self.other is None:
            self.other = partner(self.config)
        if self.question and self.question_for is None:
            self.question_for = self.config

    @property
    def banner(self) -> str:
        """The preset's question while A is still the preset's run (its device aside): after `D`, `s` or
        a seed picked in Reliability the run is another one, and the question no longer speaks of it."""
        asked = self.question_for
        if not self.question or asked is None or self.config != asked.with_(device=self.config.device):
            return ""
        return self.question

    # ----- what to train ---------------------------------------------------------------------
    def configs(self) -> list[XorConfig]:
        """A alone, or A and B in compare mode: trained in lockstep on the same seed."""
        return [self.config, self.other] if self.compare else [self.config]

    @property
    def layer(self) -> int:
        """The hidden layer the inside views look at, within the current depth."""
        return min(self.inside_layer, self.config.layers)

    def reconfigure(self, **changes) -> None:
        """Change A; B follows every change except its activation (B keeps its own) and a bug
        (B is then A without the bug). A change the config refuses is Refused, with its reason."""
        try:
            config = self.config.with_(**changes).validated()
            if "bug" in changes:
                other = partner(config)
            else:
                shared = {k: v for k, v in changes.items() if k != "activation"}
                other = self.other.with_(**shared).validated() if shared else self.other
        except ConfigError as exc:  # nothing changes: neither A, B nor what the code view compares
            raise Refused(str(exc)) from None
        self.previous, self.config, self.other = self.config, config, other

    def pick(self, config: XorConfig) -> None:
        """Train this exact config (a seed picked in the Reliability pane); B is its partner."""
        self.previous = self.config
        self.config = config.with_(device=self.config.device).validated()
        self.other = partner(self.config)

    def apply_preset(self, name: str) -> str:
        """The lesson's config with the preset's options, the device kept: the run `--preset NAME` trains
        (seed 42 unless the preset names one, whatever `s` did before); its question (none for the
        lesson's own run)."""
        preset = get_preset(name)
        self.pick(preset.apply(XorConfig()))
        self.question = preset.question if preset.name != DEFAULT_PRESET else ""
        self.question_for = self.config
        return f"preset {preset.name}"

    def set_bug(self, name: str | None) -> str:
        self.reconfigure(bug=check_bug(name))
        return f"bug: {name}" if name else "bug cleared"

    # ----- data (issue 10): each a restart on the same init seed -----------------------------------
    def cycle_dataset(self) -> str:
        from neurotui.core.course.bugs import bug_fits
        from neurotui.core.model.task import task_of

        nxt = _next(DATASETS, self.config.dataset)
        changes = dict(dataset=nxt, data=None, noise=None, samples=None, val_split=None, classes=None)
        if not bug_fits(self.config.bug, task_of(self.config.with_(**changes)).kind):
            changes["bug"] = None  # a loss-pair mistake of another task (core.course.bugs.BUG_TASKS)
        self.reconfigure(**changes)
        return f"dataset: {nxt}"

    def _generated(self) -> None:
        if self.config.data is not None:
            raise Refused("a data file has no noise or sample count: D picks a generated dataset")
        if is_xor_rows(self.config):
            raise Refused("the lesson's four XOR rows have no noise or sample count: D picks a dataset")

    def cycle_noise(self) -> str:
        self._generated()
        current = DEFAULT_NOISE.get(self.config.dataset, 0.0) if self.config.noise is None else self.config.noise
        nxt = _next(NOISE_LEVELS, current)
        self.reconfigure(noise=nxt)
        return f"noise {short(nxt)}"

    def cycle_samples(self) -> str:
        self._generated()
        nxt = _next(SAMPLE_COUNTS, self.config.samples or DEFAULT_SAMPLES)
        self.reconfigure(samples=nxt)
        return f"{nxt} samples"

    def cycle_plot(self) -> str:
        """A data file's next pair of input columns to draw (the others held at their training mean)."""
        from neurotui.core.data.columns import next_pair
        from neurotui.core.data.datasets import file_columns, plotted_pair

        if self.config.data is None:
            raise Refused("I picks which two input columns of a data file (--data) are drawn")
        names = file_columns(self.config)
        if len(names) <= 2:
            raise Refused("this file has two input columns: both are drawn")
        i, j = next_pair(plotted_pair(self.config), len(names))
        self.reconfigure(plot=f"{names[i]},{names[j]}")
        return f"drawing {names[i]} across, {names[j]} up"

    def set_features(self, features) -> str:
        self.reconfigure(features=check_features(features))
        return "input features: " + ", ".join(self.config.features)

    def cycle_regularization(self) -> str:
        name, options = next_regularization(self.config)
        self.reconfigure(**options)
        return f"regularization: {name}"

    # ----- the keys ------------------------------------------------------------------------
    def cycle_activation(self) -> str:
        nxt = next_activation(self.config.activation)
        self.reconfigure(activation=nxt)
        return f"hidden activation: {nxt}"

    def change_hidden(self, delta: int) -> None:
        new = next_hidden(self.config.hidden, delta)
        if not HIDDEN_MIN <= new <= HIDDEN_MAX:
            raise Refused(f"hidden units stay within {HIDDEN_MIN}-{HIDDEN_MAX}")
        self.reconfigure(hidden=new)

    def new_seed(self) -> None:
        self.reconfigure(seed=self.config.seed + 1)

    def cycle_layers(self) -> None:
        # 1 -> 2 -> 3 -> 0 (the single-layer perceptron, 2-1) -> 1
        self.reconfigure(layers=(self.config.layers + 1) % (LAYERS_MAX + 1))

    def toggle_optimizer(self) -> None:
        self.reconfigure(optimizer="sgd" if self.config.optimizer == "adam" else "adam")

    def step_lr(self, direction: int) -> None:
        lr = self.config.lr
        if direction > 0:
            nxt = next((v for v in LEARNING_RATES if v > lr * 1.0001), None)
        else:
            nxt = next((v for v in reversed(LEARNING_RATES) if v < lr * 0.9999), None)
        if nxt is None:
            raise Refused(f"learning rate stays within {short(LEARNING_RATES[0])}-{short(LEARNING_RATES[-1])}")
        self.reconfigure(lr=nxt)

    def toggle_compare(self) -> None:
        self.compare = not self.compare

    def cycle_other_activation(self) -> str:
        if not self.compare:
            raise Refused("b changes network B in compare mode (c)")
        self.other = self.other.with_(activation=next_activation(self.other.activation))
        return f"network B: {self.other.activation}"

    def next_inside_layer(self) -> int:
        if self.config.layers == 0:
            raise Refused("the perceptron (2-1) has no hidden layer to look inside")
        self.inside_layer = self.inside_layer % self.config.layers + 1
        return self.inside_layer

    def switch_device(self, running_on: str) -> None:
        """CPU <-> CUDA; `running_on` is the device the worker reported ("cpu", "cuda:0 ...")."""
        import sys

        if "torch" not in sys.modules:  # never import torch on the UI thread: it blocks for seconds
            raise Refused("still loading PyTorch; try again in a moment")
        import torch

        if not torch.cuda.is_available():
            raise Refused("no CUDA GPU is available here; training stays on the CPU")
        on_gpu = self.config.device.startswith("cuda") or (
            self.config.device == "auto" and running_on.startswith("cuda"))
        self.reconfigure(device="cpu" if on_gpu else "cuda")

    # ----- speed ---------------------------------------------------------------------------
    @property
    def speed(self) -> int | None:
        return SPEEDS[self.speed_index]

    def change_speed(self, delta: int) -> int | None:
        self.speed_index = max(0, min(len(SPEEDS) - 1, self.speed_index + delta))
        return self.speed


def next_hidden(hidden: int, delta: int) -> int:
    """`delta` steps of + or - along HIDDEN_STEPS (1, 2, 3, 4, 6, 8, ... the case study's 100, 256):
    every size the lesson's practice compares, and 256 within a dozen presses. A size off the ladder
    (--hidden 5) moves to its neighbour on it."""
    from neurotui.core.model.config import HIDDEN_STEPS

    for _ in range(abs(delta)):
        if delta > 0:
            hidden = next((n for n in HIDDEN_STEPS if n > hidden), HIDDEN_MAX + 1)
        else:
            hidden = next((n for n in reversed(HIDDEN_STEPS) if n < hidden), HIDDEN_MIN - 1)
    return hidden
