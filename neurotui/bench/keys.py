"""`neurotui bench --keys`: how long the real app takes to answer each key, in a pty.

A key's latency is the time from writing it to the terminal to the first bytes on screen
that show its effect (the help's title, a pane's border, the next view's title ...): what a
person sees, start-up, queues and all. Each key is pressed with the run paused (the app is
otherwise idle) and while it trains flat out. Then 400 keys at typing speed, and `q`.
Also: `1` Enter `10` Enter typed the moment the first frame shows, over fresh launches.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass, field

from neurotui.bench.pty import PtyApp, strip_escapes
from neurotui.core.numbers import fixed, short
from neurotui.tui.panes.xor_views import CYCLE, VIEWS

ESC = "\x1b"
MEDIAN_GOAL_MS, WORST_GOAL_MS, QUIT_GOAL_S = 100, 250, 1.0
LONG_RUN = ["--steps", "200000"]
# The 21 keys of the mash: every main key that changes the screen or the run, none that opens
# a picker or the help (those keep the keys typed after them, `q` included), nor writes a file.
MASH_KEYS = list("a+-no<>rs []ldvcyz123")
MASH_RATE = 83.0  # keys/s: a fast typist's burst

# (what, key, text that shows the key's effect); "{log}" is the loss axis the key switches to.
ROUND: tuple[tuple[str, str, str], ...] = (
    ("help", "?", "Esc closes"),
    ("help Esc", ESC, "1 Neuron"),
    ("tab", "\t", "┏"),
    ("shift+tab", "\x1b[Z", "┏"),
    ("pane 2", "2", "2 Activations"),
    ("pane 1", "1", "1 Neuron"),
    ("pane 3", "3", "3 XOR training"),
    ("zoom", "z", "3 XOR training"),
    ("unzoom", "z", "1 Neuron"),
    # v once round the whole cycle, back to the boundary: from the view registry, so a new view
    # is pressed too (a hand-kept list went stale when the landscape joined: 6 presses "missed")
    *(("view", "v", VIEWS[name].title) for name in (*CYCLE[1:], CYCLE[0])),
    ("code view", "y", "PyTorch code"),
    ("code view off", "y", "decision boundary"),
    ("log axis", "l", "{log}"),
    ("log axis", "l", "{log}"),
    ("activation display", "d", "slopes f'(z)"),
    ("activation display", "d", "values f(z)"),
    ("preset picker", "P", "Enter picks, Esc cancels"),
    ("picker Esc", ESC, "1 Neuron"),
    ("feature picker", "F", "Space ticks"),
    ("picker Esc", ESC, "1 Neuron"),
)


@dataclass
class KeyReport:
    latencies: dict[str, list[float]] = field(default_factory=dict)  # "phase: what" -> seconds
    missed: list[str] = field(default_factory=list)
    quit_after_mash_s: float | None = None
    mash_keys: int = 0
    burst_ok: list[bool] = field(default_factory=list)
    burst_s: list[float] = field(default_factory=list)

    def all_ms(self, phase: str) -> list[float]:
        return [s * 1000 for k, v in self.latencies.items() if k.startswith(phase) for s in v]

    def lines(self) -> list[str]:
        out = ["key latency in a pty at 120x40: key written -> its effect on screen (ms)"]
        for phase in ("paused", "training"):
            ms = self.all_ms(phase)
            if not ms:
                continue
            med, worst = statistics.median(ms), max(ms)
            ok = "meets" if med <= MEDIAN_GOAL_MS and worst <= WORST_GOAL_MS else "BELOW"
            out.append(f"  {phase:9s} median {fixed(med, 0):>6}  worst {fixed(worst, 0):>6}  over {len(ms)} keys   goal median <= "
                       f"{MEDIAN_GOAL_MS}, worst <= {WORST_GOAL_MS} ({ok})")
            for key, v in self.latencies.items():
                if key.startswith(phase):
                    out.append(f"    {key[len(phase) + 2:]:20s} median {fixed(statistics.median(v) * 1000, 0):>6}  "
                               f"worst {fixed(max(v) * 1000, 0):>6}")
        if self.missed:
            out.append(f"  NO EFFECT SEEN within the timeout: {', '.join(self.missed)}")
        if self.quit_after_mash_s is not None:
            q = self.quit_after_mash_s
            out.append(f"  q after {self.mash_keys} keys at {short(MASH_RATE)} keys/s while training: "
                       + (f"quit in {fixed(q, 2)} s" if q == q else "did NOT quit") + f"   goal <= {short(QUIT_GOAL_S)} s")
        if self.burst_ok:
            out.append(f"  1 Enter 10 Enter typed at the first frame: honoured in {sum(self.burst_ok)} of "
                       f"{len(self.burst_ok)} launches (effect after {', '.join(fixed(s, 1) for s in self.burst_s)} s)")
        return out


def effect_time(app: PtyApp, mark: int, needle: str, timeout: float) -> float | None:
    """The moment the screen text written after `mark` first contains `needle`."""
    deadline = time.monotonic() + timeout
    raw = needle.encode()
    seen = 0
    while time.monotonic() < deadline:
        with app._lock:
            chunks = list(app.chunks)
        # chunks are (time, bytes); find the first chunk at which the text after mark holds needle
        pos, data = 0, bytearray()
        for t, chunk in chunks:
            start = pos
            pos += len(chunk)
            if pos <= mark:
                continue
            data += chunk[max(0, mark - start):]
            if len(data) > seen and raw in strip_escapes(bytes(data)):
                return t
        seen = len(data)
        time.sleep(0.01)
    return None


def _loss_axis_now(app: PtyApp) -> str:
    """The title the loss plot will show after `l`: the other axis, chosen (so no "(automatic)")."""
    import re

    shown = re.findall(r"(linear|log scale)(?: \(automatic\))? - l toggles", app.text())
    return "linear - l toggles" if shown and shown[-1] == "log scale" else "log scale - l toggles"


def _press_round(app: PtyApp, phase: str, report: KeyReport, timeout: float) -> None:
    for what, key, needle in ROUND:
        if needle == "{log}":
            needle = _loss_axis_now(app)
        time.sleep(0.3)  # keys one at a time: each latency is the key's own
        mark = app.mark()
        t0 = app.press(key)
        t = effect_time(app, mark, needle, timeout)
        if t is None:
            report.missed.append(f"{phase}: {what}")
            continue
        report.latencies.setdefault(f"{phase}: {what}", []).append(t - t0)


def _started(app: PtyApp, timeout: float = 120) -> None:
    if not app.wait_for("running", timeout):
        raise RuntimeError(f"the app never showed 'running':\n{app.text()[-1500:]}")


def measure_keys(rounds: int = 2, launches: int = 5, mash: int = 400, timeout: float = 5.0,
                 seed: int = 0) -> KeyReport:
    report = KeyReport()
    with PtyApp(LONG_RUN + ["--speed", "max"]) as app:
        _started(app)
        for _ in range(rounds):
            _press_round(app, "training", report, timeout)
        # A lone Esc (the round's last key) and a key a few ms after it read as Alt+key in a terminal:
        # space then ticked a box in the feature picker it was meant to close, and the paused round
        # and the mash after it were typed into that picker (seen: "NO EFFECT: help", q not quitting).
        time.sleep(0.3)
        mark = app.mark()
        app.press(" ")
        app.wait_for("paused", 10, since=mark)
        time.sleep(0.5)
        for _ in range(rounds):
            _press_round(app, "paused", report, timeout)
        time.sleep(0.3)
        mark = app.mark()
        app.press(" ")
        app.wait_for("running", 10, since=mark)
        rng = random.Random(seed)
        for _ in range(mash):
            app.press(rng.choice(MASH_KEYS))
            time.sleep(1 / MASH_RATE)
        report.mash_keys = mash
        code, latency = app.exit_latency(app.press("q"), timeout=15)
        report.quit_after_mash_s = latency if code is not None else float("nan")
    for _ in range(launches):
        ok, after = startup_burst()
        report.burst_ok.append(ok)
        report.burst_s.append(after)
    return report


def startup_burst(timeout: float = 60.0) -> tuple[bool, float]:
    """`1` Enter `10` Enter written at once the moment the first frame shows: is x1 then 10?
    (x1 = 10 makes z = 2.28, which the neuron pane then prints.)"""
    with PtyApp([]) as app:
        if not app.wait_for("1 Neuron", timeout):
            return False, float("nan")
        mark = app.mark()
        t0 = app.press("1\r10\r")
        t = effect_time(app, mark, "= 2.28", timeout)
        app.press(ESC)
        time.sleep(0.2)
        app.press("q")
        app.wait(10)
        return t is not None, (t - t0) if t is not None else float("nan")


def run_keys_bench(rounds: int = 2, launches: int = 5) -> dict:
    report = measure_keys(rounds=rounds, launches=launches)
    return {
        "latency_ms": {k: [s * 1000 for s in v] for k, v in report.latencies.items()},
        "paused_median_ms": statistics.median(report.all_ms("paused") or [float("nan")]),
        "paused_worst_ms": max(report.all_ms("paused") or [float("nan")]),
        "training_median_ms": statistics.median(report.all_ms("training") or [float("nan")]),
        "training_worst_ms": max(report.all_ms("training") or [float("nan")]),
        "missed": report.missed,
        "quit_after_mash_s": report.quit_after_mash_s,
        "startup_burst_honoured": sum(report.burst_ok),
        "startup_launches": len(report.burst_ok),
        "lines": report.lines(),
    }
