"""The code view's colours are neurotui's own (tui.widgets.code_theme): a Pygments release that
recolours its bundled styles (2.21 painted `super` and `self` green in Monokai) must not repaint
the code view or fail its snapshots."""

from pygments.token import Token
from rich.console import Console
from rich.syntax import Syntax

from neurotui.tui.widgets.code_theme import CodeTheme


def _colour(theme, token) -> str:
    return theme.get_style_for_token(token).color.name


def test_tokens_take_their_colour_from_the_nearest_named_parent():
    theme = CodeTheme()
    assert _colour(theme, Token.Name.Builtin) == "#f8f8f2"  # super: plain, as the snapshots were accepted
    assert _colour(theme, Token.Name.Builtin.Pseudo) == "#f8f8f2"  # self
    assert _colour(theme, Token.Keyword.Constant) == "#66d9ef"
    assert _colour(theme, Token.Literal.Number.Float) == "#ae81ff"
    assert _colour(theme, Token.Comment.Single) == "#959077"
    assert theme.get_background_style().bgcolor.name == "#272822"
    ascii_theme = CodeTheme(ascii=True)
    assert ascii_theme.get_style_for_token(Token.Keyword).bold
    assert ascii_theme.get_style_for_token(Token.Comment.Single).italic
    assert _colour(ascii_theme, Token.Name) == "#000000"


def test_highlighting_never_asks_pygments_for_a_style(monkeypatch):
    import pygments.styles

    def refuse(name):
        raise AssertionError(f"asked Pygments for its {name!r} style")

    monkeypatch.setattr(pygments.styles, "get_style_by_name", refuse)
    console = Console(width=60, color_system="truecolor", record=True)
    console.print(Syntax("super().__init__()  # x\n", "python", theme=CodeTheme()))
    assert "super().__init__()" in console.export_text()
