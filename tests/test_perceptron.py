"""`--layers 0`: the single-layer perceptron (2-1, only the output sigmoid) the lesson says fails on XOR."""

from __future__ import annotations

import contextlib
import io
import json
import math

import pytest

from neurotui.cli import main
from neurotui.core.model.config import XorConfig, build_model, is_linear, layer_sizes
from neurotui.core.model.inside import look_inside
from neurotui.session.state import Refused, Session


def lab_json(*args: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["lab", "--json", *args]) == 0
    return json.loads(out.getvalue())


def test_the_perceptron_is_one_linear_then_the_sigmoid():
    c = XorConfig(layers=0).validated()
    assert layer_sizes(c) == [(2, 1)]
    assert c.shape == "2-1"
    assert is_linear(c) and not is_linear(XorConfig())
    model = build_model(c)
    assert [type(m).__name__ for m in model] == ["Linear", "Sigmoid"]


def test_lab_layers_0_fails_at_ln2_and_the_doctor_says_why():
    d = lab_json("--layers", "0")
    assert d["final_loss"] == pytest.approx(math.log(2), abs=1e-3)
    assert not d["solved"]
    assert d["diagnosis"]["kind"] == "linear"
    # the lesson's network still solves it, with the same everything else
    assert lab_json("--layers", "1")["solved"]


def test_layers_out_of_range_is_one_line_and_exit_2(capsys):
    assert main(["lab", "--layers", "-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "0-3" in err


def test_a_sweep_of_perceptrons_solves_no_seed():
    from neurotui.core.sweep.config import SweepConfig
    from neurotui.core.sweep.run import run_sweep

    r = run_sweep(SweepConfig(model=XorConfig(layers=0, steps=300), seeds=4))
    assert r.solved_fraction == 0
    assert set(r.kinds) == {"linear"}
    assert all(abs(v - math.log(2)) < 0.01 for v in r.final_losses)


def test_the_app_cycles_through_the_perceptron_and_has_nothing_to_look_inside():
    s = Session(XorConfig(layers=3))
    s.cycle_layers()
    assert s.config.layers == 0
    with pytest.raises(Refused):
        s.next_inside_layer()
    s.cycle_layers()
    assert s.config.layers == 1


def test_looking_inside_the_perceptron_shows_its_one_layer():
    import torch

    c = XorConfig(layers=0).validated()
    model = build_model(c)
    inside = look_inside(model, torch.tensor([[0.0, 0.0], [1.0, 1.0]]), feature_grid=(3, 4))
    assert inside.layer == 0
    assert len(inside.weights) == 1 and len(inside.weights[0][0]) == 2
    assert inside.features == ()
    assert len(inside.output_map) == 3
