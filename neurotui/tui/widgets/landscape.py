"""The loss landscape view: the loss over a plane of weights through the current ones, as a heat
map (log colour: dark blue low, orange high; under NO_COLOR or --ascii a shade ramp), with the
path training took drawn over it: S its start, o the kept weights, E the weights the map was drawn
at, * where training is now (the map refreshes once a second, the point with every snapshot), R the
frame being replayed. A legend gives the values; one line says what a 2D slice cannot show."""

from __future__ import annotations

from rich.text import Text

from neurotui.core.model.boundary import ASCII_RAMP, UNICODE_RAMP, shade
from neurotui.core.model.landscape import SHORT_CAVEAT, Landscape, level, log_levels
from neurotui.core.numbers import percent, sig
from neurotui.tui.widgets.boundary import half_block_rows, resample
from neurotui.tui.widgets.cached import CachedText
from neurotui.tui.widgets.palette import HALF_COLORS, half_color

LEGEND_ROWS = 4


def path_marks(land: Landscape, rows: int, cols: int, replay_step: int | None) -> dict:
    """{(plane row, col): glyph} at a rows x cols picture of the grid."""
    n, m = len(land.grid), len(land.grid[0])
    marks = {}

    def at(a: float, b: float) -> tuple[int, int]:
        r, c = land.cell_of(a, b)
        return r * rows // n, c * cols // m

    for a, b in land.path[1:-1]:
        marks[at(a, b)] = "o"
    marks[at(*land.path[0])] = "S"
    marks[at(*land.path[-1])] = "E"
    if land.now is not None:  # training went on since the map was drawn: where it is now
        marks[at(*land.now)] = "*"
    if replay_step is not None:  # the kept weights at or before the replayed frame
        i = max((k for k, s in enumerate(land.path_steps) if s <= replay_step), default=0)
        marks[at(*land.path[i])] = "R"
    return marks


PLANES = ("pca", "random", "weights")  # `p` cycles them: the path's PCA, random directions, two real weights


class LandscapeView(CachedText):
    DEFAULT_CSS = "LandscapeView { height: 1fr; width: 1fr; }"

    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(ascii=ascii, **kwargs)
        self.plane = PLANES[0]
        self.draws = 0  # the random plane's draw: each visit to it is a new one

    def wanted(self) -> tuple[str, int]:
        """(plane, draw): what the worker's landscape provider (core.pictures) computes for this view."""
        return self.plane, self.draws

    def next_plane(self) -> None:
        self.plane = PLANES[(PLANES.index(self.plane) + 1) % len(PLANES)]
        self.draws += self.plane == "random"

    def show(self, land: Landscape | None, replay_step: int | None = None) -> None:
        self.set_data((land, replay_step))

    def _build(self) -> Text:
        land, replay_step = self._data or (None, None)
        if land is None:
            return Text("computing the loss landscape... (none for a run PyTorch refused or that blew up)",
                        style="dim")
        rows = max(3, self.size.height - LEGEND_ROWS)
        cols = max(10, self.size.width - 2)
        lo, hi = log_levels(land.grid)
        if self.colour:
            levels = resample([[level(v, lo, hi) for v in row] for row in land.grid], 2 * rows, cols)
            marks = {(r // 2, c): g for (r, c), g in path_marks(land, 2 * rows, cols, replay_step).items()}
            picture = half_block_rows(levels, marks, HALF_COLORS)
        else:
            ramp = ASCII_RAMP if self.ascii else UNICODE_RAMP
            levels = resample([[level(v, lo, hi) for v in row] for row in land.grid], rows, cols)
            marks = path_marks(land, rows, cols, replay_step)
            picture = [[(marks.get((r, c)) or shade(p, ramp), "bold" if (r, c) in marks else "")
                        for c, p in enumerate(row)] for r, row in enumerate(levels)]
        lines = []
        for row in picture:
            line = Text()
            for ch, st in row:
                line.append(ch, st)
            lines.append(line)
        lines += self.legend(land, lo, hi, replay_step is not None)
        for line in lines:  # never wrapped: a wrapped legend would push the map off its rows
            line.truncate(self.size.width, overflow="ellipsis")
        return Text("\n", no_wrap=True, end="").join(lines)

    def legend(self, land: Landscape, lo: float, hi: float, replaying: bool) -> list[Text]:
        scale = Text(f"loss {sig(lo, 2)} ", "dim")
        if self.colour:
            for k in range(len(HALF_COLORS)):
                scale.append("  ", f"on {half_color((k + 0.5) / len(HALF_COLORS))}")
        else:
            scale.append(ASCII_RAMP if self.ascii else UNICODE_RAMP)
        # the start's own loss (where a plane misses the start, the shade at S is another point's)
        scale.append(f" {sig(hi, 3)} (log); now {sig(land.centre_loss, 2)}, start {sig(land.start_loss, 2)}", "dim")
        if land.plane == "pca":
            what = f"PCA of the path ({percent(land.explained[0])} + {percent(land.explained[1])})"
        elif land.plane == "weights":
            what = f"x {land.axes[0]}, y {land.axes[1]}"
        else:
            what = "random, filter-normalized"
        off = "" if land.start_on_plane else f"; S {land.off_words()} off it"  # short: 64 cells at 120x40
        plane = Text(f"plane: {what}{off}; p: next", "dim")
        marks = Text(f"S start  o path  E step {land.path_steps[-1]}" + ("  R the replayed frame" if replaying else "")
                     + (f"  * now, step {land.now_step}" if land.now is not None else ""), "bold")
        return [scale, plane, marks, Text(f"note: {SHORT_CAVEAT}", "italic dim")]
