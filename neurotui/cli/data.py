"""The command line's data, training and preset options, and the lab's output off the four rows.

Kept out of cli/parser.py so that stays small: cli/parser.py calls `add_data_options` for the
app and `lab`, `settle` after every parse, `with_data_options` in run_from_args,
and hands `lab` over to `print_fit_lab` / `fit_json` when the data is not the
lesson's four rows.

A preset fills options; options typed on the command line win. argparse cannot
tell `--hidden 4` from the default 4, so the top-level parser's defaults are
`Default(value)`: `settle` unwraps them after parsing, and whatever was not wrapped
was typed (`args.given`).
"""

from __future__ import annotations

import argparse
import sys

from neurotui.cli.convert import _float, _int
from neurotui.core.course.presets import PRESETS, get_preset, preset_lines
from neurotui.core.data.columns import INPUTS_MAX
from neurotui.core.data.csvfile import SAMPLES_MAX, SAMPLES_MIN
from neurotui.core.data.datasets import (
    DATASETS,
    DEFAULT_FEATURES,
    DEFAULT_SAMPLES,
    DEFAULT_VAL_SPLIT,
    FEATURES,
    OPTION_FIELDS,
    xor_labelled,
)
from neurotui.core.model.config import XorConfig
from neurotui.core.model.task import BINARY_TASK, CLASSES_MAX, CLASSES_MIN, TASK_CHOICES
from neurotui.core.numbers import cell, fixed, short, thousands
from neurotui.core.training.resolved import Resolved, resolve

DATA_DESTS = OPTION_FIELDS
# A file's regression trains with this L2 weight decay unless --l2 (or a preset) says otherwise.
# Measured (issue 32's note): full-batch Adam on a small noisy file memorizes it: diabetes (309 training
# rows, 10 inputs) reached train R² 0.68 and validation 0.12 at --l2 0; with 0.01, 0.42-0.46 over three
# seeds, steady from step 200 to 2000 (scikit-learn's MLPRegressor: 0.45-0.47). A smooth, clean target
# loses a little (sin x cos: 0.946 -> 0.915). Classification keeps the lesson's 0.
FILE_REGRESSION_L2 = 0.01
# ... and this learning rate unless --lr (or a preset) says otherwise. Measured (issue 32's second note): with
# early stopping (core.training.early_stop, on by default for a file's regression), the lesson's lr 0.1 peaks
# too soon for the stop slice to catch it (diabetes 0.419: its best validation R² 0.45 lasts ~50 steps); at
# 0.03 the four regression files of the comparison land within 0.03 of scikit-learn's best MLP (diabetes
# 0.458, friedman1 0.896, 5 init seeds' median), where 0.01 left friedman1 short (0.877).
FILE_REGRESSION_LR = 0.03
# With --data the file is the data: a preset's generated-set options do not apply to it.
GENERATED_ONLY = ("dataset", "samples", "noise", "classes")


def add_data_options(p: argparse.ArgumentParser, top: bool = False) -> None:
    """--preset, the data options and the training options; a subcommand's suppress their defaults."""
    # As for the model options: `neurotui --dataset circle lab` must not be reset by lab's defaults.
    none = Default(None) if top else argparse.SUPPRESS
    d = XorConfig()
    g = p.add_argument_group("data and training (defaults: the lesson's four XOR rows, full batch, no regularization)")
    g.add_argument("--preset", default=none, metavar="NAME",
                   help=f"start from a named experiment: {', '.join(PRESETS)} (see `neurotui presets`); "
                        "options given here override it")
    g.add_argument("--dataset", default=none, metavar="NAME", help=f"{', '.join(DATASETS)} (default: {d.dataset})")
    g.add_argument("--data", default=none, metavar="FILE.csv",
                   help=f"train on your own CSV: 2-{INPUTS_MAX} input columns and a label (header row optional; it names "
                        "the columns). Labels 0/1 are the lesson's two classes, integers 0..K-1 (or 1..K, -1/+1) "
                        "K classes, text labels named classes, fractional labels regression")
    g.add_argument("--label", default=none, metavar="NAME|INDEX",
                   help="with --data: the label column, by header name or number from 0 (default: the last)")
    g.add_argument("--plot", default=none, metavar="NAME,NAME",
                   help="with --data: the two input columns the boundary is drawn over, the others held at "
                        "their training mean (default: the first two)")
    g.add_argument("--no-standardize", dest="standardize", action="store_const", const=False, default=none,
                   help="with --data: train on the inputs as read (default: each input column, and a "
                        "regression's target, scaled by the training split's mean and std)")
    from neurotui.core.training.early_stop import CHECK_EVERY, PATIENCE, STOP_FRACTION

    g.add_argument("--early-stop", dest="early_stop", action="store_const", const=True, default=none,
                   help=f"hold {short(STOP_FRACTION)} of the training rows out of training, read their loss every {CHECK_EVERY} "
                        f"steps, stop after {PATIENCE} steps without a lower one and keep the best weights "
                        "(default: on for a --data file's regression only; the validation split is untouched)")
    g.add_argument("--no-early-stop", dest="early_stop", action="store_const", const=False, default=none,
                   help="train every step on every training row and keep the last weights")
    g.add_argument("--task", default=none, choices=TASK_CHOICES,
                   help="with --data: classify or regress, whatever the labels look like")
    g.add_argument("--classes", type=_int, default=none, metavar="K",
                   help=f"K arms of spiral or K blobs of gauss, {CLASSES_MIN}-{CLASSES_MAX} (default: {BINARY_TASK.classes}); "
                        "three or more train K scores with CrossEntropyLoss")
    g.add_argument("--data-seed", type=_int, default=none, metavar="N",
                   help=f"seed of the generated data and the split, apart from the init seed (default: {d.data_seed})")
    g.add_argument("--samples", type=_int, default=none, metavar="N",
                   help=f"points in a generated set, {SAMPLES_MIN}-{thousands(SAMPLES_MAX)} (default: {DEFAULT_SAMPLES})")
    g.add_argument("--noise", type=_float, default=none, metavar="SIGMA",
                   help="Gaussian noise of a generated set, in input units (default: per dataset)")
    g.add_argument("--val-split", type=_float, default=none, metavar="F",
                   help=f"fraction held out for validation, stratified, 0 <= F < 1 (default: 0 for xor, else {short(DEFAULT_VAL_SPLIT)})")
    g.add_argument("--batch", type=_int, default=none, metavar="B",
                   help="minibatch size, shuffled by the init seed (default: full batch)")
    g.add_argument("--l2", type=_float, default=none, metavar="LAMBDA", help=f"L2 weight decay on weights (default: {short(d.l2)})")
    g.add_argument("--l1", type=_float, default=none, metavar="LAMBDA", help=f"L1 penalty on weights (default: {short(d.l1)})")
    g.add_argument("--dropout", type=_float, default=none, metavar="P",
                   help=f"dropout on hidden layers while training, 0 <= P < 1 (default: {short(d.dropout)})")
    g.add_argument("--features", default=none, metavar="LIST",
                   help=f"input features, any of {','.join(FEATURES)} (default: {','.join(DEFAULT_FEATURES)}); with a --data file of more "
                        "inputs, x1 and x2 are the plotted pair (--plot) and the other inputs go in as they are")


class Default:
    """An option's value when it was not typed (a default, or the config file's): a --preset may
    replace it, a typed value never. Not a str, so argparse hands it over without converting it."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Default({self.value!r})"


def default_of(action: argparse.Action):
    """An option's default as a plain value."""
    d = action.default
    return d.value if isinstance(d, Default) else d


def settle(args: argparse.Namespace) -> argparse.Namespace:
    """Unwrap every `Default`; `args.given` names the options that were typed instead."""
    given = set()
    for dest, value in list(vars(args).items()):
        if isinstance(value, Default):
            setattr(args, dest, value.value)
        elif dest != "given":
            given.add(dest)
    args.given = given
    return args


def with_data_options(config: XorConfig, args: argparse.Namespace) -> Resolved:
    """`config` (built from the model options) with the data options and the preset applied, resolved
    (core.training.resolved): the run's facts, decided here once for the whole command.

    Precedence: typed options, then the preset, then the defaults. A data file is
    read and the split checked here, so a bad one is refused before any output.
    """

    changes = {d: getattr(args, d) for d in DATA_DESTS if getattr(args, d, None) is not None}
    name = getattr(args, "preset", None)
    if name is not None:
        given = getattr(args, "given", set())
        preset = dict(get_preset(name).options)
        if "data" in given:
            preset = {k: v for k, v in preset.items() if k not in GENERATED_ONLY}
        config = config.with_(**{k: v for k, v in preset.items() if k not in given})
    run = resolve(config.with_(**changes))
    _rows = run.split  # a split that leaves a class empty: refused before any output
    return file_regression_defaults(run, args)


def file_regression_defaults(run: Resolved, args: argparse.Namespace) -> Resolved:
    """A --data file's regression gets FILE_REGRESSION_L2 and FILE_REGRESSION_LR where neither the command
    line nor a preset set them (lab, the app and the sweep alike)."""
    if run.config.data is None or not run.task.regress:
        return run
    given = set(getattr(args, "given", set()))
    name = getattr(args, "preset", None)
    if name is not None:
        given |= set(dict(get_preset(name).options))
    changes = {k: v for k, v in (("l2", FILE_REGRESSION_L2), ("lr", FILE_REGRESSION_LR)) if k not in given}
    return run.with_(**changes) if changes else run


def cmd_presets(args) -> int:
    for line in preset_lines():
        print(line)
    print("run one with `neurotui --preset NAME` or `neurotui lab --preset NAME`; options you add override it")
    return 0


def add_presets_command(sub) -> None:
    sub.add_parser("presets", help="list the lesson's experiments (use one with --preset NAME)")


# ---------------------------------------------------------------- lab output off the four rows


def fit_numbers(snap) -> dict:
    return {
        "train_loss": snap.train_loss, "val_loss": snap.val_loss,
        "train_accuracy": snap.train_accuracy, "val_accuracy": snap.val_accuracy,
        "train_r2": snap.train_r2, "val_r2": snap.val_r2,
    }


def fit_json(trainer, snap) -> dict:
    """Keys `lab --json` adds: both losses and accuracies, and what the data was."""
    from neurotui.core.numbers import finite_or_none

    out = {k: (None if v is None else finite_or_none(v)) for k, v in fit_numbers(snap).items()}
    task = trainer.task
    out["task"] = task.kind
    out["classes"] = task.classes  # K (2 for the lesson's task), None for regression
    out["loss"] = task.loss_name
    out["confusion"] = None if task.regress else trainer.confusion()  # [true][predicted]
    out["confusion_on"] = None if task.regress else ("validation" if trainer.data.has_val else "train")
    d = trainer.data
    out["data"] = {
        "name": d.name, "train_rows": d.n_train, "val_rows": d.n_val, "grid_range": [d.low, d.high],
        **trainer.facts.options,
    }
    out["early_stop"] = None if snap.stopping is None else {
        **snap.stopping.as_dict(),
        # where final_loss comes from: earlier weights put back are measured on the training rows
        "final_loss_is": "kept weights' train loss" if snap.kept_weights else "last step's loss"}
    if snap.curve:
        out["curve"] = [{"step": s, "train_loss": finite_or_none(t), "val_loss": finite_or_none(v)}
                        for s, t, v in snap.curve]
    if not trainer.facts.lesson_data and snap.boundary is not None:
        out["boundary"] = boundary_lines(trainer, snap, ascii=True)
    return out


def boundary_lines(trainer, snap, ascii: bool) -> list[str]:
    from neurotui.core.model.boundary import render, render_task

    d = trainer.data
    if not trainer.task.binary:
        return render_task(snap.boundary, None if trainer.task.regress else trainer.task.classes,
                           scale=target_scale(d), points=d.points(), low=d.low, high=d.high)
    return render(snap.boundary, ascii=ascii, points=d.points(), low=d.low, high=d.high)


def target_scale(d) -> float | None:
    """A regression map's colour range: the largest |target| (the map is read against the data)."""
    return float(d.train_y.abs().max()) if d.regress else None


def print_diagnosis(snap, config, always: bool = False) -> None:
    """The doctor's verdict, on stderr: neurotui's commentary on the run, not the run's output.

    stdout stays what the run's script (`--script`) prints, so `lab > out.txt` is the program's
    output and the verdict still shows in a terminal.
    """
    if always or not snap.diagnosis.ok:  # a file's run says its verdict, solved included
        d = snap.diagnosis
        sys.stdout.flush()  # the program's lines first, then the doctor's, in a terminal
        from neurotui.core.doctor.advice import fix_line

        print(f"diagnosis: {d.title}: {d.detail}; fix: {fix_line(d, config)}", file=sys.stderr, flush=True)


def print_fit_lab(args, run: Resolved, trainer, snap, write_card, stdout_takes) -> int:
    """The lab's plain output when the data is not the lesson's four rows.

    The lesson's lines where they apply (the four XOR rows for XOR-labelled data,
    final_loss always), then both losses and both accuracies, the diagnosis (stderr),
    and the boundary with the data points.
    """
    config = run.config
    if xor_labelled(config):
        print("xor_mlp")
        print("\n".join(snap.rows()))
    _print_fit_numbers(run, trainer, snap)
    print_diagnosis(snap, config, always=config.data is not None)
    if args.boundary:
        from neurotui.core.model.boundary import UNICODE_RAMP

        _print_fit_picture(trainer, snap, config.data is not None,
                           getattr(args, "ascii", False) or not stdout_takes(UNICODE_RAMP))
    if args.card:
        print(f"card written to {write_card(args, run, snap)}")
    sys.stdout.flush()
    return 0


def _print_fit_numbers(run: Resolved, trainer, snap) -> None:
    """final_loss (in a file's units), the data and its rows, a file's columns, both sets' loss and
    score, and PyTorch's refusal if it stopped the run: the lines the run's script prints too."""
    from neurotui.cli import filerun

    config, d, task = run.config, trainer.data, trainer.task
    # the file's units for a scaled target; the kept weights' train loss where early stopping restored them
    print("final_loss=", round(snap.shown_loss, 4))
    if task.binary:
        print(f"data= {d.name} train_rows= {d.n_train} val_rows= {d.n_val}")
    else:
        kind = "regression" if task.regress else f"classes= {task.classes}"
        print(f"data= {d.name} train_rows= {d.n_train} val_rows= {d.n_val} {kind} loss= {task.loss_name}")
    if config.data is not None:
        print("\n".join(filerun.label_lines(d, config)))
    if snap.stopping is not None:  # what early stopping did: the kept weights are the ones measured below
        print(snap.stopping.line())
    if task.regress:
        print(f"train_mse= {cell(snap.train_loss, 4)} val_mse= {cell(snap.val_loss, 4)}")
        print(f"train_r2= {cell(snap.train_r2, 3)} val_r2= {cell(snap.val_r2, 3)}")
    else:
        print(f"train_loss= {cell(snap.train_loss, 4)} val_loss= {cell(snap.val_loss, 4)}")
        print(f"train_accuracy= {cell(snap.train_accuracy, 3)} val_accuracy= {cell(snap.val_accuracy, 3)}")
    error = getattr(snap, "error", None)
    if error:
        print(f"stopped at step {snap.step + 1}: {error}")


def _print_fit_picture(trainer, snap, from_file: bool, ascii: bool) -> None:
    """`--boundary`: the legend (what the axes and glyphs mean for this task), then the map in a frame."""
    print(_picture_legend(trainer, from_file))
    for line in boundary_lines(trainer, snap, ascii=ascii):
        print(f"|{line}|")


def _picture_legend(trainer, from_file: bool) -> str:
    """The map's one-line legend: a regression's colour range, K classes' fills, or two classes' shades."""
    from neurotui.cli import filerun
    from neurotui.core.model.boundary import (
        CLASS_FILLS,
        CLASS_TRAIN_GLYPHS,
        CLASS_VAL_GLYPHS,
        DIVERGING_RAMP,
        TRAIN_GLYPHS,
        VAL_GLYPHS,
    )

    d, task = trainer.data, trainer.task
    where = filerun.axes_words(d) if from_file else f"x1 across, x2 up, both {fixed(d.low, 2)} to {fixed(d.high, 2)}"
    named = f" ({'/'.join(d.class_names)})" if d.class_names else ""
    if task.regress:
        low, mid, high = filerun.target_words(d, target_scale(d))
        return (f"prediction ({where}; {DIVERGING_RAMP[0]!r} = {low} ... blank = {mid} ... "
                f"{DIVERGING_RAMP[-1]!r} = {high})")
    if not task.binary:
        k = task.classes
        return (f"decision regions ({where}; region of class 0/1/...{named} = {'/'.join(CLASS_FILLS[:k])}, blank = "
                f"unsure; train {'/'.join(CLASS_TRAIN_GLYPHS[:k])}, validation {'/'.join(CLASS_VAL_GLYPHS[:k])})")
    return (f"decision boundary ({where}; darker = closer to 1; "
            f"train {'/'.join(TRAIN_GLYPHS)}, validation {'/'.join(VAL_GLYPHS)} = class 0/1{named})")
