"""`neurotui bench`'s sweep figures: net-steps/s against the lesson loop, the cost of the
initial weights, and the peak memory of a big sweep (in a child process of its own)."""

from __future__ import annotations

import statistics

from neurotui.bench.timing import timed as _timed
from neurotui.core.numbers import fixed, percent

SWEEP_SIZES = (1024, 8192)
SWEEP_BENCH_STEPS = 400
SWEEP_RATIO_GOALS = {1024: 1000, 8192: 2000}  # x the lesson loop's steps/s (one net), issue 13
SWEEP_MEMORY_SEEDS = 65536
SWEEP_MEMORY_GOAL = 2**30  # bytes


def bench_sweep(rounds: int, lesson_steps: int = 2000, sizes=SWEEP_SIZES, sweep_steps: int = SWEEP_BENCH_STEPS) -> dict:
    """Net-steps/s of `neurotui sweep` (lesson config) at each size, against the lesson loop.

    Each round runs the lesson loop, then one sweep per size (seeds 0..S-1, `sweep_steps`
    steps, timed end to end: initial weights, training, read-back and the result);
    rates are medians over rounds, measured in turn in this one process.
    """
    from neurotui.core.lesson import train_xor
    from neurotui.core.sweep.block import resolve_workers
    from neurotui.core.sweep.config import SweepConfig
    from neurotui.core.sweep.run import run_sweep

    configs = {S: SweepConfig.of(seeds=S, steps=sweep_steps) for S in sizes}
    run_sweep(SweepConfig.of(seeds=64, steps=20))  # warm up
    lesson_times: list[float] = []
    times: dict[int, list[float]] = {S: [] for S in sizes}
    solved: dict[int, float] = {}
    for _ in range(rounds):
        t, _ = _timed(lambda: train_xor(steps=lesson_steps))
        lesson_times.append(t)
        for S, config in configs.items():
            # as `neurotui sweep` runs it: every core (worker threads where the sweep is big enough)
            t, result = _timed(lambda config=config: run_sweep(config, workers="all"))
            times[S].append(t)
            solved[S] = result.solved_fraction
    lesson_rate = lesson_steps / statistics.median(lesson_times)
    out: dict = {"lesson_steps_per_s": lesson_rate, "sweep_steps": sweep_steps, "sizes": {}}
    lines = [
        f"sweep vs lesson loop (lesson config, {sweep_steps} steps per sweep, {rounds} rounds in turn, median)",
        f"  lesson loop        {fixed(lesson_rate, 0):>12} steps/s (one net)",
    ]
    for S in sizes:
        rate = S * sweep_steps / statistics.median(times[S])
        threads = resolve_workers("all", S, _cpu())
        goal = SWEEP_RATIO_GOALS.get(S)
        out["sizes"][str(S)] = {
            "net_steps_per_s": rate, "vs_lesson": rate / lesson_rate, "seconds": statistics.median(times[S]),
            "threads": threads, "solved_fraction_after_steps": solved[S], "goal_x": goal,
        }
        verdict = "" if goal is None else f"  goal >= {goal}x: {'met' if rate / lesson_rate >= goal else 'NOT met'}"
        lines.append(f"  sweep S={S:<6}    {fixed(rate, 0):>12} net-steps/s  {fixed(rate / lesson_rate, 0):>7}x the lesson loop  "
                     f"({threads} thread{'s' if threads > 1 else ''}){verdict}")
    for S in sizes:
        out[f"net_steps_per_s_{S}"] = out["sizes"][str(S)]["net_steps_per_s"]
        out[f"vs_lesson_{S}"] = out["sizes"][str(S)]["vs_lesson"]
    out["goal_met"] = all(v["vs_lesson"] >= v["goal_x"] for v in out["sizes"].values() if v["goal_x"])
    out["lines"] = lines
    return out


INIT_BENCH_SEEDS = 4096


def bench_init(seeds: int = INIT_BENCH_SEEDS, rounds: int = 2) -> dict:
    """What the vectorised MT19937 replica saves: initial weights of `seeds` nets drawn by
    it vs by build_model per seed, each as a share of a whole 2000-step sweep of them."""
    from neurotui.core.model.config import XorConfig
    from neurotui.core.sweep.config import SweepConfig
    from neurotui.core.sweep.run import run_sweep
    from neurotui.core.sweep.seeds import initial_parameters

    config = XorConfig()
    vec, loop = [], []
    for _ in range(rounds):
        vec.append(_timed(lambda: initial_parameters(config, range(seeds), method="vectorized"))[0])
        loop.append(_timed(lambda: initial_parameters(config, range(seeds), method="loop"))[0])
    sweep_s, _ = _timed(lambda: run_sweep(SweepConfig.of(seeds=seeds)))
    v, lp = statistics.median(vec), statistics.median(loop)
    saved = (lp - v) / (sweep_s - v + lp)
    return {
        "seeds": seeds, "vectorized_s": v, "loop_s": lp, "sweep_s": sweep_s, "saved_fraction": saved,
        "lines": [
            f"initial weights of {seeds} seeds: vectorised MT19937 {fixed(v * 1000, 0)} ms, build_model per seed "
            f"{fixed(lp * 1000, 0)} ms; the replica saves {percent(saved)} of a {seeds}-seed 2000-step sweep",
        ],
    }


def _cpu():
    import torch

    return torch.device("cpu")


def sweep_memory_probe(seeds: int = SWEEP_MEMORY_SEEDS, steps: int = 20) -> dict:
    """Peak resident memory of a fresh process running one sweep of `seeds` nets.

    Method: getrusage(RUSAGE_SELF).ru_maxrss (the process's high-water mark, so torch's own
    allocations count, which tracemalloc cannot see), read in a child process after a tiny
    warm-up sweep ("before": torch and its kernels loaded) and after the big one ("peak").
    The sweep's share is peak - before.  A few steps reach the peak: every buffer
    (parameters, gradients, Adam moments, activations) exists from the first step on.
    """
    import json
    import subprocess
    import sys

    try:
        import resource  # noqa: F401  (POSIX only)
    except ImportError:
        return {"available": False, "lines": ["sweep memory: not measurable here (no resource module)"]}
    proc = subprocess.run(
        [sys.executable, "-m", "neurotui.bench.sweep", str(seeds), str(steps)],
        capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"available": False, "error": tail, "lines": [f"sweep memory: probe failed: {tail}"]}
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    peak, before = data["after"], data["before"]
    mib = 2**20
    out = {
        "available": True, "seeds": seeds, "steps": steps, "method": "ru_maxrss in a child process",
        "peak_rss_bytes": peak, "before_rss_bytes": before, "sweep_rss_bytes": max(0, peak - before),
        "chunks": data["chunks"], "goal_bytes": SWEEP_MEMORY_GOAL, "goal_met": peak < SWEEP_MEMORY_GOAL,
    }
    out["lines"] = [
        f"sweep memory, S={seeds} (lesson config, {steps} steps, peak RSS of a fresh process)",
        f"  process peak  {fixed(peak / mib, 0):>8} MiB   (torch loaded, before the sweep: {fixed(before / mib, 0)} MiB)",
        f"  the sweep     {fixed(max(0, peak - before) / mib, 0):>8} MiB   goal: whole process under 1 GiB: "
        f"{'met' if out['goal_met'] else 'NOT met'}",
    ]
    return out


def _memory_child(seeds: int, steps: int) -> None:
    """The child of sweep_memory_probe: peak RSS before and after one big sweep, as JSON."""
    import json
    import resource
    import sys

    from neurotui.core.sweep.config import SweepConfig
    from neurotui.core.sweep.run import run_sweep

    def peak() -> int:
        r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return r if sys.platform == "darwin" else r * 1024

    run_sweep(SweepConfig.of(seeds=64, steps=5))  # torch, kernels and allocator warmed up
    before = peak()
    r = run_sweep(SweepConfig.of(seeds=seeds, steps=steps))
    print(json.dumps({"before": before, "after": peak(), "chunks": r.chunks, "n": r.n}))


if __name__ == "__main__":
    import sys

    _memory_child(int(sys.argv[1]), int(sys.argv[2]))
