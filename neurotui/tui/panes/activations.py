"""Activations pane: sigmoid, tanh, relu and identity over z in [-5, 5], the neuron's z marked."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from neurotui.core.model.activations import ACTIVATIONS
from neurotui.core.numbers import fmt_value, sig
from neurotui.tui.glyphs import Glyphs
from neurotui.tui.textual_shims import restyle_itself
from neurotui.tui.widgets.plot import Figure, PlotView, Series

Z_MIN, Z_MAX = -5.0, 5.0
# Gray, not white, for None: it must read on a light theme as on a dark one.
COLORS = {"tanh": "cyan", "relu": "red", "sigmoid": "green", "identity": "gray"}
RICH_COLORS = {**COLORS, "identity": "grey50"}
# Rows the pane needs before each description may wrap onto a second line (160x48 and up): below
# it the plot keeps the rows and a description ends in an ellipsis; zoom (z) shows them in full.
ROOM_TO_WRAP = 30


class ActivationsPane(Vertical):
    can_focus = True
    watch_has_focus = restyle_itself  # a focus change restyles the pane, not its insides

    def __init__(self, glyphs: Glyphs, **kwargs) -> None:
        super().__init__(**kwargs)
        self.glyphs = glyphs
        self.z = 0.44
        self.slopes = False
        self.training_activation = "tanh"
        self._curves = self._sample(60)

    def compose(self) -> ComposeResult:
        yield PlotView(ascii=self.glyphs.ascii, id="act-plot")
        yield Static(id="act-table")

    def on_mount(self) -> None:
        self._redraw()

    def on_resize(self) -> None:
        # Sample twice per column: braille packs two points across a cell.
        want = max(20, 2 * self.size.width)
        if len(self._curves[0]) != want or (self.size.height >= ROOM_TO_WRAP) != self._wrapped:
            self._curves = self._sample(want)
            self._redraw()

    @staticmethod
    def _sample(n: int):
        zs = tuple(Z_MIN + (Z_MAX - Z_MIN) * i / (n - 1) for i in range(n))
        return zs, {name: (tuple(a.fn(z) for z in zs), tuple(a.slope(z) for z in zs))
                    for name, a in ACTIVATIONS.items()}

    def set_z(self, z: float) -> None:
        if z != self.z:
            self.z = z
            self._redraw()

    def set_training_activation(self, name: str) -> None:
        if name != self.training_activation:
            self.training_activation = name
            self._redraw()

    def toggle_slopes(self) -> None:
        self.slopes = not self.slopes
        self._redraw()

    def _redraw(self) -> None:
        self.border_title = "2 Activations  " + ("slopes f'(z)" if self.slopes else "values f(z)")
        zs, curves = self._curves
        which = 1 if self.slopes else 0
        series = tuple(
            Series(zs, curves[name][which], ACTIVATIONS[name].label, COLORS[name]) for name in ACTIVATIONS
        )
        # each activation's own value at the neuron's z, as a point on its curve
        z = max(Z_MIN, min(Z_MAX, self.z))
        a = ACTIVATIONS
        series += tuple(
            Series((z,), ((a[name].slope if self.slopes else a[name].fn)(z),), "", COLORS[name],
                   marker="o" if self.glyphs.ascii else "●", scatter=True)
            for name in ACTIVATIONS
        )
        ylim = (-0.2, 1.2) if self.slopes else (-1.5, 2.5)
        yticks = (0.0, 0.5, 1.0) if self.slopes else (-1.0, 0.0, 1.0, 2.0)
        self.query_one(PlotView).show(Figure(series, vline=max(Z_MIN, min(Z_MAX, self.z)), ylim=ylim,
                                             xlim=(Z_MIN, Z_MAX), yticks=yticks))
        self.query_one("#act-table", Static).update(self._table())

    _wrapped = False  # the descriptions were last drawn wrapped (the pane was tall enough)

    def _table(self) -> Text | Group:
        self._wrapped = self.size.height >= ROOM_TO_WRAP
        g = self.glyphs
        z = g.num(sig(self.z, 3))
        # One line per row, cut with an ellipsis: zoom (z) shows the lesson's table in full.
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f"{'':10}{'f(' + z + ')':>10}{'slope':>8}  range\n", "bold")
        for name, a in ACTIVATIONS.items():
            row_style = "reverse" if name == self.training_activation else ""
            t.append(f"{a.label:<10}", f"bold {RICH_COLORS[name]} {row_style}".strip())
            t.append(
                f"{g.num(fmt_value(a.fn(self.z))):>10}{g.num(fmt_value(a.slope(self.z))):>8}  "
                f"{g.num(a.output_range):<12}", row_style,
            )
            if name == self.training_activation:
                t.append(f" {g.training}", "bold")
            t.append("\n")
        t.append("\n")
        if self._wrapped:  # a tall pane: each description in full, under itself
            notes = Table.grid(padding=(0, 0))
            notes.add_column(width=8, no_wrap=True)
            notes.add_column(ratio=1)
            for name, a in ACTIVATIONS.items():
                notes.add_row(Text(a.label, f"bold {RICH_COLORS[name]}"), f"{a.what_it_does}; {a.common_use}")
            t.rstrip()
            return Group(t, Text(""), notes)
        for name, a in ACTIVATIONS.items():
            t.append(f"{a.label:<8}", f"bold {RICH_COLORS[name]}")
            t.append(description(a, (self.content_size.width or self.size.width) - 8) + "\n")
        t.rstrip()
        return t


def description(a, room: int) -> str:
    """The lesson's words for an activation in `room` cells, whole: what it does and its common use, or
    what it does alone, or that without its remark in brackets or its second clause; never a word cut by
    an ellipsis."""
    what = a.what_it_does
    for text in (f"{what}; {a.common_use}", what, what.split(" (")[0], what.split(", ")[0]):
        if len(text) <= room:
            return text
    words = what.split(" ")
    while len(words) > 1 and len(" ".join(words)) > room:
        words.pop()
    return " ".join(words)
