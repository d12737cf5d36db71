"""Editing a weight by hand in the network view: the inline field, and what Enter in it does.

An edit pauses training and goes to the worker through the RunControl (session/loop.py applies
it between steps); the UI thread never touches the model.
"""

from __future__ import annotations

import math

from textual.message import Message
from textual.widgets import Input

from neurotui.core.model.network import name_of
from neurotui.core.numbers import fixed
from neurotui.session.control import RunControl
from neurotui.tui.keyorder import focus_now
from neurotui.tui.keys import WEIGHT_FIELD_KEYS, bindings
from neurotui.tui.widgets.network import NetworkView, unit_name, value_of


class WeightField(Input):
    """The inline field for a weight or bias: Enter sets it, Esc cancels."""

    BINDINGS = bindings(WEIGHT_FIELD_KEYS)

    class Cancelled(Message):
        """Esc in the field: nothing changes."""

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())


def parse_weight(text: str) -> float | None:
    """A finite number of sensible size, or None."""
    try:
        value = float(text.strip().replace("−", "-"))
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) <= 1e6 else None


class WeightEditor:
    """The item being edited, between Enter on it and Enter (or Esc) in the field."""

    def __init__(self, field: WeightField, view: NetworkView) -> None:
        self.field, self.view = field, view
        self.editing = None  # the network view's Item whose field is open

    def open(self) -> None:
        """Open the field on the view's selection (the caller checked there is one to edit)."""
        net, item = self.view.network, self.view.selected
        value, _ = value_of(net, item)
        field = self.field
        field.remove_class("-invalid")
        field.border_title = f"{name_of(item.col, item.unit, item.source)} ({unit_name(net, item.col, item.unit)}): " \
                             "Enter sets, Esc cancels"
        field.value = fixed(value, 4)
        field.display = True
        self.editing = item
        focus_now(field)

    def why_not(self, on_network: bool, has_model: bool) -> str | None:
        """Why Enter cannot open the field now, or None."""
        if not on_network or self.view.network is None:
            return "v shows the network: select a unit or a link there, then Enter edits it"
        if self.view.selected is None:
            return "arrows select a unit or a link first"
        if not has_model:
            return "no model to edit yet"
        return None

    def close(self) -> None:
        self.field.display = False
        self.field.remove_class("-invalid")
        self.editing = None

    def submit(self, text: str, control: RunControl) -> bool:
        """The field's Enter: a good number goes to the worker; a bad one is marked and kept out."""
        value = parse_weight(text)
        item = self.editing
        if value is None or item is None:
            self.field.add_class("-invalid")
            self.field.border_title = "not a number: the old value is kept (Esc cancels)"
            return False
        control.request_edit(item.col, item.unit, item.source, value)
        self.close()
        return True
