"""Whole processes against the lesson's script: `neurotui lab` (the same run), `neurotui sweep`
of 4096 seeds, and the Reliability pane's grid as one command, each timed from launch to exit (interpreter start,
imports, everything), alternating with the lesson's script, medians."""

from __future__ import annotations

import statistics

from neurotui.bench.timing import timed as _timed
from neurotui.core.numbers import fixed

# The lesson's script as the lesson prints it: what one "lesson run" costs, whole.
LESSON_SCRIPT = """\
import torch
import torch.nn as nn

torch.manual_seed(42)
X = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
y = torch.tensor([[0.], [1.], [1.], [0.]])
model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
loss_fn = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
for step in range(2000):
    pred = model(X)
    loss = loss_fn(pred, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print("final loss:", round(loss.item(), 4))
with torch.no_grad():
    prob = model(X)
for x, p in zip(X.tolist(), prob.squeeze().tolist()):
    print(f"x={x} prob={p:.3f} pred={int(p >= 0.5)}")
"""

SWEEP_SEEDS_ARGS = ("sweep", "--seeds", "4096")
GRID_ARGS = ("sweep", "--seeds", "256", "--hidden", "2,4,8", "--layers", "1,2",
             "--activation", "tanh,relu,sigmoid,identity")
LAB_SPEEDUP_GOAL = 1.15  # `neurotui lab` at least this much faster than the script, whole process
SWEEP_PROCESS_GOAL = 1.4
GRID_PROCESS_GOAL = 2.5


def _run(args: list[str]) -> None:
    import subprocess

    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)


def bench_processes(rounds: int = 3) -> dict:
    import sys

    commands = {
        "lesson": [sys.executable, "-c", LESSON_SCRIPT],
        "lab": [sys.executable, "-m", "neurotui", "lab"],
        "sweep_4096": [sys.executable, "-m", "neurotui", *SWEEP_SEEDS_ARGS],
        "grid": [sys.executable, "-m", "neurotui", *GRID_ARGS],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            times[name].append(_timed(lambda cmd=cmd: _run(cmd))[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    out = {f"{k}_s": v for k, v in med.items()}
    out["lab_speedup"] = lab = med["lesson"] / med["lab"]
    out["sweep_4096_vs_lesson"] = s = med["sweep_4096"] / med["lesson"]
    out["grid_vs_lesson"] = g = med["grid"] / med["lesson"]
    out["rounds"] = rounds
    out["lines"] = [
        f"whole processes vs the lesson's script ({rounds} rounds in turn, median)",
        f"  lesson script          {fixed(med['lesson'], 2):>6} s",
        f"  neurotui lab           {fixed(med['lab'], 2):>6} s: {fixed(lab, 2)}x faster   goal >= {LAB_SPEEDUP_GOAL}x: "
        f"{'met' if lab >= LAB_SPEEDUP_GOAL else 'NOT met'}",
        f"  neurotui {' '.join(SWEEP_SEEDS_ARGS):<14} {fixed(med['sweep_4096'], 2):>6} s = {fixed(s, 2)}x   goal <= {SWEEP_PROCESS_GOAL}x: "
        f"{'met' if s <= SWEEP_PROCESS_GOAL else 'NOT met'}",
        f"  the Reliability grid   {fixed(med['grid'], 2):>6} s = {fixed(g, 2)}x   goal <= {GRID_PROCESS_GOAL}x: "
        f"{'met' if g <= GRID_PROCESS_GOAL else 'NOT met'}",
        f"    (neurotui {' '.join(GRID_ARGS)})",
    ]
    return out
