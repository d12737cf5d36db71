"""What a sweep trains: one XorConfig, and the range of seeds to train it from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from neurotui.core.data.datasets import SEED_MAX
from neurotui.core.errors import ConfigError
from neurotui.core.model.config import XorConfig
from neurotui.core.numbers import short, thousands
from neurotui.core.training.resolved import Resolved, resolve

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
    # the model's facts, decided once by validated() (core.training.resolved); read through resolved()
    facts: Resolved | None = field(default=None, compare=False, repr=False)

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
            raise ConfigError(f"seeds must be 1-{thousands(SEEDS_MAX)}, got {self.seeds}")
        if self.seed_start < 0 or self.seed_start + self.seeds - 1 > SEED_MAX:
            raise ConfigError(f"seeds must lie in 0-{SEED_MAX}, got start {self.seed_start}")
        facts = resolve(self.model_config())
        return replace(self, model=facts.config, facts=facts)

    def resolved(self) -> Resolved:
        """The model's facts: those validated() decided, unless the model changed since."""
        if self.facts is not None and self.facts.config == self.model_config():
            return self.facts
        return resolve(self.model_config())

    @property
    def one_by_one(self) -> bool:
        """Options the batched programs do not implement (no hidden layer, a bug, dropout, minibatches): each seed is
        then the single Trainer's run (each.py)."""
        return bool(_unsupported(self.model, self.resolved()))

    @property
    def unbatched_options(self) -> list[str]:
        """The flags that make it one_by_one, as typed (for saying why the sweep is slower)."""
        return _unsupported(self.model, self.resolved())

    @property
    def on_data(self) -> bool:
        """True unless this is the lesson's run (four XOR rows, x1,x2, no L1/L2): see trains_on_data."""
        return trains_on_data(self.model)

    @property
    def seed_range(self) -> range:
        return range(self.seed_start, self.seed_start + self.seeds)

    @property
    def label(self) -> str:
        return f"hidden {self.hidden} x{self.layers} {self.activation}"


def trains_on_data(m: XorConfig) -> bool:
    """Whether the general program (fitnets.py: any rows, features, L1/L2, validation) trains this
    config; False for the lesson's run, which keeps its own faster program (manual.py)."""
    from neurotui.core.data.datasets import DEFAULT_FEATURES, is_lesson_data

    return not (is_lesson_data(m) and tuple(m.features) == DEFAULT_FEATURES and not m.l1 and not m.l2)


def _unsupported(m: XorConfig, facts: Resolved) -> list[str]:
    """Options of the single trainer the batched programs do not implement, as the flags that ask for them."""
    out = []
    if m.layers == 0:
        out.append("--layers 0 (no hidden layer)")
    if m.dropout:
        out.append(f"--dropout {short(m.dropout)}")
    if m.batch is not None:
        n_train, _ = facts.split
        if m.batch < n_train:  # a batch of all the rows or more is full batch, as for the Trainer
            out.append(f"--batch {m.batch} (minibatches of {n_train} training rows)")
    if m.bug is not None:
        out.append(f"--bug {m.bug}")
    task = facts.task
    if not task.binary:  # the batched programs train one sigmoid output with BCE
        out.append("regression" if task.regress else f"{task.classes} classes")
    if not out:  # the batched programs stand on private kernels; the trainer has a public path
        from neurotui.core.training.kernel_check import verified

        if not verified(facts.device).ok:
            out.append("this torch's private kernels (they differ from its public API here)")
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
