"""Train a sweep: seeds in memory-sized chunks, each chunk one batched program, then the numbers.

Nothing here imports a UI library; results are plain Python objects.
"""

from __future__ import annotations

import math
import time
from array import array
from collections.abc import Callable, Iterator, Sequence

from neurotui.core.activations import get_activation
from neurotui.core.diagnosis import KINDS, diagnose_kinds
from neurotui.core.sweep.config import SweepCancelled, SweepConfig, grid_configs
from neurotui.core.sweep.results import SweepProgress, SweepResult, median, nearest_rank
from neurotui.core.sweep.seeds import initial_parameters
from neurotui.core.sweep.stacked import DEFAULT_CHECK_EVERY, StackedNets
from neurotui.core.xor import layer_sizes

# Working-set target per chunk of nets; bigger sweeps are trained chunk after chunk.
DEFAULT_MEMORY_BUDGET = 256 * 2**20


def estimate_bytes_per_net(config: SweepConfig, record_steps: int = 0) -> int:
    """Rough working set of one net while training (float32), for chunking."""
    sizes = layer_sizes(config.model)
    params = sum(i * o + o for i, o in sizes)
    # parameter + gradient + two Adam moments, plus one transient copy in the update
    state = 5 * params
    # per layer: pre-activation, activation, their gradients and bmm temporaries, [4, out] each
    acts = sum(8 * 4 * o for _, o in sizes) + 4 * 2 * 8
    return 4 * (state + acts) + 4 * record_steps + 64


def chunk_size(config: SweepConfig, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> int:
    per_net = estimate_bytes_per_net(config)
    return max(1, min(config.seeds, memory_budget // per_net))


_warmed = False


def _warm_up() -> None:
    """Pay one-off import costs before the clock starts: the first torch.optim optimizer
    of a process imports torch._dynamo (seconds), which is no part of any sweep's time."""
    global _warmed
    if not _warmed:
        import torch

        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        _warmed = True


def run_sweep(
    config: SweepConfig,
    *,
    progress: Callable[[SweepProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    check_every: int = DEFAULT_CHECK_EVERY,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    init: str = "auto",
    threads: int | None | str = "auto",
    _grid_position: tuple[int, int, int, int] = (0, 1, 0, 0),
) -> SweepResult:
    """Train config.seeds nets of one architecture; raise SweepCancelled if should_stop() says so.

    progress(SweepProgress) and should_stop() are called every `check_every` steps from
    the calling thread.  Nets are trained in chunks of at most `memory_budget` bytes
    (estimated), which changes nothing in the results: the nets never interact.
    threads: intra-op CPU threads while training ("auto": see auto_threads; None: torch's).
    """
    import numpy as np

    from neurotui.core.device import describe, resolve_device

    config = config.validated()
    device = resolve_device(config.device)
    model_config = config.model_config()
    seeds = config.seed_range
    per_chunk = chunk_size(config, memory_budget)
    config_index, config_count, grid_done, grid_total = _grid_position
    grid_total = grid_total or config.seeds * config.steps
    _warm_up()
    t0 = time.perf_counter()
    parts: list[dict] = []
    nets_done = 0
    chunks = 0
    for lo in range(0, config.seeds, per_chunk):
        chunk = seeds[lo : lo + per_chunk]
        layers, _ = initial_parameters(model_config, chunk, init)
        nets = StackedNets(config, layers, device)
        del layers

        def on_check(step: int, _n=len(chunk), _done=nets_done):  # noqa: B008 (binds this chunk)
            if should_stop is not None and should_stop():
                raise SweepCancelled()
            if progress is not None:
                done = grid_done + _done * config.steps + _n * step
                progress(SweepProgress(
                    config_index=config_index, config_count=config_count, config=config,
                    nets_done=_done, chunk_nets=_n, step=step, steps=config.steps,
                    fraction=min(1.0, done / grid_total),
                ))

        wants_calls = progress is not None or should_stop is not None
        parts.append(nets.train(config.steps, on_check if wants_calls else None, check_every, threads=threads))
        del nets
        nets_done += len(chunk)
        chunks += 1
    elapsed = time.perf_counter() - t0

    first_loss = np.concatenate([p["first_loss"] for p in parts])
    final_loss = np.concatenate([p["final_loss"] for p in parts])
    probs = np.concatenate([p["probs"] for p in parts])
    first_solved = np.concatenate([p["first_solved"] for p in parts])
    kinds = diagnose_kinds(
        first_loss, final_loss, probs,
        linear_model=get_activation(config.activation).linear, steps=config.steps,
    )
    solved = [k == "solved" for k in kinds]
    losses = [float(v) for v in final_loss.tolist()]
    ranked = [v if math.isfinite(v) else math.inf for v in losses]
    solve_steps = [int(s) if s >= 0 else None for s in first_solved.tolist()]
    solved_steps = [s for s, ok in zip(solve_steps, solved) if ok and s is not None]
    counts = {k: 0 for k in KINDS}
    for k in kinds:
        counts[k] = counts.get(k, 0) + 1
    return SweepResult(
        config=config,
        final_losses=tuple(losses),
        solved=tuple(solved),
        steps_to_solve=tuple(solve_steps),
        kinds=tuple(kinds),
        final_probs=array("f", probs.astype("float32").ravel().tobytes()),
        solved_fraction=sum(solved) / len(solved),
        median_final_loss=median(ranked),
        p90_final_loss=nearest_rank(ranked, 0.9),
        median_steps_to_solve=median(solved_steps) if solved_steps else None,
        kind_counts=counts,
        elapsed_s=elapsed,
        device=describe(device),
        chunks=chunks,
    )


def run_grid(
    base: SweepConfig,
    hidden: Sequence[int] | None = None,
    layers: Sequence[int] | None = None,
    activations: Sequence[str] | None = None,
    *,
    progress: Callable[[SweepProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    check_every: int = DEFAULT_CHECK_EVERY,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    threads: int | None | str = "auto",
) -> Iterator[SweepResult]:
    """Yield one SweepResult per (hidden, layers, activation) as each finishes.

    Every config is validated before the first is trained (ConfigError); SweepCancelled
    propagates out of the iteration when should_stop() returns True.
    """
    configs = grid_configs(base, hidden, layers, activations)
    total = sum(c.seeds * c.steps for c in configs)
    done = 0
    for i, config in enumerate(configs):
        yield run_sweep(
            config, progress=progress, should_stop=should_stop, check_every=check_every,
            memory_budget=memory_budget, threads=threads, _grid_position=(i, len(configs), done, total),
        )
        done += config.seeds * config.steps