"""The network view: inputs, each hidden unit as a small map of its output over the plane
(with its bias), the output, and every link between columns.

A link reads by colour (blue positive, red negative), by glyph (its sign) and by weight of
line (· near zero, ─ moderate, ━ strong; under --ascii . - =), so it reads in NO_COLOR and
--ascii too. The links into a unit sit on the unit's row, one per source, under a header
naming the sources: the weight matrix drawn where it acts. Arrows move a selection over
units and links; the selected item's value, gradient and activations show below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual import events

from neurotui.core.lesson import XOR_X
from neurotui.core.model.boundary import ASCII_RAMP, UNICODE_RAMP, shade
from neurotui.core.model.network import Network, name_of
from neurotui.core.numbers import fixed, sci
from neurotui.tui.widgets.boundary import half_block_rows
from neurotui.tui.widgets.cached import CachedText
from neurotui.tui.widgets.inside import feature_range

LETTERS = "hgf"  # hidden layers 1, 2, 3
INFO_ROWS = 3
LABEL = 7  # a unit's name and bias beside its map


@dataclass(frozen=True)
class Item:
    """A unit (source None, link False) or the link into `unit` from `source`, of column `col`."""

    col: int  # 1..layers: the layer's units (the last is the output)
    unit: int
    source: int | None = None

    @property
    def is_link(self) -> bool:
        return self.source is not None


def unit_name(net: Network, col: int, unit: int) -> str:
    if col == 0:
        return net.inputs[unit]
    if col == len(net.weights):
        return "out"
    return f"{LETTERS[min(col - 1, 2)]}{unit + 1}"


def link_glyph(w: float, scale: float, ascii: bool) -> tuple[str, str]:
    """Two characters (sign, then line weight by magnitude) and a style."""
    if not math.isfinite(w):
        return "??", "bold red"
    m = abs(w) / scale if scale > 0 else 0.0
    if m < 0.1:
        return (" ." if ascii else " ·"), "dim"
    sign = "+" if w > 0 else ("-" if ascii else "−")
    line = ("=" if ascii else "━") if m >= 0.5 else ("-" if ascii else "─")
    color = "#5b8ff0" if w > 0 else "#f05050"
    return sign + line, (f"bold {color}" if m >= 0.5 else color)


def move(net: Network, item: Item | None, dx: int, dy: int) -> Item:
    """The item the arrows lead to: left/right across units and their links, up/down within a column."""
    layers = len(net.weights)
    if item is None:
        return Item(1, 0)
    if dy:
        n = len(net.weights[item.col - 1])
        return Item(item.col, min(max(item.unit + dy, 0), n - 1), item.source)
    n_src = len(net.weights[item.col - 1][0])
    if item.is_link:
        s = item.source + dx
        if 0 <= s < n_src:
            return Item(item.col, item.unit, s)
        if s < 0:  # out of the links' left end: the source column's units
            return Item(item.col - 1, min(item.unit, len(net.weights[item.col - 2]) - 1)) if item.col > 1 else item
        return Item(item.col, item.unit)
    if dx < 0:
        return Item(item.col, item.unit, n_src - 1)
    if item.col < layers:
        nxt = net.weights[item.col]
        return Item(item.col + 1, min(item.unit, len(nxt) - 1), 0)
    return item


def value_of(net: Network, item: Item) -> tuple[float, float | None]:
    """(value, gradient or None) of the selected weight or bias."""
    k = item.col - 1
    if item.is_link:
        g = net.weight_grads[k]
        return net.weights[k][item.unit][item.source], None if g is None else g[item.unit][item.source]
    g = net.bias_grads[k]
    return net.biases[k][item.unit], None if g is None else g[item.unit]


BIAS = 6  # a bias beside a one-row unit: short_number's width


def short_number(v: float) -> str:
    """A bias in at most 6 characters (+0.26, -597, -6e+03): never glued to the next column."""
    for text in (fixed(v, 2, sign=True), fixed(v, 1, sign=True), fixed(v, 0, sign=True), sci(v, 0, sign=True)):
        if len(text) <= BIAS:
            return text
    return sci(v, 0, sign=True)[:BIAS]


def names_line(layers: int) -> str:
    return ", ".join(f"{LETTERS[k]}: hidden layer {k + 1}" for k in range(min(layers - 1, 3)))


def link_cell(net: Network, col: int, sources: list[int]) -> int:
    """Characters per link into the next column: the widest source name (h10, x1sq), a space."""
    return max([2] + [len(unit_name(net, col, s)) for s in sources]) + 1


def strength(net: Network, col: int, unit: int) -> float:
    """How much a hidden unit matters to the next layer: the sum of its outgoing |weights|."""
    return sum(abs(row[unit]) for row in net.weights[col] if math.isfinite(row[unit]))


def layout_width(net: Network, keep: list[list[int]], uh: int) -> int:
    width = max(2, *(len(net.inputs[i]) for i in keep[0])) + 1
    for col in range(1, len(keep)):
        width += link_cell(net, col - 1, keep[col - 1]) * len(keep[col - 1]) + 1
        width += 2 * uh + LABEL + (0 if uh > 1 else BIAS) + 1
    return width


def shown_units(net: Network, sel: Item | None, uh: int, rows: int, width: int) -> list[list[int]]:
    """The units of each column drawn: all when they fit (at most `rows` units in a column, at most
    `width` characters across; `uh` rows per unit were chosen to fit the tallest column, or 1);
    past that, each hidden layer's strongest units (the most that fit), always with the selection."""
    sizes = [len(net.inputs)] + [len(w) for w in net.weights]

    def pick(k: int) -> list[list[int]]:
        keep = []
        for col, n in enumerate(sizes):
            if col == 0 or col == len(sizes) - 1 or n <= k:
                keep.append(list(range(n)))
                continue
            wanted = {sel.unit} if sel is not None and sel.col == col else set()
            if sel is not None and sel.is_link and sel.col == col + 1:
                wanted.add(sel.source)
            ranked = sorted(range(n), key=lambda u: -strength(net, col, u))
            chosen = list(wanted)[:k]
            chosen += [u for u in ranked if u not in wanted][:k - len(chosen)]
            keep.append(sorted(chosen))
        return keep

    def fits(keep: list[list[int]]) -> bool:
        return max(map(len, keep)) <= rows and layout_width(net, keep, uh) <= width

    k = max(sizes[1:-1], default=1)
    while k > 1 and not fits(pick(k)):
        k -= 1
    return pick(k)


def summary_line(net: Network, keep: list[list[int]]) -> str:
    """Say which hidden layers show only their strongest units (never silently leave units out)."""
    parts = []
    for col in range(1, len(keep) - 1):
        n = len(net.weights[col - 1])
        if len(keep[col]) < n:
            parts.append(f"{LETTERS[min(col - 1, 2)]}'s {len(keep[col])} strongest of {n} units")
    if not parts:
        return ""
    return "showing " + ", ".join(parts) + " (|outgoing weights|); up/down: the rest"


class _Canvas:
    """The network's picture as rows of (character, style) cells, each row written left to right; row 0
    holds the column headers. A span written with an item is where a click selects it (`hits`)."""

    def __init__(self, keep, uh: int, gap: int, hits: list) -> None:
        self.keep, self.uh, self.gap, self.hits = keep, uh, gap, hits
        self.tallest = max(len(k) for k in keep)
        self.height = self.tallest * (uh + gap)
        self.rows: list[list[tuple[str, str]]] = [[] for _ in range(self.height + 1)]

    @property
    def width(self) -> int:
        return max(len(r) for r in self.rows)

    def put(self, y: int, text: str, style: str = "", item: Item | None = None) -> None:
        if 0 <= y <= self.height:
            x = len(self.rows[y])
            self.rows[y].extend((ch, style) for ch in text)
            if item is not None:
                self.hits.append((y + 1, x, x + len(text), item))

    def pad_to(self, x: int) -> None:
        for row in self.rows:
            row.extend([(" ", "")] * (x - len(row)))

    def top(self, col: int, unit: int) -> int:
        """The row of a shown unit (each column centred)."""
        offset = (self.tallest - len(self.keep[col])) // 2
        return (self.keep[col].index(unit) + offset) * (self.uh + self.gap) + 1


class NetworkView(CachedText):
    DEFAULT_CSS = "NetworkView { height: 1fr; width: 1fr; }"
    info_rows = INFO_ROWS  # rows kept under the picture for the selection's numbers

    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(ascii=ascii, **kwargs)
        self.selected: Item | None = None
        self._hits: list[tuple[int, int, int, Item]] = []  # (y, x from, x to, item) of the last picture
        self.activation = "tanh"

    @property
    def network(self) -> Network | None:
        return self._data

    def show(self, net: Network | None, activation: str) -> None:
        self.activation = activation
        if net is not None and self.selected is not None and not self._valid(net, self.selected):
            self.selected = None
        self.set_data(net)

    @staticmethod
    def _valid(net: Network, item: Item) -> bool:
        if not 1 <= item.col <= len(net.weights) or item.unit >= len(net.weights[item.col - 1]):
            return False
        return item.source is None or item.source < len(net.weights[item.col - 1][0])

    def select(self, item: Item | None) -> None:
        self.selected = item
        self._key = None
        self.refresh()

    def arrow(self, dx: int, dy: int) -> None:
        if self._data is not None:
            self.select(move(self._data, self.selected, dx, dy))

    # ----- sizes -----------------------------------------------------------------------------
    def _unit_rows(self, tallest: int) -> tuple[int, bool]:
        """Text rows per unit, and whether a column has more units than rows (then 1 row each, and
        only the strongest units are drawn: shown_units)."""
        room = max(1, self.size.height - 2 - self.info_rows)
        if tallest > room:
            return 1, True
        slot = max(1, min(5, room // tallest))
        return (slot - 1 if slot > 2 else slot), False  # a blank row between tall tiles

    def wanted_tile(self, shape: tuple[int, ...]) -> tuple[int, int]:
        """The plane grid each unit's map needs at this size (rows, cols)."""
        uh, _ = self._unit_rows(max(shape[1:]))
        return ((2 * uh, 2 * uh) if self.colour else (uh, 2 * uh))

    def on_click(self, event: events.Click) -> None:
        for y, x0, x1, item in self._hits:
            if event.y == y and x0 <= event.x < x1:
                self.select(item)
                return

    # ----- the picture -----------------------------------------------------------------------
    def _build(self) -> Text:
        net = self._data
        if net is None:
            return Text("computing the network...", style="dim")
        self._hits = []
        layers = len(net.weights)
        sizes = [len(net.inputs)] + [len(w) for w in net.weights]
        uh, _ = self._unit_rows(max(sizes))  # the tiles the worker computes (wanted_tile) fit these rows
        room = max(1, self.size.height - 2 - self.info_rows)
        keep = shown_units(net, self.selected, uh, room, self.size.width)
        # rows between units, where they fit: 4 units of 2 rows in 9 rows have none (with one each,
        # the fourth unit fell below the picture's edge)
        gap = 1 if uh > 1 and max(sizes) * (uh + 1) <= room else 0
        canvas = _Canvas(keep, uh, gap, self._hits)
        canvas.put(0, "in")
        for i in keep[0]:
            canvas.put(canvas.top(0, i), net.inputs[i])
        canvas.pad_to(canvas.width + 1)
        for col in range(1, layers + 1):
            self._draw_links(canvas, net, col)
            self._draw_units(canvas, net, col)
        return self._framed(canvas, net, keep)

    def _draw_links(self, canvas: _Canvas, net, col: int) -> None:
        """The links into layer `col`: one glyph per source on each unit's row, under the sources' names."""
        w, sources = net.weights[col - 1], canvas.keep[col - 1]
        scale = max([abs(v) for row in w for v in row if math.isfinite(v)] + [1e-12])
        cell = link_cell(net, col - 1, sources)
        x0 = canvas.width
        canvas.put(0, "".join(f"{unit_name(net, col - 1, s):>{cell - 1}} " for s in sources), "dim")
        for u in canvas.keep[col]:
            y = canvas.top(col, u)
            for s in sources:
                glyph, style = link_glyph(w[u][s], scale, self.ascii)
                item = Item(col, u, s)
                if item == self.selected:
                    style = "reverse " + style
                canvas.put(y, " " * (cell - 3))
                canvas.put(y, glyph, style, item)
                canvas.put(y, " ")
        canvas.pad_to(x0 + cell * len(sources) + 1)

    def _draw_units(self, canvas: _Canvas, net, col: int) -> None:
        """The units of layer `col`: a map each, then name and bias."""
        layers, uh = len(net.weights), canvas.uh
        tw = 2 * uh
        ramp = ASCII_RAMP if self.ascii else UNICODE_RAMP
        maps = net.maps[col - 1] if net.maps is not None and col - 1 < len(net.maps) else None
        hidden = col < layers
        x0 = canvas.width
        canvas.put(0, "units" if hidden else "output", "dim")
        for u in canvas.keep[col]:
            y = canvas.top(col, u)
            item = Item(col, u)
            chosen = item == self.selected
            tile = self._tile(maps[u] if maps else None, hidden, self.colour, ramp, uh, tw)
            for r, cells in enumerate(tile):
                if y + r <= canvas.height:
                    for ch, st in cells:
                        canvas.rows[y + r].append((ch, st))
                    self._hits.append((y + r + 1, x0, x0 + tw, item))
            label = f"{unit_name(net, col, u)}"
            bias = short_number(net.biases[col - 1][u])
            canvas.put(y, " " + label.ljust(LABEL - 1), "bold reverse" if chosen else "bold", item)
            if uh > 1:
                canvas.put(y + 1, " " + bias.ljust(LABEL - 1), "reverse" if chosen else "dim", item)
            else:
                canvas.put(y, bias, "reverse" if chosen else "dim", item)
        canvas.pad_to(x0 + tw + LABEL + (0 if uh > 1 else BIAS) + 1)

    def _framed(self, canvas: _Canvas, net, keep) -> Text:
        """The canvas between its title line and its legend, summary and info, cut to the width."""
        lines = [Text(f"{names_line(len(net.weights))}; maps: unit output over the plane (x1 across, x2 up)", "dim")]
        for row in canvas.rows:
            line = Text()
            for ch, st in row:
                line.append(ch, st)
            lines.append(line)
        minus, weights = ("-", ". ~0, - some, = strong") if self.ascii else ("−", "· ~0, ─ some, ━ strong")
        legend = f"links (one per source, on the unit's row): + positive, {minus} negative; {weights}"
        if len(legend) > self.size.width:
            legend = f"links: + positive, {minus} negative; {weights}"
        lines.append(Text(legend, "dim"))
        summary = summary_line(net, keep)
        if summary:
            lines.append(Text(summary, "bold"))
        lines.extend(self.info().split("\n"))
        # Never wrapped: a wrapped row would interleave the columns' rows. Past the width, cut.
        width = max(1, self.size.width)
        for line in lines:
            line.truncate(width, overflow="ellipsis")
        return Text("\n", no_wrap=True, end="").join(lines)

    def _tile(self, unit_map, hidden: bool, colour: bool, ramp: str, uh: int, tw: int):
        if unit_map is None:
            return [[(" ", "")] * tw for _ in range(uh)]
        flat = [v for row in unit_map for v in row]
        lo, hi = feature_range(self.activation, flat) if hidden else (0.0, 1.0)
        scaled = [[(v - lo) / (hi - lo) for v in row] for row in unit_map]
        if colour:
            from neurotui.tui.widgets.boundary import resample

            return half_block_rows(resample(scaled, 2 * uh, tw), {})[:uh]
        from neurotui.tui.widgets.boundary import resample

        grid = resample(scaled, uh, tw)
        return [[(shade(p, ramp), "") for p in row] for row in grid]

    def info(self) -> Text:
        """The selected item: its exact value, its gradient, and a unit's activation at the XOR points."""
        net, item = self._data, self.selected
        t = Text(no_wrap=True, overflow="ellipsis", end="")
        if net is None or item is None:
            t.append("arrows select a unit or a link, Enter edits its value; a click selects too", "dim")
            return t
        value, grad = value_of(net, item)
        k = item.col
        if item.is_link:
            what = f"{unit_name(net, k - 1, item.source)} -> {unit_name(net, k, item.unit)}"
            t.append(f"link {name_of(k, item.unit, item.source)} {what}", "bold")
        else:
            t.append(f"unit {unit_name(net, k, item.unit)} bias {name_of(k, item.unit, None)}", "bold")
        t.append(f" = {fixed(value, 4, sign=True)}   gradient {'n/a' if grad is None else f'{sci(grad, 3, sign=True)}'}   Enter edits")
        if not item.is_link:
            values = net.at_points[k - 1][item.unit]
            t.append("\nat the XOR points: ", "dim")
            t.append("  ".join(f"({int(x1)},{int(x2)}) {fixed(v, 3, sign=True)}" for (x1, x2), v in zip(XOR_X, values)))
            if net.probe is not None:
                x1, x2, outputs, hidden = net.probe
                v = (outputs if k == len(net.weights) else hidden[k - 1])[item.unit]
                t.append(f"\nat the clicked point ({fixed(x1, 2)}, {fixed(x2, 2)}): {fixed(v, 3, sign=True)}", "dim")
        return t
