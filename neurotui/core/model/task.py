"""What a run predicts, and the output layer and loss that pair with it: the one place they are chosen.

Three tasks, each with its classic pair:

- binary (the lesson): one output unit, nn.Sigmoid, nn.BCELoss; labels 0/1 as floats [n, 1];
- classes (K >= 3): K raw scores ("logits") and nn.CrossEntropyLoss, which applies log-softmax
  itself, so the model has no softmax layer; labels are class indices [n] (long). Probabilities
  come from softmax only when they are shown;
- regress: one linear output (no activation) and nn.MSELoss; labels are numbers [n, 1].

`task_of(config)` says which a config trains; `output_layers`, `loss_module` and `loss_targets`
build that pair (the Trainer, the script export and the sweep's seed-by-seed path all call these);
`evaluate` measures a model the way its loss sees it (loss, and accuracy or R²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from neurotui.core.errors import ConfigError
from neurotui.core.numbers import short

BINARY, CLASSES, REGRESS = "binary", "classes", "regress"
CLASSES_MIN, CLASSES_MAX = 2, 6  # --classes K for spiral and gauss; a CSV's class labels 0..5
TASK_CHOICES = ("classify", "regress")  # --task, for a --data file
SOLVED_ACCURACY = 0.95  # classes (and binary off the lesson's rows): validation accuracy, or train without one
SOLVED_R2 = 0.9  # regression: validation R², or train without one


@dataclass(frozen=True)
class Task:
    kind: str  # BINARY | CLASSES | REGRESS
    classes: int | None  # 2 for binary, K for classes, None for regression

    @property
    def outputs(self) -> int:
        """Units of the last nn.Linear: K scores for K classes, else one."""
        return self.classes if self.kind == CLASSES else 1

    @property
    def binary(self) -> bool:
        return self.kind == BINARY

    @property
    def regress(self) -> bool:
        return self.kind == REGRESS

    @property
    def loss_name(self) -> str:
        """How the loss plot and the status line name the loss."""
        return {BINARY: "BCE", CLASSES: "CrossEntropy", REGRESS: "MSE"}[self.kind]

    @property
    def score_name(self) -> str:
        """What "how good" means: accuracy for classes, R² for regression."""
        return "R²" if self.regress else "accuracy"

    @property
    def solved_at(self) -> float:
        return SOLVED_R2 if self.regress else SOLVED_ACCURACY


BINARY_TASK = Task(BINARY, 2)
REGRESS_TASK = Task(REGRESS, None)


def classes_task(k: int) -> Task:
    return BINARY_TASK if k <= 2 else Task(CLASSES, k)


# Named datasets whose task is fixed; the rest are binary unless --classes K says otherwise.
FIXED_TASKS = {"spiral3": classes_task(3), "reg-plane": REGRESS_TASK, "reg-gauss": REGRESS_TASK}
MULTICLASS_DATASETS = ("spiral", "gauss")  # --classes K draws K arms or K blobs


def task_of(config) -> Task:
    """The task a (validated) config trains: from its dataset, --classes, or its CSV's labels and --task."""
    if getattr(config, "data", None) is not None:
        from neurotui.core.data.csvfile import csv_labels

        forced = getattr(config, "task", None)
        return labels_task(csv_labels(config.data, getattr(config, "label", None), forced), forced, str(config.data))
    if config.dataset in FIXED_TASKS:
        return FIXED_TASKS[config.dataset]
    return classes_task(getattr(config, "classes", None) or 2)


def checked_task_options(config, dataset: str, data) -> tuple[int | None, str | None]:
    """--classes K (spiral, gauss) and --task (a --data file), normalised: K = 2 is the default, None."""
    classes = getattr(config, "classes", None)
    if classes is not None:
        if isinstance(classes, bool) or not isinstance(classes, int) or not CLASSES_MIN <= classes <= CLASSES_MAX:
            raise ConfigError(f"classes must be {CLASSES_MIN}-{CLASSES_MAX}, got {classes}")
        if data is not None or dataset not in MULTICLASS_DATASETS:
            what = "your data file (its labels say)" if data is not None else dataset
            raise ConfigError(f"--classes applies to {' and '.join(MULTICLASS_DATASETS)}, not to {what}")
        classes = None if classes == 2 else classes
    task = getattr(config, "task", None)
    if task is not None:
        task = str(task).strip().lower()
        if task not in TASK_CHOICES:
            raise ConfigError(f"unknown task {config.task!r} (choose from {', '.join(TASK_CHOICES)})")
        if data is None:
            raise ConfigError("--task applies to a --data file (a named dataset has its own task)")
    return classes, task


def labels_task(labels, forced: str | None = None, name: str = "data") -> Task:
    """A CSV's labels: all integers 0..K-1 give K classes (0/1: the lesson's binary task), any
    fractional label regression. `forced` ('classify' or 'regress') overrides; ConfigError if it cannot."""
    integral = all(float(v).is_integer() for v in labels)
    if forced == "regress" or (forced is None and not integral):
        return REGRESS_TASK
    where = f"data file {name!r}"
    if not integral:
        bad = next(v for v in labels if not float(v).is_integer())
        raise ConfigError(f"{where}: --task classify needs integer class labels, got {short(bad)}")
    low, high = min(labels), max(labels)
    if low < 0 or high > CLASSES_MAX - 1:
        hint = ("; if it is a number to predict, add --task regress" if forced is None else "")
        raise ConfigError(f"{where}: class labels must be 0-{CLASSES_MAX - 1} ({CLASSES_MAX} classes at most), "
                          f"got {len(set(labels))} different integers {short(low)}..{short(high)}{hint}")
    k = max(int(high) + 1, 2)
    missing = sorted(set(range(k)) - {int(v) for v in labels})
    if missing:
        raise ConfigError(f"{where}: class {missing[0]} has no rows (labels must be 0..K-1, each used)")
    return classes_task(k)


def output_layers(task: Task, bug: str | None) -> list:
    """The modules after the last nn.Linear: the pair's output activation, or a bug's wrong one."""
    import torch.nn as nn

    if task.binary:
        return [] if bug == "no-output-sigmoid" else [nn.Sigmoid()]
    if task.kind == CLASSES:
        # the mistake: probabilities handed to a loss that applies log-softmax itself
        return [nn.Softmax(dim=1)] if bug == "softmax-before-ce" else []
    return [nn.Sigmoid()] if bug == "sigmoid-for-regression" else []  # the mistake: a squashed output


def loss_module(task: Task, mse_on_labels: bool = False):
    """The loss that pairs with `task` (nn.MSELoss where a bug puts it on binary labels)."""
    import torch.nn as nn

    if task.binary:
        return nn.MSELoss() if mse_on_labels else nn.BCELoss()
    return nn.CrossEntropyLoss() if task.kind == CLASSES else nn.MSELoss()


def loss_targets(task: Task, y):
    """Labels [n, 1] (floats, as a Dataset keeps them) in the form the loss takes: class indices [n] for CE."""
    return y.reshape(-1).long() if task.kind == CLASSES else y


def evaluate(model, x, y, task: Task = BINARY_TASK):
    """(loss, score) of `model` on x, y [n, 1] as two 0-d tensors (no host sync); score is the count of
    rows classified right (exact in float32 up to 2**24 rows: divide on the host, `accuracy_of`, so
    114 of 120 is 0.95 and not float32's 0.94999999), or R² for regression. A diverged model is
    measured as nan, never raised on."""
    import torch

    with torch.no_grad():
        out = model(x)
        loss = _loss_of_output(out, y, task)
        if task.binary:
            score = ((out >= 0.5).to(y.dtype) == y).to(torch.float32).sum()
        elif task.kind == CLASSES:
            score = (out.argmax(1) == y.reshape(-1).long()).to(torch.float32).sum()
        else:
            score = r_squared(out, y)
    return loss, score


def evaluate_loss(model, x, y, task: Task = BINARY_TASK):
    """`evaluate`'s loss alone, the same number: what the train/validation curve and the blow-up
    check read, every few steps of a run, without the score's ops. `model`: any callable."""
    import torch

    with torch.no_grad():
        return _loss_of_output(model(x), y, task)


def _loss_of_output(out, y, task: Task):
    import torch.nn.functional as F

    if task.binary:
        # BCELoss's formula, log clamped at -100 as it does, written out because F.binary_cross_entropy
        # raises on a NaN probability, and a diverged run must still be measured (as nan).
        return -(y * out.log().clamp(min=-100) + (1 - y) * (1 - out).log().clamp(min=-100)).mean()
    if task.kind == CLASSES:
        return F.cross_entropy(out, y.reshape(-1).long())
    return F.mse_loss(out, y)


def accuracy_of(correct: float, total: int) -> float:
    """correct / total from whole counts, in Python's float64: a count at exactly a threshold's
    fraction (114/120 = 0.95) compares equal to it, as float32's mean does not."""
    return int(round(correct)) / total if total else math.nan


def r_squared(pred, y):
    """1 - residual sum of squares / total sum of squares (a 0-d tensor); 1 is perfect, 0 the mean's."""
    ss_res = ((pred - y) ** 2).sum()
    ss_tot = ((y - y.mean()) ** 2).sum()
    return 1 - ss_res / ss_tot.clamp(min=1e-12)


def shown(out, task: Task):
    """Model outputs [n, units] -> (value [n], class [n]) for the screen: binary p(y=1) and p >= 0.5;
    classes the winning class's softmax probability and the class; regression the prediction and 0."""
    import torch

    if task.kind == CLASSES:
        probs = torch.softmax(out, dim=1)
        conf, cls = probs.max(1)
        return conf, cls
    value = out.reshape(-1)
    return value, (value >= 0.5).long() if task.binary else torch.zeros_like(value, dtype=torch.long)


def confusion(model, x, y, task: Task) -> list[list[int]]:
    """K x K counts: row = the true class, column = the predicted one (empty for regression)."""
    import torch

    if task.regress:
        return []
    with torch.no_grad():
        out = model(x)
        pred = out.argmax(1) if task.kind == CLASSES else (out.reshape(-1) >= 0.5).long()
    k = task.classes
    true = y.reshape(-1).long()
    counts = torch.bincount(true * k + pred, minlength=k * k).reshape(k, k)
    return counts.tolist()


def output_symptoms(model, x, y) -> dict:
    """What the loss is handed on x, for the doctor's loss-pair checks (core.doctor.symptoms): the
    range of the outputs and targets, and whether every row of K scores already sums to 1."""
    import torch

    with torch.no_grad():
        out = model(x)
        sums_to_one = bool(((out >= 0) & (out <= 1)).all() and ((out.sum(1) - 1).abs() < 1e-4).all())
        return {"out_low": float(out.min()), "out_high": float(out.max()),
                "target_low": float(y.min()), "target_high": float(y.max()),
                "outside_unit": float(((y < 0) | (y > 1)).float().mean()),
                "scores_are_probabilities": sums_to_one and out.shape[1] > 1}


def ce_floor(k: int) -> float:
    """The lowest CrossEntropyLoss of scores that are probabilities: -ln(e / (e + K - 1))."""
    return -math.log(math.e / (math.e + k - 1))
