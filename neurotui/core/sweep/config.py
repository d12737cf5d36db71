"""What a sweep trains: one XorConfig, and the range of seeds to train it from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from neurotui.core.errors import ConfigError
from neurotui.core.xor import SEED_MAX, XorConfig

SEEDS_MAX = 1_000_000
DEFAULT_SEEDS = 256


class SweepCancelled(Exception):
    """should_stop() returned True; the sweep was abandoned between steps."""


@dataclass(frozen=True)
class SweepConfig:
    """One architecture (`model`, whose own seed is ignored) trained from seeds
    seed_start .. seed_start + seeds - 1."""

    model: XorConfig = field(default_factory=XorConfig)
    seeds: int = DEFAULT_SEEDS
    seed_start: int = 0

    @classmethod
    def of(cls, seeds: int = DEFAULT_SEEDS, seed_start: int = 0, **model_fields) -> SweepConfig:
        """SweepConfig.of(seeds=64, hidden=2): the lesson's config with those fields changed."""
        return cls(XorConfig(**model_fields), seeds, seed_start)

    # The model's fields read straight through: a sweep row is "hidden 4 x1 tanh", not "model.hidden".
    hidden = property(lambda self: self.model.hidden)
    layers = property(lambda self: self.model.layers)
    activation = property(lambda self: self.model.activation)
    lr = property(lambda self: self.model.lr)
    steps = property(lambda self: self.model.steps)
    optimizer = property(lambda self: self.model.optimizer)
    device = property(lambda self: self.model.device)

    def with_model(self, **changes) -> SweepConfig:
        return replace(self, model=self.model.with_(**changes))

    def model_config(self, seed: int | None = None) -> XorConfig:
        """The single-network config of one seed (default: the first)."""
        return self.model.with_(seed=self.seed_start if seed is None else seed)

    def validated(self) -> SweepConfig:
        """Return a normalised copy, or raise ConfigError with a one-line reason."""
        if not 1 <= self.seeds <= SEEDS_MAX:
            raise ConfigError(f"seeds must be 1-{SEEDS_MAX:,}, got {self.seeds}")
        if self.seed_start < 0 or self.seed_start + self.seeds - 1 > SEED_MAX:
            raise ConfigError(f"seeds must lie in 0-{SEED_MAX}, got start {self.seed_start}")
        model = self.model_config().validated()
        extras = _beyond_the_lesson(model)
        if extras:
            raise ConfigError(
                f"the sweep trains the lesson's four XOR rows, full batch, no regularization; got {', '.join(extras)}")
        return replace(self, model=model)

    @property
    def seed_range(self) -> range:
        return range(self.seed_start, self.seed_start + self.seeds)

    @property
    def label(self) -> str:
        return f"hidden {self.hidden} x{self.layers} {self.activation}"


def _beyond_the_lesson(m: XorConfig) -> list[str]:
    """Options of the single trainer the batched programs do not implement (core.data & co.)."""
    from neurotui.core.xor import DEFAULT_FEATURES

    out = []
    if m.data is not None:
        out.append(f"--data {m.data}")
    elif m.dataset != "xor":
        out.append(f"--dataset {m.dataset}")
    if m.val_split:
        out.append(f"--val-split {m.val_split:g}")
    if tuple(m.features) != DEFAULT_FEATURES:
        out.append(f"--features {','.join(m.features)}")
    for name in ("dropout", "l1", "l2"):
        if getattr(m, name):
            out.append(f"--{name} {getattr(m, name):g}")
    if m.batch is not None and m.batch < 4:
        out.append(f"--batch {m.batch}")
    if m.bug is not None:
        out.append(f"--bug {m.bug}")
    return out


def grid_configs(
    base: SweepConfig,
    hidden: Sequence[int] | None = None,
    layers: Sequence[int] | None = None,
    activations: Sequence[str] | None = None,
) -> list[SweepConfig]:
    """Every (hidden, layers, activation) combination, in that nesting order, validated."""
    hidden = list(hidden) if hidden else [base.hidden]
    layers = list(layers) if layers else [base.layers]
    activations = list(activations) if activations else [base.activation]
    return [
        base.with_model(hidden=h, layers=n, activation=a).validated()
        for h in hidden for n in layers for a in activations
    ]
