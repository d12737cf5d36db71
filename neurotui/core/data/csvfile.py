"""Your own data: a CSV file of x1,x2,y rows, read with one clear line for every way it can be bad.

The labels decide the task (core.model.task.labels_task): 0/1 the lesson's binary task, integers
0..K-1 K classes, any fractional label regression.
"""

from __future__ import annotations

import csv
import functools
import math
import os

from neurotui.core.errors import ConfigError

# How many points a dataset may have, a file or a generated set alike.
SAMPLES_MIN, SAMPLES_MAX = 4, 100_000
CSV_MAX_BYTES = 32 * 2**20
CSV_MAX_ABS = 1e6  # beyond this, squared features overflow float32 and training blows up


class DataFileError(ConfigError):
    """A --data file is unusable; the message names the file, the line and the problem."""


def load_csv(path):
    """(x [n, 2] float32, y [n] float32) from a CSV of x1,x2,y rows (header optional)."""
    import torch

    rows, labels = read_csv_rows(path)
    return torch.tensor(rows, dtype=torch.float32), torch.tensor(labels, dtype=torch.float32)


def read_csv_rows(path) -> tuple[list[tuple[float, float]], list[float]]:
    """Plain-Python parse of a data file; DataFileError (one line) for every way it can be bad."""
    name = repr(str(path))
    try:
        if os.path.isdir(path):
            raise DataFileError(f"data file {name} is a directory")
        if not os.path.exists(path):
            raise DataFileError(f"data file {name} does not exist")
        if os.path.getsize(path) > CSV_MAX_BYTES:
            raise DataFileError(f"data file {name} is larger than {CSV_MAX_BYTES >> 20} MiB")
        with open(path, "rb") as f:
            raw = f.read(CSV_MAX_BYTES + 1)
    except OSError as exc:
        raise DataFileError(f"cannot read data file {name}: {(exc.strerror or str(exc)).lower()}") from None
    if not raw.strip():
        raise DataFileError(f"data file {name} is empty: expected rows of x1,x2,y")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DataFileError(f"data file {name} line {line}: binary data, not a CSV text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(f"data file {name} line {line}: not UTF-8 text (binary data?)") from None
    rows: list[tuple[float, float]] = []
    labels: list[float] = []
    first = True
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            fields = [f.strip() for f in next(csv.reader([line]))]
        except csv.Error as exc:
            raise DataFileError(f"data file {name} line {lineno}: {exc}") from None
        where = f"data file {name} line {lineno}"
        if len(fields) != 3:
            raise DataFileError(f"{where}: expected 3 columns x1,x2,y, got {len(fields)}")
        if first and not any(_is_number(f) for f in fields):
            first = False  # a header: its names are not checked
            continue
        first = False
        values = []
        for col, field in zip(("x1", "x2", "y"), fields):
            if not _is_number(field):
                raise DataFileError(f"{where}: {col} {field[:40]!r} is not a number")
            v = float(field)
            if not math.isfinite(v):
                raise DataFileError(f"{where}: {col} {field[:40]!r} is not finite")
            if abs(v) > CSV_MAX_ABS:
                raise DataFileError(f"{where}: {col} {field[:40]!r} is out of range (|{col}| <= {CSV_MAX_ABS:g})")
            values.append(v)
        rows.append((values[0], values[1]))
        labels.append(values[2])
        if len(rows) > SAMPLES_MAX:
            raise DataFileError(f"data file {name} has more than {SAMPLES_MAX:,} rows")
    if len(rows) < SAMPLES_MIN:
        raise DataFileError(f"data file {name} has {len(rows)} data rows; need at least {SAMPLES_MIN}")
    return rows, labels


def csv_labels(path) -> tuple[float, ...]:
    """The file's labels, read once per version of the file: the task (and so the model's shape)
    is asked for often, the file read only when it changed."""
    try:
        st = os.stat(path)
        key = (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        key = (str(path), None, None)
    return _labels(key)


@functools.lru_cache(maxsize=8)
def _labels(key) -> tuple[float, ...]:
    return tuple(read_csv_rows(key[0])[1])


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


