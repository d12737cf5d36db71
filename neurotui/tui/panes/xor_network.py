"""The network view's side of the XOR pane: selection, weights edited by hand, the probe.

A mixin of XorPane. An edit pauses training and goes to the worker through the RunControl
(session/loop.py applies it between steps); the UI thread never touches the model.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from neurotui.core.model.network import name_of
from neurotui.tui.widgets.network import NetworkView, unit_name, value_of


class WeightField(Input):
    """The inline field for a weight or bias: Enter sets it, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel edit", id="weight_cancel")]

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


class NetworkMixin:
    editing = None  # the Item whose field is open

    def network_tile(self) -> tuple[int, int] | None:
        if self.shown != "network" or not self.configs:
            return None
        c = self.configs[0]
        return self.query_one(NetworkView).wanted_tile((len(c.features), *([c.hidden] * c.layers), 1))

    # The pane's own keys (tui.keys.XOR_KEYS): arrows, home/end, Enter.
    def action_arrow(self, dx: int, dy: int) -> None:
        """Arrows: the network view's selection there; elsewhere left/right step through replay."""
        if self.shown == "network":
            self.network_arrow(dx, dy)
        elif dx:
            self._say(self.replay_move(dx))

    def action_replay_jump(self, where: str) -> None:
        self._say(self.replay_move(jump=where))

    def action_edit_weight(self) -> None:
        self._say(self.edit_selected())

    def _say(self, reason: str | None) -> None:
        if reason:
            self.app.notify(reason, timeout=2)

    def network_arrow(self, dx: int, dy: int) -> None:
        self.query_one(NetworkView).arrow(dx, dy)

    def edit_selected(self) -> str | None:
        """Enter: open the field for the selected weight or bias; a reason when it cannot."""
        view = self.query_one(NetworkView)
        net, item = view.network, view.selected
        if self.shown != "network" or net is None:
            return "v shows the network: select a unit or a link there, then Enter edits it"
        if item is None:
            return "arrows select a unit or a link first"
        if self.state in ("error", "loading") or self.control is None:
            return "no model to edit yet"
        self.leave_replay()
        if not self.finished:
            self.set_paused(True)  # editing pauses training
        value, _ = value_of(net, item)
        field = self.query_one(WeightField)
        field.remove_class("-invalid")
        what = name_of(item.col, item.unit, item.source)
        owner = unit_name(net, item.col, item.unit)
        field.border_title = f"{what} ({owner}): Enter sets, Esc cancels"
        field.value = f"{value:.4f}"
        field.display = True
        self.editing = item
        field.focus()
        return None

    def close_edit(self) -> None:
        field = self.query_one(WeightField)
        field.display = False
        field.remove_class("-invalid")
        self.editing = None
        self.focus()

    def submit_edit(self, text: str) -> bool:
        """The field's Enter: a good number goes to the worker; a bad one is marked and kept out."""
        field = self.query_one(WeightField)
        value = parse_weight(text)
        item = self.editing
        if value is None or item is None:
            field.add_class("-invalid")
            field.border_title = "not a number: the old value is kept (Esc cancels)"
            return False
        self.control.request_edit(item.col, item.unit, item.source, value)
        self.close_edit()
        return True

    def probe(self, x1: float, x2: float) -> None:
        """A click on the boundary: the worker computes the point's output and hidden values."""
        if self.control is not None:
            self.control.probe_at = (x1, x2)
            self.control.poke()

    def probe_text(self) -> Text:
        snap = self.snapshot
        net = snap.network if snap is not None else None
        if net is None or net.probe is None:
            return Text()
        x1, x2, p, hidden = net.probe
        t = Text(no_wrap=True, overflow="ellipsis", end="")
        t.append(f"probe x1={x1:+.2f} x2={x2:+.2f}: p(y=1)={p:.3f}\n", "bold")
        for k, layer in enumerate(hidden, start=1):
            t.append(" ".join(f"{unit_name(net, k, i)} {v:+.2f}" for i, v in enumerate(layer[:8])))
            t.append("\n")
        return t

    def edits_text(self) -> str:
        snap = self.snapshot
        if snap is None or not snap.edits:
            return ""
        return f"weights edited by hand ({len(snap.edits)}): " + "; ".join(e.describe() for e in snap.edits[-3:])

    _view_before_zoom: str | None = None

    def zoomed_to(self, big: bool) -> None:
        """Zoomed at >= 120x36 the network view is the default; unzoomed, the view before it returns."""
        if big and not self.compare and self.view != "network":
            self._view_before_zoom = self.view
            self.set_view("network")
        elif not big and self._view_before_zoom is not None:
            if self.view == "network":
                self.set_view(self._view_before_zoom)
            self._view_before_zoom = None
        self.sync_grid_size()
