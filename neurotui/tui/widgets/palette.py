"""The colours a prediction is drawn in: two classes from blue through grey to orange, K classes
at three strengths of certainty, and the same levels taken from a Textual theme.

Kept apart from the boundary widget because the landscape and network views draw with them too.
"""

from __future__ import annotations

from neurotui.core.model.boundary import CLASS_TRAIN_GLYPHS, CLASS_VAL_GLYPHS, decode
from neurotui.core.training.snapshot import is_tie

# Blue for class 0, orange for class 1, on a tinted background; the glyph carries the
# same information without colour (NO_COLOR, 16-colour terminals).
SHADE_STYLES = (
    "#5b7fd0 on #0f1b3a", "#7f95d0 on #16234a", "#b0b0b0 on #262626",
    "#e0a060 on #3a2410", "#f08030 on #3a2410",
)

# Half blocks: a few solid colours from blue (p = 0) through grey (0.5) to orange (1). Few
# levels, so neighbouring cells share a style and a row is sent as a handful of runs.
HALF_COLORS = ("#1d3f8f", "#2f58b0", "#4f6fa8", "#5a6070", "#6a5a50", "#a8683a", "#d07020", "#f08a30")
HALF = "▀"

# Data points read by glyph (class, train or validation) as well as by colour.
MARK_STYLES = {
    "0": "bold black on white", "1": "bold black on white",
    "o": "bold #1f3f9f on white", "x": "bold #a04000 on white",
    "O": "bold white on #1f3f9f", "X": "bold white on #a04000",
    **{g: "bold black on white" for g in CLASS_TRAIN_GLYPHS[2:]},
    **{g: "bold white on #303030" for g in CLASS_VAL_GLYPHS[2:]},
}
POINT_OVER_SHADING = "#ffffff"  # a data point's glyph on the shading: white reads on every level, dark or light

# Class k's colour where a theme gives none; the first two are the two-class ends.
CLASS_COLORS = ("#2f58b0", "#f08a30", "#40a040", "#c03040", "#a060c0", "#30a0a0")
SURE_LEVELS = 3  # a class's colour at three strengths: unsure, fairly sure, sure


def shade_style(p: float) -> str:
    if p != p:  # nan
        return "red"
    p = 0.5 if is_tie(p) else p
    i = int(min(max(p, 0.0), 1.0) * len(SHADE_STYLES))
    return SHADE_STYLES[min(i, len(SHADE_STYLES) - 1)]


def half_color(p: float, palette: tuple[str, ...] = HALF_COLORS) -> str:
    if p != p:  # nan
        return "red"
    p = 0.5 if is_tie(p) else p
    i = int(min(max(p, 0.0), 1.0) * len(palette))
    return palette[min(i, len(palette) - 1)]


def theme_palette(theme) -> tuple[str, ...]:
    """The half-block levels from a Textual theme: its primary colour for class 0, its warning
    colour for class 1, through a grey between them (so a light theme reads as a dark one does)."""
    from textual.color import Color

    try:
        zero, one = Color.parse(theme.primary), Color.parse(theme.warning or theme.accent)
    except Exception:  # a theme without usable colours keeps the built-in levels
        return HALF_COLORS
    middle = zero.blend(one, 0.5).blend(Color(128, 128, 128), 0.6)
    n = len(HALF_COLORS)
    return tuple((zero.blend(middle, 2 * i / (n - 1)) if i < n / 2 else middle.blend(one, 2 * i / (n - 1) - 1)).hex
                 for i in range(n))


def class_palette(theme) -> tuple[tuple[str, ...], ...]:
    """Per class, its colour at SURE_LEVELS strengths (palest first), from the theme: primary,
    warning, success, error, accent, secondary; blended into a dark grey where unsure."""
    from textual.color import Color

    names = ("primary", "warning", "success", "error", "accent", "secondary")
    grey = Color(40, 40, 40)
    out = []
    for name, fallback in zip(names, CLASS_COLORS):
        try:
            base = Color.parse(getattr(theme, name, None) or fallback)
        except Exception:
            base = Color.parse(fallback)
        out.append(tuple(grey.blend(base, (i + 1) / SURE_LEVELS).hex for i in range(SURE_LEVELS)))
    return tuple(out)


def class_color(code: float, k: int, classes: tuple[tuple[str, ...], ...]) -> str:
    """A K-class cell's colour: its class's, at the strength of the model's certainty."""
    cls, conf = decode(code)
    if conf != conf:
        return "red"
    sure = max(0.0, (conf - 1 / k) / (1 - 1 / k))
    levels = classes[cls % len(classes)]
    return levels[min(int(sure * SURE_LEVELS), SURE_LEVELS - 1)]
