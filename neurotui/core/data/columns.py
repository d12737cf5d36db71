"""A data file's columns: which are the inputs, which is the label, and what the labels mean.

A header row (a first row with no number in it) names the columns; without one they are
x1..xK and y. The label column is the last unless `--label NAME|INDEX` picks another. Labels
become numbers the task can train on, and the file's run says how:

- text labels are classes, numbered in sorted order (their names kept for the screens);
- -1/+1 are classes 0/1, and integers 1..K classes 0..K-1 (a classifier's classes start at 0);
- integers 0..K-1 are K classes; other numbers are a regression's targets.

Everything here is plain Python: XorConfig validation reads a file before torch is imported.
"""

from __future__ import annotations

from dataclasses import dataclass

from neurotui.core.errors import ConfigError
from neurotui.core.numbers import short

INPUTS_MAX = 64
CLASS_NAME_MAX = 6  # named classes a file may have: as many as its numbered classes (task.CLASSES_MAX)


@dataclass(frozen=True)
class Table:
    """A data file as its run sees it: input rows, labels as numbers, and the words to show."""

    names: tuple[str, ...]  # the input columns, in file order
    label_name: str
    rows: list  # [n] tuples of K floats
    labels: list  # [n] floats: class indices or a regression's targets (as read; --task decides)
    class_names: tuple[str, ...] | None = None  # text labels, sorted: class i is class_names[i]
    mapping: str | None = None  # how numeric labels were renumbered, for the run's output
    header: bool = False  # the file's first row named the columns
    label_index: int = -1  # the label's column in the file

    @property
    def k(self) -> int:
        return len(self.names)


def pick_label(header: list[str] | None, width: int, label, name: str) -> int:
    """The label column's index: `label` is a column name, or a number counted from 0 (negative:
    from the end); None is the last column."""
    if label is None:
        return width - 1
    text = str(label).strip()
    if header is not None and text in header:
        return header.index(text)
    try:
        i = int(text)
    except ValueError:
        names = ", ".join(header) if header is not None else f"no header row: columns 0-{width - 1}"
        raise ConfigError(f"data file {name!r} has no column {text!r} for --label ({names})") from None
    if not -width <= i < width:
        raise ConfigError(f"--label {i}: data file {name!r} has columns 0-{width - 1}")
    return i % width


def numbered_labels(labels: list[float], forced: str | None) -> tuple[list[float], str | None]:
    """-1/+1 -> 0/1 and 1..K -> 0..K-1 for classification (said in the returned note); else as read."""
    if forced == "regress" or not labels or not all(float(v).is_integer() for v in labels):
        return labels, None
    seen = sorted(set(labels))
    if seen == [-1.0, 1.0]:
        return [0.0 if v < 0 else 1.0 for v in labels], "-1/+1 -> classes 0/1"
    k = len(seen)
    if seen[0] == 1.0 and seen == [float(i) for i in range(1, k + 1)] and 2 <= k <= CLASS_NAME_MAX:
        return [v - 1.0 for v in labels], f"1..{k} -> classes 0..{k - 1}"
    return labels, None


def text_classes(labels: list[str], forced: str | None, name: str) -> tuple[list[float], tuple[str, ...]]:
    """Text labels -> class indices in the sorted order of the names."""
    if forced == "regress":
        raise ConfigError(f"data file {name!r}: --task regress needs numbers as labels, got {labels[0][:40]!r}")
    names = tuple(sorted(set(labels)))
    if len(names) > CLASS_NAME_MAX:
        raise ConfigError(f"data file {name!r}: {len(names)} different text labels; "
                          f"{CLASS_NAME_MAX} classes at most")
    if len(names) < 2:
        raise ConfigError(f"data file {name!r}: every label is {names[0][:40]!r}; need two classes or more")
    index = {n: float(i) for i, n in enumerate(names)}
    return [index[v] for v in labels], names


def default_plot(names: tuple[str, ...]) -> tuple[int, int]:
    return (0, 1) if len(names) > 1 else (0, 0)


def plot_pair(names: tuple[str, ...], plot, name: str = "data") -> tuple[int, int]:
    """`--plot NAME,NAME` (or column numbers among the inputs, from 0) -> the two inputs drawn."""
    if plot is None:
        return default_plot(names)
    parts = [p.strip() for p in (plot.split(",") if isinstance(plot, str) else plot)]
    if len(parts) != 2:
        raise ConfigError(f"--plot takes two input columns, NAME,NAME; got {plot!r}")
    out = []
    for p in parts:
        if p in names:
            out.append(names.index(p))
            continue
        try:
            i = int(p)
        except ValueError:
            raise ConfigError(f"--plot: {p!r} is not an input column of {name!r} "
                              f"({', '.join(names[:12])}{', ...' if len(names) > 12 else ''})") from None
        if not 0 <= i < len(names):
            raise ConfigError(f"--plot: input column {i} out of range 0-{len(names) - 1}")
        out.append(i)
    if out[0] == out[1]:
        raise ConfigError(f"--plot needs two different input columns, got {plot!r}")
    return out[0], out[1]


def next_pair(pair: tuple[int, int], k: int) -> tuple[int, int]:
    """The pair after `pair` among all pairs i < j of k inputs (the app's key walks them in order)."""
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    if not pairs:
        return pair
    key = tuple(sorted(pair))
    return pairs[(pairs.index(key) + 1) % len(pairs)] if key in pairs else pairs[0]


def describe_lines(names, class_names, mapping, scaled: bool, target_scaled: bool, l2: float = 0.0,
                   features: tuple[str, ...] = ("x1", "x2"), pair: tuple[int, int] = (0, 1)) -> list[str]:
    """What a file's run prints after its data= line: columns, classes, the label mapping, scaling
    (lab's text and the run's script print the same lines)."""
    joined = ",".join(names)
    lines = [f"inputs= {joined}" if len(joined) <= 200 else f"inputs= {len(names)} columns: {joined[:200]}..."]
    if tuple(features) != ("x1", "x2"):  # --features: of the plotted pair, the other inputs as they are
        i, j = pair
        rest = f", then the other {len(names) - 2} inputs" if len(names) > 2 else ""
        lines.append(f"features= {','.join(features)} of x1 = {names[i]}, x2 = {names[j]}{rest}")
    if class_names:
        lines.append("classes= " + " ".join(f"{i}={n}" for i, n in enumerate(class_names)))
    if mapping:
        lines.append(f"labels= {mapping}")
    if not scaled:
        lines.append("scaling= inputs as read (--no-standardize)")
    else:
        target = "; the target too (loss and R² reported in the file's units)" if target_scaled else ""
        lines.append(f"scaling= inputs standardized by the training split's mean and std{target}")
    if l2:  # a regression file's default (cli.data.FILE_REGRESSION_L2) is said where it is used
        why = " (a regression file's default, against memorizing its noise; --l2 0 turns it off)" if target_scaled else ""
        lines.append(f"regularization= L2 weight decay {short(l2)} on the weights{why}")
    return lines


def axes_names(names, pair: tuple[int, int]) -> str:
    """'petal_length across, petal_width up; 2 other inputs at their training mean' (a picture's axes)."""
    i, j = pair
    others = len(names) - 2
    held = f"; {others} other input{'s' if others > 1 else ''} at their training mean" if others > 0 else ""
    return f"{names[i]} across, {names[j]} up{held}"
