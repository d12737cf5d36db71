"""The classic PyTorch mistakes a learner can inject on purpose (`--bug NAME`, `B` in the app).

BUGS are the lesson's seven, each made on its four rows; TASK_BUGS the loss-pair mistakes of
K classes and regression, each refused (one line) on data of another task (`BUG_TASKS`).

Each bug is one realistic mistake in the lesson's script. The trainer makes
exactly that mistake (it really skips optimizer.step(), really hands BCELoss a
flat target ...), so what follows is PyTorch's own behaviour: a flat loss, a
ValueError, a broadcasting warning. The doctor never reads these names; it sees
only what the run showed. Pure Python: no torch import here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    name: str
    mistake: str  # the line a learner got wrong, in words
    effect: str  # what PyTorch then does (measured on torch 2.13, lesson seed)


BUGS: dict[str, Bug] = {
    b.name: b
    for b in (
        Bug("no-step", "optimizer.step() left out", "the loss never moves"),
        Bug("no-zero-grad", "optimizer.zero_grad() left out", "gradients pile up; the run blows up"),
        Bug("lr-high", "learning rate 100", "the outputs saturate at 0 or 1 (or go nan)"),
        Bug("lr-low", "learning rate 1e-5", "the loss barely falls"),
        Bug("target-shape", "target flattened to shape [4] with BCELoss",
            "ValueError: target size differs from input size"),
        Bug("broadcast-target", "target flattened to shape [4] with MSELoss",
            "a warning, then broadcasting to [4, 4]: every probability ends at 0.5"),
        Bug("no-output-sigmoid", "the final nn.Sigmoid() removed, BCELoss kept",
            "RuntimeError: BCELoss input should be between 0 and 1"),
    )
}
BUG_ORDER: tuple[str, ...] = tuple(BUGS)

# The loss-pair mistakes beyond two classes (core.model.task): each needs its own task's data.
TASK_BUGS: dict[str, Bug] = {
    b.name: b
    for b in (
        Bug("softmax-before-ce", "nn.Softmax(dim=1) at the end of a model trained with nn.CrossEntropyLoss",
            "the loss cannot fall below -ln(e / (e + K - 1)), however accurate the model gets"),
        Bug("sigmoid-for-regression", "nn.Sigmoid() on a regression output trained with nn.MSELoss",
            "predictions stay in (0, 1), so targets outside it are never reached and the loss floors"),
    )
}
TASK_BUG_ORDER: tuple[str, ...] = tuple(TASK_BUGS)
ALL_BUGS: dict[str, Bug] = {**BUGS, **TASK_BUGS}
ALL_BUG_ORDER: tuple[str, ...] = BUG_ORDER + TASK_BUG_ORDER
# The task each bug's mistake needs (core.model.task kinds); a bug not named here fits every task.
BUG_TASKS = {
    "target-shape": "binary", "broadcast-target": "binary", "no-output-sigmoid": "binary",
    "softmax-before-ce": "classes", "sigmoid-for-regression": "regress",
}
_TASK_WORDS = {"binary": "two classes (the lesson's sigmoid and BCELoss)", "classes": "three or more classes",
               "regress": "a regression dataset"}

# The learning rate each lr bug forces, whatever --lr says: the bug is the mistake.
BUG_LR = {"lr-high": 100.0, "lr-low": 1e-5}


def check_bug(name: str | None) -> str | None:
    """The canonical bug name, None for no bug ('' or 'none'), or ConfigError."""
    if name is None:
        return None
    key = str(name).strip().lower().replace("_", "-")
    if key in ("", "none"):
        return None
    if key not in ALL_BUGS:
        from neurotui.core.errors import ConfigError

        raise ConfigError(f"unknown bug {name!r} (choose from {', '.join(ALL_BUG_ORDER)})")
    return key


@dataclass(frozen=True)
class Mistakes:
    """How a config's bug changes the training program; the trainer reads only this."""

    lr: float
    flat_target: bool = False  # target shape [4] instead of [4, 1]
    mse_loss: bool = False  # nn.MSELoss instead of nn.BCELoss
    output_sigmoid: bool = True
    zero_grad: bool = True
    step: bool = True


def mistakes(config) -> Mistakes:
    bug = getattr(config, "bug", None)
    return Mistakes(
        lr=BUG_LR.get(bug, config.lr),
        flat_target=bug in ("target-shape", "broadcast-target"),
        mse_loss=bug == "broadcast-target",
        output_sigmoid=bug != "no-output-sigmoid",
        zero_grad=bug != "no-zero-grad",
        step=bug != "no-step",
    )


def bug_fits(name: str | None, task_kind: str) -> bool:
    return name is None or BUG_TASKS.get(name, task_kind) == task_kind


def check_bug_task(name: str | None, task_kind: str) -> None:
    """ConfigError (one line) when the bug's mistake cannot be made in this task."""
    if not bug_fits(name, task_kind):
        from neurotui.core.errors import ConfigError

        raise ConfigError(f"--bug {name} needs {_TASK_WORDS[BUG_TASKS[name]]}; this data has "
                          f"{_TASK_WORDS[task_kind].split(' (')[0]}")


def next_bug(name: str | None, task_kind: str = "binary") -> str | None:
    """None -> first bug -> ... -> last bug -> None (for a cycling key), skipping bugs the task cannot make."""
    order = (None, *(b for b in ALL_BUG_ORDER if bug_fits(b, task_kind)))
    if name not in order:
        return None
    return order[(order.index(name) + 1) % len(order)]
