"""The XOR pane's loss plot: A (and B in compare mode), train and validation curves, the log
axis chosen by the loss itself unless `l` chose it, and the replayed frame marked."""

from __future__ import annotations

import math

from neurotui.core.training.series import positive_span
from neurotui.core.training.snapshot import Snapshot
from neurotui.tui.widgets.plot import Figure, Series, downsample

# Past this many decades between the largest and smallest loss, a linear axis shows a wall then
# a flat line: the log axis is chosen by itself (until `l` says otherwise).
AUTO_LOG_DECADES = 2.0


def spans_decades(*series, decades: float = AUTO_LOG_DECADES) -> bool:
    """Whether the positive losses of all `series` together span more than `decades` (O(1) for a
    snapshot's LossSeries, which keeps its span as it grows)."""
    spans = [s for s in map(positive_span, series) if s is not None]
    return bool(spans) and math.log10(max(hi for _, hi in spans) / min(lo for lo, _ in spans)) > decades


def use_log(log_choice: bool | None, *snaps: Snapshot | None) -> bool:
    """`l`'s choice when it made one (True/False), else automatic from the span of every curve shown."""
    if log_choice is not None:
        return log_choice
    return spans_decades(*(snap.losses for snap in snaps if snap is not None))


def loss_name(config) -> str:
    """The loss the run computes: its task's (BCE, CrossEntropy, MSE: core.model.task), or MSE where a
    bug swapped it in (core.course.bugs)."""
    from neurotui.core.course.bugs import mistakes
    from neurotui.core.model.task import task_of

    return "MSE" if mistakes(config).mse_loss else task_of(config).loss_name


def loss_figure(runs: list[tuple[Snapshot, str, str, str | None]], *, compare: bool, log_choice: bool | None,
                width: int, vline: float | None, losses: tuple[str, ...] = ("BCE",)) -> Figure:
    """runs: (snapshot, label, colour, marker) for A, and B in compare mode; `losses`: each run's
    loss function (loss_name), named once when they agree: 'loss (BCE)', else 'loss (A MSE, B BCE)'."""
    snap = runs[0][0]
    log = use_log(log_choice, *(run for run, _, _, _ in runs))
    series = []
    for run, label, color, marker in runs:
        xs, ys = downsample(run.losses, width)
        if run.loss_factor != 1.0:  # a scaled regression target: in the file's units, as the validation curve
            ys = [y * run.loss_factor for y in ys]
        if run.curve and any(v is not None for _, _, v in run.curve):
            label = label or "train"  # two curves: name both
        series.append(Series(tuple(xs), tuple(ys), label, color, marker=marker))
        kept = run.stopping.best_step if run.stopping is not None else None
        if kept is not None and kept <= len(run.losses):  # early stopping's weights: the step they are from
            series.append(Series((kept,), (run.losses[kept - 1] * run.loss_factor,),
                                 f"kept: step {kept}", "green", marker="*", scatter=True))
        val = [(s, v) for s, _, v in run.curve if v is not None]
        if val:
            series.append(Series(tuple(s for s, _ in val), tuple(v for _, v in val),
                                 f"{label} validation" if compare else "validation", "magenta", marker="v"))
    named = losses[0] if len(set(losses)) == 1 else ", ".join(f"{ab} {n}" for ab, n in zip("AB", losses))
    how = "log scale" if log else "linear"
    chosen = " (automatic)" if log_choice is None else ""
    return Figure(
        tuple(series), title=f"loss ({named}), {how}{chosen} - l toggles", xlabel="step", log_y=log,
        xlim=(0, max(2, snap.total)), empty_text="loss is not finite: nothing to plot", vline=vline,
    )
