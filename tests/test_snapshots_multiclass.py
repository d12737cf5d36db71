"""Snapshots beyond two classes (issue 22): three spiral arms mid-run and done, a regression map,
three classes without colour, and the 80x24 layout. Fixed sizes, runs settled before the picture."""

from test_snapshots import before

from neurotui.core.model.config import XorConfig
from neurotui.tui.app import NeuroApp

SPIRAL3 = dict(dataset="spiral3", hidden=32, activation="relu", steps=600)


def test_spiral3_mid_training(snap_compare):
    app = NeuroApp(XorConfig(**SPIRAL3), speed=None, pause_at=60)
    assert snap_compare(app, terminal_size=(120, 40), run_before=before())


def test_spiral3_done(snap_compare):
    assert snap_compare(NeuroApp(XorConfig(**SPIRAL3), speed=None), terminal_size=(120, 40), run_before=before())


def test_reg_gauss_prediction_map(snap_compare):
    config = XorConfig(dataset="reg-gauss", hidden=8, layers=2, lr=0.03, steps=600, samples=400)
    assert snap_compare(NeuroApp(config, speed=None), terminal_size=(120, 40), run_before=before())


def test_three_classes_without_colour(snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(NeuroApp(XorConfig(**SPIRAL3), speed=None), terminal_size=(120, 40), run_before=before())


def test_three_classes_at_80x24(snap_compare):
    assert snap_compare(NeuroApp(XorConfig(**SPIRAL3), speed=None), terminal_size=(80, 24), run_before=before())
