"""The PyTorch code of a run: a standalone script in the lesson's own style.

`script_for(config)` returns a Python program that imports only torch and, run
with plain `python`, prints exactly what `neurotui lab [options]` prints: the
same seed, the same nn.Linear draws, the same loop with zero_grad / backward /
step, and (when XOR is not solved) the same doctor's line, worked out by a
small doctor written plainly at the end. With default options it is the
lesson's program and prints the lesson's output. An injected bug (core.bugs)
is written into the script as the one line a learner would get wrong, marked
`# BUG (name)`, so `bug_line` can point at it.

Pure stdlib + core: no torch import here (the app shows the code before torch loads).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from neurotui.core.course.script_doctor import DOCTOR_MEASURE, DOCTOR_VERDICT
from neurotui.core.doctor.diagnosis import SATURATION_CHECK_EVERY
from neurotui.core.errors import ConfigError
from neurotui.core.model.activations import get_activation
from neurotui.core.model.config import XorConfig, is_linear, layer_sizes

DEFAULT_SCRIPT_NAME = "neurotui-lab.py"
BUG_MARK = "# BUG ("

# Options the script does not write yet; lab's output for them differs from the lesson's format.
_UNSCRIPTED = {"dataset": "xor", "data": None, "val_split": None, "batch": None, "dropout": 0.0}
DEFAULT_FEATURES = ("x1", "x2")
# How each input feature is computed from the raw columns, exactly as core.data.feature_columns does.
_FEATURE_CODE = {
    "x1": "x1", "x2": "x2", "x1x2": "x1 * x2", "x1sq": "x1 * x1", "x2sq": "x2 * x2",
    "sinx1": "torch.sin(x1)", "sinx2": "torch.sin(x2)",
}


class ScriptError(ConfigError):
    """The script cannot be made or written; one line, shown as-is."""


def _number(v: float) -> str:
    """The shortest literal that is exactly `v`: 0.1, 100, 1e-05."""
    text = f"{v:g}"
    return text if float(text) == v else repr(float(v))


def _check(config: XorConfig) -> XorConfig:
    config = config.validated()
    for key, default in _UNSCRIPTED.items():
        value = getattr(config, key, default)
        if value not in (default, None) and not (key == "val_split" and not value):
            flag = "--" + key.replace("_", "-")
            raise ScriptError(f"--script covers the lesson's four XOR rows only, not {flag} yet")
    return config


def script_lines(config: XorConfig, log_every: int | None = None) -> list[str]:
    """The script as a list of lines (no newlines); line i+1 of the file is element i."""
    from neurotui.core.course.bugs import BUG_LR, mistakes

    config = _check(config)
    bug, m = config.bug, mistakes(config)
    act = f"nn.{get_activation(config.activation).torch_name}()"
    args = config.cli_args()
    out = [
        f"# neurotui lab{' ' + args if args else ''}, as a standalone PyTorch script.",
        "# Run it with plain python: it prints exactly what that command prints.",
        "import math",
        "",
        "import torch",
        "import torch.nn as nn",
        "",
        f"torch.manual_seed({config.seed})",
        "",
        "x = torch.tensor([[0.8, 0.3, 0.5]])",
        "w = torch.tensor([[0.2], [-0.4], [0.6]])",
        "b = torch.tensor([0.1])",
        "z = x @ w + b",
        'print("single_neuron")',
        'print("z=", round(float(z.item()), 3))',
        'print("sigmoid=", round(float(torch.sigmoid(z).item()), 3))',
        'print("relu=", round(float(torch.relu(z).item()), 3))',
        "",
        "xor_x = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])",
    ]
    features = tuple(getattr(config, "features", DEFAULT_FEATURES))
    inputs = "xor_x"
    feature_lines: list[str] = []
    if features != DEFAULT_FEATURES:
        inputs = "inputs"
        feature_lines = [f"# the input features ({','.join(features)}): the network sees these columns, not (x1, x2)",
                "x1, x2 = xor_x[:, 0], xor_x[:, 1]",
                f"inputs = torch.stack([{', '.join(_FEATURE_CODE[f] for f in features)}], 1)"]
    if m.flat_target:
        out.append(f"xor_y = torch.tensor([0., 1., 1., 0.])  {BUG_MARK}{bug}): shape [4], but the model outputs [4, 1]")
    else:
        out.append("xor_y = torch.tensor([[0.], [1.], [1.], [0.]])")
    out += feature_lines
    out += ["", "", "class TinyMLP(nn.Module):", "    def __init__(self):", "        super().__init__()",
            "        self.net = nn.Sequential("]
    sizes = layer_sizes(config)
    for i, (fan_in, fan_out) in enumerate(sizes):
        out.append(f"            nn.Linear({fan_in}, {fan_out}),")
        if i < len(sizes) - 1:
            out.append(f"            {act},")
    if m.output_sigmoid:
        out.append("            nn.Sigmoid(),")
    else:
        out.append(f"            # nn.Sigmoid(),  {BUG_MARK}{bug}): left out, so BCELoss gets raw scores")
    out += ["        )", "", "    def forward(self, x):", "        return self.net(x)", "", "",
            "model = TinyMLP()"]
    if m.mse_loss:
        out.append("loss_fn = nn.MSELoss()  # with MSELoss the flat target broadcasts instead of failing")
    else:
        out.append("loss_fn = nn.BCELoss()")
    lr = _number(m.lr)
    lr_bug = f"  {BUG_MARK}{bug}): a learning rate far too {bug[3:]}" if bug in BUG_LR else ""
    l1, l2 = getattr(config, "l1", 0.0), getattr(config, "l2", 0.0)
    params = "model.parameters()"
    if l1 or l2:
        out += ["weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]",
                "biases = [m.bias for m in model.modules() if isinstance(m, nn.Linear)]"]
    if l2:  # weight decay on the weights only: a penalty on biases would shift the boundary for nothing
        params = f'[{{"params": weights, "weight_decay": {_number(l2)}}}, {{"params": biases, "weight_decay": 0.0}}]'
    if config.optimizer == "sgd":
        out.append(f"optimizer = torch.optim.SGD({params}, lr={lr}){lr_bug}")
    else:
        # neurotui trains with fused Adam: the same update in one kernel, rounded differently
        # from the plain loop in its last bits, which a long run can grow into other digits.
        out.append("# fused=True: Adam as neurotui runs it, so every digit printed below matches")
        out.append(f"optimizer = torch.optim.Adam({params}, lr={lr}, fused=True){lr_bug}")
    out += [
        "",
        "",
        "def blown_up(loss_value):",
        '    """Where neurotui stops a run: BCELoss clamps log(0) at -100, so outputs pinned at exactly 0 or 1',
        '    on the wrong side show as a finite loss above 5, not nan; training on cannot bring them back."""',
        "    if loss_value <= 5.0:",
        "        return False",
        "    with torch.no_grad():",
        f"        probs_now = model({inputs}).squeeze(1).tolist()",
        "    return all(map(math.isfinite, probs_now)) and any(",
        "        (p >= 0.5) != (t == 1.0) and (p < 1e-6 or p > 1 - 1e-6) for p, t in zip(probs_now, [0.0, 1.0, 1.0, 0.0]))",
        "",
        "",
        "start = [p.detach().clone() for p in model.parameters()]  # for the doctor: do the weights move?",
        "losses = []",
        "error = None",
        f"for step in range({config.steps}):",
        f"    pred = model({inputs})",
        "    try:",
        "        loss = loss_fn(pred, xor_y)",
        "    except (ValueError, RuntimeError) as exc:  # PyTorch refused this step: the run stops here",
        "        error = exc",
        "        break",
    ]
    if m.zero_grad:
        out.append("    optimizer.zero_grad()")
    else:
        out.append(f"    # optimizer.zero_grad()  {BUG_MARK}{bug}): left out, so every step's gradients add up")
    if l1:
        out.append(f"    (loss + {_number(l1)} * sum(w.abs().sum() for w in weights)).backward()  # L1 on the weights")
    else:
        out.append("    loss.backward()")
    if m.step:
        out.append("    optimizer.step()")
    else:
        out.append(f"    # optimizer.step()  {BUG_MARK}{bug}): left out, so the weights never change")
    out.append("    losses.append(loss.item())")
    if log_every:
        out += [f"    if (step + 1) % {log_every} == 0:",
                '        print(f"step={step + 1} loss={losses[-1]:.4f}")']
    out += ["    if not math.isfinite(losses[-1]) or (step + 1) % "
            f"{SATURATION_CHECK_EVERY} == 0 and blown_up(losses[-1]):", "        break"]
    if log_every:
        out += [f"if losses and (error is not None or len(losses) % {log_every} != 0):",
                '    print(f"step={len(losses)} loss={losses[-1]:.4f}")']
    out += [
        "",
        "with torch.no_grad():",
        f"    prob = model({inputs})",
        "    pred = (prob >= 0.5).float()",
        'print("xor_mlp")',
        "for row, p, y_hat in zip(xor_x.tolist(), prob.squeeze().tolist(), pred.squeeze().tolist()):",
        '    print(f"x={row} prob={p:.3f} pred={int(y_hat)}")',
        'print("final_loss=", round(losses[-1] if losses else math.nan, 4))',
        "",
    ]
    out += DOCTOR_MEASURE.splitlines()
    out.append(f"linear = {is_linear(config)}  # no hidden layer or activation: one linear map")
    out += DOCTOR_VERDICT.splitlines()
    return out


def script_for(config: XorConfig, log_every: int | None = None) -> str:
    """The standalone script of `config`, ending with a newline."""
    return "\n".join(script_lines(config, log_every)) + "\n"


def script_text(config: XorConfig, log_every: int | None = None, *, others: bool = False) -> str:
    """`neurotui lab --script`: the script alone; `others` (--json, --boundary, --card asked too) is refused."""
    if others:
        raise ScriptError("--script prints only the script: drop --json, --boundary and --card")
    return script_for(config, log_every)


def bug_line(config: XorConfig) -> int | None:
    """The 1-based line of the script that holds the injected mistake, None without a bug."""
    if config.bug is None:
        return None
    for i, line in enumerate(script_lines(config), start=1):
        if BUG_MARK in line:
            return i
    return None


def changed_lines(old: XorConfig, new: XorConfig) -> list[int]:
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


def changed_line(old: XorConfig, new: XorConfig) -> int | None:
    """The first line the change from old to new touched (e.g. `nn.ReLU(),` after `a`), or None."""
    lines = changed_lines(old, new)
    return lines[0] if lines else None


def write_script(config: XorConfig, path=DEFAULT_SCRIPT_NAME, *, fresh: bool = True,
                 log_every: int | None = None) -> Path:
    """Write the script atomically, never over an existing file (fresh: name-1.py, name-2.py ...)."""
    from neurotui.core.course.card import CardError, write_card

    text = script_for(config, log_every)
    try:
        return write_card(path, text, fresh=fresh)
    except CardError as exc:  # the card writer's messages say "card"; here it is the script
        raise ScriptError(str(exc).replace("write card", "write script")) from None
