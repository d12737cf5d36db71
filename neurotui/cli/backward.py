"""`neurotui lab --backward [--at K] [--weight NAME] [--json]`: one loss.backward() of the run, shown.

The run is trained to step K by the real Trainer; then its next step's backward pass is worked
out three ways (core.training.gradcheck) beside what SGD and Adam would do with it.
"""

from __future__ import annotations

import argparse
import json

from neurotui.cli.convert import _int
from neurotui.core.errors import ConfigError
from neurotui.core.numbers import fixed, short, sig, signed

ROWS_SHOWN = 16  # a --weight chain's rows printed one by one; the rest are in the sum
LOSS_NAMES = {"bce": "BCE", "ce": "CrossEntropy", "mse": "MSE"}


def add_options(lab: argparse.ArgumentParser) -> None:
    g = lab.add_argument_group("one backward pass")
    g.add_argument("--backward", action="store_true",
                   help="instead of the lesson's output: every parameter's gradient by the chain rule, by autograd "
                        "and by finite differences, and SGD's and Adam's update, at step K")
    g.add_argument("--at", type=_step, default=None, metavar="K", help="with --backward: train K steps first (default: 0)")
    g.add_argument("--weight", metavar="NAME", default=None,
                   help="with --backward: write NAME's chain out row by row, e.g. w2[0,1] or b1[3]")


def _step(text: str) -> int:
    v = _int(text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {v}")
    return v


def wants(args) -> bool:
    """True for --backward; ConfigError for --at or --weight without it."""
    if getattr(args, "backward", False):
        return True
    for flag in ("at", "weight"):
        if getattr(args, flag, None) is not None:
            raise ConfigError(f"--{flag} needs --backward")
    return False


def cmd_backward(args, config) -> int:
    for other in ("script", "card", "landscape", "boundary", "log_every"):
        if getattr(args, other, None):
            raise ConfigError(f"--backward prints its own result: drop --{other.replace('_', '-')}")
    at = args.at or 0
    if at > config.steps:
        raise ConfigError(f"--at {at} is past the run's last step ({config.steps}): give --steps {at} or more")
    from neurotui.core.training.gradcheck import backward_pass
    from neurotui.core.training.trainer import Trainer

    trainer = Trainer(config)
    trainer.run(at)
    if trainer.step_count < at:
        why = trainer.error or (f"non-finite {trainer.nonfinite_where}" if trainer.nonfinite_where else "saturated")
        raise ConfigError(f"--at {at}: the run stopped at step {trainer.step_count} ({why})")
    result = backward_pass(trainer, also=args.weight)
    chain = result.chain_of(args.weight) if args.weight else None  # a bad name: one line, exit 2
    if args.json:
        out = result.as_dict()
        if chain is not None:
            out["weight"] = _chain_dict(chain)
        print(json.dumps(out, indent=2))
        return 0
    print("\n".join(table_lines(result, config)))
    if chain is not None:
        print()
        print("\n".join(chain_lines(result, chain, trainer)))
    return 0


def _chain_dict(chain) -> dict:
    return {"name": chain.name, "formula": chain.formula, "penalty": chain.penalty, "sum": chain.total,
            "rows": [{"row": r.row, "factors": dict(r.factors), "product": r.product} for r in chain.rows]}


def _g(v) -> str:
    return "-" if v is None else signed(v, 6)


def table_lines(result, config) -> list[str]:
    opt = "Adam" if result.optimizer == "adam" else "SGD"
    head = (f"one backward pass at step {result.step} of the {config.shape} run: {LOSS_NAMES[result.loss_kind]} loss "
            f"{sig(result.loss, 6)} on {result.bp.rows} rows; {opt} lr {short(result.lr)}")
    if result.l1:
        head += f"; L1 {short(result.l1)} (in the loss, so in every gradient)"
    if result.weight_decay:
        head += f"; L2 {short(result.weight_decay)} (the optimizer's weight decay: in the updates, not the gradients)"
    lines = [head, "", f"{'name':<9} {'value':>11} {'chain rule':>13} {'autograd':>13} {'finite diff':>13} "
             f"{'SGD -lr*g':>12} {'Adam update':>12} {'Adam m':>12} {'Adam v':>11}"]
    for p in result.params:
        lines.append(f"{p.name:<9} {fixed(p.value, 5, sign=True):>11} {_g(p.chain):>13} {_g(p.autograd):>13} {_g(p.numeric):>13} "
                     f"{signed(p.sgd_update, 5):>12} {signed(p.adam_update, 5):>12} {signed(p.adam_m, 4):>12} {sig(p.adam_v, 4):>11}")
    auto = max(abs(p.chain - p.autograd) for p in result.params)
    nums = [abs(p.chain - p.numeric) for p in result.params if p.numeric is not None]
    lines += ["", f"largest difference: chain rule vs autograd {sig(auto, 2)}"
              + (f", chain rule vs finite difference {sig(max(nums), 2)}" if nums else "")
              + ("" if len(nums) == len(result.params) else f" (finite differences for {len(nums)} of {len(result.params)})")]
    adam = ("Adam's update is its step 1's: no state yet (m = v = 0)" if result.adam_fresh else
            f"Adam's update is the one step {result.step + 1} makes from its m and v after {result.step} steps")
    lines.append(f"SGD's update is -lr * g; {adam}")
    return lines


def chain_lines(result, chain, trainer) -> list[str]:
    p = result.find(chain.name)
    names = [n for n, _ in chain.rows[0].factors]
    lines = [f"{chain.name} = {signed(p.value, 6)} at step {result.step}; its gradient, row by row of the batch:",
             chain.formula, "",
             f"{'row':>4}  " + "   ".join(f"{n:>11}" for n in names) + f"   {'product':>12}"]
    for r in chain.rows[:ROWS_SHOWN]:
        lines.append(f"{r.row:>4}  " + " * ".join(f"{signed(v, 5):>11}" for _, v in r.factors) + f" = {signed(r.product, 5):>12}")
    if len(chain.rows) > ROWS_SHOWN:
        rest = sum(r.product for r in chain.rows[ROWS_SHOWN:])
        lines.append(f"{'...':>4}  ({len(chain.rows) - ROWS_SHOWN} more rows, together {signed(rest, 5)})")
    pad = 14 * len(names)  # the factors' columns: the products stand under " = "
    if chain.penalty:
        lines.append(f"{'L1':>4}  {'l1 * sign(w) =':>{pad}}{signed(chain.penalty, 5):>12}")
    lines.append(f"{'sum':>4}  {'':>{pad}}{signed(chain.total, 6):>12}")
    if p.layer < len(result.bp.linears):
        lines.append(f"(dL/da of unit {p.unit}: the layer above's dL/dz, sent back through its weights, "
                     f"sum over j of dL/dz{p.layer + 1}[j] * w{p.layer + 1}[j,{p.unit}])")
    lines += ["", f"chain rule {signed(p.chain, 8)}   autograd {signed(p.autograd, 8)}   finite difference {_g(p.numeric)}",
              f"SGD: w - lr*g = {signed(p.value, 6)} - {short(result.lr)} * {signed(p.chain, 6)}"
              + (f" (+ {short(result.weight_decay)} * w, weight decay)" if result.weight_decay and p.source is not None else "")
              + f" -> {signed(p.value + p.sgd_update, 6)}"]
    t = result.step + 1 if not result.adam_fresh else 1
    lines.append(f"Adam step {t}: m = {signed(p.adam_m, 5)}, v = {sig(p.adam_v, 5)} -> update {signed(p.adam_update, 6)} "
                 f"-> {signed(p.value + p.adam_update, 6)}")
    return lines
