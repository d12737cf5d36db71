"""A trained file's model kept on disk, and used again on new rows (`lab --save`, `neurotui predict`).

The file holds what a prediction needs and nothing that must be trusted to run: plain numbers,
lists and tensors (loaded with `torch.load(weights_only=True)`): each nn.Linear's weight and bias,
the hidden activation, the task, the input columns by name, the training split's standardization
and the class names. A new file's columns are matched by name, scaled with the *training* mean and
std, and run through the same layers.
"""

from __future__ import annotations

from neurotui.core.errors import ConfigError
from neurotui.core.numbers import fixed, sig

FORMAT = "neurotui-model-1"


class ModelFileError(ConfigError):
    """A model file that cannot be used; one line."""


def model_record(trainer) -> dict:
    import torch.nn as nn

    d, task, config = trainer.data, trainer.task, trainer.config
    s = d.scaling
    linears = [m for m in trainer.model if isinstance(m, nn.Linear)]
    return {
        "format": FORMAT,
        "weights": [m.weight.detach().cpu().clone() for m in linears],
        "biases": [m.bias.detach().cpu().clone() for m in linears],
        "activation": config.activation, "task": task.kind, "classes": task.classes,
        "inputs": list(d.inputs), "label": d.label_name,
        "class_names": None if d.class_names is None else list(d.class_names),
        "mapping": d.mapping,
        "mean": None if s is None else list(s.mean), "std": None if s is None else list(s.std),
        "y_mean": None if s is None else s.y_mean, "y_std": None if s is None else s.y_std,
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.as_dict().items()},
        # early stopping's kept weights are the ones above (Trainer restores them at the run's end)
        "early_stop": None if trainer.early is None else trainer.early.report().as_dict(),
    }


def save_model(trainer, path) -> None:
    import torch

    if trainer.config.data is None:
        raise ConfigError("--save keeps a --data file's model (the lesson's runs have --card and --script)")
    if trainer.task.binary and trainer.mistakes.mse_loss or trainer.config.bug:
        raise ConfigError("--save keeps a model trained without --bug")
    try:
        torch.save(model_record(trainer), path)
    except OSError as exc:
        raise ConfigError(f"cannot write model file {str(path)!r}: {(exc.strerror or str(exc)).lower()}") from None


def load_model(path) -> dict:
    import os

    import torch

    name = repr(str(path))
    if not os.path.isfile(path):
        raise ModelFileError(f"model file {name} does not exist" if not os.path.exists(path)
                             else f"model file {name} is not a file")
    try:
        record = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 (a file that is not torch's raises whatever its bytes lead the unpickler to)
        raise ModelFileError(f"model file {name} is not a neurotui model (torch.load refused it: "
                             f"{type(exc).__name__})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ModelFileError(f"model file {name} is not a neurotui model (written by `neurotui lab --data F --save`)")
    return record


def network(record: dict):
    """nn.Sequential of the record's layers: Linear, activation, ..., Linear, the task's output."""
    import torch.nn as nn

    from neurotui.core.model.activations import get_activation
    from neurotui.core.model.task import Task, output_layers

    act = get_activation(record["activation"])
    layers = []
    n = len(record["weights"])
    for i, (w, b) in enumerate(zip(record["weights"], record["biases"])):
        lin = nn.Linear(w.shape[1], w.shape[0])
        lin.weight.data.copy_(w)
        lin.bias.data.copy_(b)
        layers.append(lin)
        layers += [act.module()] if i < n - 1 else output_layers(Task(record["task"], record["classes"]), None)
    return nn.Sequential(*layers).eval()


def predict_rows(record: dict, rows) -> list[str]:
    """One line per row: 'class probability' (the class's name where it has one) or the value."""
    import torch

    x = torch.tensor(rows, dtype=torch.float32)
    if record["mean"] is not None:
        mean, std = torch.tensor(record["mean"], dtype=torch.float64), torch.tensor(record["std"], dtype=torch.float64)
        x = ((x.double() - mean) / std).float()
    with torch.no_grad():
        out = network(record)(x)
    kind = record["task"]
    if kind == "regress":
        values = out.reshape(-1).double()
        if record["y_std"] is not None:
            values = values * record["y_std"] + record["y_mean"]
        return [sig(v, 6) for v in values.tolist()]
    if kind == "binary":
        p1 = out.reshape(-1)
        cls = (p1 >= 0.5).long()
        probs = torch.where(cls == 1, p1, 1 - p1)
    else:
        probs, cls = torch.softmax(out, dim=1).max(1)
    return [f"{file_label(record, c)} {fixed(p, 4)}" for c, p in zip(cls.tolist(), probs.tolist())]


def file_label(record: dict, c: int) -> str:
    """Class index -> the label as the file wrote it: its name, -1/+1, or 1..K (core.data.columns)."""
    mapping = record.get("mapping") or ""
    if record["class_names"]:
        return record["class_names"][c]
    if mapping.startswith("-1"):
        return "-1" if c == 0 else "1"
    return str(c + 1) if mapping else str(c)
