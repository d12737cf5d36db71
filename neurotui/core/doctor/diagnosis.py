"""Outcome diagnosis, in the words of the lesson's debugging checklist.

BCELoss clamps each log term at -100, so a run that blew up can sit at a finite
loss such as 50.0 (two points wrong with certainty) instead of NaN: that is
"saturated", not healthy, and is caught from the probabilities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from neurotui.core.doctor.advice import curved, features_words
from neurotui.core.doctor.symptoms import broadcast_verdict, error_verdict, piling_verdict, slow_verdict
from neurotui.core.lesson import XOR_Y
from neurotui.core.numbers import fixed, sig

LN2 = math.log(2.0)
# A run is checked for a blow-up every this many steps (by step count, so where it stops is
# deterministic): the app, lab, the card and the run's script all stop it at the same step.
SATURATION_CHECK_EVERY = 50


@dataclass(frozen=True)
class Diagnosis:
    kind: str  # solved | training | nonfinite | saturated | linear | near_half | not_decreasing | stuck
    #          | shape_error | loss_pair_error | error (PyTorch raised) | piling_gradients | shape_broadcast
    #          (see symptoms.py)
    title: str
    detail: str
    fix: str
    # the settings the fix is about (core.doctor.advice.REMEDIES), so lab can name the option and the app the key
    remedies: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.kind in ("solved", "training")

    def as_dict(self) -> dict:
        return {"kind": self.kind, "title": self.title, "detail": self.detail, "fix": self.fix}


def linear_why(no_hidden_layer: bool) -> str:
    """Why the model is linear: the perceptron has no hidden layer at all; else no hidden activation."""
    return ("a single-layer perceptron (inputs straight into the output) is one linear map"
            if no_hidden_layer else "with no hidden activation the layers collapse into one linear map")


def diagnose(
    losses,
    probs,
    targets=XOR_Y,
    linear_model: bool = False,
    finished: bool = True,
    nonfinite_where: str | None = None,
    error: str | None = None,
    moved: float | None = None,
    grad_norm: float | None = None,
    leftover: float | None = None,
    mismatch: tuple | None = None,
    no_hidden_layer: bool = False,
    features: tuple[str, ...] = ("x1", "x2"),
) -> Diagnosis:
    """Classify a run from its loss history and its current four probabilities.

    `features`: the inputs the model was trained on; a linear model on a curved feature (x1x2) is
    not held to a straight line, it is judged by what it reaches.

    Optional symptoms (see core/doctor/symptoms.py): `error`, the first line of an exception
    PyTorch raised (the run stopped there); `moved`, how far the weights moved from
    their start, relative to their size; `grad_norm`, the norm of the last gradient; `leftover`,
    the norm of the gradients already held just before a backward() (0 after zero_grad());
    `mismatch`, (output shape, target shape) when they differ and the loss still ran.
    """
    last = losses[-1] if losses else math.nan
    broken = _broken(losses, probs, targets, finished, nonfinite_where, error, leftover, mismatch)
    if broken:
        return broken
    preds = [1.0 if p >= 0.5 else 0.0 for p in probs]
    if preds == list(targets):
        return Diagnosis(
            "solved", "solved", f"all four XOR rows correct, loss {sig(last, 4)}",
            "nothing to fix: try the failure probe (no hidden activation) to compare",
        )
    wrong_and_certain = any(
        pr != t and (p < 1e-6 or p > 1 - 1e-6) for p, pr, t in zip(probs, preds, targets)
    )
    if wrong_and_certain and last > 5.0:
        return Diagnosis(
            "saturated", "saturated (blown up)",
            f"outputs pinned at exactly 0 or 1 on the wrong side; BCELoss clamps at 100 per row, "
            f"so the loss sits at {sig(last, 4)} instead of nan",
            "lower the learning rate", ("lr_lower",),
        )
    if not finished:
        return Diagnosis("training", "training", f"loss {sig(last, 4)}", "")
    return _unsolved(losses, probs, preds, targets, linear_model, moved, grad_norm, no_hidden_layer, features)


def _broken(losses, probs, targets, finished, nonfinite_where, error, leftover, mismatch) -> Diagnosis | None:
    """What stopped or spoiled the run before any verdict on its rows: PyTorch's error, gradients
    piling up or a broadcast target (only while unsolved), no step yet, nan/inf."""
    if error:
        return Diagnosis(*error_verdict(error, losses, probs))
    last = losses[-1] if losses else math.nan
    unsolved = [float(p >= 0.5) for p in probs] != list(targets)  # a solved run has nothing to fix
    for verdict in (piling_verdict(leftover), broadcast_verdict(mismatch)):
        if verdict and unsolved:
            return Diagnosis(*verdict)
    if not losses and not nonfinite_where and not finished:
        return NOT_STARTED  # step 0: no loss yet is not a nan loss (the pane would keep the last run's picture)
    if nonfinite_where or not math.isfinite(last) or not all(math.isfinite(p) for p in probs):
        return nonfinite(nonfinite_where)
    return None


def nonfinite(where: str | None) -> Diagnosis:
    """A nan or inf appeared (in the loss, or the named place): the run was stopped."""
    return Diagnosis(
        "nonfinite", "values became nan/inf",
        f"unstable training: a non-finite value appeared{f' in {where}' if where else ''}; the run was stopped",
        "lower the learning rate and check inputs", ("lr_lower",),
    )


def _unsolved(losses, probs, preds, targets, linear_model, moved, grad_norm, no_hidden_layer, features) -> Diagnosis:
    """A finished run with rows wrong: why (too slow, linear, undecided, flat), else stuck."""
    last = losses[-1] if losses else math.nan
    slow = slow_verdict(losses, moved, grad_norm)
    if slow:
        return Diagnosis(*slow)
    if linear_model and not curved(features):
        return Diagnosis(
            "linear", "cannot separate XOR",
            f"{linear_why(no_hidden_layer)}; no straight "
            f"line splits XOR, so the best it can do is p = 0.5 (loss {fixed(last, 4)}, ln 2 = {fixed(LN2, 4)})",
            "add a hidden layer with a nonlinear activation (tanh or relu)" if no_hidden_layer
            else "add a nonlinear hidden activation (tanh or relu)",
            ("hidden_layer",) if no_hidden_layer else ("activation",),
        )
    if all(abs(p - 0.5) < 0.1 for p in probs):
        return near_half(f"loss {fixed(last, 4)}", linear_model, features)
    if len(losses) > 1 and last >= losses[0] * 0.99:
        return not_decreasing(losses[0], last)
    # rows printed as prob=0.500 are undecided, whichever side of 0.5 the last digits put them (pred=0 or 1)
    halves = sum(fixed(p, 3) == "0.500" for p in probs)
    undecided = f"; {halves} rows at p = 0.500" if halves > 1 else ""  # short: 80x24 has two lines for it
    return Diagnosis(
        "stuck", "stuck: not all four rows correct",
        f"training ended with {sum(p != t for p, t in zip(preds, targets))} of 4 rows wrong, loss {sig(last, 4)}"
        + undecided,
        "train longer, try another seed, or " + grow_words(linear_model, features), ("seed",),
    )


NOT_STARTED = Diagnosis("training", "not trained yet", "step 0: no step taken yet", "")


def grow_words(linear_model: bool, features) -> str:
    """What gives the model more room: hidden units, unless it is linear (more units of a linear map
    are still one linear map), then a nonlinear activation or a curved feature not yet in use."""
    if not linear_model:
        return "add hidden units"
    extra = features_words(features)
    return "add a nonlinear hidden activation (tanh or relu)" + (f" or {extra}" if extra else "")


def grow_remedies(linear_model: bool, features) -> tuple[str, ...]:
    if not linear_model:
        return ("hidden_more",)
    return ("activation", "features") if features_words(features) else ("activation",)


def near_half(loss_text: str, linear_model: bool = False, features=("x1", "x2")) -> Diagnosis:
    """Every probability near 0.5: the checklist's "not learning"; loss_text: 'loss 0.6931'."""
    return Diagnosis(
        "near_half", "probabilities all near 0.5",
        f"the model is not learning ({loss_text}, ln 2 = {fixed(LN2, 4)})",
        "train longer, inspect gradients, " + ("change hidden size" if not linear_model
                                               else grow_words(linear_model, features)),
        grow_remedies(linear_model, features),
    )


def not_decreasing(first: float, last: float) -> Diagnosis:
    return Diagnosis(
        "not_decreasing", "loss does not decrease",
        f"loss went from {sig(first, 4)} to {sig(last, 4)}",
        "lower the learning rate (or raise it if tiny); check the output activation and loss pair",
    )


# Kinds a finished run can get from diagnose(finished=True); sweeps count nets per kind.
KINDS = ("solved", "stuck", "near_half", "not_decreasing", "saturated", "linear", "nonfinite")


def diagnose_kinds(first_losses, final_losses, probs, *, linear_model: bool, steps: int) -> list[str]:
    """Vectorised neurotui.core.doctor.diagnosis.diagnose(finished=True) over many nets: the `kind` strings.

    first_losses, final_losses: [S]; probs: [S, 4] (NumPy or lists).  Mirrors diagnose's
    order of checks and its float64 comparisons.
    """
    import numpy as np

    first = np.asarray(first_losses, dtype=np.float64)
    last = np.asarray(final_losses, dtype=np.float64)
    p = np.asarray(probs, dtype=np.float64).reshape(-1, 4)
    t = np.asarray(XOR_Y, dtype=np.float64)
    nonfinite = ~np.isfinite(last) | ~np.isfinite(p).all(1)
    pred = np.where(p >= 0.5, 1.0, 0.0)
    wrong = pred != t
    solved = ~wrong.any(1)
    certain = (p < 1e-6) | (p > 1 - 1e-6)
    saturated = (wrong & certain).any(1) & (last > 5.0)
    near_half = (np.abs(p - 0.5) < 0.1).all(1)
    not_decreasing = (last >= first * 0.99) if steps > 1 else np.zeros_like(solved)
    kinds = np.full(last.shape, "stuck", dtype=object)
    # assign from the last check to the first, so earlier checks win as in diagnose()
    kinds[not_decreasing] = "not_decreasing"
    kinds[near_half] = "near_half"
    if linear_model:
        kinds[:] = "linear"
    kinds[saturated] = "saturated"
    kinds[solved] = "solved"
    kinds[nonfinite] = "nonfinite"
    return kinds.tolist()
