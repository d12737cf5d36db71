"""The XOR pane's lines of text: status, config, doctor, the lesson's rows, compare titles, the probe.

Pure functions of plain values, so they are tested without an app.
"""

from __future__ import annotations

import os

from rich.text import Text

from neurotui.core.course.bugs import mistakes
from neurotui.core.data.datasets import DEFAULT_FEATURES, is_xor_rows, xor_labelled
from neurotui.core.lesson import XOR_Y
from neurotui.core.model.activations import get_activation
from neurotui.core.model.config import XorConfig, is_linear
from neurotui.core.numbers import fixed, lesson_round, loss_text, short, sig, thousands
from neurotui.core.training.snapshot import Snapshot, is_tie
from neurotui.tui.glyphs import Glyphs
from neurotui.tui.widgets.network import unit_name

STATE_STYLE = {
    "loading": "yellow", "running": "bold green", "paused": "bold yellow",
    "done": "bold cyan", "diverged": "bold red", "error": "bold red", "waiting": "yellow",
}


def pane_title(configs, view: str) -> str:
    """'3 XOR training - boundary', or the data's own name off the lesson's XOR: '3 spiral3 training'."""
    c = configs[0] if configs else None

    data = "XOR" if c is None or xor_labelled(c) else (
        os.path.basename(c.data) if c.data else c.dataset)
    return f"3 {data} training - {view}"


def short_config(c: XorConfig) -> str:
    """'2-4-1 Tanh', and its bug when it has one (compare mode puts a buggy run beside a healthy one)."""
    kind = "perceptron" if c.layers == 0 else get_activation(c.activation).label  # no hidden activation to name
    return f"{c.shape} {kind}" + (f", bug {c.bug}" if c.bug else "")


def describe_config(c: XorConfig) -> str:
    """'2-4-1 Tanh - adam lr 0.1 - seed 42': fits the pane beside the other two at 120 columns.
    The learning rate is the one the run uses: an lr bug forces its own (core.course.bugs)."""
    return f"{short_config(c)} - {c.optimizer} lr {short(mistakes(c).lr)} - seed {c.seed}"


def config_line(c: XorConfig) -> Text:
    """The network, and the data and regularization when they are not the lesson's."""
    t = Text(describe_config(c), style="dim", no_wrap=True, overflow="ellipsis")
    extra = []
    if not is_xor_rows(c):  # a file by its name, as the title names it: a long path cut the line short
        extra.append(f"data {os.path.basename(c.data) if c.data else c.dataset}")
    if c.data is not None:  # how the file's inputs went in, and which two are drawn
        extra.append("inputs standardized" if c.standardize else "inputs as read")
    if tuple(c.features) != ("x1", "x2"):
        extra.append("features " + ",".join(c.features))
    if c.l2:
        extra.append(f"L2 {short(c.l2)}")
    if c.l1:
        extra.append(f"L1 {short(c.l1)}")
    if c.dropout:
        extra.append(f"dropout {short(c.dropout)}")
    if extra:
        t.append(" - " + " - ".join(extra), "dim")
    return t


def axes_of(configs, units=None) -> str | tuple[str, ...] | None:
    """A data file's picture axes by column name, with their ranges in the file's units once the run
    has read the file (`units`, core.data.scaling.PlaneUnits: the ranges, then the names alone, for the
    picture to take the first that fits its width); None: the lesson's x1, x2."""
    if not configs or configs[0].data is None:
        return None
    if units is not None:
        return (units.short, units.names) if units.names else units.short
    from neurotui.core.data.columns import axes_names
    from neurotui.core.data.datasets import file_columns, plotted_pair

    c = configs[0]
    return axes_names(file_columns(c), plotted_pair(c)) + ("; standardized" if c.standardize else "")


def question_text(question: str) -> Text:
    return Text(question, style="bold italic") if question else Text()


def end_state(snap: Snapshot) -> str:
    """How a finished run ended: PyTorch refused a step, it blew up (stopped before its last step,
    whatever the doctor names as the cause), or it ran to the end."""
    if snap.error is not None:
        return "error"
    early = snap.stopping is not None and snap.stopping.stopped_at is not None  # on purpose, not blown up
    blown = (snap.step < snap.total and not early) or snap.diagnosis.kind in ("nonfinite", "saturated")
    return "diverged" if blown else "done"


def has_loss(snap: Snapshot | None) -> bool:
    """Before the first step there is no loss to show."""
    return snap is not None and bool(snap.losses)


def has_verdict(snap: Snapshot | None) -> bool:
    """The doctor speaks once there is a loss, or once the run ended without one (PyTorch
    refused the very first step: the verdict is all there is to show)."""
    return has_loss(snap) or (snap is not None and snap.finished)


def status_line(g: Glyphs, state: str, snap: Snapshot | None, speed: int | None,
                steps_per_s: float | None, bug: str | None = None, width: int | None = None) -> Text:
    """'● done step 2000/2000 loss 0.0001 (speed max)'. In `width` cells the least needed parts go whole
    (the speed, then the rate, then the scores), never cut mid-word ('(spee...')."""
    parts: list[tuple[str, str, int]] = []  # (text, style, drop order: 0 never, higher first)
    if bug:
        parts += [(f" BUG {bug} ", "bold white on red", 0), (" ", "", 0)]
    parts.append((f"{g.dot} {state}", STATE_STYLE.get(state, ""), 0))
    if snap is not None:
        if snap.error is not None:  # the step PyTorch refused, as the doctor and lab count it
            parts.append((f" at step {snap.step + 1}/{snap.total}", "", 0))
        else:
            parts.append((f" step {snap.step}/{snap.total}", "", 0))
        task = snap.task
        if has_loss(snap):
            name = "" if task.binary else f" {'CE' if task.kind == 'classes' else task.loss_name}"
            parts.append((f" loss{name} {g.num(loss_text(snap.shown_loss))}", "", 0))
        if has_loss(snap) and not task.binary:
            # the task's score, with or without a validation set: accuracy, or R² for regression
            word, train, val = (("R²", snap.train_r2, snap.val_r2) if task.regress
                                else ("acc", snap.train_accuracy, snap.val_accuracy))
            if train is not None:
                parts.append((f" {word} train {fixed(train, 2)}" + ("" if val is None else f" val {fixed(val, 2)}"), "", 1))
        elif has_loss(snap) and snap.val_accuracy is not None:
            parts.append((f" acc train {fixed(snap.train_accuracy, 2)} val {fixed(snap.val_accuracy, 2)}", "", 1))
        if snap.stopping is not None:  # early stopping: where it stopped, whose weights are measured
            parts.append((f", {snap.stopping.short()}", "", 0))
    if state == "running" and steps_per_s is not None:
        parts.append((f" {thousands(steps_per_s)} step{'' if round(steps_per_s) == 1 else 's'}/s", "", 2))
    # "500/s": the measured rate beside it already says steps/s
    parts.append((f" (speed {'max' if speed is None else f'{speed}/s'})", "dim", 3))
    if width:
        for order in (3, 2, 1):
            if sum(len(p[0]) for p in parts) <= width:
                break
            parts = [p for p in parts if p[2] != order]
    t = Text(no_wrap=True, overflow="ellipsis")
    for text, style, _ in parts:
        t.append(text, style)
    return t


def solved_hint(config: XorConfig | None) -> str:
    """What to try once it works: take away what made it work. A run that is already linear (the
    failure probe's 'None', or the perceptron) solved XOR through its input features."""
    if config is None or not is_linear(config):
        return "try: press a until 'None' - the failure probe"
    if tuple(config.features) != DEFAULT_FEATURES:
        return "try: press F, keep only x1 and x2 - the same linear model then fails"
    return ""


def fix_key(diagnosis, config: XorConfig | None, key) -> str:
    """'press < to lower it': the keys in force (key(binding_id)) for the settings the doctor's fix is
    about (its remedies, core.doctor.advice); lab names the options instead."""
    from neurotui.core.doctor.advice import REMEDIES

    if key is None:
        return ""
    if config is not None and config.bug:  # a bugged run's fix is always B: the bug is the cause
        return f"press {key('pick_bug')} to clear the bug"
    presses = [f"{key(REMEDIES[r].binding)} {_key_words(r, config)}" for r in diagnosis.remedies
               if r in REMEDIES and REMEDIES[r].binding and _key_words(r, config)]
    return "press " + ", ".join(presses) if presses else ""


def _key_words(remedy: str, config: XorConfig | None) -> str:
    """What the key does, after "press K": a stronger L2 names the step R gives next from the run's
    own, and is no advice where that step is not stronger (an L2 typed off R's ladder)."""
    from neurotui.core.doctor.advice import REMEDIES
    from neurotui.session.state import next_regularization

    if remedy != "l2_stronger" or config is None:
        return REMEDIES[remedy].key_words
    name, options = next_regularization(config)
    return f"for {name}" if options["l2"] > config.l2 else ""


def _fit(verdict: Text, fix: Text, width: int | None, lines: int) -> Text:
    """The verdict, then its fix in full: the verdict's detail is cut (with ...) to leave the fix
    room in `lines` rows of `width` cells, never the fix."""
    if not width or width < 20:
        return verdict + fix
    from rich.console import Console

    console = Console(width=width, color_system=None, legacy_windows=False)

    def rows(text: Text) -> int:
        return len(text.wrap(console, width))

    room = lines - rows(fix) + 1  # the fix's leading newline is not a row of its own
    while rows(verdict) > max(1, room) and len(verdict.plain) > 1:
        cut = verdict.plain.rstrip(".").rsplit(" ", 1)[0] if " " in verdict.plain else verdict.plain[:-1]
        verdict = verdict[:len(cut)]
        verdict.rstrip()
        if not verdict.plain.endswith("..."):
            verdict.append("...")
            verdict = verdict if rows(verdict) <= max(1, room) else verdict[:-3]
    return verdict + fix


def diagnosis_text(state: str, message: str, snap: Snapshot | None, short: bool = False,
                   config: XorConfig | None = None, width: int | None = None, lines: int = 4,
                   key=None) -> Text:
    """The doctor's words; `short` (beside the picture at 80x24): the verdict and fix, no hint.
    `config`: the run's, for a hint that fits it; `width` x `lines`: the room the words have (the fix
    always shows in full); `key(binding_id)`: the key in force, for the fix's key."""
    t = Text()
    if message:
        t.append(message, "bold red" if state in ("error", "diverged") else "yellow")
    elif has_verdict(snap):
        d = snap.diagnosis
        if not snap.finished:
            # Mid-run, words only (the numbers are on the status line): the text then
            # changes only when the verdict does, so it is not redrawn ten times a second.
            live = {"solved": ("all four rows correct so far", "green"), "training": ("training", "dim")}
            words, style = live.get(d.kind, (d.title, "bold red"))
            t.append(words, style)
        else:
            t.append(d.title, "bold green" if d.kind == "solved" else "bold red")
            t.append(f": {d.detail}")
            if d.kind == "solved":
                hint = solved_hint(config)
                if hint and not short:
                    t.append(f"\n{hint}", "italic")
            elif d.fix:
                press = fix_key(d, config, key)
                fix = Text(f"\nfix: {d.fix}" + (f"; {press}" if press else ""), "italic")
                return _fit(t, fix, width, lines)
    return t


def rows_text(g: Glyphs, snap: Snapshot, xor_rows: bool = True, header: bool = True) -> Text:
    """The lesson's four printed rows, each marked right or wrong, and the loss; on other
    data, the accuracies instead."""
    t = Text(no_wrap=True)
    if not xor_rows:
        word, train, val = (("R²", snap.train_r2, snap.val_r2) if snap.task.regress
                            else ("accuracy", snap.train_accuracy, snap.val_accuracy))
        if train is not None:
            t.append(f"{word}\n", "dim")
            t.append(f"train      {fixed(train, 3)}\n")
            if val is not None:
                t.append(f"validation {fixed(val, 3)}\n")
        if has_loss(snap):
            name = "" if snap.task.binary else f" ({snap.task.loss_name})"
            t.append(f"loss{name}= {loss_text(snap.shown_loss)}")
        return t
    ties = [is_tie(p) for p in snap.probs]
    if header:
        # 0.500 printed beside pred=0 and pred=1: the note says the rounding hides which side of 0.5 p is
        halves = any(fixed(p, 3) == "0.500" for p in snap.probs)
        t.append("the lesson's rows; ?: tie at 0.5\n" if any(ties) else
                 "the lesson's rows; pred = p >= 0.5\n" if halves else "the lesson's rows\n", "dim")
    for line, pred, y, tie in zip(snap.rows(), snap.preds, XOR_Y, ties):
        if tie:  # which side of 0.5 float32's last bit lands on is no prediction (and differs by CPU)
            t.append(line.rsplit(" pred=", 1)[0] + " pred=?")
            t.append(" ?\n", "yellow")
            continue
        right = pred == int(y)
        t.append(line)
        t.append(f" {g.ok if right else g.bad}\n", "green" if right else "bold red")
    if has_loss(snap):
        t.append(final_loss(snap.loss) if snap.finished else f"loss= {loss_text(snap.loss)}")
    return t


def final_loss(loss: float) -> str:
    """The lesson's own line, `final_loss= 0.0001` (round to 4 places, as lab and the script print it),
    with the value itself beside it when that rounding hides it: `final_loss= 0.0 (4.52e-05)`."""
    return f"final_loss= {lesson_round(loss)}"


def side_title(name: str, label: str, snap: Snapshot) -> Text:
    """Compare mode: 'A: 2-4-1 Tanh', its loss, its verdict."""
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(f"{name}: {label}\n", "bold")
    if has_loss(snap):
        t.append((final_loss(snap.shown_loss) if snap.finished else f"loss= {loss_text(snap.shown_loss)}") + "\n")
    d = snap.diagnosis
    t.append(d.title if d.kind != "training" else "training", "green" if d.kind == "solved" else
             ("dim" if d.kind == "training" else "bold red"))
    return t


def boundary_side(g: Glyphs, snap: Snapshot, state: str, message: str, xor_rows: bool,
                  legend: Text | None = None, config: XorConfig | None = None, key=None) -> Text:
    """What sits beside the boundary: the lesson's rows (or the accuracies). In the compact layout
    (`legend` given) the doctor's verdict comes first and the picture's legend last."""
    rows = rows_text(g, snap, xor_rows, header=legend is None)
    if legend is None:
        return rows
    return Text("\n").join([diagnosis_text(state, message, snap, short=True, config=config, key=key), rows, legend])


def probe_text(snap: Snapshot | None, file_target=None, class_names=None) -> Text:
    """Under the lesson's rows: the clicked point's output and hidden values (the worker computes them).
    `file_target`: a file regression's trained value -> the file's units (core.data.scaling.PlaneUnits);
    `class_names`: a text-labelled file's classes, which the probe names (None: by number)."""
    net = snap.picture("network") if snap is not None else None
    if net is None or net.probe is None:
        return Text()
    x1, x2, outputs, hidden = net.probe
    t = Text(no_wrap=True, overflow="ellipsis", end="")
    t.append(f"probe x1={fixed(x1, 2, sign=True)} x2={fixed(x2, 2, sign=True)}: {probe_output(snap.task, outputs, file_target, class_names)}\n", "bold")
    for k, layer in enumerate(hidden, start=1):
        t.append(" ".join(f"{unit_name(net, k, i)} {fixed(v, 2, sign=True)}" for i, v in enumerate(layer[:8])))
        t.append("\n")
    return t


def probe_output(task, outputs, file_target=None, class_names=None) -> str:
    """What the model says at the probed point, in the task's words: p(y=1), the class it predicts (with
    its softmax probability; not the first class's raw score), or the predicted value. A class is named
    as the file names it where `class_names` are given ('virginica (p=0.912)', 'p(yes)=0.871')."""
    if task.kind == "classes":
        import math

        top = max(outputs)
        exps = [math.exp(v - top) for v in outputs]
        c = max(range(len(outputs)), key=outputs.__getitem__)
        name = class_names[c] if class_names and c < len(class_names) else f"class {c}"
        return f"{name} (p={fixed(exps[c] / sum(exps), 3)})"
    if task.regress:
        value = outputs[0] if file_target is None else file_target(outputs[0])
        return f"prediction {sig(value, 4)}"
    return (f"p({class_names[1]})={fixed(outputs[0], 3)}" if class_names and len(class_names) == 2
            else f"p(y=1)={fixed(outputs[0], 3)}")
