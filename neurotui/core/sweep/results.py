"""What a sweep reports: per-seed outcomes of one architecture, and progress on the way."""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

from neurotui.core.numbers import finite_or_none
from neurotui.core.sweep.config import SweepConfig


@dataclass(frozen=True)
class SweepProgress:
    """Posted every check_every steps; plain values only."""

    config_index: int  # 0-based position in the grid
    config_count: int
    config: SweepConfig
    nets_done: int  # nets of this config fully trained (earlier chunks)
    chunk_nets: int  # nets in the chunk now training
    step: int  # steps done in the current chunk
    steps: int
    fraction: float  # 0..1 over the whole grid, by net-steps


@dataclass(frozen=True)
class SweepResult:
    """One architecture over many seeds.  Per-seed tuples are indexed by seed - seed_start."""

    config: SweepConfig
    final_losses: tuple[float, ...]  # loss at the last step (the lesson's final_loss); nan if blown up
    # all four rows right after training (prob >= 0.5 -> 1); off the lesson's four rows (config.on_data
    # and not the lesson's xor): validation accuracy >= 0.95, train accuracy without a validation set
    solved: tuple[bool, ...]
    # updates after which all four rows were first right (0: right from the start); None if
    # never.  A net can get there and lose it again, so unsolved nets may have a number too.
    steps_to_solve: tuple[int | None, ...]
    kinds: tuple[str, ...]  # diagnosis kind per net (see KINDS)
    final_probs: array  # float32, 4 per net (rows 00, 01, 10, 11) after training; see probs_of()
    solved_fraction: float
    median_final_loss: float  # non-finite losses count as +inf
    p90_final_loss: float  # nearest-rank 90th percentile
    median_steps_to_solve: float | None  # over solved nets; None when none solved
    kind_counts: dict[str, int]
    elapsed_s: float
    device: str
    chunks: int = 1
    # Trained on data (config.on_data): each net's accuracies after training; val None without a split.
    train_accuracies: tuple[float, ...] | None = None
    val_accuracies: tuple[float, ...] | None = None
    median_train_accuracy: float | None = None
    median_val_accuracy: float | None = None
    # Early stopping (core.training.early_stop), per net: (the step whose weights were kept, the step it
    # stopped at or None: it ran every step); None without early stopping.
    early_stops: tuple[tuple[int | None, int | None], ...] | None = None

    def early_stop_summary(self) -> dict | None:
        if self.early_stops is None:
            return None
        kept = [b for b, _ in self.early_stops if b is not None]
        return {"stopped_early": sum(s is not None for _, s in self.early_stops), "nets": len(self.early_stops),
                "median_kept_step": median(kept) if kept else None,
                "kept_steps": [min(kept), max(kept)] if kept else None}

    @property
    def seeds(self) -> range:
        return self.config.seed_range

    @property
    def n(self) -> int:
        return len(self.final_losses)

    @property
    def solved_count(self) -> int:
        return sum(self.solved)

    @property
    def net_steps_per_s(self) -> float:
        return self.n * self.config.steps / self.elapsed_s if self.elapsed_s > 0 else math.inf

    def probs_of(self, index: int) -> tuple[float, float, float, float]:
        return tuple(self.final_probs[4 * index : 4 * index + 4])

    def index_of(self, seed: int) -> int:
        i = seed - self.config.seed_start
        if not 0 <= i < self.n:
            raise IndexError(f"seed {seed} is not in this sweep")
        return i

    def seed_of(self, index: int) -> int:
        return self.config.seed_start + index

    def example_seed(self, solved: bool | None = None, kind: str | None = None) -> int | None:
        """First seed that solved (True), failed (False) or got `kind`; None if there is none."""
        for i, (ok, k) in enumerate(zip(self.solved, self.kinds)):
            if (solved is None or ok == solved) and (kind is None or k == kind):
                return self.seed_of(i)
        return None

    def histogram(self, bins: int = 20, log10: bool = True) -> tuple[list[float], list[int]]:
        """Counts of final loss per bin (log10 scale by default); non-finite losses go in the last bin.

        Returns (edges, counts) with len(edges) == bins + 1.
        """
        vals = [v for v in self.final_losses if math.isfinite(v)]
        if log10:
            vals = [math.log10(max(v, 1e-12)) for v in vals]
        lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
        width = (hi - lo) / bins
        edges = [lo + i * width for i in range(bins + 1)]
        counts = [0] * bins
        for v in vals:
            counts[min(int((v - lo) / width), bins - 1)] += 1
        counts[-1] += self.n - len(vals)
        return edges, counts

    def summary(self) -> dict:
        """JSON-ready summary (non-finite floats become None)."""
        c = self.config
        return {
            "hidden": c.hidden, "layers": c.layers, "activation": c.activation,
            "optimizer": c.optimizer, "lr": c.lr, "steps": c.steps,
            "seeds": self.n, "seed_start": c.seed_start,
            "solved": self.solved_fraction, "solved_count": self.solved_count,
            "median_final_loss": finite_or_none(self.median_final_loss),
            "p90_final_loss": finite_or_none(self.p90_final_loss),
            "median_steps_to_solve": self.median_steps_to_solve,
            "median_train_accuracy": self.median_train_accuracy,
            "median_val_accuracy": self.median_val_accuracy,
            "diagnosis": dict(self.kind_counts),
            "device": self.device, "elapsed_s": self.elapsed_s,
            "net_steps_per_s": self.net_steps_per_s,
            "early_stop": self.early_stop_summary(),
            **({"data": data_summary(c.model)} if c.on_data else {}),
        }

    def as_dict(self, per_seed: bool = False) -> dict:
        d = self.summary()
        if per_seed:
            d["final_losses"] = [finite_or_none(v) for v in self.final_losses]
            d["solved_per_seed"] = list(self.solved)
            d["steps_to_solve"] = list(self.steps_to_solve)
            d["kinds"] = list(self.kinds)
            d["train_accuracies"] = None if self.train_accuracies is None else list(self.train_accuracies)
            d["val_accuracies"] = None if self.val_accuracies is None else list(self.val_accuracies)
            d["early_stops"] = None if self.early_stops is None else [
                {"best_step": b, "stopped_at": s} for b, s in self.early_stops]
        return d


def data_summary(m) -> dict:
    """What a sweep off the lesson's run trained on, for --json."""
    from neurotui.core.data.datasets import resolved

    return {
        "dataset": m.dataset if m.data is None else None, "data": m.data, "data_seed": m.data_seed, **resolved(m),
        "features": list(m.features), "l1": m.l1, "l2": m.l2,
    }


def median(values: list[float]) -> float:
    n = len(values)
    if n == 0:
        return math.nan
    s = sorted(values)
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def nearest_rank(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]
