"""`neurotui bench --ui`'s meter, on clocks the test writes: drawing switched on and off every
SEGMENT_SNAPSHOTS snapshots, each side timed over its own snapshots, and the worker's share of
the clock read from its CPU time."""

import math

from neurotui.bench.drawing import SEGMENT_SNAPSHOTS, _Interleaved


def feed(meter: _Interleaved, snapshots: int, steps_per_s: float, share_on: float, share_off: float):
    """Snapshots every 0.2 s; the worker runs `share` of the clock (the rest it waits on the GIL),
    and gets steps_per_s * share steps done. Returns what deliver answered, in order."""
    now, cpu, step, answers = 0.0, 0.0, 0, []
    for _ in range(snapshots):
        answers.append(meter.deliver(step, False, now=now, cpu=cpu))
        share = share_on if answers[-1] else share_off
        now += 0.2
        cpu += 0.2 * share
        step += round(0.2 * share * steps_per_s)
    return answers


def test_drawing_goes_on_and_off_every_segment_after_the_warm_up():
    meter = _Interleaved(from_step=1, start_on=True)
    answers = feed(meter, 1 + 4 * SEGMENT_SNAPSHOTS, 1000, 0.96, 1.0)
    assert answers[0] is True  # step 0: before the steady state, always drawn
    n = SEGMENT_SNAPSHOTS
    assert answers[1:1 + n] == [True] * n
    assert answers[1 + n:1 + 2 * n] == [False] * n
    assert answers[1 + 2 * n:1 + 3 * n] == [True] * n
    assert meter.drawn == answers[1:].count(True)


def test_the_worker_share_and_steps_ratio_come_out_as_fed():
    meter = _Interleaved(from_step=1, start_on=False)
    feed(meter, 1 + 6 * SEGMENT_SNAPSHOTS, 1000, 0.96, 1.0)
    assert math.isclose(meter.share(True), 0.96, rel_tol=1e-6)
    assert math.isclose(meter.share(False), 1.0, rel_tol=1e-6)
    assert math.isclose(meter.rate(True) / meter.rate(False), 0.96, rel_tol=0.01)
    # on is timed from its first snapshot (its first frame draws everything: charged in full), off
    # from its second (the last frame drawn before it is charged to neither). Snapshots 0..60: off
    # segments close at 11, 31, 51, on segments at 21, 41.
    assert math.isclose(meter.seconds[False], 3 * (SEGMENT_SNAPSHOTS - 1) * 0.2)
    assert math.isclose(meter.seconds[True], 2 * SEGMENT_SNAPSHOTS * 0.2)


def test_a_finished_snapshot_always_reaches_the_app():
    meter = _Interleaved(from_step=1, start_on=False)
    feed(meter, 3, 1000, 0.96, 1.0)
    assert meter.deliver(10**6, True, now=99.0, cpu=99.0) is True
