"""A run's facts, decided once from its config: `resolve(config)`.

A config says what was asked ("circle", "a file", "--bug broadcast-target"); a run needs what
that comes to: the data with its split, the task and its loss pair, the first layer's inputs,
the device and what the bug changes. Each is decided here, once, in one pass through the
modules that know it (core.data, core.model.task, core.model.device, core.course.bugs). The
Trainer, the run's script, the evidence card, the sweep and the landscape take a `Resolved` and
ask none of them again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from neurotui.core.course.bugs import Mistakes, check_bug_task, mistakes
from neurotui.core.data.csvfile import csv_table
from neurotui.core.data.datasets import input_names, is_lesson_data, row_counts, split_rows
from neurotui.core.data.datasets import resolved as data_options
from neurotui.core.model.config import XorConfig
from neurotui.core.model.task import Task, task_of

# Options no fact here depends on: a Resolved changed in these keeps its data, task and rows (lr only
# feeds the bug's mistakes, which with_ works out again).
MODEL_ONLY = frozenset({"hidden", "layers", "activation", "steps", "seed", "optimizer", "lr", "l1", "l2", "dropout", "batch"})


@dataclass(frozen=True, eq=False)
class Resolved:
    """The facts of one run. `data` (the Dataset, split, on the CPU) and `device` need torch: they
    are decided the first time they are asked for, then kept."""

    config: XorConfig  # validated
    task: Task
    mistakes: Mistakes
    inputs: tuple[str, ...]  # what the first layer takes: the features, or a data file's columns
    options: dict  # samples, noise and val_split with the dataset's defaults filled in
    lesson_data: bool  # the lesson's four rows, all trained: its outputs and doctor apply unchanged
    early_stop: bool = False  # a slice of the training rows watched (core.training.early_stop): stop_rows

    @property
    def loss_kind(self) -> str:
        """The training loss: 'bce' (the lesson's), 'ce' (K classes) or 'mse' (regression, or the bug's)."""
        if self.mistakes.mse_loss or self.task.regress:
            return "mse"
        return "bce" if self.task.binary else "ce"

    def loss_module(self):
        """The loss that pairs with the task (core.model.task.loss_module), the bug's where it has one."""
        from neurotui.core.model.task import loss_module

        return loss_module(self.task, mse_on_labels=self.mistakes.mse_loss)

    def with_seed(self, seed: int) -> Resolved:
        """The same run from another init seed (a sweep's next net)."""
        return self.with_(seed=seed)

    def with_(self, **changes) -> Resolved:
        """The same run with other model or training options (`MODEL_ONLY`: a seed, the failure probe's
        activation, a file regression's L2 and lr), already valid: the data, drawn from the data seed, the
        task, device and rows are the same facts, shared rather than decided again."""
        if not set(changes) <= MODEL_ONLY:
            raise ValueError(f"{sorted(set(changes) - MODEL_ONLY)} change the run's facts: resolve the new config")
        config = self.config.with_(**changes)
        # a new lr reaches the mistakes' lr unless an lr bug forces its own; nothing else changes them
        out = replace(self, config=config, mistakes=mistakes(config) if "lr" in changes else self.mistakes)
        for name in ("data", "device", "table", "pair", "sizes", "split", "stop_rows"):
            if name in self.__dict__:  # decided already (cached_property keeps them there)
                out.__dict__[name] = self.__dict__[name]
        return out

    @cached_property
    def device(self):
        from neurotui.core.model.device import resolve_device

        return resolve_device(self.config.device)

    @cached_property
    def data(self):
        """The Dataset: a named set generated, or a --data file read, split and standardized."""
        from neurotui.core.data.scaling import dataset_of

        return dataset_of(self)

    @cached_property
    def table(self):
        """A --data file's Table (core.data.csvfile): its columns, labels and classes; None for named sets."""
        c = self.config
        return None if c.data is None else csv_table(c.data, c.label, c.task)

    @cached_property
    def pair(self) -> tuple[int, int]:
        """The two input columns a file's pictures are drawn over; (0, 1) for named sets."""
        from neurotui.core.data.columns import plot_pair

        return (0, 1) if self.table is None else plot_pair(self.table.names, self.config.plot, self.config.data)

    @cached_property
    def sizes(self) -> tuple[int, ...]:
        """The rows of each class before the split (one count for a regression), without torch."""
        return row_counts(self.config, self.task, self.options, self.table and self.table.labels)

    @cached_property
    def split(self) -> tuple[int, int]:
        """(train rows, validation rows); ConfigError for a split that leaves a class empty."""
        return split_rows(self.sizes, self.options["val_split"])

    @cached_property
    def stop_rows(self):
        """Early stopping's slice of the training rows (core.training.early_stop.StopRows), None without it:
        drawn from the training rows alone, so the validation split stays what the run reports."""
        if not self.early_stop:
            return None
        from neurotui.core.training.early_stop import stop_rows

        return stop_rows(self.data.train_y, self.task, self.config.data_seed)


def resolve(config: XorConfig | Resolved) -> Resolved:
    """`config`'s facts (a Resolved passes through): ConfigError with a one-line reason for a bad config."""
    if isinstance(config, Resolved):
        return config
    checked = config.validated(bug_task=False)
    task = task_of(checked)  # a --data file's labels are read here, once
    check_bug_task(checked.bug, task.kind)
    return Resolved(checked, task, mistakes(checked), input_names(checked), data_options(checked),
                    is_lesson_data(checked), early_stops(checked, task))


def early_stops(config: XorConfig, task: Task) -> bool:
    """--early-stop / --no-early-stop as typed; by default on for a data file's regression only (issue 32's
    note: classification files were within 0.03 of scikit-learn without it, and the slice costs a tenth of
    their training rows; generated sets and the lesson keep their runs as they were)."""
    if config.early_stop is not None:
        return config.early_stop
    return config.data is not None and task.regress
