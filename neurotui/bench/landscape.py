"""`neurotui bench --landscape`: what the loss landscape view costs.

Two figures, each measured here in one run: one refresh of the landscape (a 41x41 plane and the
path, all in one batched forward pass) against one training step of the same run; and the app's
training speed with the landscape view on screen against the boundary view (the issue's bound:
no more than 10% slower).
"""

from __future__ import annotations

import asyncio
import statistics
import time

from neurotui.core.model.config import XorConfig
from neurotui.core.numbers import fixed, thousands


def refresh_cost(repeats: int = 30) -> tuple[float, float]:
    """(ms per landscape refresh, ms per training step) of the lesson's run, at its end."""
    from neurotui.core.pictures import Pictures
    from neurotui.core.pictures import landscape as provide_landscape
    from neurotui.core.run import Run

    run = Run([XorConfig()])
    pictures = Pictures(grid_size=(16, 28), keeps=("landscape",))  # the path kept, as in the app
    t0 = time.perf_counter()
    while not run.finished:
        run.train(200, pictures, lambda: False)
    step_ms = (time.perf_counter() - t0) * 1000 / run.step_count  # frames and path kept, as in the app
    provide_landscape(run, 0, ("pca", 0))  # warm: first use of torch.linalg
    times = []
    for _ in range(repeats):
        run.kept.clear()  # a refresh computed anew each time, not the one the provider kept
        t = time.perf_counter()
        provide_landscape(run, 0, ("pca", 0))
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, step_ms


def run_landscape_bench(rounds: int = 3, steps: int = 20000) -> dict:
    from neurotui.bench.drawing import _app_rate

    refresh_ms, step_ms = refresh_cost()
    config = XorConfig(steps=steps)
    ratios, shown, plain = [], [], []
    for _ in range(rounds):  # alternated, so drift in the machine's load falls on both
        a = asyncio.run(_app_rate(config)).steps_per_s
        b = asyncio.run(_app_rate(config, view="landscape")).steps_per_s
        plain.append(a)
        shown.append(b)
        ratios.append(b / a)
    ratio = statistics.median(ratios)
    lines = [
        f"landscape refresh (41x41 + path, one batched pass): {fixed(refresh_ms, 2)} ms = "
        f"{fixed(refresh_ms / step_ms, 0)} training steps ({fixed(step_ms * 1000, 0)} us each)",
        f"app training speed, landscape shown / boundary shown: {fixed(ratio, 2)} (median of {rounds}; "
        f"{thousands(statistics.median(shown))} vs {thousands(statistics.median(plain))} steps/s, {steps} steps)",
    ]
    return {"refresh_ms": refresh_ms, "step_ms": step_ms, "speed_ratio": ratio, "ratios": ratios,
            "steps_per_s_landscape": shown, "steps_per_s_boundary": plain, "lines": lines}
