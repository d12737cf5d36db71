"""ASCII output: the one map from every glyph the screen can show to an ASCII look-alike.

The app draws its own ASCII in --ascii mode, but Textual, Rich and plotext have glyphs
of their own (the Footer's key separator, the command palette's icon and tall borders,
rounded borders, scrollbar thumbs, the '...' of cut text, plot frames and braille dots).
Each is mapped to a look-alike of the same width; anything else becomes '?' per cell,
so lines keep their width.
"""

from __future__ import annotations

_LOOKALIKE = {
    "…": ".", "·": ".", "•": "*", "●": "*", "○": "o", "◀": "<", "▶": ">", "▲": "^", "▼": "v",
    "←": "<", "→": ">", "↑": "^", "↓": "v", "×": "x", "−": "-", "–": "-", "—": "-",
    "✓": "v", "✗": "x", "✔": "v", "✘": "x", "“": '"', "”": '"', "‘": "'", "’": "'",
    "▔": "-", "▁": "_", "▏": "|", "▕": "|", "▎": "|", "▍": "|", "▌": "|", "▐": "|",
    "▀": "^", "▄": "_", "▂": "_", "▃": "_", "▅": "#", "▆": "#", "▇": "#", "█": "#",
    "▉": "#", "▊": "#", "▋": "#", "░": ".", "▒": ":", "▓": "#", "▖": ".", "▗": ".", "▘": "'",
    "▝": "'", "▚": "#", "▞": "#", "▙": "#", "▛": "#", "▜": "#", "▟": "#",
    "🔎": "> ",  # the command palette's search icon is two cells wide
}


def _box_char(ch: str) -> str | None:
    """Box drawing (U+2500-U+257F) by shape: corners and joints '+', lines '-' or '|'."""
    code = ord(ch)
    if not 0x2500 <= code <= 0x257F:
        return None
    import unicodedata

    name = unicodedata.name(ch, "")
    if "HORIZONTAL" in name and "VERTICAL" not in name and "AND" not in name:
        return "-"
    if "VERTICAL" in name and "HORIZONTAL" not in name and "AND" not in name:
        return "|"
    if "DIAGONAL" in name:
        return "/" if "RIGHT TO LOWER LEFT" in name else "\\"
    return "+"


class _AsciiTable(dict):
    """str.translate table: ASCII stays, everything else gets a look-alike of the same width."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if code < 0x80:
            out = ch
        else:
            out = _LOOKALIKE.get(ch) or _box_char(ch)
            if out is None:
                if 0x2800 <= code <= 0x28FF:  # braille dots (plots)
                    out = "*" if code != 0x2800 else " "
                else:
                    from rich.cells import cell_len

                    out = "?" * max(cell_len(ch), 1) if cell_len(ch) else ""
        self[code] = out
        return out


ASCII_TABLE = _AsciiTable()


def to_terminal_ascii(text: str) -> str:
    return text if text.isascii() else text.translate(ASCII_TABLE)


def ascii_driver(base: type) -> type:
    """A subclass of Textual's driver whose every write is ASCII."""

    class AsciiDriver(base):
        def write(self, data: str) -> None:
            super().write(to_terminal_ascii(data))

    AsciiDriver.__name__ = f"Ascii{base.__name__}"
    return AsciiDriver


