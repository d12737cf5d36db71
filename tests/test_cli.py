"""`neurotui lab` and the CLI's contract: the lesson's output, one-line errors, exit code 2.

Most checks call neurotui.cli.main() in-process (torch is imported once for the
session); a few run a real process where the exit status, stderr or the absence
of a traceback is the point.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lab_runs import LESSON_OUTPUT, LESSON_ROWS

from neurotui.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_BYTES = (Path(__file__).parent / "data" / "expected_output.txt").read_bytes()
LESSON_LINES = LESSON_OUTPUT.splitlines()


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "neurotui", *args],
        cwd=ROOT, capture_output=True, timeout=120, env=env,
    )


def assert_one_line_error(err: str, out: str = "") -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err
    assert lines[0].startswith("neurotui: error: "), err
    assert out == "", f"nothing belongs on stdout when the command is refused: {out!r}"
    return lines[0]


# ---------------------------------------------------------------- the lesson's output


def test_lab_prints_exactly_the_lessons_output_and_nothing_on_stderr():
    proc = run_cli("lab")
    assert proc.returncode == 0
    assert proc.stdout == EXPECTED_BYTES
    assert proc.stderr == b"", proc.stderr.decode()  # no warnings in normal use


def test_lab_log_every_200(capsys):
    assert main(["lab", "--log-every", "200"]) == 0
    lines = capsys.readouterr().out.splitlines()
    steps = [line for line in lines if line.startswith("step=")]
    assert [int(s.split()[0].split("=")[1]) for s in steps] == list(range(200, 2001, 200))
    losses = [float(s.split("loss=")[1]) for s in steps]
    assert losses[0] > losses[-1]
    # the lesson's neuron lines, then the curve, then the lesson's XOR result unchanged
    assert lines == LESSON_LINES[:4] + steps + LESSON_LINES[4:]


def test_lab_json(capsys):
    assert main(["lab", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["diagnosis"]["kind"] == "solved"
    assert set(result["diagnosis"]) == {"kind", "title", "detail", "fix"}
    assert result["rows"] == LESSON_ROWS
    assert result["preds"] == [0, 1, 1, 0] and result["solved"] is True
    assert round(result["final_loss"], 4) == 0.0001
    assert result["steps_done"] == 2000
    assert result["config"]["seed"] == 42 and result["config"]["activation"] == "tanh"
    assert round(result["neuron"]["z"], 3) == 0.44
    assert "\n".join(result["boundary"]).isascii()


def test_lab_boundary_ascii_is_pure_ascii(capsys):
    assert main(["lab", "--boundary", "--ascii"]) == 0
    out = capsys.readouterr().out
    assert out.isascii()
    lines = out.splitlines()
    assert lines[:10] == LESSON_LINES
    grid = [line for line in lines if line.startswith("|")]
    assert len(grid) == 12 and all(len(line) == 28 + 2 for line in grid)
    assert sum(ch in "01" for line in grid for ch in line) == 4


def test_lab_boundary_falls_back_to_ascii_when_stdout_cannot_encode(monkeypatch):
    buffer = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(buffer, encoding="ascii", write_through=True))
    assert main(["lab", "--boundary", "--steps", "30"]) == 0
    sys.stdout.flush()
    text = buffer.getvalue().decode("ascii")  # every byte is ASCII
    assert sum(line.startswith("|") for line in text.splitlines()) == 12


def test_options_before_the_subcommand_are_kept(capsys):
    assert main(["--seed", "7", "--hidden", "3", "lab", "--json", "--steps", "20"]) == 0
    config = json.loads(capsys.readouterr().out)["config"]
    assert (config["seed"], config["hidden"], config["steps"]) == (7, 3, 20)


def test_lab_options_change_the_run(capsys):
    assert main(["lab", "--json", "--activation", "identity", "--steps", "300"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["diagnosis"]["kind"] == "linear"
    assert result["steps_done"] == 300


# ---------------------------------------------------------------- bad values

BAD = [
    (["lab", "--hidden", "0"], "got 0"),
    (["lab", "--hidden", "1000"], "got 1000"),
    (["lab", "--layers", "4"], "got 4"),
    (["lab", "--activation", "softmax"], "'softmax'"),
    (["lab", "--lr", "0"], "learning rate"),
    (["lab", "--lr", "-1"], "got -1"),
    (["lab", "--lr", "nan"], "got nan"),
    (["lab", "--lr", "inf"], "got inf"),
    (["lab", "--steps", "-5"], "got -5"),
    (["lab", "--steps", str(10**9)], f"got {10**9}"),
    (["lab", "--steps", "abc"], "'abc'"),
    (["lab", "--seed", "abc"], "'abc'"),
    (["lab", "--seed", "-1"], "got -1"),
    (["lab", "--device", "tpu"], "'tpu'"),
    (["lab", "--optimizer", "rmsprop"], "'rmsprop'"),
    (["lab", "--log-every", "0"], "got 0"),
    (["lab", "--log-every", "x"], "'x'"),
    (["lab", "--bogus"], "--bogus"),
    (["frobnicate"], "frobnicate"),
    (["--hidden", "0"], "got 0"),  # the app refuses before any UI starts
    (["--lr", "nan", "lab"], "got nan"),
]


@pytest.mark.parametrize("argv, says", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_value_is_one_line_and_exit_2(argv, says, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    line = assert_one_line_error(captured.err, captured.out)
    assert says in line


@pytest.mark.skipif(_cuda_available(), reason="CUDA is available here")
def test_cuda_without_cuda_is_one_line_and_exit_2(capsys):
    assert main(["lab", "--device", "cuda"]) == 2
    captured = capsys.readouterr()
    line = assert_one_line_error(captured.err, captured.out)
    assert "--device cpu" in line


@pytest.mark.parametrize(
    "argv",
    [["lab", "--hidden", "0"], ["lab", "--steps", "abc"], ["lab", "--lr", "nan"], ["--layers", "4"]],
    ids=["config", "argparse", "nan", "app"],
)
def test_bad_value_in_a_real_process(argv):
    proc = run_cli(*argv)
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr.decode(), proc.stdout.decode())


@pytest.mark.skipif(_cuda_available(), reason="CUDA is available here")
def test_cuda_without_cuda_in_a_real_process():
    """The one refusal that comes after torch is imported: still one line, exit 2."""
    proc = run_cli("lab", "--device", "cuda")
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr.decode(), proc.stdout.decode())


# ---------------------------------------------------------------- --card


def test_lab_card_writes_the_card(tmp_path, capsys):
    path = tmp_path / "card.md"
    assert main(["lab", "--card", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:10] == LESSON_LINES
    assert out.endswith(f"card written to {path}\n")
    text = path.read_text(encoding="utf-8")
    for row in LESSON_ROWS:
        assert row in text
    assert "final_loss= 0.0001" in text
    assert os.listdir(tmp_path) == ["card.md"]


def test_lab_card_refuses_an_existing_file_before_training(tmp_path, capsys):
    path = tmp_path / "card.md"
    path.write_text("keep me")
    assert main(["lab", "--card", str(path)]) == 2
    captured = capsys.readouterr()
    line = assert_one_line_error(captured.err, captured.out)  # stdout empty: nothing was trained
    assert "already exists" in line
    assert path.read_text() == "keep me"


def test_lab_card_missing_directory(tmp_path, capsys):
    assert main(["lab", "--card", str(tmp_path / "nope" / "card.md")]) == 2
    captured = capsys.readouterr()
    assert "does not exist" in assert_one_line_error(captured.err, captured.out)
