"""Snapshots share the run's losses instead of copying them (core.training.series): an old snapshot
keeps showing what it showed, and the plot's log-axis choice reads a kept span."""

import asyncio
import math

from neurotui.core.model.config import XorConfig
from neurotui.core.training.series import LossSeries, SpanTracker, positive_span
from neurotui.core.training.trainer import Trainer
from neurotui.tui.app import NeuroApp
from neurotui.tui.panes.xor_loss import spans_decades
from neurotui.tui.screenshots import settle


def test_a_series_is_a_prefix_that_never_changes():
    values = [0.7, 0.5, 0.3]
    s = LossSeries(values, 3, SpanTracker().update(values))
    values += [0.1, 0.05]  # the run goes on
    assert len(s) == 3 and list(s) == [0.7, 0.5, 0.3] and s[-1] == 0.3
    assert s[:2] == [0.7, 0.5] and s == [0.7, 0.5, 0.3]
    assert s.span == (0.3, 0.7)
    try:
        s[3]
    except IndexError:
        pass
    else:
        raise AssertionError("read past the snapshot's end")


def test_an_edited_models_loss_comes_last_without_touching_the_run():
    values = [0.7, 0.5]
    s = LossSeries(values, 2, (0.5, 0.7), extra=(0.002,))
    assert list(s) == [0.7, 0.5, 0.002] and values == [0.7, 0.5]
    assert s.span == (0.002, 0.7)


def test_the_span_skips_non_finite_and_non_positive_and_scans_only_new_values():
    t = SpanTracker()
    values = [0.0, math.nan, 0.5]
    assert t.update(values) == (0.5, 0.5)
    values += [math.inf, 2.0, 1e-5]
    assert t.update(values) == (1e-5, 2.0) and t.seen == 6
    assert positive_span([0.0, -1.0]) is None


def test_a_snapshot_stays_as_it_was_while_training_goes_on():
    t = Trainer(XorConfig(steps=400))
    t.run(100)
    early = t.snapshot()
    t.run()
    late = t.snapshot()
    assert len(early.losses) == 100 and len(late.losses) == 400
    assert list(early.losses) == t.losses[:100] and list(late.losses) == t.losses
    assert late.losses.span == (min(t.losses), max(t.losses))
    assert spans_decades(late.losses) == (math.log10(max(t.losses) / min(t.losses)) > 2)


def test_the_worker_looks_inside_only_while_an_inside_view_is_shown():
    async def go():
        app = NeuroApp(XorConfig(steps=300), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            on_boundary = app.xor.snapshot.picture("inside")
            await pilot.press("3", "v")  # features: the hidden units' maps
            for _ in range(100):
                if app.xor.snapshot.picture("inside") is not None:
                    break
                await pilot.pause(0.05)
            on_features = app.xor.snapshot.picture("inside")
            await pilot.press("v", "v", "v")  # space, weights, network
            await pilot.pause(0.3)
            on_network, view = app.xor.control.pictures.wants("inside"), app.xor.view
        return on_boundary, on_features, on_network, view

    on_boundary, on_features, on_network, view = asyncio.run(go())
    assert on_boundary is None  # the boundary view draws no unit maps: none were computed
    assert on_features is not None and on_features.layer == 1
    assert view == "network" and on_network is None


def test_slices_and_iteration_read_the_shared_list():
    values = [float(v) for v in range(10)]
    s = LossSeries(values, 8, None, extra=(-1.0,))
    assert s[2:5] == [2.0, 3.0, 4.0] and s[6:] == [6.0, 7.0, -1.0] and s[::4] == [0.0, 4.0, -1.0]
    assert list(s) == values[:8] + [-1.0] and list(reversed(s))[0] == -1.0


def test_compact_picture_sits_right_beside_its_text():
    """The boundary's auto width is measured from the grid, not from the 'waiting' line shown
    before the first grid (that left a gap of blank columns at 80x24)."""
    async def go():
        app = NeuroApp(XorConfig(steps=300), speed=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            b, rows = app.query_one("#xor-boundary"), app.query_one("#xor-rows")
            return b.region, rows.region, len(b._data[0])

    picture, text, cols = asyncio.run(go())
    assert picture.width == cols and text.x == picture.right
