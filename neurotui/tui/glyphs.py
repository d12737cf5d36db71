"""Every non-ASCII character the app draws itself, with its ASCII stand-in for --ascii."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Glyphs:
    ascii: bool
    times: str
    minus: str
    ok: str
    bad: str
    arrow: str
    dot: str
    marker: str  # plotext marker
    training: str

    def num(self, text: str) -> str:
        """Typographic minus for display only (never inside editable fields)."""
        return text if self.ascii else text.replace("-", self.minus)


UNICODE = Glyphs(False, "×", "−", "✓", "✗", "→", "●", "hd", "◀ XOR")
ASCII = Glyphs(True, "*", "-", "ok", "X", "->", "*", "*", "<- XOR")

# plotext draws its frame with box-drawing characters; --ascii maps them to plain ones.
BOX_TO_ASCII = str.maketrans({
    "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+", "┼": "+",
    "─": "-", "│": "|", "•": "*", "·": ".",
})


def to_ascii(text: str) -> str:
    text = text.translate(BOX_TO_ASCII)
    return "".join(ch if ord(ch) < 128 else "?" for ch in text)
