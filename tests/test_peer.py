"""`neurotui bench --peer`: neurotui against scikit-learn, a bench-only extra."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from neurotui.cli import main


def test_without_scikit_learn_the_peer_bench_says_so_in_one_line(monkeypatch, capsys):
    import neurotui.bench.peer as peer

    real = importlib.util.find_spec
    monkeypatch.setattr(peer.importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a))
    assert main(["bench", "--peer"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "scikit-learn" in err[0] and "neurotui[bench]" in err[0]


def test_neurotui_never_imports_scikit_learn_itself():
    main(["lab", "--steps", "1"])
    assert "sklearn" not in sys.modules


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="the bench extra is not installed")
def test_the_peer_bench_trains_both_on_the_same_file(capsys):
    assert main(["bench", "--peer", "--rounds", "1", "--steps", "200", "--json"]) == 0
    import json

    report = json.loads(capsys.readouterr().out)
    assert set(report["cpu_seconds"]) == {"neurotui", "scikit-learn"}
    # the same file and split: both nets learn the moons (a broken setup on either side would not)
    assert min(report["val_accuracy"].values()) > 0.8
