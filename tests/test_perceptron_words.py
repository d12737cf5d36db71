"""The doctor's words for the perceptron (`--layers 0`): it has no hidden layer to collapse, so it is
told so, and told to add one; a net without hidden activation keeps its own words."""

import subprocess
import sys


def doctor(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "neurotui", "lab", *args], capture_output=True, text=True, check=True)
    return next(line for line in (out.stdout + out.stderr).splitlines() if line.startswith("diagnosis:"))


def test_the_perceptron_is_told_it_has_no_hidden_layer_and_to_add_one():
    words = doctor("--layers", "0")
    assert "single-layer perceptron" in words and "hidden activation the layers" not in words
    assert "fix: add a hidden layer with a nonlinear activation" in words
    on_data = doctor("--layers", "0", "--dataset", "circle", "--steps", "200")
    assert "single-layer perceptron" in on_data and "add a hidden layer" in on_data


def test_no_hidden_activation_keeps_its_own_words():
    words = doctor("--activation", "identity", "--steps", "300")
    assert "with no hidden activation the layers collapse into one linear map" in words
    assert "fix: add a nonlinear hidden activation (tanh or relu)" in words
