"""The panes' container and the bar above it: which pane is shown, zoomed or side by side,
for the terminal's size; and the one line that names the device and the keys to find."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Container
from textual.geometry import Size
from textual.widgets import Static

from neurotui.tui.glyphs import Glyphs
from neurotui.tui.keyorder import focus_now

# Below this the three panes do not fit: show one at a time. At 100-119 columns the XOR
# pane's boundary would shrink to a few rows beside its rows text: one pane reads better.
FULL_MIN_WIDTH, FULL_MIN_HEIGHT = 120, 32
# One pane this short (80x24 is most terminals and SSH sessions): the XOR pane's text goes beside its
# picture, so the boundary keeps 10 text rows (20 plane rows) and the loss plot its axes.
COMPACT_HEIGHT = 30
# Below this nothing is readable: say so and wait for the window to grow.
TINY_WIDTH, TINY_HEIGHT = 40, 12

PANE_IDS = ("neuron", "activations", "xor", "reliability")
XOR, RELIABILITY = 2, 3


class TopBar(Static):
    def __init__(self, glyphs: Glyphs, **kwargs) -> None:
        super().__init__(**kwargs)
        self.glyphs = glyphs
        self.device = "loading torch..."
        self.single = False

    def show(self, device: str | None = None, single: bool | None = None) -> None:
        self.device = self.device if device is None else device
        self.single = self.single if single is None else single
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("neurotui", "bold")
        if not self.single:
            t.append(f"  one neuron {self.glyphs.arrow} a multilayer perceptron", "dim")
        t.append("   device: ")
        t.append(self.device, "bold")
        t.append("   ? help", "dim")
        if self.single:
            t.append("   1 2 3: switch pane", "dim")
        self.update(t)


class Workspace(Container):
    """The four panes. Three side by side when they fit, else the current one alone; `z`
    zooms any; Reliability (4) is always shown alone and unzooms when left."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.current = XOR
        self.zoomed = False
        self._auto_zoom = False

    def pane(self, index: int):
        return self.query_one(f"#{PANE_IDS[index]}")

    def index_of(self, widget) -> int | None:
        """The pane holding `widget` (focus can sit on a field inside a pane)."""
        for i, pid in enumerate(PANE_IDS):
            pane = self.query_one(f"#{pid}")
            if widget is not None and (widget is pane or pane in widget.ancestors):
                return i
        return None

    def apply(self, size: Size) -> bool:
        """Lay out for `size`; True when one pane is shown at a time (not by zoom)."""
        w, h = size
        tiny = w < TINY_WIDTH or h < TINY_HEIGHT
        self.screen.set_class(tiny, "-too-small")
        if tiny:
            self.app.query_one("#too-small", Static).update(
                f"terminal too small ({w}x{h}); neurotui needs at least {TINY_WIDTH}x{TINY_HEIGHT}")
        narrow = w < FULL_MIN_WIDTH or h < FULL_MIN_HEIGHT
        self.set_class(self.zoomed or narrow, "-single")
        self.set_class((self.zoomed or narrow) and h < COMPACT_HEIGHT, "-compact")
        for i in range(len(PANE_IDS)):
            self.pane(i).set_class(i == self.current, "-current")
        return narrow and not self.zoomed

    def show_pane(self, index: int) -> None:
        if index == RELIABILITY:  # its table needs the whole screen
            self._auto_zoom = self._auto_zoom or not self.zoomed
            self.zoomed = True
        elif self._auto_zoom:
            self.zoomed = self._auto_zoom = False
        self.current = index
        focus_now(self.pane(index))

    def toggle_zoom(self, focused) -> None:
        index = self.index_of(focused)
        if index is not None:
            self.current = index
        self.zoomed = not self.zoomed

    def mark_focused(self, focused, plain: bool) -> None:
        """Colour alone marks the focused pane's border; without colour (NO_COLOR, --ascii)
        its bottom border also says so in words."""
        here = self.index_of(focused)
        for i in range(len(PANE_IDS)):
            self.pane(i).border_subtitle = "(focused)" if plain and i == here else ""
