"""Views inside the network: hidden-unit feature maps, the hidden space, weights and gradients.

Each reads without colour: feature maps by shade glyph, weights by sign glyphs,
the hidden space by the class digit at each point.
"""

from __future__ import annotations

import math

from rich.text import Text

from neurotui.core.model.activations import get_activation
from neurotui.core.model.boundary import ASCII_RAMP, UNICODE_RAMP, shade
from neurotui.core.model.inside import Inside
from neurotui.core.numbers import fixed, sci, sig
from neurotui.tui.widgets.cached import CachedText
from neurotui.tui.widgets.plot import Figure, PlotView, Series

MAX_UNITS = 16
TILE_ROWS, TILE_COLS = 6, 12  # the smallest map; bigger when there is room (FeaturesView.wanted_tile)
MAX_TILE_ROWS = 16


def feature_range(activation: str, values) -> tuple[float, float]:
    """The scale a unit's map is shaded on: the activation's own range where it has one."""
    name = get_activation(activation).name
    if name == "tanh":
        return -1.0, 1.0
    if name == "sigmoid":
        return 0.0, 1.0
    finite = [v for v in values if math.isfinite(v)]
    lo = min(finite, default=0.0)
    hi = max(finite, default=1.0)
    if name == "relu":
        lo = 0.0
    return lo, (hi if hi > lo else lo + 1.0)


class FeaturesView(CachedText):
    """One small map per hidden unit: its activation over the input plane."""

    DEFAULT_CSS = "FeaturesView { height: 1fr; width: 1fr; }"

    def show(self, inside: Inside | None, activation: str) -> None:
        self.set_data(None if inside is None or inside.features is None else (
            inside.layer, inside.features, activation, inside.output_map, inside.output_name))

    def wanted_tile(self, maps: int) -> tuple[int, int]:
        """The biggest (rows, cols) per map that lays `maps` maps out in this widget: tiles grow with
        the space they are given (a cell is about twice as tall as wide)."""
        width, height = self.size
        if width < 8 or height < 4:
            return TILE_ROWS, TILE_COLS
        best = (0, TILE_ROWS, TILE_COLS)
        for per_row in range(1, min(maps, MAX_UNITS + 1) + 1):
            lines = -(-maps // per_row)  # rows of maps
            cols = (width + 2) // per_row - 2
            rows = min((height - 1) // lines - 1, cols // 2, MAX_TILE_ROWS)
            cols = min(cols, 2 * rows)
            if rows >= 3 and cols >= 6 and rows * cols > best[0]:
                best = (rows * cols, rows, cols)
        return best[1], best[2]

    def _build(self) -> Text:
        if not self._data:
            return Text("computing hidden features...", style="dim")
        layer, features, activation, output_map, output_name = self._data
        ramp = ASCII_RAMP if self.ascii else UNICODE_RAMP
        # each unit's map, then the output the last layer builds from them
        units = [(f"h{i + 1}", unit, True) for i, unit in enumerate(features[:MAX_UNITS])]
        if output_map is not None:
            units.append((f"out {output_name}", output_map, False))  # p(y=1) only where there is a y=1
        tile_cols = len(units[0][1][0]) if units and units[0][1] else TILE_COLS
        per_row = max(1, (self.size.width + 2) // (tile_cols + 2))
        text = Text(no_wrap=True, end="")
        if layer == 0:
            text.append("the perceptron (2-1) has no hidden layer, so no hidden features: its output map is "
                        f"one straight split of the plane (x1 across, x2 up; {ramp[-1]} = high)\n", "dim")
        else:
            text.append(
                f"hidden layer {layer}: each map is one unit's {activation} output over the plane "
                f"(x1 across, x2 up; {ramp[-1]} = high)\n", "dim",
            )
        for start in range(0, len(units), per_row):
            group = units[start:start + per_row]
            text.append("  ".join(f"{name:<{tile_cols}}"[:tile_cols] for name, _, _ in group) + "\n", "bold")
            scaled = []
            for _, unit, hidden in group:
                flat = [v for row in unit for v in row]
                lo, hi = feature_range(activation, flat) if hidden else (0.0, 1.0)
                scaled.append([[(v - lo) / (hi - lo) for v in row] for row in unit])
            for r in range(len(group[0][1])):
                text.append("  ".join("".join(shade(p, ramp) for p in grid[r]) for grid in scaled) + "\n")
        if len(features) > MAX_UNITS:
            text.append(f"(first {MAX_UNITS} of {len(features)} units)", "dim")
        text.rstrip()
        return text


# class k's colour in the hidden-space plot (plotext names); the digit carries the class without colour
SPACE_COLORS = ("blue", "orange", "green", "red", "magenta", "cyan")


def space_figure(inside: Inside | None, pair: tuple[int, int], hint: bool = True) -> Figure:
    """`hint`: say what training makes of it (off while the lesson asks exactly that)."""
    """The data's points (the lesson's four rows) placed by two hidden units' values: class digit as the marker."""
    if inside is not None and inside.layer == 0:
        return Figure(empty_text="the perceptron (2-1) has no hidden layer, so no hidden space: "
                                 "its inputs go straight to the output")
    if inside is None or not inside.hidden_points or not inside.hidden_points[0]:
        return Figure(empty_text="waiting for the model...")
    units = len(inside.hidden_points[0])
    i, j = pair[0] % units, pair[1] % units
    # One series per class present, each with its digit; more values than classes can have (a
    # regression's targets) are one series of dots.
    classes = sorted(set(inside.labels))
    series = []
    if len(classes) > len(SPACE_COLORS):
        series.append(Series(tuple(p[i] for p in inside.hidden_points), tuple(p[j] for p in inside.hidden_points),
                             "data", "white", marker="*", scatter=True))
        classes = []
    for label, color in zip(classes, SPACE_COLORS):
        pts = [h for h, y in zip(inside.hidden_points, inside.labels) if y == label]
        series.append(Series(
            tuple(p[i] for p in pts), tuple(p[j] for p in pts), f"y={label}", color,
            marker=str(label), scatter=True,
        ))
    xs = [p[i] for p in inside.hidden_points]
    ys = [p[j] for p in inside.hidden_points]

    def pad(lo, hi):
        return lo - 0.15 * (hi - lo or 1), hi + 0.15 * (hi - lo or 1)

    # Points the plot cannot tell apart (a hundredth of the span) draw as one digit: say so
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    places = len({(round((x - min(xs)) / span_x * 100), round((y - min(ys)) / span_y * 100)) for x, y in zip(xs, ys)})
    hidden = len(xs) - places
    overlap = f"; {hidden} point{'' if hidden == 1 else 's'} hidden" if hidden else ""  # fits 80x24's title

    return Figure(
        tuple(series),
        title=f"hidden space, layer {inside.layer}: h{i + 1} across, h{j + 1} up (p: next pair){overlap}",
        xlabel=("the data's points as the hidden units see them" if not classes
                else "can one straight line split the 0s from the 1s here?" + (" after training it can" if hint else "")
                if len(classes) <= 2
                else "can straight lines split the classes here?" + (" after training they can" if hint else "")),
        xlim=pad(min(xs), max(xs)), ylim=pad(min(ys), max(ys)),
    )


def unit_pairs(units: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(units) for j in range(i + 1, units)] or [(0, 0)]


class SpaceView(PlotView):
    """The hidden space: the data placed by a pair of hidden units' values; `p` moves to the next pair."""

    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(ascii=ascii, **kwargs)
        self.pair = 0  # which of unit_pairs is shown (taken modulo their count: the network may shrink)
        self._inside: Inside | None = None
        self._hint = True

    def show_space(self, inside: Inside | None, hint: bool = True) -> None:
        """`hint`: say what training will make of it (off while the lesson asks that very question)."""
        self._inside, self._hint = inside, hint
        units = len(inside.hidden_points[0]) if inside and inside.hidden_points else 1
        pairs = unit_pairs(units)
        self.show(space_figure(inside, pairs[self.pair % len(pairs)], hint=hint))

    def next_pair(self) -> None:
        self.pair += 1
        self.show_space(self._inside, self._hint)



def weight_glyph(v: float, scale: float, ascii: bool) -> str:
    """Three characters: sign and size, so a weight reads without colour."""
    if not math.isfinite(v):
        return "NaN"
    m = abs(v) / scale if scale > 0 else 0.0
    if m < 0.1:
        return " . "
    sign = "+" if v > 0 else "-"
    if m < 0.4:
        return f" {sign} "
    if m < 0.75:
        return f"{sign}{sign} "
    return sign * 3


class WeightsView(CachedText):
    DEFAULT_CSS = "WeightsView { height: 1fr; width: 1fr; }"

    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(ascii=ascii, **kwargs)
        self.selected = 0  # the row (unit, counted over all layers) whose exact numbers are shown

    def show(self, inside: Inside | None) -> None:
        self.set_data(inside)

    def next_row(self) -> None:
        ins = self._data
        rows = sum(min(len(w), MAX_UNITS) for w in ins.weights) if ins else 1
        self.selected = (self.selected + 1) % max(rows, 1)
        self._key = None  # the picture depends on the selection too
        self.refresh()

    def _build(self) -> Text:
        ins = self._data
        if ins is None:
            return Text("waiting for the model...", style="dim")
        text = Text(no_wrap=True, end="")
        if self.size.width >= 100:
            text.append("weights (rows = units out, columns = inputs in) and biases; "
                        "+++ strong positive, --- strong negative, . near 0; p: next row's numbers\n", "dim")
        else:  # one line at 80 columns: the rows go to the layers (the output's too, at 80x24)
            text.append("+++/--- strong, . near 0; rows: units out, cols: inputs in; p: numbers\n", "dim")
        n = len(ins.weights)
        row_no = 0
        for k, (w, b, g) in enumerate(zip(ins.weights, ins.biases, ins.grad_norms), start=1):
            scale = max([abs(v) for row in w for v in row] + [abs(v) for v in b] + [1e-12])
            name = "output" if k == n else f"layer {k}"
            grad = "n/a" if g is None else sci(g, 2)
            text.append(f"{name}: {len(w[0])} -> {len(w)}   max |w| {sig(scale, 3)}   gradient norm {grad}\n", "bold")
            for row, bias in zip(w[:MAX_UNITS], b):
                chosen = row_no == self.selected
                text.append("> " if chosen else "  ", "bold")
                for v in row[:MAX_UNITS]:
                    text.append(weight_glyph(v, scale, self.ascii), "bold blue" if v > 0 else "bold red")
                    text.append(" ")
                text.append(" | b ")
                text.append(weight_glyph(bias, scale, self.ascii), "bold blue" if bias > 0 else "bold red")
                if chosen:
                    numbers = " ".join(fixed(v, 3, sign=True) for v in row[:MAX_UNITS])
                    text.append(f"   w = {numbers}  b = {fixed(bias, 3, sign=True)}", "bold")
                text.append("\n")
                row_no += 1
        text.rstrip()
        return text
