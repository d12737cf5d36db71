"""The doctor's newer checks: a PyTorch error, weights that never move, steps too small to matter.

They read only what a run showed — the loss history, the outputs, the last
gradient's norm, how far the weights moved, and the exception's first line —
never which bug (if any) was injected. Each returns (kind, title, detail, fix)
or None; diagnosis.diagnose wraps it. The fixes are the lesson's debugging
checklist, in its own words where it has them.
"""

from __future__ import annotations

# A finished run whose loss fell by less than this fraction while its weights moved
# less than SMALL_MOVE of their size is "not decreasing": each step is too small.
# (A run that converged to a plateau, like the no-activation probe at ln 2, moved its
# weights by 60% or more on the way: measured over seeds 0-4 and 42.)
SMALL_FALL = 0.05
SMALL_MOVE = 0.10

Verdict = tuple[str, str, str, str]


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
        span = f"{min(finite):.3f} to {max(finite):.3f}" if finite else "nan"
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
        f"before backward() the earlier steps' gradients were still held (norm {leftover:.3g}); backward() "
        "adds to them, so each step follows the sum of every gradient so far, not its own, and overshoots",
        "call optimizer.zero_grad() every step, before loss.backward()",
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
            f"(norm {grad_norm:.3g}): no update is applied, so the loss stays at {last:.4g}",
            "check whether optimizer.step() is running",
        )
    if first > 0 and last > first * (1 - SMALL_FALL) and 0 < moved < SMALL_MOVE:
        return (
            "not_decreasing", "loss does not decrease",
            f"in {n} steps the loss went only from {first:.4g} to {last:.4g} "
            f"({(last - first) / first:+.1%}) and the weights moved {moved:.1%} of their size: "
            f"every step is tiny",
            "learning rate too low: raise it; check output activation and loss pair",
        )
    return None
