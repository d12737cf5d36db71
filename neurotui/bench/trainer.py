"""`neurotui bench`: the core trainer against the lesson's own loop, and the whole report."""

from __future__ import annotations

import statistics

from neurotui.bench.timing import timed as _timed
from neurotui.core.numbers import fixed, sci


def bench_trainer_vs_lesson(rounds: int, steps: int) -> dict:
    from neurotui.core.lesson import train_xor
    from neurotui.core.model.config import XorConfig
    from neurotui.core.training.trainer import Trainer

    config = XorConfig(steps=steps)
    lesson_times, core_times = [], []
    same = True
    max_diff = 0.0
    train_xor(steps=50)  # warm up allocator and kernels for both sides
    for _ in range(rounds):
        t, (lesson_loss, lesson_probs) = _timed(lambda: train_xor(steps=steps))
        lesson_times.append(t)
        trainer = Trainer(config)
        t, _ = _timed(trainer.run)
        core_times.append(t)
        snap = trainer.snapshot()
        # "Same result" means what the lesson prints: probabilities to 3 places, loss to 4.
        same = same and round(snap.loss, 4) == round(lesson_loss, 4) and [
            fixed(p, 3) for p in snap.probs] == [fixed(p, 3) for p in lesson_probs]
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


def run_bench(rounds: int = 5, steps: int = 2000, sweep: bool = True, sweep_memory: bool = True,
              processes: bool = True) -> dict:
    report: dict = {"rounds": rounds, "steps": steps}
    report["trainer"] = tb = bench_trainer_vs_lesson(rounds, steps)
    lines = [
        f"trainer vs lesson loop ({steps} steps, {rounds} alternating rounds, median)",
        f"  lesson loop   {fixed(tb['lesson_steps_per_s'], 0):>10} steps/s",
        f"  core trainer  {fixed(tb['core_steps_per_s'], 0):>10} steps/s",
        f"  ratio         {fixed(tb['core_vs_lesson'], 2):>10}x   same printed result: {'yes' if tb['same_printed_result'] else 'NO'}",
        f"  (fused Adam differs from the lesson's Adam by at most {sci(tb['max_abs_difference'], 1)} before rounding)",
    ]
    from neurotui.bench.sweep import bench_init, bench_sweep, sweep_memory_probe

    if sweep:
        report["sweep"] = sb = bench_sweep(min(rounds, 3), lesson_steps=min(steps, 500))
        lines += sb["lines"]
        report["sweep_init"] = si = bench_init()
        lines += si["lines"]
    if processes:
        from neurotui.bench.process import bench_processes

        report["processes"] = bp = bench_processes(min(rounds, 3))
        lines += bp["lines"]
    if sweep_memory:
        report["sweep_memory"] = sm = sweep_memory_probe()
        lines += sm["lines"]
    report["lines"] = lines
    return report
