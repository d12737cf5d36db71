"""How many intra-op threads a piece of training gets: the one decision every path asks.

torch's default pool (one thread per core) splits each op between threads that then wait for
each other. A step of a small net is a few microseconds of maths per op, so the waiting is the
step; with anything else running on the machine a waiting thread is descheduled and the step
takes 2-4x as long as on one thread (issue 35: `lab --data moons.csv` 5.4-6.7 s by default,
2.7-3.1 s with OMP_NUM_THREADS=1). So a run below CROSSOVER trains on one thread.

The crossover, measured in one throwaway run for issue 35 (a full-batch Adam step of
2-H-1, 1 thread against torch's pool of 2, alternated, medians; 2 cores, load 2.5-4): one thread
won at every size tried, 0.99x at 4 rows (equal), 4.4x at 16 x 280, 2.0-3.0x from 2^18 to 2^20,
1.7x at 2^22 elements (hidden x rows per step). On a shared machine the pool only pays off
for work far past anything the app's data reaches (100,000 rows x 16 units = 1.6 M), so the
line is drawn at 2^22: above it a user with idle cores gets torch's pool back.

What the user asks wins: `--threads N` (app, lab, sweep), else OMP_NUM_THREADS, which torch
read as it loaded (its default pool is then the user's choice, at every size).
"""

from __future__ import annotations

import os

CROSSOVER = 2**22  # elements per step (hidden units x rows, x nets in a batched sweep)
ENV = "OMP_NUM_THREADS"

_requested: int | None = None  # --threads N
_default: int | None = None  # torch's own pool size, before anything here changed it


def request(n: int | None) -> None:
    """The user's --threads (None: not given). Set by the command line before any training."""
    global _requested
    _requested = n


def requested(env=None) -> int | None:
    """The count the user asked for: --threads, else OMP_NUM_THREADS; None when neither."""
    if _requested is not None:
        return _requested
    env = os.environ if env is None else env
    try:
        n = int(env.get(ENV, ""))
    except ValueError:
        return None
    return n if n >= 1 else None


def work(hidden: int, rows: int, layers: int = 1, nets: int = 1) -> int:
    """Elements of the widest activation a step makes: what decides whether threads pay."""
    return max(1, hidden) * max(1, rows) * max(1, layers) * max(1, nets)


def default_threads() -> int:
    """torch's pool as it started (OMP_NUM_THREADS honoured), whatever was set since."""
    global _default
    if _default is None:
        import torch

        _default = torch.get_num_threads()
    return _default


def choose(size: int, env=None) -> int:
    """Threads for training steps of `size` elements (see `work`)."""
    asked = requested(env)
    if asked is not None:
        return asked
    return 1 if size < CROSSOVER else default_threads()


def use(n: int) -> int:
    """Set torch's intra-op threads to n (the only place neurotui does); returns n.

    With OpenMP each thread reads the count as it first runs an op, and later calls apply to the
    calling thread's parallel regions: call it from the thread that trains.
    """
    import torch

    default_threads()  # remember torch's own before the first change
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def use_for(size: int, env=None) -> int:
    """choose(size), applied: the call every training path makes before its first step."""
    return use(choose(size, env))


def script_line(size: int) -> str:
    """The generated script's one line that sets its threads, as neurotui trains the run.

    Only --threads and the size decide it, not this shell's OMP_NUM_THREADS: the same command
    writes the same script everywhere.
    """
    if _requested is not None:
        return f"torch.set_num_threads({_requested})  # as neurotui trained it (--threads {_requested})"
    if size < CROSSOVER:
        return ("torch.set_num_threads(1)  # a net this small trains fastest on one thread: "
                "its pool of threads would wait on each other")
    return "# torch's own pool of threads, one per core: a run this big gains from it (neurotui's choice too)"


def run_size(config, n_train: int) -> int:
    """`work` of one run's step: its hidden units (per layer, times layers) x the rows a step sees."""
    rows = n_train if config.batch is None else min(config.batch, n_train)
    return work(config.hidden, rows, config.layers)
