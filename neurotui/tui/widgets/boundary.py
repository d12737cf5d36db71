"""The decision boundary as a coloured character grid that still reads by glyph alone.

In a colour terminal each text row holds two rows of the plane: `▀` with the upper cell's
colour as foreground and the lower cell's as background (half blocks). Without colour
(NO_COLOR) and under --ascii the probability is a shade glyph per cell instead.

Beyond two classes (`set_task`): K classes in K theme colours, paler where the model is unsure
(without colour, each class's own texture and its points' own glyphs); a regression's prediction on
the two-class palette used as a diverging map, from -scale (class 0's colour) to +scale.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.visual import Visual, visualize

from neurotui.core.lesson import XOR_X, XOR_Y
from neurotui.core.model.boundary import (
    ASCII_RAMP,
    CLASS_FILLS,
    CLASS_TRAIN_GLYPHS,
    CLASS_VAL_GLYPHS,
    DIVERGING_RAMP,
    HIGH,
    LOW,
    UNICODE_RAMP,
    cell_of,
    point_marks,
    render,
    render_task,
)
from neurotui.core.numbers import sig
from neurotui.tui.widgets.cached import CachedText
from neurotui.tui.widgets.palette import (
    CLASS_COLORS,
    HALF,
    HALF_COLORS,
    MARK_STYLES,
    POINT_OVER_SHADING,
    SURE_LEVELS,
    class_color,
    class_palette,
    half_color,
    shade_style,
    theme_palette,
)

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


def half_marks(points, rows: int, cols: int, low: float = LOW, high: float = HIGH) -> dict:
    """{(text row, col): glyph} for a plane of `rows` plane rows drawn two to a text row."""
    if points is not None:
        return {(r // 2, c): g for (r, c), g in point_marks(points, rows, cols, low, high).items()}
    return {(cell_of(p, rows, cols)[0] // 2, cell_of(p, rows, cols)[1]): str(int(y)) for p, y in zip(XOR_X, XOR_Y)}


def half_block_rows(grid, marks: dict, palette: tuple[str, ...] = HALF_COLORS,
                    color=None) -> list[list[tuple[str, str]]]:
    """Text rows of (character, style): two plane rows per text row as `▀` (upper cell in
    the foreground colour, lower cell in the background); a marked cell shows its glyph.
    `color`: a cell's colour from its value (default: the probability on `palette`)."""
    color = color or (lambda p: half_color(p, palette))
    rows = []
    for t in range(0, len(grid), 2):
        upper = grid[t]
        lower = grid[t + 1] if t + 1 < len(grid) else None
        row = []
        for c, p in enumerate(upper):
            glyph = marks.get((t // 2, c))
            top = color(p)
            if glyph is not None:
                # The lesson's four digits are stamped; a data point's glyph is written over the
                # cell's own shading, so 200 points leave the prediction readable under them
                # (the glyph is the true class, the shading the model's answer).
                row.append((glyph, MARK_STYLES["0"] if glyph in "01" else f"bold {POINT_OVER_SHADING} on {top}"))
                continue
            bottom = color(lower[c]) if lower is not None else "default"
            # one colour: a blank with that background (no foreground code to send)
            row.append((" ", f"on {top}") if top == bottom else (HALF, f"{top} on {bottom}"))
        rows.append(row)
    return rows


class BoundaryView(CachedText):
    DEFAULT_CSS = "BoundaryView { height: 1fr; width: 1fr; }"

    class Probed(Message):
        """A click on the plane: the point (x1, x2) under the pointer."""

        def __init__(self, view: BoundaryView, x1: float, x2: float) -> None:
            super().__init__()
            self.view, self.x1, self.x2 = view, x1, x2

    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(ascii=ascii, **kwargs)
        self._shown_look: tuple | None = None
        self.points = None
        self.span = (LOW, HIGH)
        self.axes: str | tuple[str, ...] | None = None  # a data file's plotted columns (set_points), longest first
        self.file_target = None  # a file regression's trained value -> the file's units (set_points)
        self.class_names: tuple[str, ...] | None = None  # a text-labelled file's classes (set_points); None: numbered
        # validation points cover the shading they are kept out of: shown on request (V), as
        # Playground's "Show test data"
        self.show_validation = False
        self.grid_task = ("binary", 2, 1.0)  # (kind, classes, a regression's colour half-range): set_task

    @property
    def half_blocks(self) -> bool:
        """Two plane rows per text row: only where colour carries the picture."""
        return self.colour

    palette: tuple[str, ...] = HALF_COLORS
    class_levels: tuple[tuple[str, ...], ...] = tuple((c,) * SURE_LEVELS for c in CLASS_COLORS)

    def on_mount(self) -> None:
        self._follow_theme()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._follow_theme())

    def _follow_theme(self) -> None:
        palette, levels = theme_palette(self.app.current_theme), class_palette(self.app.current_theme)
        if (palette, levels) != (self.palette, self.class_levels):
            self.palette, self.class_levels = palette, levels
            self._shown_look = self._key = None
            self.refresh()

    def set_task(self, kind: str, classes: int | None, scale: float = 1.0) -> None:
        """What the grid holds (core.model.task): p(class 1), K-class codes, or a regression's values."""
        task = (kind, classes or 2, scale or 1.0)
        if task != self.grid_task:
            self.grid_task = task
            self._shown_look = self._key = None
            self.refresh()

    def _value_color(self, v: float) -> str:
        """A cell's colour for the task: probability, class and certainty, or value."""
        kind, k, scale = self.grid_task
        if kind == "classes":
            return class_color(v, k, self.class_levels)
        if kind == "regress":
            v = (v / scale + 1) / 2 if v == v else v  # -scale..+scale onto the palette's two ends
        return half_color(v, self.palette)

    def _marks_of(self, rows: int, cols: int) -> dict:
        if self.grid_task[0] == "regress":
            return {}  # the map is the answer; a point's number has no glyph
        return half_marks(self.drawn_points(), rows, cols, *self.span)

    def drawn_points(self):
        """The points on the picture: the training ones, and the validation ones when asked for."""
        if self.points is None or self.show_validation:
            return self.points
        return tuple(p for p in self.points if not p[3])

    def has_validation(self) -> bool:
        return self.points is not None and any(p[3] for p in self.points)

    def set_show_validation(self, show: bool) -> None:
        if show != self.show_validation:
            self.show_validation = show
            self._shown_look = self._key = None
            self.refresh()

    def set_points(self, points, span: tuple[float, float] = (LOW, HIGH), axes: str | tuple[str, ...] | None = None,
                   file_target=None, class_names: tuple[str, ...] | None = None) -> None:
        """The data points to mark (None: the lesson's four XOR rows), the plane's range, a data
        file's axes by column name (None: x1 across, x2 up), for a file's regression the map from
        a trained (standardized) value to the file's units, for the legend (None: as trained), and a
        text-labelled file's class names (None: the classes by number)."""
        new = (points, span, axes, file_target, class_names)
        if new != (self.points, self.span, self.axes, self.file_target, self.class_names):
            self.points, self.span, self.axes, self.file_target, self.class_names = new
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
            self.refresh()  # the width never depends on the grid (get_content_width): no relayout

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """An auto width (the compact layout, 80x24): as wide as a plane of the height it has.

        Not measured from the picture on screen: that picture's width came from the widget's
        last width, so once shrunk (through a too-small window, or a zoom) it stayed a 6x3
        stamp, and how wide it came out at start depended on when the first grid arrived.
        """
        rows = max(3, min(container.height - (3 if self.legend else 0), MAX_GRID_ROWS))
        return max(6, 2 * rows)

    def _look(self, grid) -> tuple:
        """What the grid draws as: its characters and each cell's colour."""
        if self.half_blocks:
            return tuple(tuple(row) for row in self._cells(grid))
        color = shade_style if self.grid_task[0] == "binary" else self._value_color
        return tuple(self._lines(grid)), tuple(tuple(map(color, row)) for row in grid)

    def _cells(self, grid):
        return half_block_rows(grid, self._marks_of(len(grid), len(grid[0]) if grid else 0), self.palette,
                               color=self._value_color)

    def _lines(self, grid) -> list[str]:
        kind, k, scale = self.grid_task
        if kind != "binary":
            return render_task(grid, k if kind == "classes" else None, scale=scale, points=self.drawn_points(),
                               low=self.span[0], high=self.span[1])
        return render(grid, ascii=self.ascii, points=self.drawn_points(), low=self.span[0], high=self.span[1])

    legend = True  # three lines under the grid; the compact layout shows them beside it instead

    def set_legend(self, shown: bool) -> None:
        if shown != self.legend:
            self.legend = shown
            self._key = None
            self.refresh()
            self.post_message(self.Resized(self))  # the grid may take the legend's rows

    def text_rows(self) -> int:
        return max(3, self.size.height - (3 if self.legend else 0))

    def wanted_size(self) -> tuple[int, int]:
        rows, cols = fit_grid(max(self.size.width, 6), self.text_rows())
        return (2 * rows, cols) if self.half_blocks else (rows, cols)

    def legend_text(self, short: bool = False) -> Text:
        """How to read the picture; `short`: two lines, for beside it."""
        if self.grid_task[0] != "binary":
            return self._task_legend(short)
        zero, one = self.class_name(0), self.class_name(1)
        marks = (f"o x: train ({zero}/{one})" if short else f"o x: train ({'' if self.class_names else 'class '}{zero} / {one})") \
            if self.points is not None else "digits: true labels"
        if self.has_validation():
            marks += ", O X: validation" if self.show_validation else (", V: validation" if short else ", V shows validation")
        t = Text(no_wrap=True, end="")  # cropped, not wrapped, where it is narrow
        t.append(self._axes(short) + ("; " if short else "\n") + marks + "\n", "dim")
        if self.half_blocks:
            # swatches in the picture's own colours (not dimmed), which follow the theme
            t.append("██", self.palette[-1])
            t.append(f" near {one}, ", "dim")
            t.append("██", self.palette[0])
            t.append(f" near {zero}", "dim")
        else:
            ramp = ASCII_RAMP if self.ascii else UNICODE_RAMP
            t.append(f"{ramp[-1]} near {one}, blank near {zero}", "dim")
        return t

    def class_name(self, c: int) -> str:
        """Class c as the file names it ('virginica'), or its number."""
        return self.class_names[c] if self.class_names and c < len(self.class_names) else str(c)

    def axes_cut(self) -> str | None:
        """The axes' fullest wording (with the file's ranges) when the picture's legend had room only for
        a shorter one: the pane then writes it beside the picture; None when the legend shows it."""
        if self.axes is None or isinstance(self.axes, str):
            return None
        return self.axes[0] if self._axes(True) != self.axes[0] else None

    def _axes(self, short: bool) -> str:
        if self.axes is not None:  # a data file's columns by name: the first of its wordings that fits one row
            choices = (self.axes,) if isinstance(self.axes, str) else self.axes
            return next((c for c in choices if len(c) <= self.size.width), choices[-1])
        return "x1 →, x2 ↑" if short and not self.ascii else "x1 across, x2 up"

    def _task_legend(self, short: bool) -> Text:
        """K classes: each class's swatch (or texture) and point glyphs; regression: the value scale."""
        kind, k, scale = self.grid_task
        t = Text(no_wrap=True, end="")
        t.append(self._axes(short) + "\n", "dim")
        if kind == "classes":
            for c in range(k):
                swatch = "██" if self.half_blocks else CLASS_FILLS[c] * 2
                t.append(swatch, self.class_levels[c % len(self.class_levels)][-1] if self.half_blocks else "")
                t.append(f" {self.class_name(c)} {CLASS_TRAIN_GLYPHS[c]}{CLASS_VAL_GLYPHS[c]}  ", "dim")
            t.append("\npale or blank: unsure" if not short else
                     "\npale: unsure", "dim")
            if self.has_validation() and not self.show_validation:
                t.append("; V: validation", "dim")  # fits beside a compact picture and in compare's halves
            return t
        if self.file_target is not None:  # the file's units: a standardized target's -s, 0, +s read back
            low, mid, high = (sig(self.file_target(v), 3) for v in (-scale, 0.0, scale))
        else:
            low, mid, high = f"-{sig(scale, 2)}", "0", f"+{sig(scale, 2)}"
        if self.half_blocks:
            for i, label in ((0, low), (len(self.palette) // 2, mid), (len(self.palette) - 1, high)):
                t.append("██", self.palette[i])
                t.append(f" {label}  ", "dim")
        else:
            t.append(f"{DIVERGING_RAMP[0]!r} {low}  blank {mid}  {DIVERGING_RAMP[-1]!r} {high}", "dim")
        last = "the prediction; points not drawn"  # one row: a wrapped legend pushes its own last row out
        t.append("\n" + (last if not short and len(last) <= self.size.width else "prediction"), "dim")
        return t

    def on_click(self, event: events.Click) -> None:
        """Probe the point under the pointer (the grid's own cell centre)."""
        rows, cols = self.wanted_size()
        text_rows = rows // 2 if self.half_blocks else rows
        if not (0 <= event.y < text_rows and 0 <= event.x < cols):
            return
        low, high = self.span
        x1 = low + (event.x + 0.5) * (high - low) / cols
        x2 = high - (event.y + 0.5) * (high - low) / text_rows
        self.post_message(self.Probed(self, x1, x2))

    # ----- drawing --------------------------------------------------------------------------
    # Through Textual's line API: each row of cells becomes a Strip of a few runs with styles
    # parsed once (Style.parse keeps its own cache). The same rows as a Rich Text took ~17x
    # longer to reach the screen (measured: 6.8 ms a frame against 0.4 ms, 24x24 plane), on the
    # UI thread that training shares.

    def render_line(self, y: int) -> Strip:
        key = (self.size, self._data, self.palette, self.points, self.span, self.legend, self.half_blocks,
               self.grid_task, self.class_levels, self.show_validation)
        if key != self._key:
            self._key, self._strips = key, self._make_strips()
        return self._strips[y] if y < len(self._strips) else Strip.blank(self.size.width, self.visual_style.rich_style)

    def _build(self) -> Text:
        """The same lines as plain text (`render`, e.g. for a height measured by Textual); the
        screen is drawn by render_line."""
        if not self._data:
            return Text("waiting for the model...")
        lines = ["".join(ch for ch, _ in row) for row in self._rows()]
        if self.legend:
            lines += self.legend_text().plain.splitlines()
        return Text("\n".join(lines), no_wrap=True, end="")

    def _make_strips(self) -> list[Strip]:
        if not self._data:
            return self._text_strips(Text("waiting for the model...", style="dim"))
        base = self.visual_style.rich_style
        strips = [self._strip(row, base) for row in self._rows()]
        if self.legend:
            strips += self._text_strips(self.legend_text())
        return strips

    def _rows(self) -> list:
        """The plane as text rows of (character, style) cells."""
        # Until the model's grid for a new size arrives (milliseconds later), stretch the one
        # we have to the new size: never a cropped, wrapped or stale-sized picture.
        grid = resample(self._data, *self.wanted_size())
        # show() worked out the cells of this very grid to decide whether to repaint: reuse them
        look = self._shown_look if grid is self._data and self._shown_look is not None else self._look(grid)
        if self.half_blocks:
            return look
        lines, colors = look
        marks = {} if self.grid_task[0] == "regress" else MARK_STYLES  # a regression map's ramp is no point
        return [[(ch, marks.get(ch, color)) for ch, color in zip(line, row)] for line, row in zip(lines, colors)]

    def _strip(self, row, base) -> Strip:
        """(character, style) cells as runs: one segment per change of style, not per cell."""
        segments, run, style = [], [], None
        for ch, st in row:
            if st != style and run:
                segments.append(Segment("".join(run), Style.parse(style)))
                run = []
            style = st
            run.append(ch)
        if run:
            segments.append(Segment("".join(run), Style.parse(style)))
        return Strip(segments).apply_style(base)

    def _text_strips(self, text: Text) -> list[Strip]:
        """A few lines of text (the legend), through Textual's own pipeline like any Static."""
        return Visual.to_strips(self, visualize(self, text), self.size.width, None, self.visual_style)


def toggle_validation(views) -> str:
    """V: the validation points on these boundaries (A's, and B's in compare mode), or not; what to say."""
    views = [v for v in views if v.has_validation()]
    if not views:
        return "no validation points: this run keeps none apart (--val-split)"
    show = not views[0].show_validation
    for view in views:
        view.set_show_validation(show)
    return "validation points shown (O X)" if show else "validation points hidden: the shading shows the prediction"
