"""Training beyond the lesson's four rows: minibatches, L1, train/validation numbers, memorization.

The Trainer keeps the lesson's loop; this module holds what it needs when the
data is not the lesson's four rows (core.data) or training is regularized:
the minibatch stream, the L1 term, the train/validation loss curve measured by
step count (so where it is measured is deterministic), and the doctor's verdict
for such runs, memorization included, in the words of the lesson's checklist.
"""

from __future__ import annotations

import math

from neurotui.core.doctor.advice import curved, features_words
from neurotui.core.doctor.diagnosis import (
    LN2,
    NOT_STARTED,
    Diagnosis,
    grow_remedies,
    grow_words,
    linear_why,
    near_half,
    nonfinite,
    not_decreasing,
)
from neurotui.core.model.task import BINARY_TASK, Task, evaluate_loss
from neurotui.core.model.task import evaluate as task_evaluate
from neurotui.core.numbers import cell, fixed, short, sig

CURVE_POINTS = 200  # the train/validation losses are measured about this many times per run
MEMORIZATION_GAP = 0.10  # train accuracy at least this far above validation accuracy is memorization ...
GAP_STANDARD_ERRORS = 2.0  # ... and further than two standard errors: small sets differ by chance
WIDE_GAP = 2.0  # x the gap above: memorization even when the training points are not fitted
RISE_MIN = 0.05  # validation loss this far (and 20%) above its lowest, while train loss fell


def curve_every(steps: int) -> int:
    return max(1, steps // CURVE_POINTS)


class Batches:
    """Minibatches of the training rows, reshuffled every epoch by the run's generator."""

    def __init__(self, x, y, size: int, generator):
        self.x, self.y, self.size, self.generator = x, y, size, generator
        self.n = len(y)
        self.pos = self.n
        self.order = None

    def next(self):
        import torch

        if self.pos >= self.n:
            self.order = torch.randperm(self.n, generator=self.generator).to(self.x.device)
            self.pos = 0
        idx = self.order[self.pos:self.pos + self.size]
        self.pos += self.size
        return self.x[idx], self.y[idx]

    def peek(self):
        """The batch next() will give, leaving the stream (and the generator) where they are."""
        pos, order, state = self.pos, self.order, self.generator.get_state()
        try:
            return self.next()
        finally:
            self.pos, self.order = pos, order
            self.generator.set_state(state)


def l1_penalty(model, strength: float):
    """strength * sum |w| over the weights (not the biases), as a function of no arguments."""
    from torch import nn

    weights = [m.weight for m in model if isinstance(m, nn.Linear)]

    def penalty():
        return strength * sum(w.abs().sum() for w in weights)

    return penalty


class TrainingForward:
    """model(x) as a training step calls it: dropout active, Module.__call__ skipped (no hooks are
    ever registered here, so calling each forward directly is the same maths with less Python).
    `training=False`: as model(x) in eval mode (no dropout), for what a run measures every few
    steps (the curve, the blow-up check).

    An nn.Linear is called as F.linear on its own weight and bias, bound once: Linear.forward
    finds both through Module.__getattr__ on every call, ~3 us a layer here, a few percent of a
    small step. The parameters are only ever changed in place (the optimizer, a hand edit,
    load_state_dict), never replaced, so the bound ones stay the model's.

    The model itself stays in eval mode, so everything that evaluates it (the boundary, the views
    inside, the metrics) sees it without dropout. `skip_features`: the training inputs were
    featurized once, so the Features layer is not run every step.
    """

    def __init__(self, model, skip_features: bool, training: bool = True):
        from neurotui.core.model.layers import Features, PlaneSlice, SeededDropout

        # the training inputs are featurized once (with all K columns), not every step
        self.forwards = [_training_forward(m) if training else _eval_forward(m) for m in model
                         if not (skip_features and isinstance(m, (Features, PlaneSlice)))
                         and (training or not isinstance(m, SeededDropout))]  # eval mode's dropout: the identity

    def __call__(self, x):
        for forward in self.forwards:
            x = forward(x)
        return x


def _training_forward(m):
    from neurotui.core.model.layers import SeededDropout

    return m.dropped if isinstance(m, SeededDropout) else _eval_forward(m)


def _eval_forward(m):
    from functools import partial

    import torch.nn.functional as F
    from torch import nn

    if type(m) is nn.Linear:
        return partial(F.linear, weight=m.weight, bias=m.bias)
    return m.forward


def loss_function(loss_fn):
    """loss_fn(pred, y) without Module.__call__ or the module's forward: the functional call it
    makes, its settings bound once (the same op, the same numbers). Any other module: its forward."""
    from functools import partial

    import torch.nn.functional as F
    from torch import nn

    kind = type(loss_fn)
    if kind is nn.BCELoss and loss_fn.weight is None:
        return partial(F.binary_cross_entropy, reduction=loss_fn.reduction)
    if kind is nn.MSELoss:
        return partial(F.mse_loss, reduction=loss_fn.reduction)
    return loss_fn.forward


def evaluate(model, x, y, task: Task = BINARY_TASK):
    """(loss, accuracy or R²) of `model` on x, y as two 0-d tensors (no host sync): core.model.task."""
    return task_evaluate(model, x, y, task)


def halts(losses, model, x, y, task: Task, nonfinite_where: str | None) -> bool:
    """Whether an unfinished run off the lesson's rows reads "saturated" (blown up), as the doctor
    reads it every SATURATION_CHECK_EVERY steps. Unfinished, `diagnose_fit` looks at the train loss
    alone: one pass over the training rows (`model`: any callable), no validation set nor score.
    Only BCELoss's clamp holds a blown-up loss finite, so off the binary task nothing is measured:
    there the verdict is never "saturated"."""
    if not task.binary:
        return False
    train_loss = float(evaluate_loss(model, x, y, task))
    return diagnose_fit(losses, train_loss=train_loss, val_loss=None, train_accuracy=math.nan, val_accuracy=None,
                        finished=False, nonfinite_where=nonfinite_where, task=task).kind == "saturated"


def val_loss_rise(curve) -> tuple[int, float, float] | None:
    """(step of the lowest, lowest, last) validation loss when it rose while train loss fell."""
    points = [(s, t, v) for s, t, v in curve if v is not None and math.isfinite(v) and math.isfinite(t)]
    if len(points) < 5:
        return None
    i = min(range(len(points)), key=lambda k: points[k][2])
    step, train_at_min, low = points[i]
    _, train_last, last = points[-1]
    if last - low > max(RISE_MIN, 0.2 * low) and train_last < train_at_min:
        return step, low, last
    return None


def memorization_gap(accuracy: float, n_train: int | None, n_val: int | None) -> float:
    """How far train accuracy must exceed validation accuracy to be more than the luck of small sets."""
    if not n_train or not n_val:
        return MEMORIZATION_GAP
    var = accuracy * (1 - accuracy)
    return max(MEMORIZATION_GAP, GAP_STANDARD_ERRORS * math.sqrt(var / n_train + var / n_val))


_LINEAR_WORDS = {
    "binary": ("cannot separate this data", "a straight line"),
    "classes": ("cannot separate these classes", "straight lines"),
    "regress": ("cannot fit this surface", "a flat plane"),
}


def diagnose_fit(
    losses,
    *,
    train_loss: float,
    val_loss: float | None,
    train_accuracy: float,
    val_accuracy: float | None,
    curve=(),
    linear_model: bool = False,
    finished: bool = True,
    nonfinite_where: str | None = None,
    n_train: int | None = None,
    n_val: int | None = None,
    task: Task = BINARY_TASK,
    outputs: dict | None = None,
    no_hidden_layer: bool = False,
    features: tuple[str, ...] = ("x1", "x2"),
    unscaled: tuple[str, float, float] | None = None,
    data_file: bool = False,
    regularized: tuple[float, float, bool] = (0.0, 0.0, False),
) -> Diagnosis:
    """The doctor off the lesson's four rows: from train/validation loss and accuracy.

    `features`: the inputs it trained on. A linear model on a curved feature (x1x2) draws curves in
    x1, x2, so it is judged by what it reaches, not called unable to separate the data; and no fix
    suggests a feature already in use.

    Off the binary task (core.model.task) `train_accuracy` / `val_accuracy` are the task's score
    (accuracy, or R² for regression) and `outputs` what the loss was handed at the end
    (Trainer.output_symptoms), for the loss-pair verdicts.

    `regularized`: the run's (L2, dropout, early stopping on), so memorization's fix never asks for
    what the run already has (--l2 0.01 on a run at L2 0.01).
    """
    last = losses[-1] if losses else math.nan
    if not losses and not nonfinite_where and not finished and math.isfinite(train_loss):
        return NOT_STARTED  # step 0: no curve yet is not a nan curve
    broken = _broken(last, train_loss, nonfinite_where, unscaled, finished, train_accuracy, val_accuracy, task)
    if broken:
        return broken
    word = task.score_name
    scores = f"train {word} {cell(train_accuracy, 2)}, validation {cell(val_accuracy, 2)}"
    if not finished:
        return Diagnosis("training", "training", f"train loss {sig(train_loss, 4)}; {scores}", "")
    acc = train_accuracy if val_accuracy is None else val_accuracy
    if outputs is not None:
        from neurotui.core.doctor.symptoms import loss_pair_verdict

        pair = loss_pair_verdict(outputs, None if task.regress else task.classes, train_loss, acc)
        if pair:
            return Diagnosis(*pair)
    rise = val_loss_rise(curve)
    memorized = _memorization(train_accuracy, val_accuracy, rise, scores, task, n_train, n_val, data_file, regularized)
    if memorized:
        return memorized
    if acc >= task.solved_at:
        late = (f"; validation loss rose late, from {sig(rise[1], 3)} (step {rise[0]}) to {sig(rise[2], 3)}, "
                f"while {word} held") if rise else ""
        return Diagnosis(
            "solved", "solved", f"{scores}, train loss {sig(train_loss, 4)}{late}",
            "nothing to fix: try the failure probe (no hidden activation) to compare",
        )
    return (_not_learning(losses, last, train_loss, scores, task, linear_model, no_hidden_layer, features)
            or _stuck(train_loss, train_accuracy, val_accuracy, scores, task, linear_model, features,
                      n_train, n_val, data_file, early_stop=regularized[2]))


def _broken(last, train_loss, nonfinite_where, unscaled, finished, train_accuracy, val_accuracy, task) -> Diagnosis | None:
    """The verdicts that come before any score: nan/inf, unscaled inputs, a blown-up model."""
    if nonfinite_where or not math.isfinite(last) or not math.isfinite(train_loss):
        return nonfinite(nonfinite_where)
    if unscaled is not None and finished and (train_accuracy if val_accuracy is None else val_accuracy) < task.solved_at:
        # before every other verdict: a saturated first layer looks like "not learning" or "stuck"
        name, low, high = unscaled
        return Diagnosis(
            "unscaled", "inputs not scaled",
            f"input {name} runs {sig(low, 4)} to {sig(high, 4)}: inputs this large saturate the first layer "
            "from the first step, so its gradients vanish",
            "standardize the inputs (leave out --no-standardize)",
        )
    if task.binary and train_loss > 5.0:  # BCELoss clamps each row at 100: only a blown-up model sits this high
        return Diagnosis(
            "saturated", "saturated (blown up)",
            f"outputs pinned at exactly 0 or 1 on the wrong side; train loss {sig(train_loss, 4)}",
            "lower the learning rate", ("lr_lower",),
        )
    return None


def _memorization(train_accuracy, val_accuracy, rise, scores, task, n_train, n_val, data_file,
                  regularized=(0.0, 0.0, False)) -> Diagnosis | None:
    """Training solved and validation lagging, by more than small sets vary by chance or with a
    validation loss that rose while the train loss fell. A run that does not fit its own training
    points is not memorizing, and one whose validation is solved generalizes."""
    if val_accuracy is None or val_accuracy >= task.solved_at:
        return None
    gap = MEMORIZATION_GAP if task.regress else memorization_gap(val_accuracy, n_train, n_val)
    big_gap = train_accuracy - val_accuracy >= gap
    if train_accuracy < task.solved_at:
        # Short of solved on its own rows, a gap of twice that is still memorization: diabetes at --l2 0
        # ends at train R² 0.68, validation 0.12; what it learned of its rows is their noise.
        if train_accuracy - val_accuracy < WIDE_GAP * gap:
            return None
        detail = (f"train {task.score_name} {fixed(train_accuracy, 2)} but validation {fixed(val_accuracy, 2)}: short of "
                  "solved on its training points too, yet far above new data: what it fits there is their noise")
    elif not (big_gap or (rise and val_accuracy < train_accuracy)):
        return None
    elif big_gap:
        detail = (f"train {task.score_name} {fixed(train_accuracy, 2)} but validation {fixed(val_accuracy, 2)}: "
                  "it fits its training points, not the pattern")
    else:
        detail = (f"validation loss rose from {fixed(rise[1], 3)} (step {rise[0]}) to {fixed(rise[2], 3)} "
                  f"while the train loss kept falling; {scores}")
    return Diagnosis("memorization", "solves training but not new data (memorization)", detail,
                     *_memorization_fix(data_file, *regularized))


def _memorization_fix(data_file: bool, l2: float, dropout: float, early_stop: bool) -> tuple[str, tuple[str, ...]]:
    """Memorization's fix and its remedies (core.doctor.advice) from what the run already has: L2 already
    on asks for a stronger one (and for early stopping where a file's run has it off), dropout alone
    for L2; nothing on, for either."""
    more = "train on more rows" if data_file else "give it more samples"
    data = () if data_file else ("samples",)
    if l2 > 0:
        stop = data_file and not early_stop  # early stopping watches a slice of a file's rows only
        return (f"regularize more (L2 is {short(l2)} already){', stop early' if stop else ''}, or {more}",
                ("l2_stronger", *(("early_stop",) if stop else ()), *data))
    if dropout > 0:
        return f"add L2 to the dropout, or {more}", ("l2", *data)
    if data_file:
        return "regularize, or train on more rows", ("regularize",)
    return "regularize the network or give it more samples", ("regularize", "samples")


def _not_learning(losses, last, train_loss, scores, task, linear_model, no_hidden_layer, features) -> Diagnosis | None:
    """Unsolved because the model cannot or does not learn: a linear model, a loss at chance, a flat curve."""
    grow, grow_fix = grow_words(linear_model, features), grow_remedies(linear_model, features)
    if linear_model and not curved(features):
        title, shape = _LINEAR_WORDS[task.kind]
        extra = features_words(features)
        return Diagnosis(
            "linear", title,
            f"{linear_why(no_hidden_layer)}, {shape} "
            f"in the input features; {scores}",
            ("add a hidden layer with a nonlinear activation" if no_hidden_layer else "add a nonlinear hidden activation")
            + " (tanh or relu)" + (f", or {extra}" if extra else ""),
            ("hidden_layer" if no_hidden_layer else "activation",) + (("features",) if extra else ()),
        )
    if task.binary and abs(train_loss - LN2) < 0.01:
        return near_half(f"train loss {fixed(train_loss, 4)}", linear_model, features)
    if task.kind == "classes" and abs(train_loss - math.log(task.classes)) < 0.01:
        return Diagnosis(
            "near_half", f"probabilities all near 1/{task.classes}",
            f"the model is not learning (train loss {fixed(train_loss, 4)}, ln {task.classes} = "
            f"{fixed(math.log(task.classes), 4)}: every class equally likely)",
            "train longer, inspect gradients, " + ("change hidden size" if not linear_model else grow), grow_fix,
        )
    if len(losses) > 1 and last >= losses[0] * 0.99:
        return not_decreasing(losses[0], last)
    return None


def _stuck(train_loss, train_accuracy, val_accuracy, scores, task, linear_model, features,
           n_train, n_val, data_file, early_stop: bool = False) -> Diagnosis:
    """Learning, but short of solved: with a validation set, whether it fits its own points.

    Under early stopping "train longer" is no advice: the run ended because more steps stopped helping
    its held-out rows (diabetes keeps step 20 of 220), so only more room is offered."""
    grow, grow_fix = grow_words(linear_model, features), grow_remedies(linear_model, features)
    longer = f"{grow} (early stopping kept its best step: more steps would not help)" if early_stop else \
        f"train longer or {grow}"
    solved_at = task.solved_at
    if val_accuracy is not None and train_accuracy < solved_at:
        return Diagnosis(
            "stuck", "not accurate enough (not memorization)",
            f"training ended with {scores} (solved means {fixed(solved_at, 2)}): it does not fit even "
            "its training points, so it is not memorizing them; with noisy data this may be near the best possible",
            *((f"if the file's labels are clean, {longer}", grow_fix) if data_file else
              (f"lower the noise or add samples; if the data is clean, {longer}", ("noise", "samples"))),
        )
    if val_accuracy is not None:
        return Diagnosis(
            "stuck", "not accurate enough on new data",
            f"training ended with {scores} (solved means {fixed(solved_at, 2)}): it fits its training "
            f"points; validation trails by less than sets of {n_train or '?'} and {n_val or '?'} points "
            "differ by chance",
            *(("more rows in the file would tell memorization from chance", ()) if data_file else
              ("add samples to tell memorization from chance; lower the noise if the data allow", ("samples",))),
        )
    return Diagnosis(
        "stuck", "stuck: not accurate enough",
        f"training ended with {scores} (solved means {fixed(solved_at, 2)}), train loss {sig(train_loss, 4)}",
        f"train longer, try another seed, {grow}" + ("" if linear_model or not features_words(features)
                                                     else " or " + features_words(features)),
        ("seed",),
    )
