"""The PyTorch code of a run: a standalone script in the lesson's own style.

`script_for(run)` returns a Python program that imports only torch and the standard
library and, run with plain `python`, prints on stdout exactly what `neurotui lab [options]`
prints there: the same seed, the same nn.Linear draws, the data written out (the generator
of a spiral, the csv reading of a file, the stratified split), minibatches shuffled and
dropout masks drawn from torch's global generator as the lab draws them from its own, the
loop with zero_grad / backward / step, and the same evaluation and printing. The doctor's
verdict is neurotui's commentary, printed by `lab` on stderr, so it is not in the script.
With default options it is the lesson's program and prints the lesson's output. An injected
bug (core.course.bugs) is written in as the one line a learner would get wrong, marked
`# BUG (name)`, so `bug_line` can point at it.

Every function here takes the run's `Resolved` (core.training.resolved; a plain XorConfig is
resolved once on the way in): its task, mistakes, rows and file are decided there, never asked again.

Pure stdlib + core: no torch import here (the app shows the code before torch loads).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from neurotui.core.course.script_data import (
    XOR_X_LITERAL,
    XOR_Y_LITERAL,
    data_lines,
    evaluate_lines,
    evaluation_lines,
    number,
    stop_counts,
)
from neurotui.core.data.datasets import DEFAULT_FEATURES
from neurotui.core.doctor.diagnosis import SATURATION_CHECK_EVERY
from neurotui.core.errors import ConfigError
from neurotui.core.model.activations import get_activation
from neurotui.core.model.config import XorConfig, layer_sizes
from neurotui.core.training.resolved import Resolved, resolve

DEFAULT_SCRIPT_NAME = "neurotui-lab.py"
BUG_MARK = "# BUG ("

# How each input feature is computed from the raw columns, exactly as core.data.datasets.feature_columns does.
_FEATURE_CODE = {
    "x1": "x1", "x2": "x2", "x1x2": "x1 * x2", "x1sq": "x1 * x1", "x2sq": "x2 * x2",
    "sinx1": "torch.sin(x1)", "sinx2": "torch.sin(x2)",
}


def _features_lines(run: Resolved, features) -> list[str]:
    """def features(x): the network's inputs from the raw columns (a file of K inputs: the plotted pair's
    features, then its other columns as read), as core.data.feature_columns computes them."""
    stack = f"torch.stack([{', '.join(_FEATURE_CODE[f] for f in features)}], 1)"
    if run.table is None or len(run.table.names) <= 2:
        return ["def features(x):",
                f'    """The network\'s inputs, computed from the raw (x1, x2): {", ".join(features)}."""',
                "    x1, x2 = x[:, 0], x[:, 1]", f"    return {stack}"]
    names, (i, j) = run.table.names, run.pair
    others = [c for c in range(len(names)) if c not in (i, j)]
    return ["def features(x):",
            f'    """The network\'s inputs: {", ".join(features)} of x1 = {names[i]}, x2 = {names[j]}, '
            f'then the other {len(others)} columns as read."""',
            f"    x1, x2 = x[:, {i}], x[:, {j}]",
            f"    return torch.cat([{stack}, x[:, {others}]], 1)"]


class ScriptError(ConfigError):
    """The script cannot be made or written; one line, shown as-is."""


def _check(run: XorConfig | Resolved) -> Resolved:
    """The run's facts, decided once (a Resolved passes through); ScriptError for a run the script cannot be."""
    run = resolve(run)
    if run.config.device != "cpu":  # CUDA's kernels (and its own dropout generator) round differently
        raise ScriptError(f"--script writes the CPU run, and --device {run.config.device} may train elsewhere, "
                          "with other last digits: drop --device")
    return run


def _config_of(run: XorConfig | Resolved) -> XorConfig:
    return run.config if isinstance(run, Resolved) else run


def _threads_line(run: Resolved) -> str:
    """The one line that gives the script the threads neurotui trains this run with: the Trainer's
    own choice (threads.run_size of the training rows), so the script rounds as the lab did."""
    from neurotui.core.training import threads

    return threads.script_line(threads.run_size(run.config, run.split[0]))


def _edit_lines(edits) -> list[str]:
    """The app's hand edits, which no option reproduces: listed, so the script never hides them."""
    if not edits:
        return []
    return ["#", "# Weights you edited by hand in neurotui; this script does not make these edits:",
            *(f"#   {e.describe()}" for e in edits)]


def script_lines(run: XorConfig | Resolved, log_every: int | None = None, edits=()) -> list[str]:
    """The script as a list of lines (no newlines); line i+1 of the file is element i."""
    from neurotui.core.course.bugs import BUG_LR

    run = _check(run)
    config = run.config
    bug, m = config.bug, run.mistakes
    out = _opening_lines(run, edits)
    data, train_x, train_y = _training_data_lines(run)
    out += data
    features = tuple(config.features)
    if features != DEFAULT_FEATURES:
        out += ["", "", *_features_lines(run, features)]
    out += ["", "", *_blown_up_lines(run)]
    out += _model_lines(run)
    out += _optimizer_lines(config, m.lr, f"  {BUG_MARK}{bug}): a learning rate far too {bug[3:]}"
                            if bug in BUG_LR else "")
    flat = f"  {BUG_MARK}{bug}): shape [n], but the model outputs [n, 1]"
    out += _loop_lines(run, train_x, train_y, flat, log_every)
    out += _result_lines(run)
    return out


def _opening_lines(run: Resolved, edits) -> list[str]:
    """What the script is, its imports, threads and seed, and the lesson's neuron (not for a file's run)."""
    config = run.config
    args = config.cli_args()
    out = [
        f"# neurotui lab{' ' + args if args else ''}, as a standalone PyTorch script.",
        "# Run it with plain python: it prints on stdout exactly what that command prints there.",
        *_edit_lines(edits),
        "import math" if config.data is None else "import csv\nimport math",
        "",
        "import torch",
        "import torch.nn as nn",
        "",
        _threads_line(run),
        f"torch.manual_seed({config.seed})",
        "",
    ]
    if config.data is None:  # the lesson's neuron opens the lesson's runs, not a file's
        out += [
            "x = torch.tensor([[0.8, 0.3, 0.5]])",
            "w = torch.tensor([[0.2], [-0.4], [0.6]])",
            "b = torch.tensor([0.1])",
            "z = x @ w + b",
            'print("single_neuron")',
            'print("z=", round(float(z.item()), 3))',
            'print("sigmoid=", round(float(torch.sigmoid(z).item()), 3))',
            'print("relu=", round(float(torch.relu(z).item()), 3))',
            "",
        ]
    return [part for line in out for part in line.split("\n")]


def _training_data_lines(run: Resolved) -> tuple[list[str], str, str]:
    """The rows trained on (the lesson's xor_x / xor_y, or the data section), and their names."""
    bug = run.config.bug
    if run.lesson_data:
        if run.mistakes.flat_target:
            target = f"xor_y = torch.tensor([0., 1., 1., 0.])  {BUG_MARK}{bug}): shape [4], but the model outputs [4, 1]"
        else:
            target = f"xor_y = {XOR_Y_LITERAL}"
        return [f"xor_x = {XOR_X_LITERAL}", target], "xor_x", "xor_y"
    out = list(data_lines(run))
    rows = "fit" if run.early_stop else "train"  # early stopping trains on the rows it does not watch
    train_y = f"{rows}_y"
    if run.task.kind == "classes":
        out.append(f"{rows}_targets = {rows}_y.flatten().long()  # class indices [n], as nn.CrossEntropyLoss takes them")
        train_y = f"{rows}_targets"
        if run.early_stop:
            out.append("stop_targets = stop_y.flatten().long()")
    return out, f"{rows}_x", train_y


def _model_lines(run: Resolved) -> list[str]:
    """class TinyMLP, the model and its loss function."""
    config, task, m = run.config, run.task, run.mistakes
    out = ["", "", "class TinyMLP(nn.Module):", "    def __init__(self):", "        super().__init__()",
           "        self.net = nn.Sequential("]
    act = f"nn.{get_activation(config.activation).torch_name}()"
    sizes = layer_sizes(config, run)
    for i, (fan_in, fan_out) in enumerate(sizes):
        out.append(f"            nn.Linear({fan_in}, {fan_out}),")
        if i < len(sizes) - 1:
            out.append(f"            {act},")
            if config.dropout:
                out.append(f"            nn.Dropout({number(config.dropout)}),  # while training only")
    out += _output_lines(task, m, config.bug)
    forward = "self.net(x)" if tuple(config.features) == DEFAULT_FEATURES else "self.net(features(x))"
    out += ["        )", "", "    def forward(self, x):", f"        return {forward}", "", "",
            "model = TinyMLP()"]
    if m.mse_loss:
        out.append("loss_fn = nn.MSELoss()  # with MSELoss the flat target broadcasts instead of failing")
    else:
        out.append(f"loss_fn = nn.{ {'binary': 'BCELoss', 'classes': 'CrossEntropyLoss'}.get(task.kind, 'MSELoss')}()")
    return out


def _result_lines(run: Resolved) -> list[str]:
    """After training: the lesson's four rows and final_loss, or the data's evaluation; then the error, if any."""
    if run.lesson_data:
        out = [
            "with torch.no_grad():",
            "    prob = model(xor_x)",
            "    pred = (prob >= 0.5).float()",
            'print("xor_mlp")',
            "for row, p, y_hat in zip(xor_x.tolist(), prob.squeeze().tolist(), pred.squeeze().tolist()):",
            '    print(f"x={row} prob={p:.3f} pred={int(y_hat)}")',
            'print("final_loss=", round(losses[-1] if losses else math.nan, 4))',
        ]
    else:
        out = evaluation_lines(run)
    return out + [
        "if error is not None:  # the first line of PyTorch's message, as neurotui shows it",
        '    print(f"stopped at step {len(losses) + 1}: {type(error).__name__}: {str(error).strip().splitlines()[0]}")',
    ]


def _optimizer_lines(config: XorConfig, lr: float, lr_bug: str) -> list[str]:
    out = []
    params = "model.parameters()"
    if config.l1 or config.l2:
        out += ["weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]",
                "biases = [m.bias for m in model.modules() if isinstance(m, nn.Linear)]"]
    if config.l2:  # weight decay on the weights only: a penalty on biases would shift the boundary for nothing
        params = f'[{{"params": weights, "weight_decay": {number(config.l2)}}}, {{"params": biases, "weight_decay": 0.0}}]'
    if config.optimizer == "sgd":
        out.append(f"optimizer = torch.optim.SGD({params}, lr={number(lr)}){lr_bug}")
    else:
        # neurotui trains with fused Adam: the same update in one kernel, rounded differently
        # from the plain loop in its last bits, which a long run can grow into other digits.
        out.append("# fused=True: Adam as neurotui runs it, so every digit printed below matches")
        out.append(f"optimizer = torch.optim.Adam({params}, lr={number(lr)}, fused=True){lr_bug}")
    return out


def _output_lines(task, m, bug) -> list[str]:
    """What follows the last nn.Linear: the task's output activation (core.model.task.output_layers)."""
    mark = f"  {BUG_MARK}{bug}): "
    if task.kind == "classes":
        if bug == "softmax-before-ce":
            return [f"            nn.Softmax(dim=1),{mark}probabilities handed to a loss that applies log-softmax itself"]
        return ["            # no softmax: nn.CrossEntropyLoss applies log-softmax to the K scores itself"]
    if task.regress:
        if bug == "sigmoid-for-regression":
            return [f"            nn.Sigmoid(),{mark}squashes the prediction into (0, 1)"]
        return ["            # no output activation: a regression predicts any number"]
    if m.output_sigmoid:
        return ["            nn.Sigmoid(),"]
    return [f"            # nn.Sigmoid(),{mark}left out, so BCELoss gets raw scores"]


def _blown_up_lines(run: Resolved) -> list[str]:
    """Where neurotui stops a run it calls blown up (checked every SATURATION_CHECK_EVERY steps)."""
    doc = ['    """Where neurotui stops a run: outputs pinned at exactly 0 or 1 on the wrong side give a finite',
           '    loss above 5 (BCELoss clamps log(0) at -100), not nan, and training on cannot bring them back."""']
    if not run.task.binary:  # only BCELoss clamps: a K-class or regression run is never stopped so
        return evaluate_lines(run)
    if not run.lesson_data:
        return [*evaluate_lines(run), "", "", "def blown_up():", *doc,
                "    train_loss = evaluate(train_x, train_y)[0]",
                "    return math.isfinite(train_loss) and train_loss > 5.0"]
    return [
        "def blown_up():", *doc,
        "    if losses[-1] <= 5.0:",
        "        return False",
        *(["    model.eval()  # dropout off"] if run.config.dropout else []),
        "    with torch.no_grad():",
        "        probs = model(xor_x).squeeze(1).tolist()",
        "    return all(map(math.isfinite, probs)) and any(",
        "        (p >= 0.5) != (t == 1.0) and (p < 1e-6 or p > 1 - 1e-6) for p, t in zip(probs, [0.0, 1.0, 1.0, 0.0]))",
    ]


def _loop_lines(run: Resolved, train_x: str, train_y: str, flat: str, log_every: int | None) -> list[str]:
    """The training loop: minibatches, the guarded loss, zero_grad / backward / step, the log."""
    config, m = run.config, run.mistakes
    n_train = run.split[0] - sum(stop_counts(run))  # the rows trained on
    batched = config.batch is not None and config.batch < n_train
    out = ["", "losses = []", "error = None  # what PyTorch raised, if it refused a step"]
    if run.early_stop:
        out.append("best_loss, best_step, best_weights, stopped_at = math.inf, None, None, None  # early stopping")
        out.append("restored = False  # the best weights put back: final_loss is then theirs")
    xb, yb = train_x, train_y
    if batched:
        per_epoch = -(-n_train // config.batch)
        out += [f"# minibatches: every {per_epoch} steps (an epoch) the {n_train} training rows are shuffled",
                f"# by torch's generator (seeded above) and taken {config.batch} at a time"]
        xb, yb = f"{train_x}[rows]", f"{train_y}[rows]"
    out.append(f"for step in range({config.steps}):")
    if config.dropout:
        out.append("    model.train()  # dropout on while training (blown_up and the evaluation turn it off)")
    if batched:
        out += [f"    if step % {per_epoch} == 0:",
                f"        order = torch.randperm({n_train})",
                f"    batch = step % {per_epoch}",
                f"    rows = order[batch * {config.batch}:(batch + 1) * {config.batch}]"]
    target = yb
    flat_line = ""
    if m.flat_target and train_y != "xor_y":
        target, flat_line = f"{yb}.flatten()", flat
    out += [
        f"    pred = model({xb})",
        "    try:",
        f"        loss = loss_fn(pred, {target}){flat_line}",
        "    except (ValueError, RuntimeError) as exc:  # PyTorch refused this step: the run stops here",
        "        if torch.isfinite(pred).all():  # (a model gone nan is a diverged run, not a mistake)",
        "            error = exc",
        "        break",
    ]
    out += _update_lines(config, m)
    out += _log_and_stop_lines(run, log_every)
    if config.dropout:
        out.append("model.eval()")
    out += _keep_best_lines(run)
    out.append("")
    return out


def _early_stop_lines(run: Resolved) -> list[str]:
    """In the loop, after the step: early stopping's look at its slice (core.training.early_stop.EarlyStop)."""
    if not run.early_stop:
        return []
    from neurotui.core.training.early_stop import CHECK_EVERY, PATIENCE

    target = "stop_targets" if run.task.kind == "classes" else "stop_y"
    return [
        f"    if (step + 1) % {CHECK_EVERY} == 0:  # early stopping: the held-out rows' loss",
        *(["        model.eval()  # dropout off"] if run.config.dropout else []),
        "        with torch.no_grad():",
        f"            stop_loss = loss_fn(model(stop_x), {target}).item()",
        "        if stop_loss < best_loss:  # strictly lower: a tie keeps the earlier weights",
        "            best_loss, best_step = stop_loss, step + 1",
        "            best_weights = [p.detach().clone() for p in model.parameters()]",
        f"        elif best_step is not None and step + 1 - best_step >= {PATIENCE}:  # no lower loss for {PATIENCE} steps",
        "            stopped_at = step + 1",
        "            break",
    ]


def _keep_best_lines(run: Resolved) -> list[str]:
    """After the loop: early stopping's best weights replace the last (not after a refusal or a nan)."""
    if not run.early_stop:
        return []
    return [
        f"if best_weights is not None and (stopped_at is not None or len(losses) == {run.config.steps}) "
        "and error is None and math.isfinite(losses[-1]):",
        "    with torch.no_grad():",
        "        for p, best in zip(model.parameters(), best_weights):",
        "            p.copy_(best)",
        "    restored = best_step != len(losses)  # earlier weights than the last step's",
    ]


def _update_lines(config: XorConfig, m) -> list[str]:
    """The lesson's zero_grad / backward / step, with L1 in the backward, or the bug's line left out."""
    bug = config.bug
    out = []
    if m.zero_grad:
        out.append("    optimizer.zero_grad()")
    else:
        out.append(f"    # optimizer.zero_grad()  {BUG_MARK}{bug}): left out, so every step's gradients add up")
    if config.l1:
        out.append(f"    (loss + {number(config.l1)} * sum(w.abs().sum() for w in weights)).backward()  # L1 on the weights")
    else:
        out.append("    loss.backward()")
    if m.step:
        out.append("    optimizer.step()")
    else:
        out.append(f"    # optimizer.step()  {BUG_MARK}{bug}): left out, so the weights never change")
    return out


def _log_and_stop_lines(run: Resolved, log_every: int | None) -> list[str]:
    """Each step's loss kept and logged, the stop on nan (or a blown-up binary model), the last log line."""
    out = ["    losses.append(loss.item())"]
    if log_every:
        out += [f"    if (step + 1) % {log_every} == 0:",
                '        print(f"step={step + 1} loss={losses[-1]:.4f}")']
    if run.task.binary:
        out += ["    if not math.isfinite(losses[-1]) or (step + 1) % "
                f"{SATURATION_CHECK_EVERY} == 0 and blown_up():  # gone nan, or blown up: stop", "        break"]
    else:
        out += ["    if not math.isfinite(losses[-1]):  # gone nan: stop", "        break"]
    out += _early_stop_lines(run)
    if log_every:
        out += [f"if len(losses) % {log_every}:  # stopped between two log lines: log where",
                '    print(f"step={len(losses)} loss={losses[-1]:.4f}")']
    return out


def script_for(run: XorConfig | Resolved, log_every: int | None = None, edits=()) -> str:
    """The standalone script of `run`, ending with a newline; `edits`: the app's hand edits."""
    return "\n".join(script_lines(run, log_every, edits)) + "\n"


def script_text(run: XorConfig | Resolved, log_every: int | None = None, *, others: bool = False, save=None) -> str:
    """`neurotui lab --script`: the script alone; `others` (--json, --boundary, --card asked too) is refused.
    `save` (--save PATH): the script keeps its model there and loads it back, in plain torch."""
    if others:
        raise ScriptError("--script prints only the script: drop --json, --boundary and --card")
    run = _check(run)
    text = script_for(run, log_every)
    if save is None:
        return text
    if run.config.data is None:
        raise ScriptError("--save keeps a --data file's model")
    from neurotui.core.course.script_data import save_lines

    return text + "\n".join(save_lines(run, str(save))) + "\n"


def bug_line(run: XorConfig | Resolved) -> int | None:
    """The 1-based line of the script that holds the injected mistake, None without a bug."""
    if _config_of(run).bug is None:
        return None
    for i, line in enumerate(script_lines(run), start=1):
        if BUG_MARK in line:
            return i
    return None


def changed_lines(old: XorConfig | Resolved, new: XorConfig | Resolved) -> list[int]:
    """1-based lines of new's script that differ from old's (the header comment aside)."""
    a, b = script_lines(old), script_lines(new)
    a[0] = b[0] = ""  # the header names the options; every change would mark it
    lines: list[int] = []
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            lines += range(j1 + 1, j2 + 1)
        elif tag == "delete" and j1 < len(b):
            lines.append(j1 + 1)  # a line taken out: mark where it was
    return sorted(set(lines))


def changed_line(old: XorConfig | Resolved, new: XorConfig | Resolved) -> int | None:
    """The first line the change from old to new touched (e.g. `nn.ReLU(),` after `a`), or None."""
    lines = changed_lines(old, new)
    return lines[0] if lines else None


def write_script(run: XorConfig | Resolved, path=DEFAULT_SCRIPT_NAME, *, fresh: bool = True,
                 log_every: int | None = None, edits=()) -> Path:
    """Write the script atomically, never over an existing file (fresh: name-1.py, name-2.py ...)."""
    from neurotui.core.course.card import CardError, write_card

    text = script_for(run, log_every, edits)
    try:
        return write_card(path, text, fresh=fresh)
    except CardError as exc:  # the card writer's messages say "card"; here it is the script
        raise ScriptError(str(exc).replace("write card", "write script")) from None
