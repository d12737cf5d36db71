"""`neurotui bench`: speed as ratios measured in one process, alternating A/B.

Wall-clock figures on a shared machine are noisy; running both sides in turn,
in the same process, several rounds, and reporting the median keeps the ratio
meaningful even when absolute numbers are not.
"""

from __future__ import annotations

import statistics
import time


def _timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def bench_trainer_vs_lesson(rounds: int, steps: int) -> dict:
    from neurotui.core.lesson_loop import run_lesson_loop
    from neurotui.core.trainer import Trainer
    from neurotui.core.xor import XorConfig

    config = XorConfig(steps=steps)
    lesson_times, core_times = [], []
    same = True
    max_diff = 0.0
    run_lesson_loop(steps=50)  # warm up allocator and kernels for both sides
    for _ in range(rounds):
        t, (lesson_loss, lesson_probs) = _timed(lambda: run_lesson_loop(steps=steps))
        lesson_times.append(t)
        trainer = Trainer(config)
        t, _ = _timed(trainer.run)
        core_times.append(t)
        snap = trainer.snapshot()
        # "Same result" means what the lesson prints: probabilities to 3 places, loss to 4.
        same = same and round(snap.loss, 4) == round(lesson_loss, 4) and [
            f"{p:.3f}" for p in snap.probs] == [f"{p:.3f}" for p in lesson_probs]
        max_diff = max([max_diff, abs(snap.loss - lesson_loss)] + [
            abs(a - b) for a, b in zip(snap.probs, lesson_probs)])
    lesson_rate = steps / statistics.median(lesson_times)
    core_rate = steps / statistics.median(core_times)
    return {
        "lesson_steps_per_s": lesson_rate,
        "core_steps_per_s": core_rate,
        "core_vs_lesson": core_rate / lesson_rate,
        "same_printed_result": same,
        "max_abs_difference": max_diff,
    }


def run_bench(rounds: int = 5, steps: int = 2000, sweep: bool = True, sweep_memory: bool = True) -> dict:
    report: dict = {"rounds": rounds, "steps": steps}
    report["trainer"] = tb = bench_trainer_vs_lesson(rounds, steps)
    lines = [
        f"trainer vs lesson loop ({steps} steps, {rounds} alternating rounds, median)",
        f"  lesson loop   {tb['lesson_steps_per_s']:10.0f} steps/s",
        f"  core trainer  {tb['core_steps_per_s']:10.0f} steps/s",
        f"  ratio         {tb['core_vs_lesson']:10.2f}x   same printed result: {'yes' if tb['same_printed_result'] else 'NO'}",
        f"  (fused Adam differs from the lesson's Adam by at most {tb['max_abs_difference']:.1e} before rounding)",
    ]
    if sweep:
        report["sweep"] = sb = bench_sweep(min(rounds, 3), lesson_steps=min(steps, 500))
        lines += sb["lines"]
    if sweep_memory:
        report["sweep_memory"] = sm = sweep_memory_probe()
        lines += sm["lines"]
    report["lines"] = lines
    return report


SWEEP_SIZES = (1024, 8192)
SWEEP_BENCH_STEPS = 400
SWEEP_RATE_GOAL = 1_000_000  # net-steps/s at S=1024
SWEEP_RATIO_GOAL = 400  # x the lesson loop's steps/s (one net)
SWEEP_MEMORY_SEEDS = 65536
SWEEP_MEMORY_GOAL = 2**30  # bytes


def bench_sweep(rounds: int, lesson_steps: int = 2000, sizes=SWEEP_SIZES, sweep_steps: int = SWEEP_BENCH_STEPS) -> dict:
    """Net-steps/s of `neurotui sweep` (lesson config) at each size, against the lesson loop.

    Each round runs the lesson loop, then one sweep per size (seeds 0..S-1, `sweep_steps`
    steps, timed end to end: initial weights, training, read-back and the result);
    rates are medians over rounds, measured in turn in this one process.
    """
    from neurotui.core.lesson_loop import run_lesson_loop
    from neurotui.core.sweep import SweepConfig, auto_threads, run_sweep

    configs = {S: SweepConfig(seeds=S, steps=sweep_steps) for S in sizes}
    run_sweep(SweepConfig(seeds=64, steps=20))  # warm up
    lesson_times: list[float] = []
    times: dict[int, list[float]] = {S: [] for S in sizes}
    solved: dict[int, float] = {}
    for _ in range(rounds):
        t, _ = _timed(lambda: run_lesson_loop(steps=lesson_steps))
        lesson_times.append(t)
        for S, config in configs.items():
            t, result = _timed(lambda: run_sweep(config))
            times[S].append(t)
            solved[S] = result.solved_fraction
    lesson_rate = lesson_steps / statistics.median(lesson_times)
    out: dict = {"lesson_steps_per_s": lesson_rate, "sweep_steps": sweep_steps, "sizes": {}}
    lines = [
        f"sweep vs lesson loop (lesson config, {sweep_steps} steps per sweep, {rounds} rounds in turn, median)",
        f"  lesson loop        {lesson_rate:12.0f} steps/s (one net)",
    ]
    for S in sizes:
        rate = S * sweep_steps / statistics.median(times[S])
        threads = auto_threads(configs[S], S) or _torch_threads()
        out["sizes"][str(S)] = {
            "net_steps_per_s": rate, "vs_lesson": rate / lesson_rate, "seconds": statistics.median(times[S]),
            "threads": threads, "solved_fraction_after_steps": solved[S],
        }
        lines.append(f"  sweep S={S:<6}    {rate:12.0f} net-steps/s  {rate / lesson_rate:7.0f}x the lesson loop  ({threads} thread{'s' if threads > 1 else ''})")
    first = out["sizes"][str(sizes[0])]
    for S in sizes:
        out[f"net_steps_per_s_{S}"] = out["sizes"][str(S)]["net_steps_per_s"]
        out[f"vs_lesson_{S}"] = out["sizes"][str(S)]["vs_lesson"]
    met = first["net_steps_per_s"] >= SWEEP_RATE_GOAL and first["vs_lesson"] >= SWEEP_RATIO_GOAL
    lines.append(
        f"  goal at S={sizes[0]}: >= {SWEEP_RATE_GOAL / 1e6:g} M net-steps/s and >= {SWEEP_RATIO_GOAL}x: "
        f"{'met' if met else 'NOT met'}"
    )
    out["goal_met"] = met
    out["lines"] = lines
    return out


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


_MEMORY_CHILD = """
import json, resource, sys
def peak():
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r if sys.platform == "darwin" else r * 1024
from neurotui.core.sweep import SweepConfig, run_sweep
run_sweep(SweepConfig(seeds=64, steps=5))  # torch, kernels and allocator warmed up
before = peak()
r = run_sweep(SweepConfig(seeds=int(sys.argv[1]), steps=int(sys.argv[2])))
print(json.dumps({"before": before, "after": peak(), "chunks": r.chunks, "n": r.n}))
"""


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
        [sys.executable, "-c", _MEMORY_CHILD, str(seeds), str(steps)],
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
        f"  process peak  {peak / mib:8.0f} MiB   (torch loaded, before the sweep: {before / mib:.0f} MiB)",
        f"  the sweep     {max(0, peak - before) / mib:8.0f} MiB   goal: whole process under 1 GiB: "
        f"{'met' if out['goal_met'] else 'NOT met'}",
    ]
    return out


BANDWIDTH_GOAL = 32 * 1024  # bytes per second while training, at 120x40


def run_bandwidth_bench(cols: int = 120, rows: int = 40, train_seconds: float = 3.0,
                        idle_seconds: float = 3.0) -> dict:
    """Bytes per second the real app writes to its terminal: training a default run, then idle.

    Runs `python -m neurotui` in a pseudo-terminal (POSIX only), as a person over SSH would.
    """
    from neurotui.tui.bandwidth import measure_bandwidth

    bw = measure_bandwidth(cols=cols, rows=rows, train_seconds=train_seconds, idle_seconds=idle_seconds)
    ok = bw.training_bytes_per_s <= BANDWIDTH_GOAL
    lines = bw.lines() + [
        f"  goal: at most {BANDWIDTH_GOAL // 1024} KB/s while training, ~0 idle: "
        f"{'met' if ok and bw.idle_bytes_per_s < 100 else 'NOT met'}",
    ]
    return {
        "size": [cols, rows],
        "training_bytes_per_s": bw.training_bytes_per_s,
        "idle_bytes_per_s": bw.idle_bytes_per_s,
        "training_seconds": bw.training_seconds,
        "idle_seconds": bw.idle_seconds,
        "startup_seconds": bw.startup_seconds,
        "goal_bytes_per_s": BANDWIDTH_GOAL,
        "lines": lines,
    }
