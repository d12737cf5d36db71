"""Train a sweep: seeds in memory-sized chunks, each chunk one batched program, then the numbers.

Nothing here imports a UI library; results are plain Python objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

from neurotui.core.errors import ConfigError
from neurotui.core.model.config import layer_sizes
from neurotui.core.sweep.block import resolve_workers, slice_layers, sweep_result, train_block
from neurotui.core.sweep.config import SweepCancelled, SweepConfig, grid_configs
from neurotui.core.sweep.grid import groups_of, progress_reporter, train_group
from neurotui.core.sweep.manual import DEFAULT_CHECK_EVERY, HandNets
from neurotui.core.sweep.results import SweepProgress, SweepResult
from neurotui.core.sweep.seeds import initial_parameters

# Working-set target per chunk of nets; bigger sweeps are trained chunk after chunk.
DEFAULT_MEMORY_BUDGET = 256 * 2**20
METHODS = ("auto", "hand", "autograd")


def estimate_bytes_per_net(config: SweepConfig, record_steps: int = 0, rows: int = 4) -> int:
    """Rough working set of one net while training (float32) on `rows` rows, for chunking."""
    sizes = layer_sizes(config.model)
    params = sum(i * o + o for i, o in sizes)
    # parameter + gradient + two Adam moments, plus one transient copy in the update
    state = 5 * params
    # per layer: pre-activation, activation, their gradients and temporaries, [rows, out] each
    acts = sum(8 * rows * o for _, o in sizes) + rows * 2 * 8
    # hand-written deeper layers: one [rows, H, H] product temporary per net
    acts += rows * config.hidden**2 if config.layers > 1 else 0
    return 4 * (state + acts) + 4 * record_steps + 64


def chunk_size(config: SweepConfig, memory_budget: int = DEFAULT_MEMORY_BUDGET, rows: int = 4) -> int:
    per_net = estimate_bytes_per_net(config, rows=rows)
    return max(1, min(config.seeds, memory_budget // per_net))


def _data_of(config: SweepConfig, device, method: str):
    """The shared rows (fitnets.SweepData) when config trains off the lesson's run, else None: the
    data its resolved facts hold (core.training.resolved), as the Trainer's."""
    if not config.on_data:
        return None
    if method == "autograd":
        raise ConfigError("the autograd reference sweep trains the lesson's run only (xor, x1,x2, no L1/L2)")
    from neurotui.core.sweep.fitnets import sweep_data

    return sweep_data(config.resolved(), device)


def _maker(program, config: SweepConfig, device, data):
    """program(config, layers, device, **kw), or the program on data when there is some."""
    if data is None:
        return lambda layers, **kw: program(config, layers, device, **kw)
    from neurotui.core.sweep.fitnets import FitNets

    return lambda layers, **kw: FitNets(config, layers, device, data, **kw)


_warmed = False


def _warm_up() -> None:
    """Pay one-off import costs before the clock starts: the first torch.optim optimizer
    of a process imports torch._dynamo (seconds), which is no part of any sweep's time.
    Only the autograd reference needs it: the hand-written program calls the fused Adam
    kernel itself."""
    global _warmed
    if not _warmed:
        import torch

        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        _warmed = True


def _program(method: str):
    if method in ("auto", "hand"):
        return HandNets
    if method == "autograd":
        from neurotui.core.sweep.stacked import StackedNets

        _warm_up()
        return StackedNets
    raise ValueError(f"unknown sweep method {method!r} (choose from {', '.join(METHODS)})")


def _checker(should_stop, progress):
    """on_check for a program: cancels first, then reports; None when nobody listens."""
    if should_stop is None and progress is None:
        return None

    def on_check(*args):
        if should_stop is not None and should_stop():
            raise SweepCancelled()
        if progress is not None:
            progress(*args)

    return on_check


def run_sweep(
    config: SweepConfig,
    *,
    progress: Callable[[SweepProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    check_every: int = DEFAULT_CHECK_EVERY,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    init: str = "auto",
    threads: int | None | str = "auto",
    workers: int | str = 1,
    method: str = "auto",
    _grid_position: tuple[int, int, int, int] = (0, 1, 0, 0),
) -> SweepResult:
    """Train config.seeds nets of one architecture; raise SweepCancelled if should_stop() says so.

    progress(SweepProgress) and should_stop() are called every `check_every` steps from
    the calling thread.  Nets are trained in chunks of at most `memory_budget` bytes
    (estimated), which changes nothing in the results: the nets never interact.
    threads: intra-op CPU threads while training ("auto": see auto_threads; None: torch's).
    workers: Python threads to split each chunk over (an int, or "all": every core; see
    block.resolve_workers). method: "hand" (hand-written forward/backward, manual.py),
    "autograd" (the reference, stacked.py), or "auto" (hand).
    """
    from neurotui.core.model.device import describe

    config = config.validated()
    if config.one_by_one:
        from neurotui.core.sweep.each import run_each

        return run_each(config, progress=progress, should_stop=should_stop, check_every=check_every,
                        grid_position=_grid_position)
    device = config.resolved().device
    model_config = config.model_config()
    seeds = config.seed_range
    data = _data_of(config, device, method)
    per_chunk = chunk_size(config, memory_budget, rows=4 if data is None else max(data.n_train, data.n_val))
    config_index, config_count, grid_done, grid_total = _grid_position
    grid_total = grid_total or config.seeds * config.steps
    program = _program(method)
    build = _maker(program, config, device, data)
    t0 = time.perf_counter()
    parts: list[dict] = []
    nets_done = 0
    for lo in range(0, config.seeds, per_chunk):
        chunk = seeds[lo : lo + per_chunk]
        layers, _ = initial_parameters(model_config, chunk, init)

        def report(step: int, _n=len(chunk), _done=nets_done):  # noqa: B008 (binds this chunk)
            done = grid_done + _done * config.steps + _n * step
            progress(SweepProgress(
                config_index=config_index, config_count=config_count, config=config,
                nets_done=_done, chunk_nets=_n, step=step, steps=config.steps,
                fraction=min(1.0, done / grid_total),
            ))

        def make(a: int, b: int, _layers=layers):
            return build(slice_layers(_layers, a, b))

        n_workers = resolve_workers(workers, len(chunk), device) if program is HandNets else 1
        on_check = _checker(should_stop, report if progress is not None else None)
        parts.append(train_block(make, len(chunk), config.steps, on_check, check_every, threads, n_workers))
        del layers
        nets_done += len(chunk)
    elapsed = time.perf_counter() - t0
    import numpy as np

    arrays = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return sweep_result(config, arrays, elapsed, describe(device), len(parts), data)


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
    workers: int | str = 1,
    method: str = "auto",
) -> Iterator[SweepResult]:
    """Yield one SweepResult per (hidden, layers, activation), in that nesting order.

    Configs that differ only in hidden size and activation are trained together as one
    padded program (grid.py), so their results arrive together, when it ends; the grid's
    order is kept. method "autograd" trains each config on its own (the reference).
    Every config is validated before the first is trained (ConfigError); SweepCancelled
    propagates out of the iteration when should_stop() returns True.
    """

    configs = grid_configs(base, hidden, layers, activations)
    total = sum(c.seeds * c.steps for c in configs)
    if method == "autograd" or len(configs) == 1 or any(c.one_by_one for c in configs):
        done = 0
        for i, config in enumerate(configs):
            yield run_sweep(
                config, progress=progress, should_stop=should_stop, check_every=check_every,
                memory_budget=memory_budget, threads=threads, workers=workers, method=method,
                _grid_position=(i, len(configs), done, total),
            )
            done += config.seeds * config.steps
        return
    _program(method)
    results: dict[int, SweepResult] = {}
    done = 0
    next_out = 0
    for group in groups_of(configs):
        members = [configs[i] for i in group]
        widest = max(members, key=lambda c: c.hidden)
        device = members[0].resolved().device
        data = _data_of(members[0], device, method)
        rows = 4 if data is None else max(data.n_train, data.n_val)
        per_chunk = max(1, memory_budget // estimate_bytes_per_net(widest, rows=rows))
        on_progress = _checker(should_stop, progress_reporter(progress, configs, group, done, total))
        for i, result in zip(group, train_group(
            members, device, on_progress=on_progress, check_every=check_every,
            per_chunk_nets=per_chunk, threads=threads, workers=workers, data=data,
        )):
            results[i] = result
        done += sum(c.seeds * c.steps for c in members)
        while next_out in results:  # the grid's order, as soon as a prefix is complete
            yield results.pop(next_out)
            next_out += 1
