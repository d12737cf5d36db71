"""What `lab` says about a --data file's run: its columns, labels and scaling, in text and in --json.

A file's run describes that file: its name, its input columns by name, how its labels became
classes, whether its inputs were standardized, and the plotted pair's axes in the file's units.
The lesson's neuron and four XOR rows are not part of it.
"""

from __future__ import annotations

import os

from neurotui.core.numbers import sig


def label_lines(d, config) -> list[str]:
    """The lines naming a file's columns, its classes and its scaling (lab prints them after data=)."""
    from neurotui.core.data.columns import describe_lines

    s = d.scaling
    return describe_lines(d.inputs, d.class_names, d.mapping, s is not None, s is not None and s.y_std is not None, config.l2,
                          config.features, d.pair)


def axes_words(d) -> str:
    """'x1 across (-0.3 to 1.2), x2 up (...)' in the file's own units, and the inputs held for a slice."""
    from neurotui.core.data.scaling import plane_units

    return plane_units(d).axes


def target_words(d, scale: float) -> tuple[str, str, str]:
    """A regression map's ends and middle in the file's units: (low, middle, high)."""
    s = d.scaling
    if s is None or s.y_std is None:
        return f"-{sig(scale, 4)}", "0", f"+{sig(scale, 4)}"
    return sig(s.file_y(-scale), 4), sig(s.file_y(0.0), 4), sig(s.file_y(scale), 4)


def file_json(result: dict, trainer, snap) -> None:
    """`lab --json` for a file: its name and columns in, the lesson's neuron and XOR rows out."""
    from neurotui.core.numbers import finite_or_none

    d = trainer.data
    for key in ("neuron", "rows", "probs", "preds"):
        result.pop(key, None)
    result["dataset"] = os.path.basename(d.name)
    result["config"]["dataset"] = None  # no named set: the file is the data
    result["final_loss"] = finite_or_none(snap.shown_loss)  # early_stop's final_loss_is says which loss
    result["inputs"] = list(d.inputs)
    result["label"] = d.label_name
    result["plot"] = [d.inputs[i] for i in d.pair]
    result["class_names"] = None if d.class_names is None else list(d.class_names)
    result["label_mapping"] = d.mapping
    result["standardized"] = d.scaling is not None
    result["scaling"] = None if d.scaling is None else d.scaling.as_dict(d.inputs)
    result["verdict"] = f"{snap.diagnosis.title}: {snap.diagnosis.detail}"
