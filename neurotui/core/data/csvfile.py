"""Your own data: a CSV file of input columns and a label, read with one clear line for every way it can be bad.

The labels decide the task (core.model.task.labels_task): 0/1 the lesson's binary task, integers
0..K-1 K classes, text labels named classes, any fractional label regression (core.data.columns).
"""

from __future__ import annotations

import csv
import functools
import math
import os

from neurotui.core.data.columns import INPUTS_MAX, Table, numbered_labels, pick_label, text_classes
from neurotui.core.errors import ConfigError
from neurotui.core.numbers import short, thousands

# How many points a dataset may have, a file or a generated set alike.
SAMPLES_MIN, SAMPLES_MAX = 4, 100_000
CSV_MAX_BYTES = 32 * 2**20
CSV_MAX_ABS = 1e6  # beyond this, squared features overflow float32 and training blows up


class DataFileError(ConfigError):
    """A --data file is unusable; the message names the file, the line and the problem."""


def read_csv_rows(path, label=None, task=None) -> tuple[list[tuple[float, ...]], list[float]]:
    """(input rows, labels as numbers) of a data file; DataFileError (one line) for every way it can be bad."""
    t = csv_table(path, label, task)
    return t.rows, t.labels


def _read_text(path, name: str) -> str:
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
        raise DataFileError(f"data file {name} is empty: expected rows of inputs and a label")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DataFileError(f"data file {name} line {line}: binary data, not a CSV text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(f"data file {name} line {line}: not UTF-8 text (binary data?)") from None


def parse_table(path, label=None, task=None) -> Table:
    """Plain-Python parse of a data file: a header row (optional) and rows of inputs and a label."""
    name = repr(str(path))
    text = _read_text(path, name)
    header: list[str] | None = None
    rows: list[tuple[float, ...]] = []
    labels: list[str] = []  # as written: numbers or class names
    width = li = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:  # a line without quotes splits as csv would read it, at a fraction of the cost
            fields = [f.strip() for f in (line.split(",") if '"' not in line else next(csv.reader([line])))]
        except csv.Error as exc:
            raise DataFileError(f"data file {name} line {lineno}: {exc}") from None
        where = f"data file {name} line {lineno}"
        if width is None:
            width = len(fields)
            if not 3 <= width <= INPUTS_MAX + 1:
                raise DataFileError(f"{where}: expected 3-{INPUTS_MAX + 1} columns (two inputs or more, "
                                    f"then a label), got {width}")
            if not any(_is_number(f) for f in fields):
                header = fields  # a header: names, not data
                if len(set(header)) < width:
                    raise DataFileError(f"{where}: the header names a column twice")
                li = pick_label(header, width, label, str(path))
                continue
            li = pick_label(None, width, label, str(path))
        if len(fields) != width:
            raise DataFileError(f"{where}: expected {width} columns, as the first row, got {len(fields)}")
        values = []
        for col, field in enumerate(fields):
            if col == li:
                continue
            cname = header[col] if header is not None else f"x{len(values) + 1}"
            values.append(_number(field, cname, where))
        if _is_number(fields[li]):  # a number is checked where it stands; text labels are class names
            _number(fields[li], header[li] if header is not None else "y", where)
        labels.append(fields[li])
        rows.append(tuple(values))
        if len(rows) > SAMPLES_MAX:
            raise DataFileError(f"data file {name} has more than {thousands(SAMPLES_MAX)} rows")
    if len(rows) < SAMPLES_MIN:
        raise DataFileError(f"data file {name} has {len(rows)} data rows; need at least {SAMPLES_MIN}")
    if header is not None:
        names = tuple(h for i, h in enumerate(header) if i != li)
        label_name = header[li]
    else:
        names = tuple(f"x{i + 1}" for i in range(width - 1))
        label_name = "y"
    class_names = mapping = None
    if all(_is_number(v) for v in labels):
        numbers, mapping = numbered_labels([_number(v, label_name, f"data file {name}") for v in labels], task)
    else:
        numbers, class_names = text_classes(labels, task, str(path))
    return Table(names, label_name, rows, numbers, class_names, mapping, header is not None, li)


def _number(field: str, col: str, where: str) -> float:
    if not _is_number(field):
        raise DataFileError(f"{where}: {col} {field[:40]!r} is not a number")
    v = float(field)
    if not math.isfinite(v):
        raise DataFileError(f"{where}: {col} {field[:40]!r} is not finite")
    if abs(v) > CSV_MAX_ABS:
        raise DataFileError(f"{where}: {col} {field[:40]!r} is out of range (|{col}| <= {short(CSV_MAX_ABS)})")
    return v


def csv_table(path, label=None, task=None) -> Table:
    """The file's Table, read once per version of the file: the task (and so the model's shape)
    is asked for often, the file read only when it changed."""
    try:
        st = os.stat(path)
        key = (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        key = (str(path), None, None)
    return _table(key, None if label is None else str(label), task)


def checked_file_options(data: str, label, task, plot, features: bool):
    """--plot (normalised to NAME,NAME) and --features checked against the file's columns."""
    if not os.path.isfile(data):
        return plot  # reading it fails later, with the file's own message
    from neurotui.core.data.columns import plot_pair

    table = csv_table(data, label, task)
    if plot is not None:
        i, j = plot_pair(table.names, plot, data)
        plot = f"{table.names[i]},{table.names[j]}"
    return plot


def csv_labels(path, label=None, task=None) -> tuple[float, ...]:
    return tuple(csv_table(path, label, task).labels)


@functools.lru_cache(maxsize=8)
def _table(key, label, task) -> Table:
    return parse_table(key[0], label, task)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


