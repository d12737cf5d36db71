"""The Footer: rebuilt only when the keys it shows change, and in the key table's order.

Textual's Footer recomposes (about fifteen key widgets, each styled anew) on every change of
the binding chain, which every focus change is: that was most of a `tab` or a pane key's
cost on the UI thread (~0.2 s of 0.3 s at 120x40), for a Footer that looked the same.

It also lists the bindings in the order their keys were bound. Remapping a key (config.toml's
[keys], through `App.set_keymap`) binds it anew, at the end, which at 120 columns is past the
right edge: the remapped keys vanished. Here the app's keys keep their places from tui/keys.py,
whatever key each now has; every other entry (a screen's own keys, the palette's ^p) stays
where Textual put it.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

from neurotui.tui.keys import footer_order


def shown_keys(screen: Screen) -> tuple:
    """What the Footer draws from `screen`'s bindings: each shown key as the app writes it (the lesson's
    1-3 or 1-4 follows its question), its label and state."""
    return tuple(
        (binding.key, screen.app.get_key_display(binding), binding.description, binding.action, enabled, tooltip)
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

    def compose(self):
        order = footer_order()
        entries = list(super().compose())
        slots = [i for i, w in enumerate(entries) if getattr(w, "action", None) in order]
        ranked = sorted((entries[i] for i in slots), key=lambda w: order[w.action])
        for i, widget in zip(slots, ranked):
            entries[i] = widget
        yield from entries
