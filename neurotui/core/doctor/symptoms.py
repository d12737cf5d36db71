"""The doctor's newer checks: a PyTorch error, weights that never move, steps too small to matter.

They read only what a run showed — the loss history, the outputs, the last
gradient's norm, how far the weights moved, and the exception's first line —
never which bug (if any) was injected. Each returns (kind, title, detail, fix)
or None; diagnosis.diagnose wraps it. The fixes are the lesson's debugging
checklist, in its own words where it has them.
"""

from __future__ import annotations

from neurotui.core.numbers import fixed, percent, sig

# A finished run whose loss fell by less than this fraction while its weights moved
# less than SMALL_MOVE of their size is "not decreasing": each step is too small.
# (A run that converged to a plateau, like the no-activation probe at ln 2, moved its
# weights by 60% or more on the way: measured over seeds 0-4 and 42.)
SMALL_FALL = 0.05
SMALL_MOVE = 0.10

Verdict = tuple  # (kind, title, detail, fix[, remedies]): the fields of diagnosis.Diagnosis


def first_line(exc: BaseException) -> str:
    """'ValueError: Using a target size ...' — the exception as its own first line shows it."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def error_verdict(error: str, losses, probs) -> Verdict:
    """PyTorch refused a step: say which kind of mistake its message points to."""
    step = len(losses) + 1
    message = error.lower()
    if "between 0 and 1" in message:
        finite = [p for p in probs if p == p]
        span = f"{fixed(min(finite), 3)} to {fixed(max(finite), 3)}" if finite else "nan"
        return (
            "loss_pair_error", "output activation and loss do not pair",
            f"PyTorch stopped the run at step {step}: BCELoss takes probabilities in [0, 1], "
            f"but the model's outputs run from {span}, so they are not probabilities",
            "check output activation and loss pair: end the model with nn.Sigmoid() for BCELoss",
        )
    if "size" in message or "shape" in message:
        return (
            "shape_error", "output shape error",
            f"PyTorch stopped the run at step {step}: the target's shape differs from the prediction's",
            "use target shape [batch, 1] for this binary example",
        )
    return (
        "error", "PyTorch raised an error",
        f"the run stopped at step {step}: {error}",
        "read the error's first line: it names the operation that failed",
    )


def piling_verdict(leftover: float | None) -> Verdict | None:
    """Gradients found already held just before a backward(): it adds to them, so every step
    follows the sum of all the steps before it. optimizer.zero_grad() leaves none to find.

    This tells a missing zero_grad() from a learning rate too high, which blow up alike: here
    the rate is not the cause, the gradient each step follows keeps growing."""
    if not leftover or leftover != leftover:  # none held (or nan: the non-finite check says more)
        return None
    return (
        "piling_gradients", "gradients pile up",
        f"before backward() the earlier steps' gradients were still held (norm {sig(leftover, 3)}); backward() "
        "adds to them, so each step follows the sum of every gradient so far, not its own, and overshoots",
        "call optimizer.zero_grad() every step, before loss.backward()",
    )


def broadcast_verdict(mismatch: tuple | None) -> Verdict | None:
    """The output's and the target's shapes differ and the loss went on anyway (MSELoss broadcasts,
    with a warning): every output is compared with every row's target, so no model can do better
    than one output for all rows. Training longer cannot help; the target's shape can."""
    if not mismatch:
        return None
    output, target = (list(s) for s in mismatch)
    return (
        "shape_broadcast", "target shape broadcast",
        f"the target has shape {target} but the output {output}: PyTorch warned and broadcast them, so the "
        "loss compares every output with every row's target and the best any model can do is one output "
        "for all rows",
        "use target shape [batch, 1] for this binary example",
    )


def slow_verdict(losses, moved: float | None, grad_norm: float | None) -> Verdict | None:
    """'loss does not decrease' from the weights: never moved, or moved too little to matter."""
    if moved is None or len(losses) < 2:
        return None
    first, last, n = losses[0], losses[-1], len(losses)
    if moved == 0 and grad_norm:
        return (
            "not_decreasing", "loss does not decrease",
            f"the weights never changed in {n} steps although the gradients are not zero "
            f"(norm {sig(grad_norm, 3)}): no update is applied, so the loss stays at {sig(last, 4)}",
            "check whether optimizer.step() is running",
        )
    if first > 0 and last > first * (1 - SMALL_FALL) and 0 < moved < SMALL_MOVE:
        return (
            "not_decreasing", "loss does not decrease",
            f"in {n} steps the loss went only from {sig(first, 4)} to {sig(last, 4)} "
            f"({percent((last - first) / first, 1, sign=True)}) and the weights moved {percent(moved, 1)} of their size: "
            f"every step is tiny",
            "learning rate too low: raise it; check output activation and loss pair", ("lr_raise",),
        )
    return None


def loss_pair_verdict(outputs: dict, classes: int | None, train_loss: float, score: float | None) -> Verdict | None:
    """Off the binary task, an output activation that does not pair with the loss, read from what
    the loss was handed (core.training.trainer.Trainer.output_symptoms), never from a bug's name:

    - K scores that already sum to 1 in every row reach nn.CrossEntropyLoss, which applies
      log-softmax itself: its loss cannot fall below -ln(e / (e + K - 1));
    - a regression whose every prediction lies in [0, 1] while many targets lie outside it:
      an output squashed by an activation (a sigmoid) can never reach them.
    """
    import math

    if classes and outputs.get("scores_are_probabilities"):
        floor = -math.log(math.e / (math.e + classes - 1))
        acc = "" if score is None else f" while accuracy is {fixed(score, 2)}"
        return (
            "loss_pair_error", "output activation and loss do not pair",
            f"the {classes} scores handed to CrossEntropyLoss already sum to 1 in every row: they are "
            f"probabilities, and CrossEntropyLoss applies log-softmax again, so its loss cannot fall below "
            f"-ln(e/(e+{classes - 1})) = {fixed(floor, 3)}; it is {fixed(train_loss, 3)}{acc}",
            "check output activation and loss pair: CrossEntropyLoss takes raw scores (logits); "
            "remove the nn.Softmax at the end of the model",
        )
    low, high = outputs.get("out_low"), outputs.get("out_high")
    if classes is None and low is not None and low >= 0 and high <= 1 and outputs.get("outside_unit", 0) >= 0.1:
        r2 = "" if score is None else f", R² {fixed(score, 2)}"
        return (
            "output_activation", "the output activation cannot reach the targets",
            f"every prediction lies between {fixed(low, 3)} and {fixed(high, 3)}, but the targets run from "
            f"{fixed(outputs['target_low'], 2)} to {fixed(outputs['target_high'], 2)} ({percent(outputs['outside_unit'], 0)} outside "
            f"0..1): an output activation such as nn.Sigmoid squashes a regression output into (0, 1), so "
            f"MSELoss floors at {fixed(train_loss, 4)}{r2}",
            "check output activation and loss pair: end a regression model with a plain nn.Linear "
            "(no output activation) for MSELoss",
        )
    return None
