"""Writes the CSV fixtures of tests/test_datafile.py (kept in git; rerun only to change them).

Plain Python's random with fixed seeds: the files are the tests' data, not drawn at test time.
`exact95.csv` is built around neurotui's own split (data seed 0): its labels alternate, so the
stratified split is known before the points are placed, and six of the 120 validation rows sit
deep in the other class's side. A net that learns the clean rule then scores exactly 114/120.
"""

import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, header, rows):
    with open(os.path.join(HERE, name), "w") as f:
        if header:
            f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(x if isinstance(x, str) else (f"{x:.4f}" if isinstance(x, float) else str(x)) for x in r) + "\n")


def exact95():
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
    import torch

    from neurotui.core.data.split import stratified_split

    rnd = random.Random(95)
    labels = [i % 2 for i in range(400)]
    _, val = stratified_split(torch.tensor(labels, dtype=torch.float32), 0.3, torch.Generator().manual_seed(0), 2)
    val = val.tolist()
    wrong = [i for i in val if labels[i] == 0][:3] + [i for i in val if labels[i] == 1][:3]
    rows = []
    for i, y in enumerate(labels):
        side = (1 if y else -1) * (-1 if i in wrong else 1)
        rows.append((side * rnd.uniform(1.0, 3.0), rnd.uniform(-2.0, 2.0), y))
    write("exact95.csv", ["x1", "x2", "y"], rows)


def moons_big_units():
    rnd = random.Random(7)
    rows = []
    for i in range(300):
        y = i % 2
        t = rnd.uniform(0, math.pi)
        a, b = math.cos(t) - 0.5, math.sin(t) - 0.25
        if y:
            a, b = -a, -b
        rows.append((100 * (a + rnd.gauss(0, 0.1)) + 500, 100 * (b + rnd.gauss(0, 0.1)) + 500, y))
    write("moons_units.csv", None, rows)  # no header: x1, x2, y


def flowers4():
    """Three named species in four measured columns, iris-like (text labels, a header)."""
    rnd = random.Random(4)
    centres = {"setosa": (5.0, 3.4, 1.5, 0.2), "versicolor": (5.9, 2.8, 4.3, 1.3), "virginica": (6.6, 3.0, 5.6, 2.0)}
    rows = []
    for i in range(150):
        name = list(centres)[i % 3]
        rows.append((*(c + rnd.gauss(0, 0.25) for c in centres[name]), name))
    write("flowers4.csv", ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"], rows)


def wide13():
    """Three classes (labels 1..3) in 13 columns of very different scales, wine-like."""
    rnd = random.Random(13)
    scales = [1, 1000, 0.01, 10, 100, 1, 5, 0.5, 2, 20, 0.1, 3, 700]
    rows = []
    for i in range(180):
        c = i % 3
        rows.append((*(s * (rnd.gauss(0, 1) + (1.5 * (c - 1) if k % 2 == 0 else 0.0)) + 3 * s
                       for k, s in enumerate(scales)), c + 1))
    write("wide13.csv", [f"m{k}" for k in range(13)] + ["cultivar"], rows)


def label_first():
    """Header y,x1,x2: the label is the first column (--label y, or --label 0)."""
    rnd = random.Random(1)
    rows = []
    for _ in range(200):
        a, b = rnd.uniform(-1, 1), rnd.uniform(-1, 1)
        rows.append((int(a * b > 0), a, b))
    write("label_first.csv", ["y", "x1", "x2"], rows)


def plus_minus():
    rnd = random.Random(2)
    rows = []
    for _ in range(200):
        a, b = rnd.uniform(-1, 1), rnd.uniform(-1, 1)
        rows.append((a, b, 1 if a + b > 0 else -1))
    write("plus_minus.csv", ["u", "v", "sign"], rows)


def integer_target():
    """A count to predict: integers 25..346 from 3 inputs (diabetes-like)."""
    rnd = random.Random(3)
    rows = []
    for _ in range(200):
        a, b, c = (rnd.uniform(-1, 1) for _ in range(3))
        rows.append((a, b, c, max(25, min(346, int(180 + 90 * a - 50 * b + 20 * c * c + rnd.gauss(0, 10))))))
    write("integer_target.csv", ["age", "bmi", "bp", "progression"], rows)


def noisy_target():
    """Diabetes-like: 300 rows, 10 inputs, a target half signal (two of them) and half noise."""
    rnd = random.Random(4)
    rows = []
    for _ in range(300):
        xs = [rnd.uniform(-1, 1) for _ in range(10)]
        rows.append((*xs, round(150 + 40 * xs[0] + 20 * xs[1] + rnd.gauss(0, 30), 1)))
    write("noisy_target.csv", [f"s{k}" for k in range(10)] + ["progression"], rows)


if __name__ == "__main__":
    exact95()
    moons_big_units()
    flowers4()
    wide13()
    label_first()
    plus_minus()
    integer_target()
    noisy_target()
