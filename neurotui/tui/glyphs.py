"""Every non-ASCII character the app draws itself, with its ASCII stand-in for --ascii."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Glyphs:
    ascii: bool
    minus: str
    ok: str
    bad: str
    arrow: str
    dot: str
    training: str

    def num(self, text: str) -> str:
        """Typographic minus for display only (never inside editable fields)."""
        return text if self.ascii else text.replace("-", self.minus)


UNICODE = Glyphs(False, "−", "✓", "✗", "→", "●", "◀ XOR")
ASCII = Glyphs(True, "-", "ok", "X", "->", "*", "<- XOR")
