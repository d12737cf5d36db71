"""The lesson's "Evidence to Keep" card for one run, as Markdown, and its safe writing.

The card holds the run's config, its four XOR rows in the lesson's own format,
the final loss, the diagnosis, the failure probe (the same config and seed with
the hidden activation removed) beside it, the decision boundary as characters,
and the lesson's four card items filled with this run's numbers.

Writing is atomic and never overwrites: the text goes to a temporary file in the
target's directory and is then linked into place, which fails if the name is
taken. `fresh_path` picks `name-1.md`, `name-2.md` ... for callers that want a
new name instead of an error. Pure stdlib + core; no UI imports.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from neurotui.core.doctor.advice import fix_line
from neurotui.core.errors import ConfigError
from neurotui.core.lesson import XOR_Y
from neurotui.core.model.activations import get_activation
from neurotui.core.model.config import XorConfig, is_linear, layer_sizes, shape_of
from neurotui.core.numbers import cell, fixed, lesson_round, short
from neurotui.core.training.resolved import Resolved, resolve

DEFAULT_CARD_NAME = "neurotui-card.md"
PROBE_ACTIVATION = "identity"
CONTRAST_ACTIVATION = "tanh"  # the lesson's; the probe of a run that already has no activation
MAX_FRESH_TRIES = 10_000


class CardError(ConfigError):
    """The card cannot be written; the message is one line, shown as-is."""


# ---------------------------------------------------------------- the probe



def _steps(n: int) -> str:
    """'1 step', '2000 steps'."""
    return f"{n} step{'' if n == 1 else 's'}"

def probe_changes(config: XorConfig) -> dict:
    """What the failure probe of `config` changes: the hidden activation removed.

    A run that already has no hidden activation is contrasted with the lesson's
    Tanh instead, so the card always compares "with" against "without".
    """
    if config.layers == 0:  # the perceptron: contrasted with the lesson's hidden layer
        return {"layers": XorConfig().layers, "activation": CONTRAST_ACTIVATION}
    linear = get_activation(config.activation).linear
    return {"activation": CONTRAST_ACTIVATION if linear else PROBE_ACTIVATION}


def probe_config(config: XorConfig) -> XorConfig:
    """The failure probe of `config`: same everything, hidden activation removed (`probe_changes`)."""
    return config.with_(**probe_changes(config))


def failure_probe(
    run: XorConfig | Resolved, steps: int | None = None, should_stop: Callable[[], bool] | None = None
):
    """Train `probe_config(config)` (same seed) for `steps` (default: the config's) steps.

    `run`: the run's Resolved (or its config, resolved here): the probe trains on the same data,
    shared, not read or drawn again. Returns the probe's finished Snapshot, or None when
    `should_stop` cut it short. Costs as much as the run itself (about a second for the
    lesson's 2000 steps on CPU).
    """
    from neurotui.core.training.trainer import Trainer

    run = resolve(run)
    changes = probe_changes(run.config)
    if steps is not None:
        changes["steps"] = max(1, int(steps))
    trainer = Trainer(run.with_(**changes))
    trainer.run(should_stop=should_stop)
    if not trainer.finished:
        return None
    return trainer.snapshot()


# ---------------------------------------------------------------- the text


def shape_text(run: Resolved) -> str:
    """'2-4-1', or '2-8-8-1' for two hidden layers of 8, '2-1' for the perceptron: from the run's inputs and task."""
    return shape_of(layer_sizes(run.config, run))


def network_text(run: Resolved) -> str:
    """'2-4-1 (Tanh hidden, Sigmoid output)'."""
    a = get_activation(run.config.activation)
    hidden = "no hidden layer" if run.config.layers == 0 else "no hidden activation" if a.linear else f"{a.label} hidden"
    return f"{shape_text(run)} ({hidden}, Sigmoid output)"


def _activation_name(config: XorConfig) -> str:
    a = get_activation(config.activation)
    return "None (no hidden activation)" if a.linear else a.label


def data_rows(run: Resolved, snapshot) -> list[str]:
    """Run-table rows for the data and training options; none for the lesson's own run."""
    from neurotui.core.data.datasets import OPTION_FIELDS

    config, lesson = run.config, XorConfig()
    if all(getattr(config, k) == getattr(lesson, k) for k in OPTION_FIELDS):
        return []
    r = run.options
    if config.data is not None:
        data = f"your file `{config.data}`"
    else:
        data = config.dataset + ("" if r["samples"] is None else f" ({r['samples']} samples, noise {short(r['noise'])})")
    n_train, n_val = run.split
    split = (f"{n_train} train / {n_val} validation ({short(r['val_split'])} held out, stratified)" if n_val
             else f"{n_train} train, no validation set")
    reg = ", ".join(f"{name} {short(v)}" for name, v in (("L2", config.l2), ("L1", config.l1), ("dropout", config.dropout))
                    if v) or "none"

    task = getattr(snapshot, "task", None)
    regress = task is not None and task.regress
    score, key = ("R²", "r2") if regress else ("accuracy", "accuracy")  # core.model.task
    return [
        f"| data | {data} |",
        f"| data seed | {config.data_seed} |",
        f"| split | {split} |",
        f"| input features | {', '.join(config.features)} |",
        f"| batch | {'full' if config.batch is None else config.batch} |",
        f"| regularization | {reg} |",
        f"| {score} | train {cell(getattr(snapshot, f'train_{key}', None), 3)}, "
        f"validation {cell(getattr(snapshot, f'val_{key}', None), 3)} |",
        f"| loss on the whole sets | train {cell(getattr(snapshot, 'train_loss', None), 4)}, "
        f"validation {cell(getattr(snapshot, 'val_loss', None), 4)} |",
    ]


def card_markdown(
    run: XorConfig | Resolved,
    snapshot,
    probe=None,
    *,
    grid=None,
    ascii: bool = False,
    neuron=None,
    extra: str = "",
) -> str:
    """The card for the run `snapshot` of `run` (its Resolved, or its config, resolved here once), as Markdown.

    probe: the failure probe's Snapshot (see failure_probe), or None if not run.
    grid: probability rows for the boundary; defaults to snapshot.boundary.
    ascii: ASCII-only text (boundary shades, arithmetic); otherwise Unicode.
    neuron: a core.model.neuron.NeuronResult; defaults to the lesson's neuron.
    extra: Markdown appended at the end (the guided lesson's predictions beside the measurements).
    """
    run = resolve(run)
    if run.config.data is not None:  # a file's run: that file's card, not the lesson's
        from neurotui.core.course.filecard import file_card_markdown

        return file_card_markdown(run, snapshot, probe, ascii=ascii, extra=extra)
    from neurotui.core.model import neuron as neuron_mod

    config = run.config
    cell = neuron if neuron is not None else neuron_mod.compute()
    grid = grid if grid is not None else getattr(snapshot, "boundary", None)
    out = ["# neurotui result card", "",
           'Evidence to keep from "From Neurons to Multilayer Perceptrons": one run of the tiny MLP on XOR.', ""]
    out += _run_section(run, snapshot)
    out += _result_section(config, snapshot)
    out += _probe_section(config, snapshot, probe)
    if grid:
        out += _boundary_section(grid, ascii)
    out += _evidence_section(run, snapshot, probe, cell, ascii)
    if extra:
        out.append(extra)
    return "\n".join(out)


def _run_section(run: Resolved, snapshot) -> list[str]:
    """## Run: the settings table, the command that reproduces it, and any weights edited by hand."""
    config = run.config
    reproduce = " ".join(p for p in ("neurotui lab", config.cli_args()) if p)
    status = f"{snapshot.step} of {snapshot.total}"
    if not snapshot.finished:
        status += " (still training)"
    elif snapshot.step < snapshot.total:
        status += " (stopped early)"
    out = [
        "## Run", "",
        "| setting | value |",
        "|---|---|",
        f"| network | {network_text(run)} |",
        f"| hidden activation | {_activation_name(config)} |",
        "| loss | BCELoss |",
        f"| optimizer | {'Adam' if config.optimizer == 'adam' else 'SGD'}, lr {short(config.lr)} |",
        f"| steps | {status} |",
        f"| seed | {config.seed} |",
        f"| device | {config.device} |",
        f"| final loss | {lesson_round(snapshot.loss)} |",
        *data_rows(run, snapshot),  # dataset, split, regularization, both accuracies
        "",
        f"Reproduce: `{reproduce}`",
        "",
    ]
    edits = getattr(snapshot, "edits", ())
    if edits:  # the command line alone cannot make these: say so, and list them
        out += [f"**Weights edited by hand** ({len(edits)}), so the command above does not reproduce this run:", "",
                "\n".join(f"- {e.describe()}" for e in edits), ""]
    return out


def _result_section(config: XorConfig, snapshot) -> list[str]:
    """## XOR result: the lesson's own output lines, and the diagnosis."""
    diag = snapshot.diagnosis
    kind = "" if diag.kind == diag.title else f" ({diag.kind})"
    return [
        "## XOR result", "", "```", "xor_mlp", *snapshot.rows(),
        f"final_loss= {round(snapshot.loss, 4) if math.isfinite(snapshot.loss) else snapshot.loss}",
        "```", "",
        f"Diagnosis: **{diag.title}**{kind}: {diag.detail}" + (f". Fix: {fix_line(diag, config)}." if diag.fix else ""),
        "",
    ]


def _probe_section(config: XorConfig, snapshot, probe) -> list[str]:
    """## Failure probe: this run beside the same run without a hidden activation, if it was run."""
    out = ["## Failure probe", ""]
    if probe is None:
        out.append("Not run: train the same config with `--activation identity` and compare final_loss.")
    else:
        pconf = probe_config(config)
        out += [
            "Same config and seed, hidden activation changed:", "",
            "| run | hidden activation | final loss | predictions | diagnosis |",
            "|---|---|---|---|---|",
            f"| this run | {_activation_name(config)} | {lesson_round(snapshot.loss)} | {list(snapshot.preds)} "
            f"| {snapshot.diagnosis.title} |",
            f"| probe | {_activation_name(pconf)} | {lesson_round(probe.loss)} | {list(probe.preds)} "
            f"| {probe.diagnosis.title} |",
        ]
    return out + [""]


def _boundary_section(grid, ascii: bool) -> list[str]:
    """## Decision boundary: the probability grid, shaded, in a frame."""
    from neurotui.core.model.boundary import HIGH, LOW, render

    lines = render(grid, ascii=ascii)
    edge = "+" + "-" * len(lines[0]) + "+"
    return [
        "## Decision boundary", "",
        f"x1 across, x2 up, both from {short(LOW)} to {short(HIGH)}; denser shading = closer to 1, blank = closer to 0; "
        "the digits are the XOR points, written as their true labels.",
        "", "```", edge, *(f"|{line}|" for line in lines), edge, "```", "",
    ]


def _evidence_section(run: Resolved, snapshot, probe, cell, ascii: bool) -> list[str]:
    """## Evidence to Keep: the lesson's four claims, each with this run's numbers."""
    config = run.config
    act, loss, diag = _activation_name(config), lesson_round(snapshot.loss), snapshot.diagnosis
    targets, preds = [int(y) for y in XOR_Y], list(snapshot.preds)
    sig, relu = cell.activations["sigmoid"], cell.activations["relu"]
    out = ["## Evidence to Keep", "",
           f"- **Single Neuron**: z = x @ w + b, activation changes the signal. "
           f"{cell.arithmetic(ascii=ascii)}; sigmoid = {round(sig, 3)}, relu = {round(relu, 3)}."]
    if preds == targets:
        out.append(f"- **XOR result**: {targets} recovered by a tiny MLP ({shape_text(run)}, {act} hidden) "
                   f"in {_steps(snapshot.step)}, final_loss {loss}.")
    else:
        out.append(f"- **XOR result**: not recovered: predicted {preds} for {targets} "
                   f"after {_steps(snapshot.step)}, final_loss {loss} ({diag.title}).")
    if probe is None:
        out += ["- **Core Reason**: nonlinear hidden layers create intermediate features "
                "(run the failure probe to see it in numbers).",
                "- **Failure Probe**: remove hidden activation and compare final_loss: not run."]
    else:
        linear = is_linear(config)
        with_loss, without_loss = (probe.loss, snapshot.loss) if linear else (snapshot.loss, probe.loss)
        with_name = CONTRAST_ACTIVATION.capitalize() if linear else get_activation(config.activation).label
        out += [f"- **Core Reason**: nonlinear hidden layers create intermediate features: with {with_name} the "
                f"loss reaches {lesson_round(with_loss)}; without a hidden activation the layers collapse into "
                f"one linear map and it stays at {lesson_round(without_loss)} (ln 2 = {fixed(math.log(2), 4)}).",
                f"- **Failure Probe**: remove hidden activation and compare final_loss: "
                f"{lesson_round(without_loss)} without vs {lesson_round(with_loss)} with {with_name}."]
    return out + [""]


# ---------------------------------------------------------------- writing


def _reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


def check_card_path(path) -> Path:
    """Fail early (CardError) when `path` is taken or its directory cannot take a file."""
    p = Path(path).expanduser()
    if p.is_dir():
        raise CardError(f"cannot write card: {str(path)!r} is a directory")
    if p.exists() or p.is_symlink():
        raise CardError(f"cannot write card: {str(path)!r} already exists (not overwriting it; choose another name)")
    parent = p.parent
    if not parent.exists():
        raise CardError(f"cannot write card to {str(path)!r}: directory {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise CardError(f"cannot write card to {str(path)!r}: {str(parent)!r} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CardError(f"cannot write card to {str(path)!r}: directory {str(parent)!r} is not writable")
    return p


def fresh_path(path) -> Path:
    """`path` if free, else the first free of name-1.ext, name-2.ext, ... beside it."""
    for candidate in _candidates(Path(path).expanduser(), fresh=True):
        if not (candidate.exists() or candidate.is_symlink()):
            return candidate
    raise CardError(f"cannot write card: no free name like {str(path)!r}")


def _candidates(p: Path, fresh: bool):
    yield p
    if fresh:
        for i in range(1, MAX_FRESH_TRIES):
            yield p.with_name(f"{p.stem}-{i}{p.suffix}")


def write_card(path, text: str, *, fresh: bool = False) -> Path:
    """Write `text` to `path` atomically and return the path written.

    An existing file is never replaced: CardError, unless fresh=True, which takes
    the first free name of `fresh_path`. Any failure leaves no file behind and
    raises CardError with a one-line reason.
    """
    given = str(path)
    p = Path(path).expanduser()
    if not fresh:
        check_card_path(p)
    elif p.is_dir():
        raise CardError(f"cannot write card: {given!r} is a directory")
    parent = p.parent
    if not parent.is_dir():
        check_card_path(p)  # raises the precise message
    data = text.encode("utf-8")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise CardError(f"cannot write card to {given!r}: {_reason(exc)}") from None
    try:
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            return _place(tmp, p, fresh, given)
        except OSError as exc:
            raise CardError(f"cannot write card to {given!r}: {_reason(exc)}") from None
    finally:
        try:
            os.unlink(tmp)  # already gone after os.replace
        except OSError:
            pass


def _place(tmp: str, p: Path, fresh: bool, given: str) -> Path:
    """Move tmp to the first free candidate; a hard link refuses taken names atomically."""
    for candidate in _candidates(p, fresh):
        try:
            os.link(tmp, candidate)
            return candidate
        except FileExistsError:
            if not fresh:
                raise CardError(
                    f"cannot write card: {given!r} already exists (not overwriting it; choose another name)"
                ) from None
            continue
        except OSError:
            # No hard links on this file system: check, then rename over nothing.
            if candidate.exists() or candidate.is_symlink():
                if not fresh:
                    raise CardError(
                        f"cannot write card: {given!r} already exists (not overwriting it; choose another name)"
                    ) from None
                continue
            os.replace(tmp, candidate)
            return candidate
    raise CardError(f"cannot write card: no free name like {given!r}")


def save_card(
    config: XorConfig,
    snapshot,
    path,
    *,
    probe=None,
    ascii: bool = False,
    fresh: bool = False,
    grid=None,
    extra: str = "",
) -> Path:
    """card_markdown + write_card in one call; returns the path written."""
    return write_card(path, card_markdown(config, snapshot, probe, grid=grid, ascii=ascii, extra=extra), fresh=fresh)
