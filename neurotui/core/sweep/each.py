"""Seeds one after another through the single Trainer, for what the batched programs do not
implement: a bug made on purpose (the Trainer makes the mistake for real, PyTorch's own errors
included), dropout, minibatches, and K classes or regression (core.model.task). Slower by the number of seeds, and exactly the lab's run for
every seed."""

from __future__ import annotations

import math
import time
from array import array
from collections.abc import Callable

from neurotui.core.sweep.config import SweepCancelled, SweepConfig
from neurotui.core.sweep.results import SweepProgress, SweepResult, median, nearest_rank


def run_each(config: SweepConfig, *, progress: Callable[[SweepProgress], None] | None = None,
             should_stop: Callable[[], bool] | None = None, check_every: int = 20,
             grid_position: tuple[int, int, int, int] = (0, 1, 0, 0)) -> SweepResult:
    from neurotui.core.model.device import describe
    from neurotui.core.training.trainer import Trainer

    index, count, grid_done, grid_total = grid_position
    grid_total = grid_total or config.seeds * config.steps
    t0 = time.perf_counter()
    losses, solved, kinds, probs, train_acc, val_acc, stops = [], [], [], [], [], [], []
    device = "cpu"
    facts = config.resolved()  # one resolution for every seed: the data and device are the same for all
    for i, seed in enumerate(config.seed_range):
        trainer = Trainer(facts.with_seed(seed))
        device = describe(trainer.device)
        while not trainer.finished:
            trainer.run(check_every)
            if should_stop is not None and should_stop():
                raise SweepCancelled()
            if progress is not None:
                done = grid_done + i * config.steps + trainer.step_count
                progress(SweepProgress(
                    config_index=index, config_count=count, config=config, nets_done=i, chunk_nets=1,
                    step=trainer.step_count, steps=config.steps, fraction=min(1.0, done / grid_total)))
        snap = trainer.snapshot()
        losses.append(snap.shown_loss)  # a file regression's in the file's units, as lab prints it
        if snap.stopping is not None:  # each seed stops on its own slice loss, its own kept step
            stops.append((snap.stopping.best_step, snap.stopping.stopped_at))
        solved.append(bool(snap.solved))
        kinds.append(snap.diagnosis.kind)
        probs.extend(snap.probs)
        # the task's score: accuracy, or R² for regression (the table then names its column R²)
        train_acc.append(snap.train_r2 if snap.task.regress else snap.train_accuracy)
        val_acc.append(snap.val_r2 if snap.task.regress else snap.val_accuracy)
    ranked = [v if math.isfinite(v) else math.inf for v in losses]
    counts: dict[str, int] = {}
    for k in kinds:
        counts[k] = counts.get(k, 0) + 1
    fit = {}
    if train_acc[0] is not None:
        vals = None if val_acc[0] is None else tuple(val_acc)
        fit = dict(train_accuracies=tuple(train_acc), val_accuracies=vals,
                   median_train_accuracy=median(train_acc), median_val_accuracy=None if vals is None else median(vals))
    return SweepResult(
        config=config, final_losses=tuple(losses), solved=tuple(solved),
        steps_to_solve=tuple(None for _ in losses),  # not recorded one seed at a time
        kinds=tuple(kinds), final_probs=array("f", probs), solved_fraction=sum(solved) / len(solved),
        median_final_loss=median(ranked), p90_final_loss=nearest_rank(ranked, 0.9), median_steps_to_solve=None,
        kind_counts=counts, elapsed_s=time.perf_counter() - t0, device=device, chunks=config.seeds,
        early_stops=tuple(stops) if stops else None, **fit,
    )
