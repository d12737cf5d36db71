"""The panes' container and the bar above it: which pane is shown, zoomed or side by side,
for the terminal's size; and the one line that names the device and the keys to find."""

from __future__ import annotations

from rich.text import Text
from textual.color import Color
from textual.containers import Container
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from neurotui.tui.glyphs import Glyphs
from neurotui.tui.keyorder import focus_now
from neurotui.tui.textual_shims import focused_without_repaint

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


class MainScreen(Screen):
    """The app's screen (NeuroApp.get_default_screen). A focus change repaints what it changes: the
    panes' borders (set inline by Workspace.mark_focused) and a field's own `:focus` style. Textual's
    Screen repaints the whole screen for it (measured: ~30 ms of UI thread a pane key at 120x40)."""

    focused = focused_without_repaint()


class TopBar(Static):
    def __init__(self, glyphs: Glyphs, **kwargs) -> None:
        super().__init__(**kwargs)
        self.glyphs = glyphs
        self.device = "loading torch..."
        self.single = False
        self._shown: Text | None = None

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
        if t != self._shown:  # every pane key and resize asks: repaint only a change
            self._shown = t
            self.update(t, layout=False)  # one row tall (neurotui.tcss): never a relayout of the screen


def _inline(widget: Widget, **rules) -> None:
    """Set inline style rules on `widget`; None clears one, so the stylesheet's value shows again."""
    styles = widget.styles
    for name, value in rules.items():
        if value is not None:
            setattr(styles, name, value)  # a no-op when unchanged
        elif styles.inline.clear_rule(name):
            widget.refresh(layout=True)


class Workspace(Container):
    """The four panes. Three side by side when they fit, else the current one alone; `z`
    zooms any; Reliability (4) is always shown alone and unzooms when left."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.current = XOR
        self.zoomed = False
        self.single = False  # one pane at a time: zoomed, or a terminal too small for three
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
        self.single = self.zoomed or narrow
        compact = self.single and h < COMPACT_HEIGHT
        self._one_at_a_time(compact)
        self.set_class(compact, "-compact")
        return narrow and not self.zoomed

    def _one_at_a_time(self, compact: bool) -> None:
        """One pane at a time (zoomed or a small terminal), or the grid: set inline, rule by rule.

        A class on the panes' container (`-single`, as it was) restyled all ~130 widgets of the four
        panes: a third of `z`'s time (cProfile, Pilot). An inline rule changes only its widget.
        Inline rules win over the stylesheet, so the XOR rows take `-compact`'s shares (neurotui.tcss) here.
        """
        single = self.single
        _inline(self, layout="vertical" if single else None)
        for i in range(len(PANE_IDS)):
            here = single and i == self.current
            _inline(self.pane(i), display=("block" if here else "none") if single else None,
                    height="1fr" if here else None)
        xor = self.pane(XOR)
        _inline(xor.query_one("#xor-diagnosis"), height=3 if single else None, margin=(0, 0, 0, 0) if single else None)
        # compact: the stylesheet's `#xor.-compact` shares, which the lesson's -asking and -tall-loss refine
        roomy = single and not compact
        # the lesson's memorization step (-tall-loss): the two loss curves are its evidence, so they get
        # the rows the picture would; an inline 1fr here would squash them to one line
        tall = xor.has_class("-tall-loss")
        _inline(xor.query_one("#xor-middle"), height="2fr" if roomy else None)
        _inline(xor.query_one("#xor-loss"), height=("3fr" if tall else "1fr") if roomy else None,
                min_height=(12 if tall else 5) if roomy else None)

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

    def mark_focused(self, focused, plain: bool, ascii: bool = False) -> None:
        """The focused pane's border is heavy and in the accent colour, its title bold; without
        colour (NO_COLOR, --ascii) its bottom border also says so in words.

        Set inline, edge by edge, not by a `:focus-within` rule: a pseudo-class or class change
        restyles the pane's whole subtree (~60 widgets in the XOR pane: ~25 ms a key here), and a
        `border` rule lays the whole screen out again; an edge that stays an edge only repaints.
        """
        here = self.index_of(focused)
        colours = self.app.get_css_variables()
        for i in range(len(PANE_IDS)):
            pane, on = self.pane(i), i == here
            kind = "ascii" if ascii else ("heavy" if on else "round")  # heavy: reads in NO_COLOR too
            edge = (kind, Color.parse(colours["accent" if on else "primary-darken-2"]))
            styles = pane.styles
            if styles.border_top != edge:
                styles.border_top = styles.border_right = styles.border_bottom = styles.border_left = edge
                styles.border_title_style = "bold" if on else "none"
            pane.border_subtitle = "(focused)" if plain and on else ""
