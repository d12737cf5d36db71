"""Many architectures as one program: the Reliability grid in (nearly) one batched program.

Configs that share everything but hidden size and activation (the same depth, optimizer,
learning rate, steps, device and seeds) are trained together by HandNets: every net is
padded to the group's largest hidden size with units whose weights are zero (and, being
masked to 0 and so getting exactly zero gradients, stay zero), and nets are ordered by
activation so that each activation is one contiguous slice of the program. The grid of
hidden 2,4,8 x layers 1,2 x four activations is then two programs (one per depth) instead
of 24, which is what makes it cheap: at 256 seeds a program's time is mostly per-op
overhead, paid once per step instead of 12 times.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from neurotui.core.data.datasets import OPTION_FIELDS
from neurotui.core.sweep.block import resolve_workers, slice_layers, sweep_result, train_block
from neurotui.core.sweep.config import SweepConfig
from neurotui.core.sweep.results import SweepProgress, SweepResult
from neurotui.core.sweep.seeds import initial_parameters

# A group pads to its largest hidden size, so it is cheaper than separate programs only while
# per-op overhead dominates, i.e. for modest numbers of seeds per config.
GROUP_SEEDS_MAX = 4096


def group_key(c: SweepConfig):
    m = c.model
    data = tuple(getattr(m, f) for f in OPTION_FIELDS)  # one program trains on one set of rows
    return (m.layers, m.optimizer, m.lr, m.steps, m.device, c.seed_start, c.seeds, data)


def groups_of(configs: list[SweepConfig]) -> list[list[int]]:
    """Indices of configs that can share one program, in order of first appearance."""
    out: dict = {}
    for i, c in enumerate(configs):
        key = group_key(c) if c.seeds <= GROUP_SEEDS_MAX else ("alone", i)
        out.setdefault(key, []).append(i)
    return list(out.values())


def padded_layers(config: SweepConfig, H: int, seeds):
    """build_model's initial weights of `seeds` for config, padded with zeros to H hidden units,
    and the [S, 1, H] mask of real units."""
    import numpy as np

    layers, _ = initial_parameters(config.model_config(), seeds)
    S, h = len(seeds), config.hidden
    out = []
    for k, (W, b) in enumerate(layers):
        n_in = W.shape[1] if k == 0 else H
        n_out = 1 if k == len(layers) - 1 else H
        Wp = np.zeros((S, n_in, n_out), np.float32)
        bp = np.zeros((S, 1, n_out), np.float32)
        Wp[:, : W.shape[1], : W.shape[2]] = W
        bp[:, :, : b.shape[2]] = b
        out.append((Wp, bp))
    mask = np.zeros((S, 1, H), np.float32)
    mask[:, :, :h] = 1.0
    return out, mask


def train_group(
    configs: list[SweepConfig], device, *, on_progress: Callable[[int, int], None] | None,
    check_every: int, per_chunk_nets: int, threads, workers, data=None,
) -> list[SweepResult]:
    """Train configs (one group, see groups_of) as one program per chunk of seeds; one result each.

    on_progress(step, nets_in_this_chunk) is called every check_every steps. data: the rows
    they share (fitnets.SweepData) when they train off the lesson's run.
    """
    import numpy as np

    from neurotui.core.model.device import describe
    from neurotui.core.sweep.fitnets import FitNets
    from neurotui.core.sweep.manual import HandNets

    def program(*args, **kw):
        return HandNets(*args, **kw) if data is None else FitNets(*args[:3], data, **kw)

    H = max(c.hidden for c in configs)
    steps = configs[0].steps
    seeds = configs[0].seed_range
    # nets ordered by activation (one slice each), then by config, then by seed
    order = sorted(range(len(configs)), key=lambda i: (configs[i].activation, i))
    per_chunk = max(1, per_chunk_nets // len(configs))
    parts: dict[int, list[dict]] = {i: [] for i in range(len(configs))}
    chunks = 0
    t0 = time.perf_counter()
    for lo in range(0, len(seeds), per_chunk):
        chunk = seeds[lo : lo + per_chunk]
        n = len(chunk)
        pieces = [padded_layers(configs[i], H, chunk) for i in order]
        layers = [
            (np.concatenate([p[0][k][0] for p in pieces]), np.concatenate([p[0][k][1] for p in pieces]))
            for k in range(len(pieces[0][0]))
        ]
        mask = np.concatenate([p[1] for p in pieces])
        del pieces
        acts = [(configs[i].activation, j * n, (j + 1) * n) for j, i in enumerate(order)]
        total = n * len(configs)

        def make(a: int, b: int, _layers=layers, _mask=mask, _acts=acts):
            groups = [(name, max(lo_, a) - a, min(hi_, b) - a) for name, lo_, hi_ in _acts if lo_ < b and hi_ > a]
            return program(configs[0], slice_layers(_layers, a, b), device, groups=_groups_merged(groups),
                           mask=_mask[a:b])

        on_check = None if on_progress is None else (lambda step, _n=total: on_progress(step, _n))
        out = train_block(make, total, steps, on_check, check_every, threads,
                          resolve_workers(workers, total, device))
        for j, i in enumerate(order):
            parts[i].append({k: v[j * n : (j + 1) * n] for k, v in out.items()})
        chunks += 1
    elapsed = time.perf_counter() - t0
    results = []
    for i, c in enumerate(configs):
        arrays = {k: np.concatenate([p[k] for p in parts[i]]) for k in parts[i][0]}
        # one program trained them all: each config's share of its time, by its nets
        results.append(sweep_result(c, arrays, elapsed / len(configs), describe(device), chunks, data))
    return results


def _groups_merged(groups):
    """Adjacent ranges of one activation as one range (fewer slices per step)."""
    out: list = []
    for name, lo, hi in groups:
        if out and out[-1][0] == name and out[-1][2] == lo:
            out[-1] = (name, out[-1][1], hi)
        else:
            out.append((name, lo, hi))
    return out


def progress_reporter(progress, configs: list[SweepConfig], group: list[int], done_before: int, total: int):
    """on_progress(step, nets) for one group, posting SweepProgress as the grid's fraction."""
    if progress is None:
        return None
    first = configs[group[0]]
    state = {"nets_done": 0, "last": 0, "nets": 0}

    def on_progress(step: int, nets: int) -> None:
        if step < state["last"]:  # a new chunk started: the previous one is done
            state["nets_done"] += state["nets"]
        state["last"], state["nets"] = step, nets
        done = done_before + state["nets_done"] * first.steps + nets * step
        progress(SweepProgress(
            config_index=group[0], config_count=len(configs), config=first,
            nets_done=state["nets_done"] // len(group), chunk_nets=nets // len(group), step=step,
            steps=first.steps, fraction=min(1.0, done / total),
        ))

    return on_progress
