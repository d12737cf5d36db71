"""Session: what the user has asked for, and the rules that turn a key into configs to train.

Actions in the app call one method here and then train `session.configs()`; a change
the rules refuse raises Refused with the sentence to show. No UI, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from neurotui.core.activations import next_activation
from neurotui.core.card import probe_config
from neurotui.core.xor import HIDDEN_MAX, HIDDEN_MIN, LAYERS_MAX, XorConfig
from neurotui.session.control import DEFAULT_SPEED, SPEEDS

# learning rates `<` and `>` step through: 1-3-10 steps, as far as the validator allows
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


class Refused(Exception):
    """A change the rules do not allow; str(exc) says why, in one line."""


@dataclass
class Session:
    config: XorConfig = field(default_factory=XorConfig)
    compare: bool = False
    speed_index: int = DEFAULT_SPEED
    inside_layer: int = 1
    other: XorConfig | None = None  # network B of compare mode; the failure probe by default

    def __post_init__(self) -> None:
        self.config = self.config.validated()
        if self.other is None:
            self.other = probe_config(self.config)

    # ----- what to train ---------------------------------------------------------------------
    def configs(self) -> list[XorConfig]:
        """A alone, or A and B in compare mode: trained in lockstep on the same seed."""
        return [self.config, self.other] if self.compare else [self.config]

    @property
    def layer(self) -> int:
        """The hidden layer the inside views look at, within the current depth."""
        return min(self.inside_layer, self.config.layers)

    def reconfigure(self, **changes) -> None:
        """Change A; B follows every change except its activation (B keeps its own)."""
        self.config = self.config.with_(**changes).validated()
        shared = {k: v for k, v in changes.items() if k != "activation"}
        if shared:
            self.other = self.other.with_(**shared).validated()

    def pick(self, config: XorConfig) -> None:
        """Train this exact config (a seed picked in the Reliability pane); B is its probe."""
        self.config = config.with_(device=self.config.device).validated()
        self.other = probe_config(self.config)

    # ----- the keys ------------------------------------------------------------------------
    def cycle_activation(self) -> str:
        nxt = next_activation(self.config.activation)
        self.reconfigure(activation=nxt)
        return nxt

    def change_hidden(self, delta: int) -> None:
        new = self.config.hidden + delta
        if not HIDDEN_MIN <= new <= HIDDEN_MAX:
            raise Refused(f"hidden units stay within {HIDDEN_MIN}-{HIDDEN_MAX}")
        self.reconfigure(hidden=new)

    def new_seed(self) -> None:
        self.reconfigure(seed=self.config.seed + 1)

    def cycle_layers(self) -> None:
        self.reconfigure(layers=self.config.layers % LAYERS_MAX + 1)

    def toggle_optimizer(self) -> None:
        self.reconfigure(optimizer="sgd" if self.config.optimizer == "adam" else "adam")

    def step_lr(self, direction: int) -> None:
        lr = self.config.lr
        if direction > 0:
            nxt = next((v for v in LEARNING_RATES if v > lr * 1.0001), None)
        else:
            nxt = next((v for v in reversed(LEARNING_RATES) if v < lr * 0.9999), None)
        if nxt is None:
            raise Refused(f"learning rate stays within {LEARNING_RATES[0]:g}-{LEARNING_RATES[-1]:g}")
        self.reconfigure(lr=nxt)

    def toggle_compare(self) -> None:
        self.compare = not self.compare

    def cycle_other_activation(self) -> str:
        if not self.compare:
            raise Refused("b changes network B in compare mode (c)")
        self.other = self.other.with_(activation=next_activation(self.other.activation))
        return self.other.activation

    def next_inside_layer(self) -> int:
        self.inside_layer = self.inside_layer % self.config.layers + 1
        return self.inside_layer

    def switch_device(self, running_on: str) -> None:
        """CPU <-> CUDA; `running_on` is the device the worker reported ("cpu", "cuda:0 ...")."""
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
