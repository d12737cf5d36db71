"""`neurotui predict MODEL.pt FILE.csv`: a model kept with `lab --data F --save` on new rows.

One line per data row: the class (its name where the training file had names) and its probability,
or the predicted number in the training file's units. Columns are matched by the header's names;
a file without a header must have exactly the model's input columns, in order.
"""

from __future__ import annotations

import csv


def add_predict_command(sub) -> None:
    p = sub.add_parser("predict", help="use a model kept with `lab --data F --save M.pt` on a new CSV")
    p.add_argument("model", metavar="MODEL.pt")
    p.add_argument("data", metavar="FILE.csv", help="rows with the model's input columns (by header name, or "
                                                  "exactly those columns in order without a header)")


def read_inputs(path, names: list[str]) -> list[tuple[float, ...]]:
    from neurotui.core.data.csvfile import DataFileError, _is_number, _number, _read_text

    shown = repr(str(path))
    text = _read_text(path, shown)
    rows, picks = [], None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            fields = [f.strip() for f in next(csv.reader([line]))]
        except csv.Error as exc:
            raise DataFileError(f"data file {shown} line {lineno}: {exc}") from None
        where = f"data file {shown} line {lineno}"
        if picks is None:
            if not any(_is_number(f) for f in fields):  # the header: pick the model's columns by name
                missing = [n for n in names if n not in fields]
                if missing:
                    raise DataFileError(f"{where}: no column {missing[0]!r}; the model takes {','.join(names)}")
                picks = [fields.index(n) for n in names]
                continue
            if len(fields) != len(names):
                raise DataFileError(f"{where}: {len(fields)} columns; the model takes {len(names)} "
                                    f"({','.join(names)}) or a header naming them")
            picks = list(range(len(names)))
        if len(fields) <= max(picks):
            raise DataFileError(f"{where}: expected {max(picks) + 1} columns or more, got {len(fields)}")
        rows.append(tuple(_number(fields[i], names[k], where) for k, i in enumerate(picks)))
    if not rows:
        raise DataFileError(f"data file {shown} has no data rows")
    return rows


def cmd_predict(args) -> int:
    from neurotui.core.model.saved import load_model, predict_rows

    record = load_model(args.model)
    rows = read_inputs(args.data, record["inputs"])
    print("\n".join(predict_rows(record, rows)))
    return 0
