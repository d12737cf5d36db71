"""The evidence card of a --data file's run: that file's task, output layer, loss, columns, scaling
and figures, never the lesson's XOR rows (core.course.card writes the lesson's card)."""

from __future__ import annotations

from neurotui.core.model.activations import get_activation
from neurotui.core.numbers import cell, finite_or_none

OUTPUT_WORDS = {
    "binary": ("Sigmoid (probability of class 1)", "BCELoss"),
    "classes": ("none: K class scores (CrossEntropyLoss applies log-softmax itself)", "CrossEntropyLoss"),
    "regress": ("none: a linear output (the predicted number)", "MSELoss"),
}


def file_card_markdown(config, snapshot, probe=None, *, ascii: bool = False, extra: str = "") -> str:
    """`config`: the run's XorConfig or, better, its resolved facts (the trainer's `facts`): nothing is decided twice."""
    from neurotui.core.data.columns import describe_lines
    from neurotui.core.model.boundary import render, render_task
    from neurotui.core.training.resolved import resolve

    facts = resolve(config)
    config, d, task = facts.config, facts.data, facts.task
    output, loss_name = OUTPUT_WORDS[task.kind]
    act = get_activation(config.activation)
    hidden = "no hidden layer" if config.layers == 0 else "no hidden activation" if act.linear else f"{act.label} hidden"
    key, score = ("r2", "R²") if task.regress else ("accuracy", "accuracy")
    factor = d.scaling.loss_factor if d.scaling is not None else 1.0
    final = snapshot.loss * factor
    diag = snapshot.diagnosis
    reproduce = " ".join(p for p in ("neurotui lab", config.cli_args()) if p)
    what = {"binary": "two classes", "classes": f"{task.classes} classes", "regress": "regression"}[task.kind]
    out = [
        "# neurotui result card: your data file", "",
        f"One run of a small MLP on `{config.data}` ({what}).", "",
        "## Run", "", "| setting | value |", "|---|---|",
        f"| data | `{config.data}`: {d.n_train} train / {d.n_val} validation rows |",
        f"| inputs | {len(d.inputs)}: {', '.join(d.inputs)} |",
        f"| label | {d.label_name}" + (f" ({', '.join(f'{i}={n}' for i, n in enumerate(d.class_names))})"
                                      if d.class_names else "") + " |",
        f"| task | {task.kind} |",
        f"| network | {config.shape} ({hidden}) |",
        f"| output layer | {output} |",
        f"| loss | {loss_name} |",
        f"| optimizer | {'Adam' if config.optimizer == 'adam' else 'SGD'}, lr {config.lr:g} |",
        f"| steps | {snapshot.step} of {snapshot.total} |",
        *([f"| early stopping | {snapshot.stopping.line().removeprefix('early_stop= ')} |"]
          if snapshot.stopping is not None else []),
        f"| seed | {config.seed} (data seed {config.data_seed}) |",
        f"| final loss | {cell(finite_or_none(final), 4)}" + (" (file's units)" if factor != 1.0 else "") + " |",
        f"| {score} | train {cell(finite_or_none(snapshot.train_accuracy if key == 'accuracy' else snapshot.train_r2), 3)}, "
        f"validation {cell(finite_or_none(snapshot.val_accuracy if key == 'accuracy' else snapshot.val_r2), 3)} |",
        f"| loss on the whole sets | train {cell(finite_or_none(snapshot.train_loss), 4)}, validation {cell(finite_or_none(snapshot.val_loss), 4)} |",
        "", f"Reproduce: `{reproduce}`", "", "```",
        *describe_lines(d.inputs, d.class_names, d.mapping, d.scaling is not None,
                        d.scaling is not None and d.scaling.y_std is not None, config.l2, config.features, d.pair),
        "```", "",
        f"Diagnosis: **{diag.title}**: {diag.detail}" + (f". Fix: {diag.fix}." if diag.fix else ""), "",
    ]
    if probe is not None:
        p_key = "val_r2" if task.regress else "val_accuracy"
        if getattr(probe, p_key) is None:
            p_key = p_key.replace("val_", "train_")
        out += ["## Failure probe", "", "Same config and seed, hidden activation changed:", "",
                f"| run | {score} | diagnosis |", "|---|---|---|",
                f"| this run | {cell(finite_or_none(getattr(snapshot, p_key)), 3)} | {diag.title} |",
                f"| probe | {cell(finite_or_none(getattr(probe, p_key)), 3)} | {probe.diagnosis.title} |", ""]
    if snapshot.boundary:
        i, j = d.pair
        s = d.scaling

        def span(c):
            a, b = (d.low, d.high) if s is None else (s.file_x(d.low, c), s.file_x(d.high, c))
            return f"{a:.4g} to {b:.4g}"

        others = len(d.inputs) - 2
        held = f"; the other {others} input{'s' if others > 1 else ''} held at the training mean" if others > 0 else ""
        out += ["## Prediction over two inputs", "",
                f"{d.inputs[i]} across ({span(i)}), {d.inputs[j]} up ({span(j)}), in the file's units{held}.", "",
                "```"]
        if task.binary:
            lines = render(snapshot.boundary, ascii=ascii, points=d.points(), low=d.low, high=d.high)
        else:
            lines = render_task(snapshot.boundary, None if task.regress else task.classes,
                                scale=float(d.train_y.abs().max()) if task.regress else None,
                                points=d.points(), low=d.low, high=d.high)
        out += [f"|{line}|" for line in lines] + ["```", ""]
    if extra:
        out.append(extra)
    return "\n".join(out)
