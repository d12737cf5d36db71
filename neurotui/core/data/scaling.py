"""A data file's run: its columns read, split, and standardized by the training split.

Inputs in a file's own units (proline 300-1700 beside flavanoids 0-5) leave a tanh network's
first layer saturated and its gradients unequal; each input column is therefore scaled to mean 0
and standard deviation 1 *using the training rows only* (validation rows are new data: they get
the same transform, never their own). A regression's target is scaled the same way for training;
what is reported (loss, R², predictions) is turned back into the file's units. `--no-standardize`
trains on the numbers as read.
"""

from __future__ import annotations

from dataclasses import dataclass

from neurotui.core.numbers import sig

SPREAD_MIN = 1e-12  # a constant column keeps std 1: nothing to scale, and no division by zero


@dataclass(frozen=True)
class Scaling:
    """x_model = (x_file - mean) / std per input column; y likewise for a regression (else None)."""

    mean: tuple[float, ...]
    std: tuple[float, ...]
    y_mean: float | None = None
    y_std: float | None = None

    def as_dict(self, names) -> dict:
        out = {"inputs": {n: {"mean": m, "std": s} for n, m, s in zip(names, self.mean, self.std)}}
        if self.y_std is not None:
            out["target"] = {"mean": self.y_mean, "std": self.y_std}
        return out

    def file_x(self, value: float, column: int) -> float:
        """A model-space input value back in the file's units."""
        return self.mean[column] + self.std[column] * value

    def file_y(self, value: float) -> float:
        return value if self.y_std is None else self.y_mean + self.y_std * value

    @property
    def loss_factor(self) -> float:
        """MSE of standardized targets x this = MSE in the file's units (std² of the target)."""
        return 1.0 if self.y_std is None else self.y_std ** 2


@dataclass(frozen=True)
class PlaneUnits:
    """A file's picture read in the file's own units: the model trains on standardized numbers, but a
    learner reads the axes and a regression's colours against the columns as they are in the file."""

    axes: str  # 'bmi across (18 to 42.2), bp up (62 to 133); the other 8 inputs held at the training mean'
    short: str  # the same for a legend under a small picture: 'bmi 18..42.2 →, bp 62..133 ↑; 8 held at mean'
    target: tuple[float, float] | None = None  # a scaled regression target's (mean, std); None: as trained
    names: str = ""  # the pair by name alone, where even `short` would wrap: 'bmi →, bp ↑; 8 at mean'
    # a text-labelled file's classes by name, in class order ('setosa', 'versicolor', ...); None: numbered
    class_names: tuple[str, ...] | None = None

    def file_target(self, value: float) -> float:
        return value if self.target is None else self.target[0] + self.target[1] * value


def plane_units(data) -> PlaneUnits | None:
    """The plane of a --data file's run in the file's units; None for the lesson's and generated data."""
    if data.inputs is None or data.name in _named():
        return None
    s = data.scaling
    i, j = data.pair

    def ends(c):
        return (data.low, data.high) if s is None else (s.file_x(data.low, c), s.file_x(data.high, c))

    (a, b), (c, d) = ends(i), ends(j)
    axes = f"{data.inputs[i]} across ({sig(a, 4)} to {sig(b, 4)}), {data.inputs[j]} up ({sig(c, 4)} to {sig(d, 4)})"
    short = f"{data.inputs[i]} {sig(a, 3)}..{sig(b, 3)} →, {data.inputs[j]} {sig(c, 3)}..{sig(d, 3)} ↑"
    names = f"{data.inputs[i]} →, {data.inputs[j]} ↑"
    others = len(data.inputs) - 2
    if others > 0:
        axes += f"; the other {others} input{'s' if others > 1 else ''} held at the training mean"
        short += f"; {others} held at mean"
        names += f"; {others} at mean"
    return PlaneUnits(axes, short, None if s is None or s.y_std is None else (s.y_mean, s.y_std), names,
                      None if data.class_names is None else tuple(data.class_names))


def column_stats(x):
    """(mean, std) per column of x [n, K], std as the population's (divide by n), floored."""
    import torch

    mean = x.double().mean(0)
    std = x.double().std(0, unbiased=False) if len(x) > 1 else torch.ones_like(mean)
    std = torch.where(std > SPREAD_MIN, std, torch.ones_like(std))
    return mean, std


def dataset_of(run):
    """The Dataset of a run's facts (core.training.resolved.Resolved, whose `data` this is): a --data
    file's here, from the Table the run already read; a named set's from core.data.datasets."""
    from neurotui.core.data.datasets import load_dataset

    if run.config.data is None:
        return load_dataset(run.config, run.task, run.options)
    import torch

    return load_file(run, torch.Generator().manual_seed(run.config.data_seed))


def load_file(run, g):
    """The Dataset of a --data file: read, split (stratified, from the data seed), standardized."""
    import torch

    from neurotui.core.data.datasets import Dataset, grid_range
    from neurotui.core.data.split import stratified_split

    config, task, table, pair, val_split = run.config, run.task, run.table, run.pair, run.options["val_split"]
    x = torch.tensor(table.rows, dtype=torch.float32)  # the Table the run read: float32, as torch trains
    y = torch.tensor(table.labels, dtype=torch.float32)
    y = y.unsqueeze(1)
    if val_split:
        train_idx, val_idx = stratified_split(y.flatten(), val_split, g, task.classes)
        parts = [x[train_idx], y[train_idx], x[val_idx], y[val_idx]]
    else:
        parts = [x, y, None, None]
    scaling = None
    if config.standardize:
        mean, std = column_stats(parts[0])
        y_mean = y_std = None
        if task.regress:
            ym, ys = column_stats(parts[1])
            y_mean, y_std = float(ym[0]), float(ys[0])
        scaling = Scaling(tuple(mean.tolist()), tuple(std.tolist()), y_mean, y_std)
        for i in (0, 2):
            if parts[i] is not None:
                parts[i] = ((parts[i].double() - mean) / std).float()
        if task.regress:
            for i in (1, 3):
                if parts[i] is not None:
                    parts[i] = ((parts[i].double() - y_mean) / y_std).float()
    seen = parts[0] if parts[2] is None else torch.cat([parts[0], parts[2]])
    low, high = grid_range(seen[:, list(pair)])
    return Dataset(str(config.data), *parts, low, high, task, inputs=table.names, pair=pair, scaling=scaling,
                   class_names=table.class_names, mapping=table.mapping, label_name=table.label_name)


def describe_scaling(data) -> str | None:
    """The run's one line about its inputs' scale (lab, card, the app's status); None for generated data."""
    if data.name in _named():
        return None
    s = data.scaling
    if s is None:
        return "inputs as read (--no-standardize)"
    target = "; the target too (loss and R² reported in the file's units)" if s.y_std is not None else ""
    return f"inputs standardized by the training split's mean and std{target}"


UNSCALED_ABS = 10.0  # inputs beyond this (in absolute value) are "large": tanh(10 w) saturates at init's weights


def unscaled_input(data) -> tuple[str, float, float] | None:
    """(name, low, high) of a file's largest input column when it was left unscaled and is large."""
    if data.scaling is not None or data.inputs is None or data.name in _named():
        return None
    x = data.train_x
    low, high = x.min(0).values.tolist(), x.max(0).values.tolist()
    i = max(range(len(low)), key=lambda c: max(abs(low[c]), abs(high[c])))
    return (data.inputs[i], low[i], high[i]) if max(abs(low[i]), abs(high[i])) > UNSCALED_ABS else None


def _named() -> tuple[str, ...]:
    from neurotui.core.data.datasets import DATASETS

    return (*DATASETS, "xor")
