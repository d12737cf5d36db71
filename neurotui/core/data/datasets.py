"""The data a run trains on: the lesson's XOR rows, generated 2-D sets, or a CSV file.

Every set is two input columns (x1, x2) and a label: 0/1 for the lesson's binary task, a class
0..K-1 for K classes (spiral3, --classes K), a number for regression (reg-plane, reg-gauss; see
core.model.task for which loss each gets). Generated sets come from
their own `torch.Generator` seeded with the *data* seed, never the init seed, so a
new init seed trains a new network on the same points. The train/validation split
is stratified (each class split in the same proportion) and drawn from that same
generator. Torch is imported inside functions: XorConfig validation uses the
checks here before the UI has imported torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from neurotui.core.data.csvfile import (
    SAMPLES_MAX,
    SAMPLES_MIN,
    checked_file_options,
    csv_table,
)
from neurotui.core.data.split import _check_split, stratified_split, validation_rows
from neurotui.core.errors import ConfigError
from neurotui.core.lesson import XOR_X, XOR_Y
from neurotui.core.numbers import short, thousands

BINARY_DATASETS = ("xor", "xor-noisy", "circle", "gauss", "spiral", "moons")
DATASETS = BINARY_DATASETS + ("spiral3", "reg-plane", "reg-gauss")
# Noise is the standard deviation of Gaussian jitter, in input units; gauss's is the blobs' spread;
# spiral3's is the case study's jitter of each point's angle (radians); a regression set's is
# Playground's: the point where the label is computed moves by up to noise x the plane's half-width.
DEFAULT_NOISE = {"xor-noisy": 0.2, "circle": 0.05, "gauss": 0.35, "spiral": 0.03, "moons": 0.1,
                 "spiral3": 0.2, "reg-plane": 0.0, "reg-gauss": 0.0}
DESCRIPTIONS = {
    "xor": "the lesson's four rows",
    "xor-noisy": "clouds around the lesson's four corners, labelled by XOR",
    "circle": "a disc (1) inside a ring (0)",
    "gauss": "two Gaussian blobs",
    "spiral": "two interleaved spiral arms",
    "moons": "two interleaved half-moons",
    "spiral3": "CS231n's three spiral arms (three classes)",
    "reg-plane": "regression: a tilted plane, y = (x1 + x2) / 10 on Playground's scale",
    "reg-gauss": "regression: six signed Gaussian-like bumps",
}
# Points per set when --samples is not given: the case study's 100 per class for spiral3, and
# Playground's 1200 for its regression sets (a surface needs more points than a boundary).
DEFAULT_SAMPLES_OF = {"spiral3": 300, "reg-plane": 1200, "reg-gauss": 1200}
# The XorConfig fields this module owns (the rest are the model's).
OPTION_FIELDS = ("dataset", "data", "data_seed", "samples", "noise", "val_split", "batch", "l2", "l1", "dropout",
                 "features", "classes", "task", "label", "plot", "standardize", "early_stop")
FEATURES = ("x1", "x2", "x1x2", "x1sq", "x2sq", "sinx1", "sinx2")
DEFAULT_FEATURES = ("x1", "x2")
DEFAULT_SAMPLES = 200
DEFAULT_VAL_SPLIT = 0.3  # generated sets and CSV files; the lesson's xor has none
SEED_MAX = 2**63 - 1
LESSON_RANGE = (-0.25, 1.25)  # the square the lesson's boundary is drawn over: the four rows and a margin


def _finite_number(name: str, value, low: float, high: float | None = None, high_open: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    too_high = high is not None and (v >= high if high_open else v > high)
    if not math.isfinite(v) or v < low or too_high:
        if high is None:
            rng = f">= {short(low)}"
        else:
            rng = f"in [{short(low)}, {short(high)}{')' if high_open else ']'}"
        raise ConfigError(f"{name} must be a finite number {rng}, got {value}")
    return v


def check_features(features) -> tuple[str, ...]:
    """'x1,x1x2' or a sequence of names -> the names in canonical order, each once."""
    items = features.split(",") if isinstance(features, str) else list(features)
    names = [str(f).strip().lower() for f in items]
    if not names or not all(names):
        raise ConfigError(f"features must be a comma-separated list of {','.join(FEATURES)}, got {features!r}")
    for n in names:
        if n not in FEATURES:
            raise ConfigError(f"unknown feature {n!r} (choose from {', '.join(FEATURES)})")
    # Canonical order: the same set always builds the same first layer from the same seed.
    return tuple(f for f in FEATURES if f in names)


def checked_options(config) -> dict:
    """The data and training fields of an XorConfig, normalised; ConfigError (one line) if bad."""
    dataset = str(config.dataset).strip().lower()
    if dataset not in DATASETS:
        raise ConfigError(f"unknown dataset {config.dataset!r} (choose from {', '.join(DATASETS)})")
    data = config.data
    if data is not None:
        data = str(data)
        if not data.strip():
            raise ConfigError("--data needs a file name")
        if dataset != "xor":
            raise ConfigError("use either --data FILE or --dataset NAME, not both")
    fixed = "your data file" if data is not None else ("xor (the lesson's four rows; try xor-noisy)"
                                                       if dataset == "xor" else None)
    samples = config.samples
    if samples is not None:
        if fixed:
            raise ConfigError(f"--samples does not apply to {fixed}")
        if isinstance(samples, bool) or not isinstance(samples, int) or not SAMPLES_MIN <= samples <= SAMPLES_MAX:
            raise ConfigError(f"samples must be {SAMPLES_MIN}-{thousands(SAMPLES_MAX)}, got {samples}")
    noise = config.noise
    if noise is not None:
        if fixed:
            raise ConfigError(f"--noise does not apply to {fixed}")
        noise = _finite_number("noise", noise, 0.0)
    val_split = config.val_split
    if val_split is not None:
        val_split = _finite_number("validation split", val_split, 0.0, 1.0, high_open=True)
    if not isinstance(config.data_seed, int) or not 0 <= config.data_seed <= SEED_MAX:
        raise ConfigError(f"data seed must be 0-{SEED_MAX}, got {config.data_seed}")
    batch = config.batch
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise ConfigError(f"batch size must be at least 1, got {batch}")
    from neurotui.core.model.task import checked_task_options

    classes, task = checked_task_options(config, dataset, data)
    label, plot = getattr(config, "label", None), getattr(config, "plot", None)
    standardize = bool(getattr(config, "standardize", True))
    if data is None:
        for flag, given in (("--label", label is not None), ("--plot", plot is not None),
                            ("--no-standardize", not standardize)):
            if given:
                raise ConfigError(f"{flag} applies to a --data file")
    early_stop = getattr(config, "early_stop", None)
    if early_stop is not None:
        early_stop = bool(early_stop)
        if early_stop and data is None and dataset == "xor" and not val_split:
            raise ConfigError("--early-stop holds out some training rows, and the lesson's four rows are all "
                              "trained: use --dataset xor-noisy, a named dataset or --data")
    features = check_features(config.features)
    if data is not None:
        plot = checked_file_options(data, label, task, plot, features != DEFAULT_FEATURES)
    return {
        "dataset": dataset, "data": data, "samples": samples, "noise": noise, "val_split": val_split,
        "batch": batch, "classes": classes, "task": task, "label": None if label is None else str(label),
        "plot": plot, "standardize": standardize, "early_stop": early_stop,
        "l2": _finite_number("L2 strength", config.l2, 0.0),
        "l1": _finite_number("L1 strength", config.l1, 0.0),
        "dropout": _finite_number("dropout", config.dropout, 0.0, 1.0, high_open=True),
        "features": features,
    }


def plotted_pair(config) -> tuple[int, int]:
    """The two input columns (indices) a data file's pictures are drawn over; (0, 1) otherwise."""
    if config.data is None:
        return 0, 1
    from neurotui.core.data.columns import plot_pair

    return plot_pair(file_columns(config), config.plot, config.data)


def file_columns(config) -> tuple[str, ...]:
    """A data file's input columns by name (the features for the lesson's and generated data)."""
    if getattr(config, "data", None) is None:
        return tuple(config.features)
    return csv_table(config.data, getattr(config, "label", None), getattr(config, "task", None)).names


def input_names(config) -> tuple[str, ...]:
    """What the first layer takes: a data file's input columns by name, else the features; a file of
    K > 2 inputs with --features: the plotted pair's features, then its other columns by name."""
    if getattr(config, "data", None) is None:
        return tuple(config.features)
    names = file_columns(config)
    if tuple(config.features) == DEFAULT_FEATURES:
        return names
    if len(names) <= 2:
        return tuple(config.features)

    pair = plotted_pair(config)
    return (*config.features, *(n for c, n in enumerate(names) if c not in pair))


def is_xor_rows(config) -> bool:
    """Is the data the lesson's four XOR rows? The one test of it: a file named xor is not them."""
    return config.data is None and config.dataset == "xor"


def is_lesson_data(config) -> bool:
    """The lesson's four rows, all four trained (no validation set): the lesson's outputs apply unchanged."""
    return is_xor_rows(config) and not config.val_split


def xor_labelled(config) -> bool:
    """The four rows, or points labelled by XOR around their corners: the four rows still mean something."""
    return is_xor_rows(config) or (config.data is None and config.dataset == "xor-noisy")


def resolved(config) -> dict:
    """samples, noise and val_split with the dataset's defaults filled in (None where not used)."""
    rows = is_xor_rows(config)
    generated = config.data is None and not rows
    default_split = 0.0 if rows else DEFAULT_VAL_SPLIT
    return {
        "samples": (config.samples or DEFAULT_SAMPLES_OF.get(config.dataset, DEFAULT_SAMPLES)) if generated else None,
        "noise": (DEFAULT_NOISE[config.dataset] if config.noise is None else config.noise) if generated else None,
        "val_split": default_split if config.val_split is None else config.val_split,
    }


# ---------------------------------------------------------------- generated sets


def class_sizes(n: int, k: int = 2) -> tuple[int, ...]:
    """n points over k classes, the first ones one larger: (n + 1) // 2, n // 2 for two."""
    return tuple(n // k + (1 if c < n % k else 0) for c in range(k))


def generate(name: str, samples: int, noise: float, seed: int, generator=None, classes: int = 2):
    """(x [n, 2] float32, y [n] float32) of dataset `name`, balanced to within one point.

    Class 0 is drawn first, then class 1 (and on, for K classes), then the rows are
    shuffled; all from `generator` (a fresh one seeded with `seed` when omitted).
    Regression sets (reg-*) give a number per point instead of a class. The two-class sets
    are written so a run's script (core.course.script) can spell them out line for line:
    plain float32 torch, only the draws a shape uses.
    """
    import torch

    g = generator if generator is not None else torch.Generator().manual_seed(seed)
    if name in ("reg-plane", "reg-gauss"):
        from neurotui.core.data.shapes import regression_set

        return regression_set(name, samples, noise, g)
    if name == "spiral3":
        from neurotui.core.data.shapes import cs231n_spiral

        x, y = cs231n_spiral(samples, noise, g)
    elif classes > 2:
        from neurotui.core.data.shapes import k_class_set

        x, y = k_class_set(name, samples, noise, classes, g)
    else:
        xs, ys = [], []
        for label, n in enumerate(class_sizes(samples)):
            xs.append(class_points(name, label, n, g) + noise * torch.randn(n, 2, generator=g))
            ys.append(torch.full((n,), float(label)))
        x, y = torch.cat(xs), torch.cat(ys)
    order = torch.randperm(len(y), generator=g)
    return x[order].float(), y[order].float()  # float32 already, but for the K-class shapes


def class_points(name: str, label: int, n: int, g):
    """n points of class `label` (0 or 1) of dataset `name`, before noise; only the draws the shape needs."""
    import torch

    if name == "xor-noisy":  # the class's two corners of the lesson's square, in turn
        corners = torch.tensor([[0.0, 0.0], [1.0, 1.0]] if label == 0 else [[0.0, 1.0], [1.0, 0.0]])
        return corners[torch.arange(n) % 2]
    if name == "circle":  # class 1 a disc of radius 0.5 (uniform by area), class 0 a ring 0.7-1.0
        u = torch.rand(n, generator=g)
        r = 0.5 * u.sqrt() if label == 1 else 0.7 + 0.3 * u
        theta = 2 * math.pi * torch.rand(n, generator=g)
        return torch.stack([r * theta.cos(), r * theta.sin()], 1)
    if name == "gauss":  # a blob around (-0.6, -0.6) or (0.6, 0.6); the noise is its spread
        return torch.full((n, 2), 0.6 if label == 1 else -0.6)
    if name == "spiral":  # evenly along an arm: radius 0.05 -> 1 over 1.5 turns; arm 1 is arm 0 turned by pi
        t = (torch.arange(n) + 0.5) / n
        r = 0.05 + 0.95 * t
        theta = 3 * math.pi * t + label * math.pi
        return torch.stack([r * theta.cos(), r * theta.sin()], 1)
    if name == "moons":  # a half-circle; moon 1 is moon 0 turned half a turn
        theta = math.pi * torch.rand(n, generator=g)
        moon = torch.stack([theta.cos() - 0.5, theta.sin() - 0.25], 1)
        return moon if label == 0 else -moon
    raise ConfigError(f"unknown dataset {name!r} (choose from {', '.join(DATASETS)})")


def row_counts(config, task, options: dict, labels=None) -> tuple[int, ...]:
    """The rows of each class before the split (one count for a regression): a file's `labels`
    counted, the lesson's 2 + 2, a generated set's samples dealt over its classes."""
    if config.data is not None:
        return (len(labels),) if task.regress else tuple(labels.count(float(c)) for c in range(task.classes))
    if is_xor_rows(config):
        return (2, 2)
    n = options["samples"]
    return (n,) if task.regress else class_sizes(n, task.classes)


def split_rows(sizes: tuple[int, ...], fraction: float) -> tuple[int, int]:
    """(train rows, validation rows) of classes of `sizes` split stratified; ConfigError for a
    split that leaves a class without a row on either side. A run's is `Resolved.split`
    (core.training.resolved): the command line asks it first, so a bad split is refused
    before anything is printed or trained."""
    _check_split(sizes, fraction)
    n_val = sum(validation_rows(n, fraction) for n in sizes)
    return sum(sizes) - n_val, n_val


# ---------------------------------------------------------------- the dataset


@dataclass(frozen=True, eq=False)
class Dataset:
    """Raw 2-D inputs (features are computed by the model's first module) and labels [n, 1]: 0/1,
    a class index, or a number (regression), as floats; `task` says which (core.model.task)."""

    name: str  # a dataset name, or the CSV path
    train_x: object  # torch.Tensor [n, 2]
    train_y: object  # torch.Tensor [n, 1]
    val_x: object | None
    val_y: object | None
    low: float  # square plotting range that fits every point, both axes
    high: float
    task: object = None  # core.model.task.Task; None: the lesson's binary task
    # A data file's: its input columns, the two drawn, and the scaling (core.data.scaling) the
    # model's inputs went through; a generated set's are x1, x2 unscaled.
    inputs: tuple = ("x1", "x2")
    pair: tuple = (0, 1)
    scaling: object = None  # core.data.scaling.Scaling, or None: inputs as read
    class_names: tuple | None = None
    mapping: str | None = None
    label_name: str = "y"

    @property
    def has_val(self) -> bool:
        return self.val_x is not None

    @property
    def n_train(self) -> int:
        return len(self.train_y)

    @property
    def n_val(self) -> int:
        return 0 if self.val_y is None else len(self.val_y)

    def points(self) -> list[tuple[float, float, int | float, bool]]:
        """(x1, x2, label, is_validation) for every point, train first: for drawing (a regression
        label stays a number)."""
        label = float if self.regress else int
        i, j = self.pair
        out = [(r[i], r[j], label(c), False) for r, c in zip(self.train_x.tolist(), self.train_y.flatten().tolist())]
        if self.has_val:
            out += [(r[i], r[j], label(c), True) for r, c in zip(self.val_x.tolist(), self.val_y.flatten().tolist())]
        return out

    @property
    def regress(self) -> bool:
        return self.task is not None and self.task.regress

    def to(self, device) -> Dataset:
        def move(t):
            return None if t is None else t.to(device)

        from dataclasses import replace

        return replace(self, train_x=move(self.train_x), train_y=move(self.train_y), val_x=move(self.val_x),
                       val_y=move(self.val_y))


def grid_range(x) -> tuple[float, float]:
    """A square range over both axes holding every point, with a 10% margin."""
    lo, hi = float(x.min()), float(x.max())
    span = max(hi - lo, 1e-6)
    return lo - 0.1 * span, hi + 0.1 * span


def load_dataset(config, task=None, options: dict | None = None) -> Dataset:
    """The Dataset of a validated XorConfig's named set; `task` and `options` (`resolved`): the
    config's, when already decided (core.training.resolved)."""
    import torch

    if task is None:
        from neurotui.core.model.task import task_of

        task = task_of(config)
    opts = resolved(config) if options is None else options
    rows = is_xor_rows(config)
    g = torch.Generator().manual_seed(config.data_seed)
    if config.data is not None:  # a file is read, split and scaled by core.data.scaling.dataset_of
        raise ValueError("load_dataset builds named sets; a --data file is core.data.scaling.dataset_of's")
    if rows:
        x, y = torch.tensor(XOR_X), torch.tensor(XOR_Y)
        name = "xor"
    else:
        x, y = generate(config.dataset, opts["samples"], opts["noise"], config.data_seed, generator=g,
                        classes=task.classes or 2)
        name = config.dataset
    low, high = LESSON_RANGE if rows else grid_range(x)
    y = y.unsqueeze(1)
    if not opts["val_split"]:
        return Dataset(name, x, y, None, None, low, high, task)
    train_idx, val_idx = stratified_split(y.flatten(), opts["val_split"], g, task.classes)
    return Dataset(name, x[train_idx], y[train_idx], x[val_idx], y[val_idx], low, high, task)


def feature_columns(x, names, pair: tuple[int, int] = (0, 1)):
    """[n, 2] raw inputs -> [n, len(names)] input features, Playground's set.

    [n, K] (a data file's K inputs): the features of the plotted `pair` (x1, x2 are those two columns),
    then the other K-2 inputs as read, in column order.
    """
    import torch

    if x.shape[1] > 2:
        i, j = pair
        others = [c for c in range(x.shape[1]) if c not in (i, j)]
        return torch.cat([feature_columns(x[:, [i, j]], names), x[:, others]], 1)
    x1, x2 = x[:, 0], x[:, 1]
    make = {
        "x1": lambda: x1, "x2": lambda: x2, "x1x2": lambda: x1 * x2,
        "x1sq": lambda: x1 * x1, "x2sq": lambda: x2 * x2,
        "sinx1": lambda: torch.sin(x1), "sinx2": lambda: torch.sin(x2),
    }
    return torch.stack([make[n]() for n in names], 1)
