"""The decision boundary as a coloured character grid that still reads by glyph alone."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from neurotui.core.boundary import ASCII_RAMP, UNICODE_RAMP, render

# Blue for class 0, orange for class 1; the glyph carries the same information without colour.
_COLORS = ("#3b6fd8", "#6f86c8", "#9c9c9c", "#d89a5a", "#e8702a")


def _color(p: float) -> str:
    if p != p:  # nan
        return "red"
    i = int(min(max(p, 0.0), 1.0) * len(_COLORS))
    return _COLORS[min(i, len(_COLORS) - 1)]


def fit_grid(width: int, height: int) -> tuple[int, int]:
    """Rows and columns for the plane: a terminal cell is about twice as tall as wide."""
    rows = max(3, min(height, width // 2))
    return rows, max(6, min(width, rows * 2))


class BoundaryView(Widget):
    DEFAULT_CSS = "BoundaryView { height: 1fr; width: 1fr; }"

    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii
        self._grid: tuple | None = None
        self._key: tuple | None = None
        self._text = Text()

    def show(self, grid) -> None:
        if grid is not None and grid != self._grid:
            self._grid = grid
            self.refresh()

    def wanted_size(self) -> tuple[int, int]:
        w, h = self.size
        return fit_grid(max(w, 6), max(h - 1, 3))

    def render(self) -> Text:
        key = (self.size, self._grid)
        if key != self._key:
            self._key = key
            self._text = self._build()
        return self._text

    def _build(self) -> Text:
        if not self._grid:
            return Text("waiting for the model...", style="dim")
        lines = render(self._grid, ascii=self.ascii)
        text = Text(no_wrap=True, end="")
        for r, (line, probs) in enumerate(zip(lines, self._grid)):
            if r:
                text.append("\n")
            run_start, run_style = 0, None
            for c, ch in enumerate(line):
                if ch in "01":
                    style = "bold white on #202020"
                else:
                    style = _color(probs[c])
                if style != run_style and run_style is not None:
                    text.append(line[run_start:c], run_style)
                    run_start = c
                run_style = style
            text.append(line[run_start:], run_style)
        ramp = ASCII_RAMP if self.ascii else UNICODE_RAMP
        text.append(f"\np(y=1): '{ramp[0]}' 0 .. '{ramp[-1]}' 1   digits: XOR targets", style="dim")
        return text
