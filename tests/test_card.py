"""The result card: it says what the run did, and writing it never loses or clobbers a file."""

from __future__ import annotations

import errno
import math
import os
import tempfile

import pytest
from lab_runs import LESSON_ROWS, probe, trained

from neurotui.core.course import card as card_mod
from neurotui.core.course.card import (
    CardError,
    card_markdown,
    check_card_path,
    failure_probe,
    fresh_path,
    probe_config,
    save_card,
    write_card,
)
from neurotui.core.model.boundary import render
from neurotui.core.model.config import XorConfig

LESSON_ITEMS = (
    "**Single Neuron**: z = x @ w + b, activation changes the signal",
    "**XOR result**: [0, 1, 1, 0] recovered by a tiny MLP",
    "**Core Reason**: nonlinear hidden layers create intermediate features",
    "**Failure Probe**: remove hidden activation and compare final_loss",
)


@pytest.fixture(scope="module")
def default_card() -> str:
    _, snap = trained()
    return card_markdown(XorConfig(), snap, probe())


# ---------------------------------------------------------------- contents


def test_card_matches_the_default_run(default_card):
    _, snap = trained()
    text = default_card
    for row in LESSON_ROWS:
        assert row in text
    assert "final_loss= 0.0001" in text
    assert "| final loss | 0.0001 |" in text
    assert "| seed | 42 |" in text and "| optimizer | Adam, lr 0.1 |" in text
    assert "| steps | 2000 of 2000 |" in text and "2-4-1" in text
    assert "Diagnosis: **solved**" in text
    for item in LESSON_ITEMS:
        assert item in text
    assert "0.8×0.2 + 0.3×(−0.4) + 0.5×0.6 + 0.1 = 0.44" in text
    assert "sigmoid = 0.608, relu = 0.44" in text
    assert "Reproduce: `neurotui lab`" in text


def test_card_shows_the_failure_probe_beside_the_run(default_card):
    p = probe()
    assert p.step == 2000
    assert p.loss == pytest.approx(math.log(2), abs=1e-3) and p.diagnosis.kind == "linear"
    assert "| this run | Tanh | 0.0001 | [0, 1, 1, 0] | solved |" in default_card
    assert f"| probe | None (no hidden activation) | {round(p.loss, 4)} |" in default_card
    assert "0.6931 without vs 0.0001 with Tanh" in default_card


def test_card_boundary_is_the_runs_grid(default_card):
    _, snap = trained()
    for line in render(snap.boundary):
        assert f"|{line}|" in default_card
    ascii_card = card_markdown(XorConfig(), snap, probe(), ascii=True)
    ascii_card.encode("ascii")  # the whole card, arithmetic included
    for line in render(snap.boundary, ascii=True):
        assert f"|{line}|" in ascii_card


def test_card_follows_another_run():
    config = XorConfig(activation="relu", hidden=3, seed=1, steps=300, lr=0.05)
    _, snap = trained(config)
    text = card_markdown(config, snap, failure_probe(config))
    for row in snap.rows():
        assert row in text
    assert f"final_loss= {round(snap.loss, 4)}" in text
    assert "| seed | 1 |" in text and "| steps | 300 of 300 |" in text and "2-3-1" in text
    assert "lr 0.05" in text and "ReLU" in text
    assert "`neurotui lab --hidden 3 --activation relu --lr 0.05 --steps 300 --seed 1`" in text


def test_card_of_a_run_without_activation_contrasts_with_tanh():
    config = XorConfig(activation="identity", steps=300)
    _, snap = trained(config)
    assert probe_config(config).activation == "tanh"
    text = card_markdown(config, snap, failure_probe(config))
    assert "**XOR result**: not recovered" in text
    assert "(linear)" in text
    assert "| probe | Tanh |" in text


def test_card_without_probe_says_so():
    _, snap = trained()
    text = card_markdown(XorConfig(), snap, None)
    assert "compare final_loss: not run" in text
    for row in LESSON_ROWS:
        assert row in text


def test_probe_is_the_same_config_without_activation():
    c = XorConfig(hidden=6, layers=2, seed=3, lr=0.2, optimizer="sgd", steps=70)
    assert probe_config(c) == c.with_(activation="identity")
    p = failure_probe(c, steps=25)
    assert p.step == 25 and p.finished
    assert failure_probe(c, should_stop=lambda: True) is None


# ---------------------------------------------------------------- writing


def test_write_card_writes_atomically(tmp_path):
    path = tmp_path / "card.md"
    assert write_card(path, "hello ✓\n") == path
    assert path.read_bytes() == "hello ✓\n".encode()
    assert os.listdir(tmp_path) == ["card.md"]  # no temp file left


def test_write_card_never_overwrites(tmp_path):
    path = tmp_path / "card.md"
    path.write_text("precious")
    with pytest.raises(CardError, match="already exists"):
        write_card(path, "new")
    assert path.read_text() == "precious"
    assert os.listdir(tmp_path) == ["card.md"]
    with pytest.raises(CardError):
        check_card_path(path)


def test_a_card_that_exists_is_refused_by_lab_in_one_line_before_training(tmp_path, capsys):
    from neurotui.cli import main

    path = tmp_path / "card.md"
    path.write_text("precious")
    assert main(["lab", "--steps", "5", "--card", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # refused before the run: no lesson lines
    assert err.count("\n") == 1 and err.startswith("neurotui: error: cannot write card") and "already exists" in err
    assert path.read_text() == "precious" and os.listdir(tmp_path) == ["card.md"]


def test_fresh_names(tmp_path):
    path = tmp_path / "card.md"
    assert fresh_path(path) == path
    assert write_card(path, "a", fresh=True) == path
    assert fresh_path(path) == tmp_path / "card-1.md"
    assert write_card(path, "b", fresh=True) == tmp_path / "card-1.md"
    assert write_card(path, "c", fresh=True) == tmp_path / "card-2.md"
    assert [p.read_text() for p in (path, tmp_path / "card-1.md", tmp_path / "card-2.md")] == ["a", "b", "c"]
    assert sorted(os.listdir(tmp_path)) == ["card-1.md", "card-2.md", "card.md"]
    bare = tmp_path / "notes"
    bare.write_text("x")
    assert fresh_path(bare) == tmp_path / "notes-1"


def test_save_card(tmp_path):
    _, snap = trained()
    written = save_card(XorConfig(), snap, tmp_path / "c.md", probe=probe(), fresh=True)
    assert written.read_text(encoding="utf-8") == card_markdown(XorConfig(), snap, probe())


def test_a_failing_write_leaves_no_file(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(CardError, match="no space left on device") as info:
        write_card(tmp_path / "card.md", "x" * 100_000)
    assert "\n" not in str(info.value)
    assert os.listdir(tmp_path) == []


def test_a_name_taken_during_the_write_is_not_clobbered(tmp_path, monkeypatch):
    path = tmp_path / "card.md"
    real_mkstemp = tempfile.mkstemp

    def racing_mkstemp(*args, **kwargs):
        result = real_mkstemp(*args, **kwargs)
        path.write_text("someone else's")  # appears after the early check
        return result

    monkeypatch.setattr(card_mod.tempfile, "mkstemp", racing_mkstemp)
    with pytest.raises(CardError, match="already exists"):
        write_card(path, "mine")
    assert path.read_text() == "someone else's"
    assert os.listdir(tmp_path) == ["card.md"]


def test_without_hard_links_it_still_writes_and_refuses(tmp_path, monkeypatch):
    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "card.md"
    assert write_card(path, "one") == path
    assert write_card(path, "two", fresh=True) == tmp_path / "card-1.md"
    assert path.read_text() == "one"
    assert sorted(os.listdir(tmp_path)) == ["card-1.md", "card.md"]


@pytest.mark.parametrize("where", ["missing", "file-parent", "directory"])
def test_unwritable_places_get_one_clear_line(tmp_path, where):
    if where == "missing":
        path, says = tmp_path / "no" / "such" / "card.md", "does not exist"
    elif where == "file-parent":
        (tmp_path / "plain").write_text("x")
        path, says = tmp_path / "plain" / "card.md", "is not a directory"
    else:
        path, says = tmp_path, "is a directory"
    for fresh in (False, True):
        with pytest.raises(CardError, match=says) as info:
            write_card(path, "x", fresh=fresh)
        assert "\n" not in str(info.value)


def test_permission_denied_is_one_clear_line(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(card_mod.tempfile, "mkstemp", denied)
    with pytest.raises(CardError, match="permission denied") as info:
        write_card(tmp_path / "card.md", "x")
    assert "\n" not in str(info.value) and "card.md" in str(info.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(CardError, match="not writable"):
            write_card(ro / "card.md", "x")
    finally:
        ro.chmod(0o700)


def test_card_of_a_run_still_training():
    """The app's `e` key may come mid-run: the card says so and probes the same number of steps."""
    from neurotui.core.training.trainer import Trainer

    trainer = Trainer(XorConfig())
    trainer.run(10)
    snap = trainer.snapshot(boundary_size=(4, 8))
    assert snap.diagnosis.kind == "training"
    p = failure_probe(trainer.config, steps=snap.step)
    assert p.step == 10
    text = card_markdown(trainer.config, snap, p)
    assert "| steps | 10 of 2000 (still training) |" in text
    assert "Diagnosis: **training**" in text
    for row in snap.rows():
        assert row in text


def test_card_says_when_weights_were_edited_by_hand():
    from dataclasses import replace

    from neurotui.core.model.network import Edit

    trainer, snap = trained()
    edited = replace(snap, edits=(Edit(layer=1, unit=0, source=1, old=0.5, new=20.0, step=2000),))
    text = card_markdown(XorConfig(), edited)
    assert "**Weights edited by hand** (1)" in text and "w1[0,1] +0.5 -> +20 at step 2000" in text
    assert "Weights edited by hand" not in card_markdown(XorConfig(), snap)


def test_a_file_run_with_its_card_reads_the_file_once_and_decides_its_facts_once(tmp_path):
    """`lab --data F --card`: the command line resolves the run once; the Trainer, the failure probe
    (the same data, shared) and the card take that Resolved, so the file is read once, its Dataset
    built once and the task decided once (before: three resolves, three Datasets, task_of 9 times)."""
    import contextlib
    import io
    import sys

    from lab_runs import DATA

    from neurotui.cli import main
    from neurotui.core.course.bugs import mistakes
    from neurotui.core.data import csvfile, scaling
    from neurotui.core.model.task import task_of

    counted = {f.__code__: f.__name__ for f in (csvfile._read_text, scaling.dataset_of, task_of, mistakes)}
    seen: dict[str, int] = {}

    def profile(frame, event, _arg):
        if event == "call" and frame.f_code in counted:
            seen[counted[frame.f_code]] = seen.get(counted[frame.f_code], 0) + 1

    csvfile._table.cache_clear()  # a read cached by an earlier test would hide one here
    card = tmp_path / "card.md"
    sys.setprofile(profile)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert main(["lab", "--data", str(DATA / "flowers4.csv"), "--steps", "30", "--card", str(card)]) == 0
    finally:
        sys.setprofile(None)
    assert "## Failure probe" in card.read_text(encoding="utf-8")
    # the file's text read once; one Dataset for the run and its probe; one resolve (mistakes, task_of)
    assert seen == {"_read_text": 1, "dataset_of": 1, "mistakes": 1, "task_of": 1}
