"""The train/validation split: stratified (each class in the same proportion), from the data's generator."""

from __future__ import annotations

from neurotui.core.errors import ConfigError
from neurotui.core.numbers import short


def validation_rows(class_size: int, fraction: float) -> int:
    """Rows of one class held out: its share, rounded, always leaving one to train on."""
    return min(int(class_size * fraction + 0.5), max(class_size - 1, 0))


def _check_split(sizes, fraction: float) -> None:
    if fraction > 0 and sum(validation_rows(n, fraction) for n in sizes) == 0:
        raise ConfigError(
            f"validation split {short(fraction)} of {sum(sizes)} rows leaves no validation rows; "
            "use a larger split or more samples"
        )


def stratified_split(y, fraction: float, generator, classes: int | None = 2):
    """(train indices, val indices), sorted; each class split in proportion `fraction`
    (regression, classes None: all rows as one group).

    Every class keeps at least one training row; ConfigError when the split asked
    for leaves no validation row at all (too small a set for that fraction).
    """
    import torch

    train, val = [], []
    groups = [None] if classes is None else [float(c) for c in range(classes)]
    for label in groups:
        idx = torch.arange(len(y)) if label is None else (y == label).nonzero().flatten()
        idx = idx[torch.randperm(len(idx), generator=generator)]
        n_val = validation_rows(len(idx), fraction)
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    _check_split([len(v) + len(t) for v, t in zip(val, train)], fraction)
    val_idx = torch.cat(val).sort().values
    return torch.cat(train).sort().values, val_idx
