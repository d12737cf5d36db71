"""The decision boundary as a coloured character grid that still reads by glyph alone."""

from __future__ import annotations

from rich.text import Text

from neurotui.core.boundary import ASCII_RAMP, HIGH, LOW, UNICODE_RAMP, render
from neurotui.tui.widgets.cached import CachedText

# Blue for class 0, orange for class 1, on a tinted background; the glyph carries the
# same information without colour (NO_COLOR, 16-colour terminals).
_STYLES = (
    "#5b7fd0 on #0f1b3a", "#7f95d0 on #16234a", "#b0b0b0 on #262626",
    "#e0a060 on #3a2410", "#f08030 on #3a2410",
)


# Data points read by glyph (class, train or validation) as well as by colour.
_MARK_STYLES = {
    "0": "bold black on white", "1": "bold black on white",
    "o": "bold #1f3f9f on white", "x": "bold #a04000 on white",
    "O": "bold white on #1f3f9f", "X": "bold white on #a04000",
}


def _color(p: float) -> str:
    if p != p:  # nan
        return "red"
    i = int(min(max(p, 0.0), 1.0) * len(_STYLES))
    return _STYLES[min(i, len(_STYLES) - 1)]


# Beyond this the picture gains nothing a person can see, but every redraw costs bytes
# (over SSH) and UI time (taken from training): a 200x60 window would double both.
MAX_GRID_ROWS = 20


def fit_grid(width: int, height: int) -> tuple[int, int]:
    """Rows and columns for the plane: a terminal cell is about twice as tall as wide."""
    rows = max(3, min(height, width // 2, MAX_GRID_ROWS))
    return rows, max(6, min(width, rows * 2))


def resample(grid, rows: int, cols: int):
    """Nearest-cell copy of `grid` at rows x cols (the grid itself when the size matches)."""
    n_rows, n_cols = len(grid), len(grid[0]) if grid else 0
    if (n_rows, n_cols) == (rows, cols) or not n_cols:
        return grid
    return tuple(
        tuple(grid[r * n_rows // rows][c * n_cols // cols] for c in range(cols)) for r in range(rows)
    )


class BoundaryView(CachedText):
    DEFAULT_CSS = "BoundaryView { height: 1fr; width: 1fr; }"

    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(ascii=ascii, **kwargs)
        self._shown_look: tuple | None = None
        self.points = None
        self.span = (LOW, HIGH)

    def set_points(self, points, span: tuple[float, float] = (LOW, HIGH)) -> None:
        """The data points to mark (None: the lesson's four XOR rows) and the plane's range."""
        if (points, span) != (self.points, self.span):
            self.points, self.span = points, span
            self._shown_look = None
            self._key = None
            self.refresh()

    def show(self, grid) -> None:
        if grid is None or grid == self._data:
            return
        # Late in training the probabilities still move, but rarely enough to change a glyph
        # or a colour: repaint (and send bytes down an SSH link) only when the picture changes.
        look = self._look(grid)
        self._data = grid
        if look != self._shown_look:
            self._shown_look = look
            self.refresh()

    def _look(self, grid) -> tuple:
        """What the grid draws as: its characters and each cell's colour."""
        return tuple(self._lines(grid)), tuple(tuple(map(_color, row)) for row in grid)

    def _lines(self, grid) -> list[str]:
        return render(grid, ascii=self.ascii, points=self.points, low=self.span[0], high=self.span[1])

    def wanted_size(self) -> tuple[int, int]:
        w, h = self.size
        return fit_grid(max(w, 6), max(h - 3, 3))  # three lines of legend below the grid

    def _build(self) -> Text:
        if not self._data:
            return Text("waiting for the model...", style="dim")
        # Until the model's grid for a new size arrives (milliseconds later), stretch the one
        # we have to the new size: never a cropped, wrapped or stale-sized picture.
        grid = resample(self._data, *self.wanted_size())
        lines = self._lines(grid)
        text = Text(no_wrap=True, end="")
        for r, (line, probs) in enumerate(zip(lines, grid)):
            if r:
                text.append("\n")
            run_start, run_style = 0, None
            for c, ch in enumerate(line):
                if ch in _MARK_STYLES:
                    style = _MARK_STYLES[ch]
                else:
                    style = _color(probs[c])
                if style != run_style and run_style is not None:
                    text.append(line[run_start:c], run_style)
                    run_start = c
                run_style = style
            text.append(line[run_start:], run_style)
        ramp = ASCII_RAMP if self.ascii else UNICODE_RAMP
        marks = ("o x: train (class 0 / 1), O X: validation" if self.points is not None
                 else "digits: true labels")
        text.append(f"\nx1 across, x2 up\n{marks}\n{ramp[-1]} near 1, blank near 0", style="dim")
        return text
