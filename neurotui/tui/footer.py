"""The Footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (about fifteen key widgets, each styled anew) on every change of
the binding chain, which every focus change is: that was most of a `tab` or a pane key's
cost on the UI thread (~0.2 s of 0.3 s at 120x40), for a Footer that looked the same.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen) -> tuple:
    """What the Footer draws from `screen`'s bindings: each shown key, its label and state."""
    return tuple(
        (binding.key, binding.key_display, binding.description, binding.action, enabled, tooltip)
        for _node, binding, enabled, tooltip in screen.active_bindings.values()
        if binding.show or binding.action == "command_palette"
    )


class KeysFooter(Footer):
    _drawn: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if screen.app.app_focus and screen is self.screen:
            keys = shown_keys(screen)
            if keys == self._drawn and self._bindings_ready:
                return
            self._drawn = keys
        super().bindings_changed(screen)
