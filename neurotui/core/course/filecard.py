"""The evidence card of a --data file's run: that file's task, output layer, loss, columns, scaling
and figures, never the lesson's XOR rows (core.course.card writes the lesson's card)."""

from __future__ import annotations

from neurotui.core.model.activations import get_activation
from neurotui.core.model.config import layer_sizes, shape_of
from neurotui.core.numbers import cell, finite_or_none, short, sig

OUTPUT_WORDS = {
    "binary": ("Sigmoid (probability of class 1)", "BCELoss"),
    "classes": ("none: K class scores (CrossEntropyLoss applies log-softmax itself)", "CrossEntropyLoss"),
    "regress": ("none: a linear output (the predicted number)", "MSELoss"),
}


def file_card_markdown(run, snapshot, probe=None, *, ascii: bool = False, extra: str = "") -> str:
    """The card of a --data file's run: its settings, figures and verdict, the failure probe beside it
    if one ran, and the prediction over two inputs. `run`: the run's Resolved (the trainer's `facts`),
    or its XorConfig, resolved here: nothing is decided twice."""
    from neurotui.core.training.resolved import resolve

    facts = resolve(run)
    out = _run_section(facts, snapshot)
    if probe is not None:
        out += _probe_section(facts.task, snapshot, probe)
    if snapshot.boundary:
        out += _picture_section(facts, snapshot, ascii)
    if extra:
        out.append(extra)
    return "\n".join(out)


def _run_section(facts, snapshot) -> list[str]:
    """The title, ## Run (settings and figures), the command that reproduces it, the columns and
    scaling as lab prints them, and the diagnosis."""
    from neurotui.core.data.columns import describe_lines

    config, d, task = facts.config, facts.data, facts.task
    output, loss_name = OUTPUT_WORDS[task.kind]
    act = get_activation(config.activation)
    hidden = "no hidden layer" if config.layers == 0 else "no hidden activation" if act.linear else f"{act.label} hidden"
    score, train_score, val_score = _score(task, snapshot)
    factor = d.scaling.loss_factor if d.scaling is not None else 1.0
    diag = snapshot.diagnosis
    reproduce = " ".join(p for p in ("neurotui lab", config.cli_args()) if p)
    what = {"binary": "two classes", "classes": f"{task.classes} classes", "regress": "regression"}[task.kind]
    return [
        "# neurotui result card: your data file", "",
        f"One run of a small MLP on `{config.data}` ({what}).", "",
        "## Run", "", "| setting | value |", "|---|---|",
        f"| data | `{config.data}`: {d.n_train} train / {d.n_val} validation rows |",
        f"| inputs | {len(d.inputs)}: {', '.join(d.inputs)} |",
        f"| label | {d.label_name}" + (f" ({', '.join(f'{i}={n}' for i, n in enumerate(d.class_names))})"
                                      if d.class_names else "") + " |",
        f"| task | {task.kind} |",
        f"| network | {shape_of(layer_sizes(config, facts))} ({hidden}) |",
        f"| output layer | {output} |",
        f"| loss | {loss_name} |",
        f"| optimizer | {'Adam' if config.optimizer == 'adam' else 'SGD'}, lr {short(config.lr)} |",
        f"| steps | {snapshot.step} of {snapshot.total} |",
        *([f"| early stopping | {snapshot.stopping.line().removeprefix('early_stop= ')} |"]
          if snapshot.stopping is not None else []),
        f"| seed | {config.seed} (data seed {config.data_seed}) |",
        f"| final loss | {cell(finite_or_none(snapshot.shown_loss), 4)}" + _loss_words(snapshot, factor) + " |",
        f"| {score} | train {cell(finite_or_none(train_score), 3)}, validation {cell(finite_or_none(val_score), 3)} |",
        f"| loss on the whole sets | train {cell(finite_or_none(snapshot.train_loss), 4)}, validation {cell(finite_or_none(snapshot.val_loss), 4)} |",
        "", f"Reproduce: `{reproduce}`", "", "```",
        *describe_lines(d.inputs, d.class_names, d.mapping, d.scaling is not None,
                        d.scaling is not None and d.scaling.y_std is not None, config.l2, config.features, d.pair),
        "```", "",
        f"Diagnosis: **{diag.title}**: {diag.detail}" + (f". Fix: {diag.fix}." if diag.fix else ""), "",
    ]


def _loss_words(snapshot, factor: float) -> str:
    """What the final loss row's number is: the file's units, and the kept weights' where early stopping
    restored them (else the last step's)."""
    words = (["file's units"] if factor != 1.0 else []) + (
        [f"the kept weights of step {snapshot.stopping.best_step}, on the training rows"] if snapshot.kept_weights else [])
    return f" ({'; '.join(words)})" if words else ""


def _score(task, snapshot) -> tuple[str, float | None, float | None]:
    """The task's score by name (R² for a regression, else accuracy), on the training and validation rows."""
    if task.regress:
        return "R²", snapshot.train_r2, snapshot.val_r2
    return "accuracy", snapshot.train_accuracy, snapshot.val_accuracy


def _probe_section(task, snapshot, probe) -> list[str]:
    """## Failure probe: the run's score beside the probe's, on validation (train without a split)."""
    p_key = "val_r2" if task.regress else "val_accuracy"
    if getattr(probe, p_key) is None:
        p_key = p_key.replace("val_", "train_")
    return ["## Failure probe", "", "Same config and seed, hidden activation changed:", "",
            f"| run | {_score(task, snapshot)[0]} | diagnosis |", "|---|---|---|",
            f"| this run | {cell(finite_or_none(getattr(snapshot, p_key)), 3)} | {snapshot.diagnosis.title} |",
            f"| probe | {cell(finite_or_none(getattr(probe, p_key)), 3)} | {probe.diagnosis.title} |", ""]


def _picture_section(facts, snapshot, ascii: bool) -> list[str]:
    """## Prediction over two inputs: the plotted pair's ranges in the file's units, and the map."""
    from neurotui.core.model.boundary import render, render_task

    d, task = facts.data, facts.task
    i, j = d.pair
    s = d.scaling

    def span(c):
        a, b = (d.low, d.high) if s is None else (s.file_x(d.low, c), s.file_x(d.high, c))
        return f"{sig(a, 4)} to {sig(b, 4)}"

    others = len(d.inputs) - 2
    held = f"; the other {others} input{'s' if others > 1 else ''} held at the training mean" if others > 0 else ""
    out = ["## Prediction over two inputs", "",
           f"{d.inputs[i]} across ({span(i)}), {d.inputs[j]} up ({span(j)}), in the file's units{held}.", "",
           "```"]
    if task.binary:
        lines = render(snapshot.boundary, ascii=ascii, points=d.points(), low=d.low, high=d.high)
    else:
        lines = render_task(snapshot.boundary, None if task.regress else task.classes,
                            scale=float(d.train_y.abs().max()) if task.regress else None,
                            points=d.points(), low=d.low, high=d.high)
    return out + [f"|{line}|" for line in lines] + ["```", ""]
