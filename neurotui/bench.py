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


def run_bench(rounds: int = 5, steps: int = 2000) -> dict:
    report: dict = {"rounds": rounds, "steps": steps}
    report["trainer"] = tb = bench_trainer_vs_lesson(rounds, steps)
    lines = [
        f"trainer vs lesson loop ({steps} steps, {rounds} alternating rounds, median)",
        f"  lesson loop   {tb['lesson_steps_per_s']:10.0f} steps/s",
        f"  core trainer  {tb['core_steps_per_s']:10.0f} steps/s",
        f"  ratio         {tb['core_vs_lesson']:10.2f}x   same printed result: {'yes' if tb['same_printed_result'] else 'NO'}",
        f"  (fused Adam differs from the lesson's Adam by at most {tb['max_abs_difference']:.1e} before rounding)",
    ]
    report["lines"] = lines
    return report


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
