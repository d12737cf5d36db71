"""`neurotui sweep`: many seeds at once, a row per network."""

from __future__ import annotations

import json
import sys
import time

from neurotui.cli.parser import _listed
from neurotui.core.data.datasets import is_lesson_data
from neurotui.core.errors import ConfigError
from neurotui.core.numbers import cell, fixed, loss_text, percent, short


def cmd_sweep(args) -> int:
    from neurotui.cli.data import DATA_DESTS
    from neurotui.core.sweep.config import SweepConfig, grid_configs

    if getattr(args, "preset", None) is not None:
        raise ConfigError("--preset does not apply to sweep: give the options themselves (see `neurotui presets`)")
    data = {d: getattr(args, d) for d in DATA_DESTS if getattr(args, d, None) is not None}
    lr = args.lr
    if data.get("data") is not None:  # a file's regression: lab's defaults (its lr and L2), unless typed
        from neurotui.cli.data import file_regression_defaults
        from neurotui.core.model.config import XorConfig
        from neurotui.core.training.resolved import resolve

        typed = {k: v for k, v in data.items() if k in ("data", "task", "label", "l2")}
        filled = file_regression_defaults(resolve(XorConfig(lr=lr, **typed)), args).config
        lr, data["l2"] = filled.lr, filled.l2
    base = SweepConfig.of(
        seeds=args.seeds, seed_start=args.seed_start,
        lr=lr, steps=args.steps, optimizer=args.optimizer, device=args.device, **data,
        bug=getattr(args, "bug", None),
    )
    hidden, layers, activations = _listed(args.hidden), _listed(args.layers), _listed(args.activation)
    configs = grid_configs(base, hidden, layers, activations)  # every value checked before torch is imported
    _rows = configs[0].resolved().split  # a bad file or split: one line before anything is trained
    from neurotui.core.model.device import resolve_device
    from neurotui.core.sweep.run import run_grid
    from neurotui.session.loop import import_torch

    import_torch()  # as lab: no full collection rescans torch's ~200,000 objects mid-sweep

    resolve_device(base.validated().device)  # a missing GPU is a usage error, not a traceback
    if slow := configs[0].unbatched_options:  # said on stderr: stdout stays the table (or the JSON)
        print(f"neurotui: note: {', '.join(slow)}: not in the batched program, so each seed is trained in turn "
              "by the lab's trainer (the numbers of `neurotui lab --seed s`, slower by about the number of seeds)",
              file=sys.stderr, flush=True)
    bar = _ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    results = []
    try:
        for i, result in enumerate(run_grid(base, hidden, layers, activations, progress=bar.update if bar else None,
                                               workers="all")):
            if bar:
                bar.clear()
            if args.json:
                results.append(result.summary())
                continue
            if i == 0:
                print(_header(result))
            print(_sweep_row(result), flush=True)
            if (stops := result.early_stop_summary()) is not None:  # per seed: each stopped on its own slice
                low, high = stops["kept_steps"] or ("-", "-")
                print(f"{'':>6} early stop: {stops['stopped_early']}/{stops['nets']} nets stopped early; kept the "
                      f"weights of steps {low}-{high} (median {stops['median_kept_step']})", flush=True)
    finally:
        if bar:
            bar.clear()
    if args.json:
        print(json.dumps(results, indent=2))
    return 0

_SWEEP_HEADER = (
    f"{'hidden':>6} {'layers':>6} {'activation':<10} {'seeds':>7} {'solved':>7} "
    f"{'median loss':>11} {'p90 loss':>9} {'median steps':>12} {'time':>7}  not solved"
)

def _shows_val(r) -> bool:
    """The median validation accuracy column: off the lesson's xor only, so its table stays as it was."""
    return r.median_train_accuracy is not None and not is_lesson_data(r.config.model)

def _header(r) -> str:
    from neurotui.core.model.task import task_of

    name = "val R²" if task_of(r.config.model).regress else "val acc"
    return _SWEEP_HEADER.replace("    time", f" {name:>8}    time") if _shows_val(r) else _SWEEP_HEADER

def _sweep_row(r) -> str:
    c = r.config
    steps = "-" if r.median_steps_to_solve is None else short(r.median_steps_to_solve)
    failed = ", ".join(f"{k} {n}" for k, n in r.kind_counts.items() if n and k != "solved") or "-"
    val = ""
    if _shows_val(r):
        val = f"{cell(r.median_val_accuracy, 3):>8} "
    return (
        f"{c.hidden:>6} {c.layers:>6} {c.activation:<10} {r.n:>7} {percent(r.solved_fraction, 1):>7} "
        f"{loss_text(r.median_final_loss):>11} {loss_text(r.p90_final_loss):>9} {steps:>12} {val}{fixed(r.elapsed_s, 1):>6}s  {failed}"
    )

class _ProgressBar:
    """One self-overwriting line on a terminal's stderr, at most ~10 times a second."""

    def __init__(self, stream, width: int = 30):

        self.stream, self.width, self._clock = stream, width, time.monotonic
        self._last = 0.0

    def update(self, p) -> None:
        now = self._clock()
        if now - self._last < 0.1:
            return
        self._last = now
        filled = int(p.fraction * self.width)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {percent(p.fraction, 1):>6}  "
            f"config {p.config_index + 1}/{p.config_count}: {p.config.label}, step {p.step}/{p.steps}\x1b[K"
        )
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()
        self._last = 0.0
