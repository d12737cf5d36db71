"""What a run shows, read from a Trainer between its steps: the other half of training.

core.training.trainer steps (the lesson's loop); this module only looks. Every function takes the
trainer and reads its model, data and losses without changing what the next step does: evaluation
in eval mode under no_grad, gradients taken with torch.autograd.grad (so .grad is left alone).
The Trainer's methods of the same names (`snapshot`, `metrics`, `probabilities`...) call these.
"""

from __future__ import annotations

from neurotui.core.data.scaling import unscaled_input
from neurotui.core.doctor.diagnosis import Diagnosis, diagnose
from neurotui.core.model.task import accuracy_of, loss_targets, output_symptoms, shown
from neurotui.core.training.fit import diagnose_fit, evaluate
from neurotui.core.training.series import LossSeries
from neurotui.core.training.snapshot import Snapshot

INSIDE_POINTS = 200  # training points placed in hidden space, at most: more only hide each other


def snapshot(t, boundary_size: tuple[int, int] | None = None, edited_loss: float | None = None, frames: tuple = (),
             edits: tuple = ()) -> Snapshot:
    """The run now, as plain values. `edited_loss`: the loss of weights just set by hand, shown as
    the latest until training goes on from them. `frames` and `edits` are what only the run knows
    (core.run); the views' pictures are core.pictures' providers', added by core.run.Run.snapshot."""
    t.settle()
    losses = LossSeries(t.losses, len(t.losses), t.loss_span.update(t.losses),
                        () if edited_loss is None else (edited_loss,))
    probs = probabilities(t)
    m = metrics(t)
    if t.lesson_data:
        diag = diagnose(losses, probs, finished=t.finished, **model_kind(t), nonfinite_where=t.nonfinite_where,
                        error=t.error, mismatch=t.mismatch, **symptoms(t))
        data_solved = None
    else:
        diag = diagnose_run(t, m, t.finished, losses)
        data_solved = score(t, m) >= t.task.solved_at
    return Snapshot(
        step=t.step_count, total=t.config.steps, losses=losses, probs=tuple(probs), preds=_preds(t, probs),
        diagnosis=diag, finished=t.finished, boundary=_boundary(t, boundary_size),
        curve=tuple(t.curve), data_solved=data_solved, grid_range=(t.data.low, t.data.high), error=t.error,
        loss_factor=t.data.scaling.loss_factor if t.data.scaling is not None else 1.0,
        frames=frames, edits=edits, task=t.task, stopping=None if t.early is None else t.early.report(), **m,
    )


def _boundary(t, size: tuple[int, int] | None):
    if size is None:
        return None
    from neurotui.core.model.boundary import class_grid, probability_grid

    d = t.data
    if t.task.kind == "classes":
        return class_grid(t.model, *size, device=t.device, low=d.low, high=d.high)
    return tuple(tuple(r) for r in probability_grid(t.model, *size, device=t.device, low=d.low, high=d.high))


def metrics(t) -> dict:
    """train/val loss and accuracy (R²) over the whole sets, eval mode; None: no split / not the task's."""
    import torch

    d, key = t.data, "r2" if t.task.regress else "accuracy"
    factor = d.scaling.loss_factor if d.scaling is not None else 1.0  # a scaled target's loss, in file units
    out = {"train_accuracy": None, "val_accuracy": None, "train_r2": None, "val_r2": None, "val_loss": None}
    for name, x, y in [("train", d.train_x, d.train_y)] + ([("val", d.val_x, d.val_y)] if d.has_val else []):
        loss, value = torch.stack(evaluate(t.model, x, y, t.task)).tolist()
        out[f"{name}_loss"] = loss * factor
        out[f"{name}_{key}"] = value if t.task.regress else accuracy_of(value, len(y))
    return out


def score(t, m: dict) -> float:
    """The number "solved" is judged on: validation accuracy or R², train's without a split."""
    key = "r2" if t.task.regress else "accuracy"
    return m[f"train_{key}"] if m[f"val_{key}"] is None else m[f"val_{key}"]


def model_kind(t) -> dict:
    """What the doctor must know of the model: linear? on which inputs?"""
    return dict(linear_model=t.linear_model, no_hidden_layer=t.config.layers == 0, features=t.config.features)


def diagnose_run(t, m: dict, finished: bool, losses=None) -> Diagnosis:
    """The doctor off the lesson's four rows (core.training.fit.diagnose_fit), from `metrics`."""
    key = "r2" if t.task.regress else "accuracy"
    d = t.data
    return diagnose_fit(
        t.losses if losses is None else losses, train_loss=m["train_loss"], val_loss=m["val_loss"],
        train_accuracy=m[f"train_{key}"], val_accuracy=m[f"val_{key}"], curve=t.curve,
        finished=finished, nonfinite_where=t.nonfinite_where, n_train=d.n_train, n_val=d.n_val, task=t.task,
        **model_kind(t), outputs=None if t.task.binary or not finished else output_symptoms(t.model, d.train_x, d.train_y),
        unscaled=unscaled_input(d), data_file=t.config.data is not None,
        regularized=(t.config.l2, t.config.dropout, t.early is not None),
    )


def confusion(t) -> list[list[int]]:
    """K x K counts (true class rows, predicted columns) on the validation set, or the training
    set without one; [] for regression."""
    from neurotui.core.model.task import confusion as counts

    d = t.data
    x, y = (d.val_x, d.val_y) if d.has_val else (d.train_x, d.train_y)
    return counts(t.model, x, y, t.task)


def probabilities(t) -> list[float]:
    """The lesson's four rows: p(y=1) (the winning class's probability, or the prediction, off
    the binary task)."""
    import torch

    with torch.no_grad():
        out = t.model(t.x)
        return out.squeeze(1).tolist() if t.task.binary else shown(out, t.task)[0].tolist()


def _preds(t, probs: list[float]) -> tuple[int, ...]:
    if t.task.binary:
        return tuple(int(p >= 0.5) for p in probs)
    import torch

    with torch.no_grad():
        return tuple(shown(t.model(t.x), t.task)[1].tolist())


def symptoms(t) -> dict:
    """How far the weights moved (relative to their size at the start), the last gradient's norm.

    Computed exactly as the script of core/course/script.py computes them, so both doctors agree.
    """
    import torch

    params = list(t.model.parameters())
    with torch.no_grad():
        start = torch.cat([s.reshape(-1) for s in t.start_weights])
        now = torch.cat([p.reshape(-1) for p in params])
        moved = ((now - start).norm() / start.norm()).item()
        grads = [p.grad.reshape(-1) for p in params if p.grad is not None]
        grad_norm = torch.cat(grads).norm().item() if grads else None
    leftover = None if t.leftover is None else t.leftover.item()
    return {"moved": moved, "grad_norm": grad_norm, "leftover": leftover}


def gradients_now(t) -> dict | None:
    """Parameter -> gradient of the training loss at the weights as they are now (the whole
    training set, no dropout), leaving .grad alone: after a hand edit, the direction the
    next step will push. None where PyTorch refuses the loss (an injected bug)."""
    import torch

    params = list(t.model.parameters())
    y = loss_targets(t.task, t.data.train_y)
    y = y.reshape(-1) if t.mistakes.flat_target else y
    try:
        loss = t.objective(t.loss_fn(t.model(t.data.train_x), y))
        grads = torch.autograd.grad(loss, params, allow_unused=True)
    except (RuntimeError, ValueError):
        return None
    return dict(zip(params, grads))


def look_inside(t, layer: int = 1, feature_grid: tuple[int, int] | None = None):
    from neurotui.core.model.inside import look_inside as look

    if t.lesson_data:
        return look(t.model, t.x, layer, feature_grid, device=t.device)
    # off the lesson's four rows: the training points themselves (enough to see the classes'
    # shapes) and maps over the data's range
    d = t.data
    return look(t.model, d.train_x[:INSIDE_POINTS], layer, feature_grid, device=t.device,
                labels=d.train_y[:INSIDE_POINTS].reshape(-1).tolist(), low=d.low, high=d.high)
