"""A plotext figure as a widget, rebuilt only when its data or size changes.

plotext keeps global state, so it is only ever called from the UI thread, inside
render(). Each build is cached by (size, version): a refresh that changes
nothing costs nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import plotext as plt
from rich.text import Text
from textual.widget import Widget

from neurotui.tui.glyphs import to_ascii


@dataclass(frozen=True)
class Series:
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    label: str
    color: str
    marker: str | None = None  # a character, for scatter points that must read without colour
    scatter: bool = False


@dataclass(frozen=True)
class Figure:
    series: tuple[Series, ...] = ()
    title: str = ""
    xlabel: str = ""
    vline: float | None = None
    ylim: tuple[float, float] | None = None
    xlim: tuple[float, float] | None = None
    log_y: bool = False
    empty_text: str = "no data yet"


def finite_points(xs: Sequence[float], ys: Sequence[float], log_y: bool = False):
    """Drop points plotext cannot draw: nan, inf, huge values, and <= 0 on a log axis."""
    keep_x, keep_y = [], []
    for x, y in zip(xs, ys):
        if not (math.isfinite(x) and math.isfinite(y)) or abs(y) > 1e300:
            continue
        if log_y and y <= 0:
            continue
        keep_x.append(float(x))
        keep_y.append(float(y))
    return keep_x, keep_y


def downsample(values: Sequence[float], width: int) -> tuple[list[int], list[float]]:
    """At most `width` points (step numbers are 1-based): the first, then each bucket's last."""
    n = len(values)
    if n == 0 or width <= 0:
        return [], []
    if n <= width:
        return list(range(1, n + 1)), list(values)
    xs, ys = [1], [values[0]]
    for i in range(width - 1):
        j = min(n - 1, ((i + 1) * n) // (width - 1) - 1)
        xs.append(j + 1)
        ys.append(values[j])
    return xs, ys


def _usable(limits: tuple[float, float] | None) -> tuple[float, float] | None:
    """Axis limits plotext can use: finite and increasing; anything else means 'automatic'."""
    if not limits:
        return None
    lo, hi = limits
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return None
    return lo, hi


class PlotView(Widget):
    DEFAULT_CSS = "PlotView { height: 1fr; }"

    def __init__(self, ascii: bool = False, marker: str = "hd", **kwargs) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii
        self.marker = "*" if ascii else marker
        self._figure = Figure()
        self._cache_key: tuple | None = None
        self._cache: Text = Text()

    @property
    def figure(self) -> Figure:
        return self._figure

    def show(self, figure: Figure) -> None:
        if figure != self._figure:
            self._figure = figure
            self.refresh()

    def render(self) -> Text:
        w, h = self.size
        key = (w, h, self._figure)
        if key != self._cache_key:
            self._cache = self._build(w, h)
            self._cache_key = key
        return self._cache

    def _build(self, width: int, height: int) -> Text:
        fig = self._figure
        series = []
        for s in fig.series:
            xs, ys = finite_points(s.xs, s.ys, fig.log_y)
            if xs:
                series.append((xs, ys, s))
        if width < 12 or height < 5 or not series:
            msg = fig.empty_text if series == [] else "(too small to plot)"
            return Text(msg, style="dim")
        try:
            out = self._plotext(fig, series, width, height)
        except Exception as exc:  # plotext can trip on degenerate ranges; never crash the UI
            return Text(f"(cannot plot: {exc.__class__.__name__})", style="dim")
        if self.ascii:
            out = to_ascii(out)
        return Text.from_ansi(out, no_wrap=True, end="")

    def _plotext(self, fig: Figure, series, width: int, height: int) -> str:
        plt.clear_figure()
        plt.limitsize(False, False)  # plotext would cap at the real terminal size (80x24 when piped)
        plt.plotsize(width, height)
        plt.theme("clear")
        for xs, ys, s in series:
            draw = plt.scatter if s.scatter else plt.plot
            draw(xs, ys, label=s.label or None, color=s.color, marker=s.marker or self.marker)
        if fig.vline is not None and math.isfinite(fig.vline):
            plt.vline(fig.vline, "yellow")
        if fig.log_y:
            plt.yscale("log")
        ylim, xlim = _usable(fig.ylim), _usable(fig.xlim)
        if ylim and not fig.log_y:
            plt.ylim(*ylim)
        if xlim:
            plt.xlim(*xlim)
            lo, hi = xlim
            if hi - lo >= 8:
                ticks = [round(lo + (hi - lo) * k / 4) for k in range(5)]
                plt.xticks(ticks, [f"{t:g}" for t in ticks])
        if fig.title:
            plt.title(fig.title)
        if fig.xlabel:
            plt.xlabel(fig.xlabel)
        return plt.build()
