"""Training one block of nets, on one thread or several, and turning per-net arrays into a SweepResult."""

from __future__ import annotations

import math
import os
import threading
from array import array
from collections.abc import Callable

from neurotui.core.doctor.diagnosis import KINDS, diagnose_kinds
from neurotui.core.model.activations import get_activation
from neurotui.core.sweep.config import SweepCancelled, SweepConfig
from neurotui.core.sweep.results import SweepResult, median, nearest_rank

# Below this many nets per thread a second Python thread costs more than it gives: each op's
# Python dispatch holds the GIL, and small ops are mostly dispatch. Measured here (2 cores,
# lesson net): 1024 nets in 2 threads of 512 ran at 0.7x one thread; 8192 in 2 threads at
# 1.6x; 32768 at 2.0x.
MIN_NETS_PER_WORKER = 2048

KEYS = ("first_loss", "final_loss", "probs", "first_solved")
# What the program on data (fitnets.py) adds, measured after training; val_* nan without a validation set.
FIT_KEYS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def resolve_workers(workers: int | str, nets: int, device) -> int:
    """Threads to split `nets` over: "all" is every core this process may use, never more
    than one per MIN_NETS_PER_WORKER nets, and 1 off the CPU (a GPU runs one program best)."""
    if device.type != "cpu":
        return 1
    n = cpu_count() if workers == "all" else max(1, int(workers))
    return max(1, min(n, nets // MIN_NETS_PER_WORKER))


def train_block(
    make: Callable[[int, int], object], nets: int, steps: int, on_check: Callable[[int], None] | None,
    check_every: int, threads, workers: int,
) -> dict:
    """Train nets 0..nets-1 of a block (make(lo, hi) builds the program of nets lo..hi-1) and
    return the per-net arrays (KEYS), concatenated in net order.

    With workers > 1 the nets are split into that many programs, each trained in its own
    thread with one intra-op thread (torch releases the GIL inside every kernel). Unlike
    intra-op threads, these never wait on each other between ops, so a core busy with
    something else slows its own share only. on_check runs in the first thread; if it
    raises (SweepCancelled), the others stop at their next check.
    """
    import numpy as np

    if workers <= 1:
        return make(0, nets).train(steps, on_check, check_every, threads=threads)
    bounds = [nets * i // workers for i in range(workers + 1)]
    programs = [make(lo, hi) for lo, hi in zip(bounds, bounds[1:])]
    stop = threading.Event()
    outs: list = [None] * workers
    errors: list[BaseException] = []

    def first_check(step: int) -> None:
        if stop.is_set():
            raise SweepCancelled()
        if on_check is not None:
            on_check(step)

    def other_check(step: int) -> None:
        if stop.is_set():
            raise SweepCancelled()

    def body(i: int) -> None:
        try:
            outs[i] = programs[i].train(steps, first_check if i == 0 else other_check, check_every, threads=1)
        except BaseException as exc:  # noqa: BLE001 (re-raised in the caller's thread)
            stop.set()
            errors.append(exc)

    pool = [threading.Thread(target=body, args=(i,), name=f"sweep-{i}", daemon=True) for i in range(1, workers)]
    for t in pool:
        t.start()
    body(0)
    for t in pool:
        t.join()
    if errors:
        raise next((e for e in errors if not isinstance(e, SweepCancelled)), errors[0])
    return {k: np.concatenate([o[k] for o in outs]) for k in outs[0]}


def slice_layers(layers, lo: int, hi: int):
    return [(W[lo:hi], b[lo:hi]) for W, b in layers]


def sweep_result(config: SweepConfig, arrays: dict, elapsed: float, device: str, chunks: int,
                 data=None) -> SweepResult:
    """The numbers of one architecture from its nets' arrays (KEYS, and FIT_KEYS when trained on `data`,
    a fitnets.SweepData)."""
    first_loss, final_loss, probs, first_solved = (arrays[k] for k in KEYS)
    linear = get_activation(config.activation).linear
    fit = {}
    if data is None or data.lesson:
        # the lesson's four rows: its doctor, and "solved" is all four rows right
        kinds = diagnose_kinds(first_loss, final_loss, probs, linear_model=linear, steps=config.steps)
        solved = [k == "solved" for k in kinds]
    else:
        kinds, solved = fit_kinds(config, arrays, data)
    if data is not None:
        train_acc = [float(v) for v in arrays["train_accuracy"].tolist()]
        val_acc = [float(v) for v in arrays["val_accuracy"].tolist()] if data.n_val else None
        fit = dict(
            train_accuracies=tuple(train_acc), val_accuracies=None if val_acc is None else tuple(val_acc),
            median_train_accuracy=median(train_acc), median_val_accuracy=None if val_acc is None else median(val_acc),
        )
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
        device=device,
        chunks=chunks,
        **fit,
    )


def fit_kinds(config: SweepConfig, arrays: dict, data) -> tuple[list[str], list[bool]]:
    """The doctor of core.training.fit net by net (it has no loss curve here, so memorization is seen by the
    accuracy gap only), and "solved": validation accuracy >= SOLVED_ACCURACY (train accuracy without
    a validation set), as the Trainer's snapshot says."""
    from neurotui.core.model.task import SOLVED_ACCURACY
    from neurotui.core.training.fit import diagnose_fit

    linear = get_activation(config.activation).linear
    cols = [arrays[k].tolist() for k in ("first_loss", "final_loss", *FIT_KEYS)]
    kinds, solved = [], []
    for first, last, train_loss, train_acc, val_loss, val_acc in zip(*cols):
        if not data.n_val:
            val_loss = val_acc = None
        losses = [first, last] if config.steps > 1 else [last]
        kinds.append(diagnose_fit(
            losses, train_loss=train_loss, val_loss=val_loss, train_accuracy=train_acc, val_accuracy=val_acc,
            linear_model=linear, n_train=data.n_train, n_val=data.n_val or None, features=config.model.features,
        ).kind)
        solved.append((train_acc if val_acc is None else val_acc) >= SOLVED_ACCURACY)
    return kinds, solved
