"""`neurotui bench --peer`: neurotui's training against scikit-learn's MLPClassifier on the same work.

The same generated file (moons, 400 points), the same split (70/30), the same net (16 tanh units),
Adam at lr 0.01, full batch, no weight decay. Each side runs as a whole process, as a user runs it;
a 1-step run subtracted from a STEPS-step run leaves the training alone (the interpreter, the
imports and the reading of the file cancel). Both sides alternate in one run; medians.

scikit-learn is a bench-only extra (`pip install 'neurotui[bench]'`): it is imported only inside
the peer's own process, never by neurotui.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from neurotui.core.errors import ConfigError

STEPS = 5000
HIDDEN, LR, VAL_SPLIT, SAMPLES = 16, 0.01, 0.3, 400

# The peer, in its own process: the file read with the csv module (as neurotui reads it), the first
# 70% of a shuffled index for training, MLPClassifier trained full batch for argv[2] steps (an epoch
# of one batch is one Adam step; tol and n_iter_no_change set so it never stops early).
PEER = """
import csv, sys, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
rows = [r for r in csv.reader(open(sys.argv[1])) if r and r[0] != "x1"]
x = np.array([[float(a), float(b)] for a, b, _ in rows]); y = np.array([int(float(c)) for *_, c in rows])
order = np.random.default_rng(0).permutation(len(y)); cut = int(round(len(y) * (1 - float(sys.argv[3]))))
tr, va = order[:cut], order[cut:]
steps = int(sys.argv[2])
net = MLPClassifier(hidden_layer_sizes=(int(sys.argv[4]),), activation="tanh", solver="adam",
                    learning_rate_init=float(sys.argv[5]), batch_size=len(tr), max_iter=steps, alpha=0.0,
                    tol=0.0, n_iter_no_change=steps + 1, shuffle=False, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    net.fit(x[tr], y[tr])
print(f"val_accuracy {net.score(x[va], y[va]):.4f} steps {net.n_iter_}")
"""


def check_peer() -> None:
    """Refuse at once, in one line, without scikit-learn."""
    if importlib.util.find_spec("sklearn") is None:
        raise ConfigError("bench --peer needs scikit-learn, a bench-only extra: pip install 'neurotui[bench]'")


def write_moons(path: Path) -> None:
    import torch

    from neurotui.core.data.datasets import DEFAULT_NOISE, generate

    x, y = generate("moons", SAMPLES, DEFAULT_NOISE["moons"], 0, generator=torch.Generator().manual_seed(0))
    with open(path, "w") as f:
        f.write("x1,x2,y\n")
        f.writelines(f"{a!r},{b!r},{int(c)}\n" for (a, b), c in zip(x.tolist(), y.tolist()))


def _timed(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the process, its stdout). CPU time is what the work cost: on a
    shared machine the wall clock also counts the time others had the cores."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[2]),
                                                                      os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:4])} ... failed: {err.read().strip().splitlines()[-1:]}")
        return took, usage.ru_utime + usage.ru_stime, out.read()


def run_peer_bench(rounds: int = 5, steps: int = STEPS) -> dict:
    check_peer()
    with tempfile.TemporaryDirectory(prefix="neurotui-peer-") as tmp:
        data = Path(tmp) / "moons.csv"
        write_moons(data)

        def ours(n: int) -> list[str]:
            return [sys.executable, "-m", "neurotui", "lab", "--data", str(data), "--val-split", str(VAL_SPLIT),
                    "--hidden", str(HIDDEN), "--activation", "tanh", "--optimizer", "adam", "--lr", str(LR),
                    "--steps", str(n), "--json"]

        def peer(n: int) -> list[str]:
            return [sys.executable, "-c", PEER, str(data), str(n), str(VAL_SPLIT), str(HIDDEN), str(LR)]

        wall: dict[str, list[float]] = {"neurotui": [], "scikit-learn": []}
        cpu: dict[str, list[float]] = {"neurotui": [], "scikit-learn": []}
        accuracy = {}
        for _ in range(rounds):
            for name, cmd in (("neurotui", ours), ("scikit-learn", peer)):
                long_wall, long_cpu, out = _timed(cmd(steps))
                short_wall, short_cpu, _ = _timed(cmd(1))
                wall[name].append(long_wall - short_wall)
                cpu[name].append(long_cpu - short_cpu)
                accuracy[name] = _val_accuracy(name, out)
    med = {k: statistics.median(v) for k, v in cpu.items()}
    med_wall = {k: statistics.median(v) for k, v in wall.items()}
    ratio = med["neurotui"] / med["scikit-learn"]
    ratio_wall = med_wall["neurotui"] / med_wall["scikit-learn"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        f"peer: moons {SAMPLES} points, 70/30, {HIDDEN} tanh, Adam lr {LR}, full batch; "
        f"{steps} steps minus 1 step, whole processes, {rounds} rounds alternated (load {load:.1f})",
        *(f"  {k:13s} {med[k]:6.2f} CPU s for {steps - 1} steps ({med[k] / (steps - 1) * 1e6:5.0f} us/step), "
          f"wall {med_wall[k]:6.2f} s, val accuracy {accuracy[k]:.3f}; CPU s by round: "
          f"{' '.join(f'{c:.2f}' for c in cpu[k])}" for k in cpu),
        f"  neurotui / scikit-learn: {ratio:.2f}x CPU time (goal <= 1.0x), {ratio_wall:.2f}x wall",
    ]
    return {"lines": lines, "cpu_seconds": med, "wall_seconds": med_wall, "cpu_rounds": cpu, "wall_rounds": wall,
            "ratio": ratio, "ratio_wall": ratio_wall, "val_accuracy": accuracy, "steps": steps, "load": load}


def _val_accuracy(name: str, out: str) -> float:
    if name == "scikit-learn":
        return float(out.split()[1])
    import json

    return float(json.loads(out)["val_accuracy"])
