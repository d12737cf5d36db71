"""Every number and verdict the README states about a run, produced by running that run.

The claims are read from README.md itself (its tables, its `text` blocks, the numbers in its prose), so
a README edited away from what the app measures fails here, and so does a run that changed under it.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from functools import cache
from pathlib import Path

import pytest

from neurotui.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:[.,]\d+)*(?:e-?\d+)?%?")


def section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def table(text: str) -> dict[str, list[str]]:
    """{first cell without backticks: cells} of every row of the markdown tables in `text`."""
    rows = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
            named = re.match(r"`([^`]*)`", cells[0])
            rows[named[1] if named else cells[0]] = cells
    return rows


def block(text: str, command: str) -> list[str]:
    """The lines of the `text` block after `$ command` (up to the next `$` or the block's end)."""
    lines = text[text.index(f"$ {command}"):].split("```")[0].splitlines()
    out = []
    for line in lines[1:]:
        if line.startswith("$ "):
            break
        out.append(line)
    return out


def numbers(cell: str) -> list[str]:
    """The numbers a cell states, outside code spans and row names such as [0, 1]."""
    cell = re.sub(r"`[^`]*`", "", cell)
    cell = re.sub(r"\[[\d., ]+\]", "", cell)
    return [n.replace("−", "-") for n in NUMBER.findall(cell)]


@cache
def run(*argv: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(list(argv)) == 0
    return out.getvalue(), err.getvalue()


@cache
def lab_json(*argv: str) -> dict:
    return json.loads(run("lab", *argv, "--json")[0])


def shown_in(readme_lines: list[str], out: str) -> None:
    """Each README line is a line of the output; one ending in '...' is the start of one."""
    printed = out.splitlines()
    for line in readme_lines:
        line = line.split("  (")[0].rstrip() if "(the doctor" in line else line.rstrip()
        if line in ("", "...") or line.startswith("$ "):
            continue
        if line.endswith("..."):
            assert any(p.startswith(line[:-3].rstrip()) for p in printed), line
        else:
            assert line in printed, line


# ----- Break it on purpose: the bug table ---------------------------------------------------------------------
def _wrong_rows(r: dict) -> set[str]:
    return {f"[{x[0]:g}, {x[1]:g}]" for x, p, t in zip(((0, 0), (0, 1), (1, 0), (1, 1)), r["probs"], (0, 1, 1, 0))
            if (p >= 0.5) != bool(t)}


def _measured(r: dict) -> set[str]:
    losses = [e["loss"] for e in r["loss_log"]]
    final = r["final_loss"] if r["final_loss"] is not None else math.nan
    said = {str(r["steps_done"]), str(r["steps_done"] + 1), f"{final:.4f}", f"{final:.1f}", f"{final:.2f}",
            *(f"{p:.3f}" for p in r["probs"]), "2000"}
    if losses:
        said |= {f"{losses[0]:.4f}", f"{(final - losses[0]) / losses[0]:.1%}"}
    return said


@pytest.mark.parametrize("name", ["no-step", "no-zero-grad", "lr-high", "lr-low", "target-shape",
                                  "broadcast-target", "no-output-sigmoid"])
def test_the_bug_tables_verdicts_and_numbers(name):
    row = table(section("Break it on purpose"))[name]
    r = lab_json("--bug", name, "--log-every", "1")
    assert row[3].startswith(f"`{r['diagnosis']['kind']}`"), (row[3], r["diagnosis"])
    stated = numbers(row[2])
    assert stated and set(stated) <= _measured(r), (stated, _measured(r))
    for rows in re.findall(r"row (\[\d, \d\])", row[2]):  # "row [0, 1] wrong"
        assert _wrong_rows(r) == {rows}
    for code in re.findall(r"`([A-Z]\w+Error: [^`]*)`", row[2]):  # PyTorch's own first line
        assert r["error"].startswith(code)
    if r["error"]:
        assert f"at step {r['steps_done'] + 1}" in row[2]  # the step PyTorch refused


def test_the_error_step_in_the_prose_is_the_tables():
    text = section("Break it on purpose")
    step = lab_json("--bug", "no-output-sigmoid", "--log-every", "1")["steps_done"] + 1
    assert f"`stopped at step {step}: RuntimeError: ...`" in text


# ----- Headless commands: the failure probe --------------------------------------------------------------------
def test_the_failure_probes_printed_lines():
    out, err = run("lab", "--activation", "identity")
    shown_in(block(section("Headless commands"), "neurotui lab --activation identity"), out + err)


# ----- Build XOR by hand ---------------------------------------------------------------------------------------
def test_xor_built_by_hand_reads_what_the_readme_says():
    import torch

    from neurotui.core.model.config import XorConfig, build_model, xor_tensors

    text = section("Build XOR by hand")
    model = build_model(XorConfig(hidden=2, activation="sigmoid"))
    values = {}
    for name, vals in re.findall(r"\| (`w1.*?|`w2.*?) \| ([-\d, ]+) \|", text):
        for weight, v in zip(re.findall(r"`(\w\d)\[([\d,]+)\]`", name), vals.split(", ")):
            values[weight] = float(v)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for (kind, at), v in values.items():
            layer = linears[int(kind[1]) - 1]
            idx = tuple(int(i) for i in at.split(","))
            (layer.weight if kind[0] == "w" else layer.bias)[idx] = v
        x, y = xor_tensors(torch.device("cpu"))
        p = model(x)
        loss = float(torch.nn.BCELoss()(p, y))
    assert len(values) == 9
    probs = " / ".join(f"{v:.3f}" for v in p.reshape(-1).tolist())
    assert f"`prob={probs}`" in text
    assert f"loss is\n{loss:.1e}" in text or f"loss is {loss:.1e}" in text


# ----- Why 2 units sometimes fail: the landscape ----------------------------------------------------------------
def test_the_landscape_numbers():
    text = section("Why 2 units sometimes fail")
    out, _ = run("lab", "--preset", "two-units-stuck", "--landscape")
    shown_in(block(text, "neurotui lab --preset two-units-stuck --landscape"), out)
    stuck = lab_json("--preset", "two-units-stuck")
    floor = re.search(r"flat floor at loss ([\d.]+) \(= ln 2 / 2: (\w+) rows at p = 0.5", text)
    assert floor, "the plateau's loss and its rows"
    assert f"{stuck['final_loss']:.3f}" == floor[1] and abs(stuck["final_loss"] - math.log(2) / 2) < 1e-3
    halves = sum(f"{p:.3f}" == "0.500" for p in stuck["probs"])
    assert {"one": 1, "two": 2, "three": 3}[floor[2]] == halves
    assert f"{halves} rows at p = 0.500" in stuck["diagnosis"]["detail"]  # the doctor says the same
    works = lab_json("--preset", "two-units-stuck", "--seed", "2")
    assert re.search(r"keeps going down to ([\de-]+)", text)[1] == f"{works['final_loss']:.0e}".replace("e-0", "e-")
    high = lab_json("--lr", "100")
    blown = re.search(r"at loss (\d+) nearly everywhere.*?blown up at step (\d+)", text, re.S)
    assert (f"{high['final_loss']:g}", str(high["steps_done"])) == blown.groups()
    assert high["diagnosis"]["kind"] == "saturated"


# ----- Memorization ----------------------------------------------------------------------------------------------
@pytest.mark.slow  # four runs of a 2-32-32-1 network
def test_memorization_and_regularized_numbers():
    text = section("Solves training but not new data")
    mem_out, mem_err = run("lab", "--preset", "memorization")
    reg_out, _ = run("lab", "--preset", "regularized")
    shown_in(block(text, "neurotui lab --preset memorization"), mem_out + mem_err)
    shown_in(block(text, "neurotui lab --preset regularized"), reg_out)
    mem, reg = lab_json("--preset", "memorization"), lab_json("--preset", "regularized")
    prose = text.split("```")[-1]
    assert re.search(r"train loss ([\d.]+)\)", prose)[1] == f"{mem['train_loss']:.4f}"
    assert re.search(r"validation loss ([\d.]+)\)", prose)[1] == f"{mem['val_loss']:.1f}"
    words = {"four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
    assert words[re.search(r"one new point in (\w+)", prose)[1]] == round(1 / (1 - mem["val_accuracy"]))
    assert int(re.search(r"gains (\d+) points", prose)[1]) == round(100 * (reg["val_accuracy"] - mem["val_accuracy"]))
    assert words[re.search(r"(\w+)fold", prose)[1]] == round(mem["val_loss"] / reg["val_loss"])


# ----- More than two classes: the case study's table, the loss-pair bugs -------------------------------------
@pytest.mark.slow
def test_the_case_study_table():
    rows = table(section("More than two classes"))
    cs = lab_json("--preset", "cs231n-spiral")
    assert rows["--preset cs231n-spiral"][2].startswith(f"{cs['train_accuracy']:.1%} training accuracy "
                                                       f"(diagnosis `{cs['diagnosis']['kind']}`)")
    lin = lab_json("--preset", "linear-spiral")
    assert rows["--preset linear-spiral"][2].startswith(f"{lin['train_accuracy']:.1%} (diagnosis "
                                                       f"`{lin['diagnosis']['kind']}`")
    reg, ident = lab_json("--preset", "regression"), lab_json("--preset", "regression", "--activation", "identity")
    assert rows["--preset regression"][2] == f"validation R² {reg['val_r2']:.3f} (identity: {ident['val_r2']:.3f})"
    plane = lab_json("--dataset", "reg-plane", "--activation", "identity")
    assert rows["--dataset reg-plane --activation identity"][2] == f"validation R² {plane['val_r2']:.3f}"


@pytest.mark.slow  # 2000 steps of 100 ReLU units on 300 points
def test_the_softmax_before_ce_row():
    row = table(section("More than two classes"))["softmax-before-ce"][2]
    r = lab_json("--preset", "bug-softmax-before-ce")
    floor = -math.log(math.e / (math.e + 2))
    assert f"= {floor:.3f} for K = 3" in row
    assert f"ends at {r['final_loss']:.3f} with {r['train_accuracy']:.1%} accuracy" in row
    assert r["diagnosis"]["kind"] == "loss_pair_error"


# ----- How reliably does a network learn? the sweep's rows ---------------------------------------------------
def _sweep_rows(text: str, command: str) -> tuple[list[list[str]], dict[tuple, list[str]]]:
    readme = [line.split() for line in block(text, command)[1:]]
    out, _ = run(*command.split()[1:])
    printed = {tuple(line.split()[:3]): line.split() for line in out.splitlines()[1:] if line.strip()}
    return readme, printed


@pytest.mark.slow
def test_the_sweep_rows():
    text = section("How reliably does a network learn?")
    readme, printed = _sweep_rows(text, "neurotui sweep --seeds 2048 --hidden 2,4 --activation tanh,relu,identity")
    for cells in readme:
        stated = cells[:cells.index("...")]
        assert printed[tuple(stated[:3])][:len(stated)] == stated
    readme, printed = _sweep_rows(text, "neurotui sweep --dataset spiral --hidden 4,8 --seeds 256")
    for cells in readme:
        got = printed[tuple(cells[:3])]
        time_at = next(i for i, c in enumerate(cells) if c.endswith("s") and c[:-1].replace(".", "").isdigit())
        assert got[:time_at] == cells[:time_at] and got[time_at + 1:] == cells[time_at + 1:]  # the time varies
