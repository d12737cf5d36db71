"""A preset's run is the same from the key as from the command line, and its question is shown only
while that run is on."""

from __future__ import annotations

import pytest

from neurotui.cli.parser import build_parser, config_from_args
from neurotui.core.course.presets import PRESETS
from neurotui.core.model.config import XorConfig
from neurotui.session.state import Session


def _cli(name: str) -> XorConfig:
    return config_from_args(build_parser().parse_args(["--preset", name])).validated()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_preset_from_the_key_is_the_preset_from_the_command_line(name):
    s = Session()
    s.new_seed()  # s: seed 43
    s.new_seed()
    s.apply_preset(name)  # P, then the preset
    assert s.config == _cli(name)


def test_relu_after_a_new_seed_runs_seed_42():
    s = Session()
    s.new_seed()
    s.apply_preset("relu")
    assert (s.config.activation, s.config.seed) == ("relu", 42)


def test_the_question_goes_when_the_run_stops_being_the_presets():
    s = Session()
    s.apply_preset("two-units-stuck")
    assert s.banner.startswith("Why do 2 units sometimes fail?")
    s.cycle_dataset()  # D
    assert s.banner == ""
    s.apply_preset("two-units-stuck")
    s.pick(s.config.with_(seed=7))  # Reliability's f: a failed seed of the row, trained live
    assert s.banner == ""
    s.apply_preset("two-units-stuck")
    s.toggle_compare()  # compare trains B beside it: A is still the preset's run
    assert s.banner.startswith("Why do 2 units")


def test_the_command_lines_question_goes_too():
    s = Session(_cli("relu"), question=PRESETS["relu"].question)
    assert s.banner == PRESETS["relu"].question
    s.change_hidden(1)
    assert s.banner == ""
