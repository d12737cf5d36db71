"""Widgets whose picture is a Rich Text built from some data and the widget's size.

Building is the expensive part (it runs on the UI thread, which training shares
through the GIL), so the Text is rebuilt only when the data or the size changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget


class CachedText(Widget):
    @dataclass
    class Resized(Message):
        """The widget got a new size: whoever computes its data may want to redo it."""

        widget: CachedText

    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii
        self._data = None
        self._key: tuple | None = None
        self._text = Text()

    @property
    def colour(self) -> bool:
        """Whether colour may carry the picture: not under --ascii, nor NO_COLOR."""
        if self.ascii:
            return False
        try:
            return not self.app.no_color
        except Exception:  # not in an app (a widget alone in a test)
            return True

    def set_data(self, data) -> None:
        """Show new data; a repaint is asked for only when it differs."""
        if data is not None and data != self._data:
            self._data = data
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.Resized(self))

    def render(self) -> Text:
        key = (self.size, self._data)
        if key != self._key:
            self._key, self._text = key, self._build()
        return self._text

    def _build(self) -> Text:
        raise NotImplementedError
