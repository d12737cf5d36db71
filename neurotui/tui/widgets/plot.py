"""A plotext figure as a widget, rebuilt only when its data or size changes.

plotext keeps global state, so it is only ever called from the UI thread, inside
render(). Each build is cached by (size, version): a refresh that changes
nothing costs nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import plotext as plt
from rich.text import Text
from textual.widget import Widget

from neurotui.core.numbers import sig
from neurotui.tui.ascii import to_terminal_ascii
from neurotui.tui.widgets.ticks import label, linear_ticks, log_ticks


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
    yticks: tuple[float, ...] | None = None  # e.g. 0 and +-1, where saturation shows


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


_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# plotext's colour names that Rich spells differently (the legend is drawn by Rich).
_RICH_COLOR = {"orange": "dark_orange", "gray": "grey50", "grey": "grey50"}


# Below this many rows a plot's axes leave no room for data: draw sparklines instead.
SPARK_BELOW = 7


class PlotView(Widget):
    DEFAULT_CSS = "PlotView { height: 1fr; }"

    def __init__(self, ascii: bool = False, marker: str = "braille", **kwargs) -> None:
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
        if series and width >= 24 and 2 <= height < SPARK_BELOW and not any(s.scatter for _, _, s in series):
            return self._sparklines(fig, series, width)
        if width < 12 or height < 5 or not series:
            msg = fig.empty_text if series == [] else "(too small to plot)"
            return Text(msg, style="dim")
        plain = self._plain()
        legend = self._legend([s for _, _, s in series], plain)
        try:
            out = self._plotext(fig, series, width, height - (1 if legend else 0), plain)
        except Exception as exc:  # plotext can trip on degenerate ranges; never crash the UI
            return Text(f"(cannot plot: {exc.__class__.__name__})", style="dim")
        if self.ascii:
            out = to_terminal_ascii(out)
        if legend:  # the legend goes right under the plot, after any blank rows plotext left
            rows = out.split("\n")
            while rows and not _ANSI.sub("", rows[-1]).strip():
                rows.pop()
            out = "\n".join(rows)
        text = Text.from_ansi(out, no_wrap=True, end="")
        if legend:
            text.append("\n")
            text.append_text(legend)
        return text

    def _sparklines(self, fig: Figure, series, width: int) -> Text:
        """No room for axes: the title, then each series as one line of bars, first and last value."""
        ramp = " .:-=+*#%@" if self.ascii else "▁▂▃▄▅▆▇█"
        t = Text(no_wrap=True, overflow="ellipsis", end="")
        t.append(fig.title, "bold")
        for _xs, ys, s in series:
            room = max(4, width - 24)
            step = max(1, len(ys) // room)
            vals = ys[::step][:room]
            if fig.log_y:
                vals = [math.log10(v) for v in vals if v > 0] or [0.0]
            lo, hi = min(vals), max(vals)
            bars = "".join(ramp[int((v - lo) / (hi - lo) * (len(ramp) - 1)) if hi > lo else 0] for v in vals)
            t.append("\n")
            if s.label:
                t.append(f"{s.label} ", _RICH_COLOR.get(s.color, s.color))
            t.append(f"{sig(ys[0], 3)} ", "dim")
            t.append(bars, _RICH_COLOR.get(s.color, s.color))
            t.append(f" {sig(ys[-1], 3)}", "dim")
        return t

    def _plain(self) -> bool:
        """No colour to tell series apart (NO_COLOR or --ascii): each gets its own letter."""
        try:
            return self.ascii or bool(getattr(self.app, "no_color", False))
        except Exception:  # not mounted in an app (tests of the widget alone)
            return self.ascii

    @staticmethod
    def _own_marker(s: Series, i: int) -> str:
        return s.marker or (s.label.strip()[:1].lower() if s.label.strip() else "*") or str(i)

    def _legend(self, series: list[Series], plain: bool) -> Text | None:
        """One line under the plot, never over the data: each series' marker and name."""
        labelled = [(i, s) for i, s in enumerate(series) if s.label]
        if not labelled:
            return None
        t = Text(no_wrap=True, overflow="ellipsis", end="")
        for n, (i, s) in enumerate(labelled):
            if n:
                t.append("  ")
            glyph = self._own_marker(s, i) if plain or s.scatter else ("-" if self.ascii else "━")
            color = _RICH_COLOR.get(s.color, s.color)
            t.append(f"{glyph} ", f"bold {color}")
            t.append(s.label, color)
        return t

    def _plotext(self, fig: Figure, series, width: int, height: int, plain: bool = False) -> str:
        plt.clear_figure()
        plt.limitsize(False, False)  # plotext would cap at the real terminal size (80x24 when piped)
        plt.plotsize(width, height)
        plt.theme("clear")
        # a log axis is drawn as log10 of the values on a linear one, so its ticks can sit on decades
        scale = (lambda v: [math.log10(y) for y in v]) if fig.log_y else list
        for i, (xs, ys, s) in enumerate(series):
            draw = plt.scatter if s.scatter else plt.plot
            marker = self._own_marker(s, i) if plain else (s.marker if s.scatter and s.marker else self.marker)
            draw(xs, scale(ys), color=s.color, marker=marker)  # the legend goes under the plot, not over data
        if fig.vline is not None and math.isfinite(fig.vline):
            plt.vline(fig.vline, "yellow")
        ylim, xlim = _usable(fig.ylim), _usable(fig.xlim)
        if ylim and not fig.log_y:
            plt.ylim(*ylim)
        if xlim:
            plt.xlim(*xlim)
        all_y = [y for _, ys, _ in series for y in ys]
        most_y = max(2, min(7, (height - 4) // 2 + 1))  # a label every other row at most
        if fig.yticks and not fig.log_y:
            yt = list(fig.yticks)
        elif fig.log_y:
            yt = log_ticks(min(all_y), max(all_y), most_y)
        else:
            yt = linear_ticks(*(ylim or (min(all_y), max(all_y))), most_y)
        if yt:
            plt.yticks(scale(yt), [label(t) for t in yt])
        all_x = [x for xs, _, _ in series for x in xs]
        xt = linear_ticks(*(xlim or (min(all_x), max(all_x))), max(2, min(6, width // 10)))
        if xt:
            plt.xticks(xt, [label(t) for t in xt])
        if fig.title:
            plt.title(fig.title)
        if fig.xlabel:
            plt.xlabel(fig.xlabel)
        return plt.build()
