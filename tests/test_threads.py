"""One intra-op thread for small work on every path, unless the user asks otherwise.

Each command runs in a fresh process (torch's pool is per process and read once) and reports
the threads torch trained with: the count in effect at the run's first step.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from neurotui.cli import main
from neurotui.core.training import threads

ROOT = Path(__file__).resolve().parents[1]

# Runs each `neurotui ARGS` (commands split at "::") in this one process and prints, on stderr, torch's
# own pool as it loaded, then for each command the threads torch had as its trainer's (or the batched
# sweep's) first step began. The choice is made per run, so commands in one process do not leak into
# each other; a process per command would cost a torch import each.
PROBE = """
import sys, torch
from neurotui.cli import main
from neurotui.core.training import trainer
from neurotui.core.sweep import manual
seen = []
def watch(cls, name):
    real = getattr(cls, name)
    def step(self, *a, **k):
        seen.append(torch.get_num_threads())
        return real(self, *a, **k)
    setattr(cls, name, step)
watch(trainer.Trainer, "step")
watch(manual.HandNets, "_steps")
out = [torch.get_num_threads()]
args = sys.argv[1:]
while args:
    cut = args.index("::") if "::" in args else len(args)
    seen.clear()
    assert main(args[:cut]) == 0, args[:cut]
    out.append(seen[0])
    args = args[cut + 1:]
print("threads", *out, file=sys.stderr)
"""


def trained_with(*commands: tuple[str, ...], env_threads: str | None = None) -> tuple[int, list[int]]:
    """(torch's default pool, the threads each command trained with), in one fresh process."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    if env_threads is not None:
        env["OMP_NUM_THREADS"] = env_threads
    env["PYTHONPATH"] = str(ROOT)
    argv = [a for c in commands for a in (*c, "::")][:-1]
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600)
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    assert done.returncode == 0 and last.startswith("threads "), done.stderr
    default, *each = (int(v) for v in last.split()[1:])
    return default, each


SMALL = [
    ("lab",),  # the lesson
    ("lab", "--dataset", "moons", "--steps", "20"),
    ("sweep", "--seeds", "8", "--steps", "20"),  # the batched program
    ("sweep", "--seeds", "4", "--steps", "20", "--dataset", "moons"),  # the batched program on data
    ("sweep", "--seeds", "2", "--steps", "20", "--bug", "no-step"),  # seed by seed: the lab's trainer
    ("sweep", "--seeds", "2", "--steps", "20", "--dataset", "spiral3"),  # seed by seed: K classes
]


def test_every_path_trains_small_work_on_one_thread_unless_asked(tmp_path):
    card = ("lab", "--steps", "20", "--json", "--card", str(tmp_path / "card.md"))  # the run, then its probe
    big = ("lab", "--dataset", "moons", "--samples", "24000", "--hidden", "256", "--steps", "1", "--json")
    # asked for: lab, the batched program, seed by seed (each path reads the same choice)
    asked = [(*c, "--threads", "2") for c in (("lab", "--steps", "20"), SMALL[2], SMALL[4])]
    default, each = trained_with(*SMALL, card, big, *asked)
    assert each[:len(SMALL) + 1] == [1] * (len(SMALL) + 1)
    assert each[len(SMALL) + 1] == default  # 16,800 training rows x 256 units: past the crossover, torch's pool
    assert each[len(SMALL) + 2:] == [2] * len(asked)


def test_omp_num_threads_is_respected_and_the_option_wins_over_it():
    _, each = trained_with(("lab", "--steps", "5"), ("--threads", "2", "lab", "--steps", "5"),
                           ("sweep", "--seeds", "8", "--steps", "20"), env_threads="3")
    assert each == [3, 2, 3]


def test_the_choice_follows_size_and_what_the_user_asked():
    threads.request(None)
    small, big = threads.work(4, 4), threads.work(256, 70_000)
    assert threads.choose(small, env={}) == 1
    assert threads.choose(big, env={}) == threads.default_threads()
    assert threads.choose(small, env={"OMP_NUM_THREADS": "4"}) == 4
    assert threads.choose(small, env={"OMP_NUM_THREADS": "lots"}) == 1  # not a count: as if unset
    threads.request(2)
    try:
        assert threads.choose(small, env={"OMP_NUM_THREADS": "4"}) == 2
    finally:
        threads.request(None)


def test_the_script_sets_the_threads_in_one_commented_line(capsys):
    for args, line in ((["lab", "--script"], "torch.set_num_threads(1)  # "),
                       (["lab", "--script", "--threads", "2"], "torch.set_num_threads(2)  # ")):
        assert main(args) == 0
        lines = capsys.readouterr().out.splitlines()
        assert sum("set_num_threads" in x for x in lines) == 1
        assert any(x.startswith(line) for x in lines), args


@pytest.mark.parametrize("value", ["0", "-2", "two", "1e9"])
def test_a_bad_thread_count_is_one_line_and_exit_2(value, capsys):
    for command in (["lab", "--threads", value], ["sweep", "--threads", value], ["--threads", value, "lab"]):
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "--threads" in err
