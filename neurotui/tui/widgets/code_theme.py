"""The code view's colours, kept here rather than taken from Pygments' style of the day.

Pygments releases recolour their bundled styles (2.21 painted `super` and `self` green in
Monokai), which repainted the code view and failed its snapshots on a fresh install while the
screen looked the same. The lexer's tokens are stable; their colours are ours: the Monokai
scheme as Pygments 2.20 drew it (and its black-and-white style for `--ascii`), each token type
looked up through its parents.
"""

from __future__ import annotations

from rich.style import Style
from rich.syntax import SyntaxTheme

_BACKGROUND = "#272822"
_MONOKAI = {  # token type (as its dotted name) -> foreground; "Token" is the default
    "Token": "#f8f8f2",
    "Token.Error": "#ed007e on #1e0010",
    "Token.Keyword": "#66d9ef",
    "Token.Keyword.Namespace": "#ff4689",
    "Token.Literal": "#ae81ff",
    "Token.Literal.Date": "#e6db74",
    "Token.Literal.String": "#e6db74",
    "Token.Literal.String.Escape": "#ae81ff",
    "Token.Operator": "#ff4689",
    "Token.Comment": "#959077",
    "Token.Name.Attribute": "#a6e22e",
    "Token.Name.Class": "#a6e22e",
    "Token.Name.Constant": "#66d9ef",
    "Token.Name.Decorator": "#a6e22e",
    "Token.Name.Exception": "#a6e22e",
    "Token.Name.Function": "#a6e22e",
    "Token.Name.Other": "#a6e22e",
    "Token.Name.Tag": "#ff4689",
}
_BW = {  # `--ascii`: black on white, emphasis by weight and slant ("bold", "italic")
    "Token": "",
    "Token.Keyword": "bold",
    "Token.Keyword.Pseudo": "",
    "Token.Keyword.Type": "",
    "Token.Comment": "italic",
    "Token.Comment.Preproc": "",
    "Token.Name.Class": "bold",
    "Token.Name.Entity": "bold",
    "Token.Name.Exception": "bold",
    "Token.Name.Namespace": "bold",
    "Token.Name.Tag": "bold",
    "Token.Literal.String": "italic",
    "Token.Literal.String.Escape": "bold italic",
    "Token.Literal.String.Interpol": "bold italic",
    "Token.Operator.Word": "bold",
}


class CodeTheme(SyntaxTheme):
    def __init__(self, ascii: bool = False) -> None:
        if ascii:
            self._background = Style(bgcolor="#ffffff")
            self._styles = {name: Style(color="#000000", bgcolor="#ffffff", bold="bold" in spec,
                                        italic="italic" in spec, underline=False) for name, spec in _BW.items()}
        else:  # each style states bold, italic and underline off, as Rich's Pygments theme does
            self._background = Style(bgcolor=_BACKGROUND)
            self._styles = {name: Style(color=fg, bgcolor=bg or _BACKGROUND, bold=False, italic=False, underline=False)
                            for name, (fg, _, bg) in ((n, spec.partition(" on ")) for n, spec in _MONOKAI.items())}
        self._cache: dict = {}

    def get_style_for_token(self, token_type) -> Style:
        if token_type not in self._cache:
            token = token_type
            while token is not None and _name(token) not in self._styles:
                token = token.parent
            self._cache[token_type] = self._styles[_name(token) if token is not None else "Token"]
        return self._cache[token_type]

    def get_background_style(self) -> Style:
        return self._background


def _name(token) -> str:
    return ".".join(("Token", *token))
