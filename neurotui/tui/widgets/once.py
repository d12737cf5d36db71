"""A rich renderable rendered once per width, then replayed."""

from __future__ import annotations


class RenderedOnce:
    """`renderable`'s lines, rendered once per width and kept.

    Textual renders a Static's content to measure its height, again to lay it out and again to
    paint it. For a rich Syntax (pygments over the whole script) or a Table (every column measured)
    that work is most of a key's time: `y` rendered the script ten times per open, about two
    thirds of its time, and `?` its table of keys five times (cProfile, Pilot runs).
    """

    def __init__(self, renderable) -> None:
        self.renderable = renderable
        self._lines: dict[int, list] = {}

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        return Measurement.get(console, options, self.renderable)

    def __rich_console__(self, console, options):
        from rich.segment import Segment

        lines = self._lines.get(options.max_width)
        if lines is None:
            if len(self._lines) > 4:  # resized: the old widths will not come back
                self._lines.clear()
            lines = self._lines[options.max_width] = console.render_lines(
                self.renderable, options.update(height=None), pad=False)
        newline = Segment.line()
        for line in lines:
            yield from line
            yield newline
