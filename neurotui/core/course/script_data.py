"""The data section and the evaluation of a run's script, for every dataset `lab` trains on.

core/data/datasets.py's generator and split, written out for one run: only the chosen
dataset's lines, with its sample counts, noise and seeds as literals, so a reader sees
how a spiral is made. tests/test_script.py runs each script and compares its stdout with
`neurotui lab`'s byte for byte, so a change to the generator must change these lines too.

Each function takes the run's `Resolved` (core.training.resolved): its task, rows, options and
file Table are decided there; nothing here asks for them again.

Pure stdlib + core: no torch import here (the app shows the code before torch loads).
"""

from __future__ import annotations

import os

from neurotui.core.data.datasets import DESCRIPTIONS, is_xor_rows, xor_labelled
from neurotui.core.data.shapes import BUMPS, PLAYGROUND_RADIUS
from neurotui.core.data.split import validation_rows
from neurotui.core.numbers import short

XOR_X_LITERAL = "torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])"
XOR_Y_LITERAL = "torch.tensor([[0.], [1.], [1.], [0.]])"

# Each dataset's points of one class before noise, as core.data.datasets.class_points makes them:
# `label` (0 or 1) and `n` are the loop's, `g` the data's generator; the lines end with `points`.
SHAPES = {
    "xor-noisy": [
        "corners = torch.tensor([[0., 0.], [1., 1.]] if label == 0 else [[0., 1.], [1., 0.]])  # XOR's corners",
        "points = corners[torch.arange(n) % 2]  # the class's two corners in turn",
    ],
    "circle": [
        "u = torch.rand(n, generator=g)",
        "r = 0.5 * u.sqrt() if label == 1 else 0.7 + 0.3 * u  # a disc (uniform by area) inside a ring",
        "theta = 2 * math.pi * torch.rand(n, generator=g)",
        "points = torch.stack([r * theta.cos(), r * theta.sin()], 1)",
    ],
    "gauss": [
        "points = torch.full((n, 2), 0.6 if label == 1 else -0.6)  # a blob's centre: the noise spreads it",
    ],
    "spiral": [
        "t = (torch.arange(n) + 0.5) / n  # evenly along the arm",
        "r = 0.05 + 0.95 * t  # the radius grows from 0.05 to 1 over 1.5 turns",
        "theta = 3 * math.pi * t + label * math.pi  # arm 1 is arm 0 turned half a turn",
        "points = torch.stack([r * theta.cos(), r * theta.sin()], 1)",
    ],
    "moons": [
        "theta = math.pi * torch.rand(n, generator=g)  # along a half-circle",
        "points = torch.stack([theta.cos() - 0.5, theta.sin() - 0.25], 1)",
        "if label == 1:",
        "    points = -points  # the other moon: the first turned half a turn",
    ],
}


def number(v: float) -> str:
    """The shortest literal that is exactly `v`: 0.1, 100, 1e-05."""
    text = short(v)
    return text if float(text) == v else repr(float(v))


def quoted(text: str) -> str:
    """A Python string literal of `text`, in double quotes when it can be."""
    return f'"{text}"' if text.isprintable() and not set(text) & {'"', "\\"} else repr(text)


def data_lines(run) -> list[str]:
    """Lines that leave train_x, train_y (and val_x, val_y with a split): [n, K] and [n, 1] float32,
    a file's standardized as lab's are.

    Not for the lesson's own four rows (the script writes those as the lesson does).
    """
    return _split_lines(run) + scaling_lines(run, bool(run.options["val_split"])) + stop_slice_lines(run)


def stop_counts(run) -> list[int]:
    """Early stopping's held-out rows per class (one count for a regression), as
    core.training.early_stop.stop_rows draws them from the training rows: [] without early stopping."""
    if not run.early_stop:
        return []
    from neurotui.core.training.early_stop import STOP_FRACTION

    fraction = run.options["val_split"]
    train = [n - validation_rows(n, fraction) if fraction else n for n in run.sizes]
    return [validation_rows(n, STOP_FRACTION) for n in train]


def stop_slice_lines(run) -> list[str]:
    """Early stopping's slice of the training rows: stop_x / stop_y watched, fit_x / fit_y trained on."""
    counts = stop_counts(run)
    if not counts:
        return []
    from neurotui.core.training.early_stop import CHECK_EVERY, STOP_FRACTION

    n_train = run.split[0]
    out = [
        "",
        f"# Early stopping: {number(STOP_FRACTION * 100)}% of the TRAINING rows ({sum(counts)} of {n_train}) are held out "
        f"of training; their loss, read every {CHECK_EVERY}",
        "# steps, picks the weights kept. Drawn by a generator of the data seed; the validation rows stay untouched.",
        f"g = torch.Generator().manual_seed({run.config.data_seed})",
    ]
    if run.task.regress:
        out += ["rows = torch.randperm(len(train_y), generator=g)",
                f"fit_rows, stop_rows = rows[{counts[0]}:].sort().values, rows[:{counts[0]}].sort().values"]
    else:
        pairs = ", ".join(f"({c}., {n})" for c, n in enumerate(counts))
        out += ["fit_rows, stop_rows = [], []",
                f"for label, n_stop in ({pairs}):",
                "    rows = (train_y[:, 0] == label).nonzero().flatten()",
                "    rows = rows[torch.randperm(len(rows), generator=g)]",
                "    stop_rows.append(rows[:n_stop])",
                "    fit_rows.append(rows[n_stop:])",
                "fit_rows, stop_rows = torch.cat(fit_rows).sort().values, torch.cat(stop_rows).sort().values"]
    return out + ["fit_x, fit_y = train_x[fit_rows], train_y[fit_rows]",
                  "stop_x, stop_y = train_x[stop_rows], train_y[stop_rows]"]


def stop_report_lines(run) -> list[str]:
    """The early_stop= line lab prints (core.training.early_stop.StopReport.line), from the loop's numbers."""
    counts = stop_counts(run)
    if not counts:
        return []
    from neurotui.core.training.early_stop import CHECK_EVERY, PATIENCE

    watched = (f"{sum(counts)} of the {run.split[0]} training rows held out of training, "
               f"their loss read every {CHECK_EVERY} steps")
    return [
        f"watched = {quoted(watched)}",
        "if best_step is None:",
        '    print(f"early_stop= no look before the run ended ({watched}); the last weights kept")',
        "else:",
        f'    end = f"stopped at step {{stopped_at}}: no lower loss for {PATIENCE} steps" if stopped_at is not None '
        'else "ran every step"',
        '    print(f"early_stop= {end} ({watched}); the weights of step {best_step} kept")',
    ]


def _split_lines(run) -> list[str]:
    config, opts, task, sizes = run.config, run.options, run.task, run.sizes
    if config.data is not None:
        out = _csv_lines(run)
    elif is_xor_rows(config):
        out = ["x = " + XOR_X_LITERAL + "  # the lesson's four rows", "y = " + XOR_Y_LITERAL]
    elif config.dataset in MULTI_SHAPES or task.kind == "classes":
        out = _multi_lines(run)
    else:
        out = _generated_lines(run)
    fraction = opts["val_split"]
    if not fraction:
        return out + ["train_x, train_y = x, y  # no validation split: every row trains"]
    n_val = [validation_rows(n, fraction) for n in sizes]
    seeded = [] if config.data is None and not is_xor_rows(config) else [
        f"g = torch.Generator().manual_seed({config.data_seed})  # the data seed (--data-seed) draws the split"]
    if task.regress:  # one group: no classes to keep in proportion
        return out + seeded + [
            "",
            f"# Hold out {number(fraction * 100)}% of the rows for validation ({n_val[0]} of {sizes[0]}), "
            "drawn from the same generator.",
            "rows = torch.randperm(len(y), generator=g)",
            f"train_rows, val_rows = rows[{n_val[0]}:].sort().values, rows[:{n_val[0]}].sort().values",
            "train_x, train_y, val_x, val_y = x[train_rows], y[train_rows], x[val_rows], y[val_rows]",
        ]
    pairs = ", ".join(f"({c}., {v})" for c, v in enumerate(n_val))
    return out + seeded + [
        "",
        f"# Hold out {number(fraction * 100)}% of each class for validation (stratified: "
        f"{' + '.join(map(str, n_val))} of {sum(sizes)} rows), drawn from the same generator.",
        "train_rows, val_rows = [], []",
        f"for label, n_val in ({pairs}):",
        "    rows = (y[:, 0] == label).nonzero().flatten()",
        "    rows = rows[torch.randperm(len(rows), generator=g)]",
        "    val_rows.append(rows[:n_val])",
        "    train_rows.append(rows[n_val:])",
        "train_rows, val_rows = torch.cat(train_rows).sort().values, torch.cat(val_rows).sort().values",
        "train_x, train_y, val_x, val_y = x[train_rows], y[train_rows], x[val_rows], y[val_rows]",
    ]


def _generated_lines(run) -> list[str]:
    config, opts = run.config, run.options
    n0, n1 = run.sizes
    return [
        f"# The data: {DESCRIPTIONS[config.dataset]}, {n0} + {n1} points with Gaussian noise "
        f"{number(opts['noise'])}, drawn",
        "# from their own generator, seeded with the data seed: a new --seed trains on the same points.",
        f"g = torch.Generator().manual_seed({config.data_seed})",
        "xs, ys = [], []",
        f"for label, n in ((0, {n0}), (1, {n1})):",
        *("    " + line for line in SHAPES[config.dataset]),
        f"    xs.append(points + {number(opts['noise'])} * torch.randn(n, 2, generator=g))",
        "    ys.append(torch.full((n, 1), float(label)))",
        "x, y = torch.cat(xs), torch.cat(ys)",
        "order = torch.randperm(len(y), generator=g)  # shuffle the rows",
        "x, y = x[order], y[order]",
    ]


# core/data/shapes.py, written out: drawn in float64, then rounded to float32 as neurotui does.
F64 = "dtype=torch.float64"
MULTI_SHAPES = ("spiral3", "reg-plane", "reg-gauss")


_SEEDED = "# from their own generator, seeded with the data seed: a new --seed trains on the same points."


def _multi_lines(run) -> list[str]:
    """A regression set's or a K-class set's drawing, as the script writes it."""
    return _regression_lines(run) if run.task.regress else _class_lines(run)


def _regression_lines(run) -> list[str]:
    """reg-plane or reg-gauss: Playground's surfaces, read at a point moved by the noise."""
    config, opts = run.config, run.options
    noise, name = number(opts["noise"]), config.dataset
    n = opts["samples"]
    label = ["y = (at[:, 0] + at[:, 1]) / 10  # x1 + x2 in [-10, 10] -> [-1, 1], Playground's scale"]
    if name == "reg-gauss":
        centres = ", ".join(f"[{cx}, {cy}]" for cx, cy, _ in BUMPS)
        label = [
            f"centres = torch.tensor([{centres}], {F64})",
            f"signs = torch.tensor([{', '.join(str(s) for _, _, s in BUMPS)}], {F64})",
            "values = signs * (1 - torch.cdist(at, centres) / 2).clamp(0, 1)  # six cones, height 1, radius 2",
            "y = values.gather(1, values.abs().argmax(1, keepdim=True)).squeeze(1)  # the tallest cone",
        ]
    return [
        f"# The data (regression): {DESCRIPTIONS[name].removeprefix('regression: ')}, {n} points uniform on",
        "# [-1, 1]^2 (Playground's [-6, 6]^2 scaled); the label is read at the point moved by up to",
        f"# {noise} x the half-width (the noise). Drawn in float64",
        _SEEDED,
        f"g = torch.Generator().manual_seed({config.data_seed})",
        f"u = torch.rand({n}, 4, generator=g, {F64}) * 2 - 1  # x1, x2 and the two shifts",
        "x = u[:, :2]",
        f"at = (x + {noise} * u[:, 2:]) * {number(PLAYGROUND_RADIUS)}  # where the label is read, in Playground's units",
        *label,
        "x, y = x.float(), y.float().unsqueeze(1)",
    ]


def _class_lines(run) -> list[str]:
    """spiral3, or K arms of spiral or K blobs of gauss, drawn class by class, then shuffled."""
    config, k, sizes = run.config, run.task.classes, run.sizes
    noise, name = number(run.options["noise"]), config.dataset
    if name == "spiral3":
        body = [
            f"    r = torch.linspace(0.0, 1.0, n, {F64})  # the radius, 0 to 1 along the arm",
            f"    t = torch.linspace(4.0 * label, 4.0 * (label + 1), n, {F64})  # the angle, 4 radians per arm",
            f"    t = t + {noise} * torch.randn(n, generator=g, {F64})  # the noise jitters the angle",
            "    xs.append(torch.stack([r * t.sin(), r * t.cos()], 1))",
        ]
        what = f"CS231n's three spiral arms, {' + '.join(map(str, sizes))} points"
    elif name == "spiral":
        body = [
            f"    t = (torch.arange(n, {F64}) + 0.5) / n  # evenly along the arm",
            "    r = 0.05 + 0.95 * t  # the radius grows from 0.05 to 1 over 1.5 turns",
            f"    theta = 3 * math.pi * t + 2 * math.pi * label / {k}  # each arm turned 1/{k} turn from the last",
            "    points = torch.stack([r * theta.cos(), r * theta.sin()], 1)",
            f"    xs.append(points + {noise} * torch.randn(n, 2, generator=g, {F64}))",
        ]
        what = f"{k} spiral arms, {' + '.join(map(str, sizes))} points with Gaussian noise {noise}"
    else:  # gauss
        body = [
            f"    angle = 1.25 * math.pi + 2 * math.pi * label / {k}  # {k} blobs evenly round a circle",
            "    centre = [0.6 * math.sqrt(2) * math.cos(angle), 0.6 * math.sqrt(2) * math.sin(angle)]",
            f"    points = torch.tensor([centre], {F64}).expand(n, 2)",
            f"    xs.append(points + {noise} * torch.randn(n, 2, generator=g, {F64}))",
        ]
        what = f"{k} Gaussian blobs, {' + '.join(map(str, sizes))} points, spread {noise}"
    return [
        f"# The data: {what}, drawn in float64",
        _SEEDED,
        f"g = torch.Generator().manual_seed({config.data_seed})",
        "xs, ys = [], []",
        f"for label, n in enumerate(({', '.join(map(str, sizes))})):",
        *body,
        f"    ys.append(torch.full((n,), float(label), {F64}))",
        "x, y = torch.cat(xs), torch.cat(ys)",
        "order = torch.randperm(len(y), generator=g)  # shuffle the rows",
        "x, y = x[order].float(), y[order].float().unsqueeze(1)",
    ]


def _csv_lines(run) -> list[str]:
    config, t = run.config, run.table  # as lab read it: the columns, the classes
    li, k = t.label_index, t.k
    path = os.path.abspath(str(config.data))  # the script runs from any folder
    out = [
        f"# The data: your file {config.data}, read with the csv module as neurotui reads it:",
        f"# blank lines and # comments skipped{'; the first row is the header' if t.header else ''}; "
        f"{k} input columns and the label in column {li} ({t.label_name}).",
        f"with open({quoted(path)}, encoding=\"utf-8-sig\") as f:",
        "    lines = [line for line in f.read().splitlines() if line.strip() and not line.lstrip().startswith(\"#\")]",
        f"rows = [[v.strip() for v in fields] for fields in csv.reader(lines)]{'[1:]' if t.header else ''}",
        f"x = torch.tensor([[float(v) for i, v in enumerate(row) if i != {li}] for row in rows])",
    ]
    if t.class_names:
        out += [f"class_names = {list(t.class_names)!r}  # the text labels, sorted: class i is class_names[i]",
                f"y = torch.tensor([[float(class_names.index(row[{li}]))] for row in rows])"]
    else:
        out.append(f"y = torch.tensor([[float(row[{li}])] for row in rows])")
        if t.mapping and t.mapping.startswith("-1"):
            out.append("y = (y > 0).float()  # labels -1/+1 -> classes 0/1")
        elif t.mapping:
            out.append(f"y = y - 1  # labels {t.mapping}")
    return out


def scaling_lines(run, has_val: bool) -> list[str]:
    """A file's inputs (and a regression's target) standardized by the training rows, as lab does."""
    config = run.config
    if config.data is None or not config.standardize:
        return []
    val = has_val
    out = [
        "",
        "# Standardize each input column by the TRAINING rows' mean and std; validation rows get the same",
        "# transform (they are new data). A constant column keeps std 1.",
        "mean, std = train_x.double().mean(0), train_x.double().std(0, unbiased=False)",
        "std = torch.where(std > 1e-12, std, torch.ones_like(std))",
        "train_x = ((train_x.double() - mean) / std).float()",
        *(["val_x = ((val_x.double() - mean) / std).float()"] if val else []),
    ]
    if run.task.regress:
        out += [
            "# The target too, for training; losses are reported in the file's units (MSE x target_std**2).",
            "target_mean = float(train_y.double().mean())",
            "target_std = float(train_y.double().std(unbiased=False))",
            "target_std = target_std if target_std > 1e-12 else 1.0",
            "train_y = ((train_y.double() - target_mean) / target_std).float()",
            *(["val_y = ((val_y.double() - target_mean) / target_std).float()"] if val else []),
        ]
    return out


def evaluate_lines(run) -> list[str]:
    """`evaluate(x, y)`, defined before the loop (the blow-up check uses it): loss and score on a whole set."""
    task = run.task
    head = ["def evaluate(x, y):"]
    off = ["    model.eval()  # dropout off"] if run.config.dropout else []
    if task.regress:
        return head + [
            '    """The mean squared error and R² (1 - residual / total sum of squares) on a whole set."""',
            *off,
            "    with torch.no_grad():",
            "        out = model(x)",
            "        mse = loss_fn(out, y)",
            "        r2 = 1 - ((out - y) ** 2).sum() / ((y - y.mean()) ** 2).sum().clamp(min=1e-12)",
            "    return mse.item() * target_std ** 2, r2.item()  # the loss in the file's units"
            if _target_scaled(run) else "    return mse.item(), r2.item()",
        ]
    if task.kind == "classes":
        return head + [
            '    """Cross-entropy and accuracy on a whole set: the class is the largest of the K scores."""',
            *off,
            "    with torch.no_grad():",
            "        out = model(x)",
            "        target = y.flatten().long()",
            "        loss = loss_fn(out, target)",
            "        correct = (out.argmax(1) == target).sum().item()",
            "    return loss.item(), correct / len(y)  # counted in whole rows: 114 of 120 is exactly 0.95",
        ]
    return head + [
        '    """Loss and accuracy on a whole set. BCE written out: a model gone nan is measured, not refused."""',
        *off,
        "    with torch.no_grad():",
        "        p = model(x)",
        "        loss = -(y * p.log().clamp(min=-100) + (1 - y) * (1 - p).log().clamp(min=-100)).mean()",
        "        correct = ((p >= 0.5).float() == y).sum().item()",
        "    return loss.item(), correct / len(y)  # counted in whole rows: 114 of 120 is exactly 0.95",
    ]


def evaluation_lines(run) -> list[str]:
    """After training (model.eval()): what `lab` prints off the lesson's four rows."""
    config, task = run.config, run.task
    has_val = bool(run.options["val_split"])
    out = []
    if xor_labelled(config):
        out += [
            f"xor_x = {XOR_X_LITERAL}  # the lesson's four rows: the model's answers there",
            "with torch.no_grad():",
            "    prob = model(xor_x)",
            "    pred = (prob >= 0.5).float()",
            'print("xor_mlp")',
            "for row, p, y_hat in zip(xor_x.tolist(), prob.squeeze(1).tolist(), pred.squeeze(1).tolist()):",
            '    print(f"x={row} prob={p:.3f} pred={int(y_hat)}")',
        ]
    name = quoted(str(config.data) if config.data is not None else config.dataset)
    kind = "" if task.binary else (", " + quoted(
        ("regression" if task.regress else f"classes= {task.classes}") + f" loss= {task.loss_name}"))
    loss, score = ("mse", "r2") if task.regress else ("loss", "accuracy")
    val_rows = "len(val_y)" if has_val else "0"
    last = ("(losses[-1] if losses else math.nan) * target_std ** 2" if _target_scaled(run) else
            "losses[-1] if losses else math.nan")
    train = f"train_{loss}, train_{score} = evaluate(train_x, train_y)"
    if run.early_stop:  # restored best weights: final_loss is their loss on the training rows, as train_ below
        out += [train, f'print("final_loss=", round(train_{loss} if restored else {last}, 4))']
    else:
        out += [f'print("final_loss=", round({last}, 4))', train]
    out += [
        *([f"val_{loss}, val_{score} = evaluate(val_x, val_y)"] if has_val else []),
        f'print("data=", {name}, "train_rows=", len(train_y), "val_rows=", {val_rows}{kind})',
    ]
    if config.data is not None:
        from neurotui.core.data.columns import describe_lines

        t = run.table
        out += [f"print({quoted(line)})" for line in describe_lines(
            t.names, t.class_names, t.mapping, config.standardize, _target_scaled(run), config.l2,
            config.features, run.pair)]
    out += stop_report_lines(run)
    if has_val:
        return out + [
            f'print(f"train_{loss}= {{train_{loss}:.4f}} val_{loss}= {{val_{loss}:.4f}}")',
            f'print(f"train_{score}= {{train_{score}:.3f}} val_{score}= {{val_{score}:.3f}}")',
        ]
    return out + [
        f'print(f"train_{loss}= {{train_{loss}:.4f}} val_{loss}= -")',
        f'print(f"train_{score}= {{train_{score}:.3f}} val_{score}= -")',
    ]


def _target_scaled(run) -> bool:
    return run.config.data is not None and run.config.standardize and run.task.regress


def save_lines(run, path: str) -> list[str]:
    """Keep the trained model, then load it back as a new program would (torch.save / torch.load)."""
    t = run.table
    scaled = run.config.standardize
    target = _target_scaled(run)
    return [
        "",
        "# Keep the model: its weights and what new rows need to be read the same way (the input columns,",
        "# the TRAINING split's mean and std, the class names). Plain tensors, lists and numbers.",
        "torch.save({",
        '    "state_dict": model.state_dict(),',
        f'    "inputs": {list(t.names)!r},',
        f'    "class_names": {list(t.class_names) if t.class_names else None!r},',
        f'    "mean": {"mean" if scaled else "None"}, "std": {"std" if scaled else "None"},',
        f'    "target_mean": {"target_mean" if target else "None"}, "target_std": {"target_std" if target else "None"},',
        f"}}, {quoted(os.path.abspath(path))})",
        "",
        "# Use it again (what a new program would do): rebuild the same network, load the weights, and scale",
        "# new rows with the saved training mean and std before the forward pass.",
        f"saved = torch.load({quoted(os.path.abspath(path))}, weights_only=True)",
        "again = TinyMLP()",
        'again.load_state_dict(saved["state_dict"])',
        "again.eval()",
        *(["new_x = val_x  # already scaled here; rows read from a new file: ((x.double() - saved[\"mean\"]) "
           "/ saved[\"std\"]).float()"] if run.options["val_split"] else ["new_x = train_x"]),
        "with torch.no_grad():",
        "    assert torch.equal(again(new_x), model(new_x))  # the kept model predicts what this one does",
    ]
