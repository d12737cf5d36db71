"""Neuron pane: edit x, w, b and read z = x @ w + b and every activation, as you type."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from neurotui.core.lesson import NEURON_B, NEURON_W, NEURON_X
from neurotui.core.model import neuron
from neurotui.core.model.activations import ACTIVATIONS
from neurotui.core.numbers import fmt_value, short
from neurotui.tui.glyphs import Glyphs
from neurotui.tui.keyorder import focus_now
from neurotui.tui.keys import FIELD_KEYS, NEURON_PANE_KEYS, NUDGE, bindings
from neurotui.tui.textual_shims import restyle_itself


def parse_value(text: str) -> float | None:
    """A finite number, or None (letters, empty, nan, inf)."""
    try:
        v = float(text.strip())
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def fmt(v: float) -> str:
    return short(round(v, 6))


def fmt_parsed(v: float, delta: float) -> float:
    """v + delta as the field will show it (so 0.1 + 0.2 reads 0.3)."""
    return float(fmt(v + delta))


class NumberField(Input):
    """An Input holding one neuron value; up/down nudge it, bad text keeps the last good value."""

    BINDINGS = bindings(FIELD_KEYS)

    @dataclass
    class Edited(Message):
        field: NumberField

    def __init__(self, name: str, value: float) -> None:
        super().__init__(value=fmt(value), id=f"field-{name}", compact=True)
        self.field_name = name
        self.good = value
        self.error: str | None = None

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        v = parse_value(event.value)
        if v is None:
            shown = event.value.strip()
            why = f"{shown!r} is not a finite number" if shown else "the field is empty"
            self.error = f"{self.field_name}: {why}; keeping {fmt(self.good)}"
            self.add_class("-invalid")
        else:
            self.good, self.error = v, None
            self.remove_class("-invalid")
        self.post_message(self.Edited(self))

    def action_nudge(self, direction: int) -> None:
        # From the value now in the field, not from `good`: that is only updated when the
        # Changed message is handled, and several presses can arrive in one terminal read.
        current = parse_value(self.value)
        self.good = fmt_parsed(current if current is not None else self.good, direction * NUDGE)
        self.value = fmt(self.good)
        self.cursor_position = len(self.value)

    def action_leave(self) -> None:
        pane = next((a for a in self.ancestors if isinstance(a, NeuronPane)), None)
        if pane is not None:
            focus_now(pane)


class NeuronPane(Vertical):
    can_focus = True
    watch_has_focus = restyle_itself  # a focus change restyles the pane, not its insides
    BINDINGS = bindings(NEURON_PANE_KEYS)

    @dataclass
    class ZChanged(Message):
        z: float

    def __init__(self, glyphs: Glyphs, **kwargs) -> None:
        super().__init__(**kwargs)
        self.glyphs = glyphs
        self.border_title = "1 Neuron  z = x @ w + b"

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label("x", classes="field-label")
            for i, v in enumerate(NEURON_X, 1):
                yield NumberField(f"x{i}", v)
        with Horizontal(classes="field-row"):
            yield Label("w", classes="field-label")
            for i, v in enumerate(NEURON_W, 1):
                yield NumberField(f"w{i}", v)
        with Horizontal(classes="field-row"):
            yield Label("b", classes="field-label")
            yield NumberField("b", NEURON_B)
        yield Static(id="neuron-error")
        yield Static(id="neuron-math")

    def on_mount(self) -> None:
        self._recompute()

    def action_edit(self) -> None:
        focus_now(self.query(NumberField).first())

    def on_number_field_edited(self, event: NumberField.Edited) -> None:
        event.stop()
        self._recompute()

    def values(self) -> tuple[tuple[float, ...], tuple[float, ...], float]:
        fields = {f.field_name: f.good for f in self.query(NumberField)}
        return (
            tuple(fields[f"x{i}"] for i in (1, 2, 3)),
            tuple(fields[f"w{i}"] for i in (1, 2, 3)),
            fields["b"],
        )

    def errors(self) -> list[str]:
        return [f.error for f in self.query(NumberField) if f.error]

    def _recompute(self) -> None:
        x, w, b = self.values()
        result = neuron.compute(x, w, b)
        g = self.glyphs
        errors = self.errors()
        self.query_one("#neuron-error", Static).update(
            Text("\n".join(errors), style="bold red") if errors else ""
        )
        t = Text(no_wrap=False)
        t.append("z = ", "bold")
        t.append(result.arithmetic(ascii=g.ascii))
        t.append("\n")
        for name, a in ACTIVATIONS.items():
            t.append(f"{a.label:>8}(z) = ", "dim")  # the same names as the Activations pane
            t.append(g.num(fmt_value(a.fn(result.z))), "bold")
            t.append("   " if name in ("tanh", "sigmoid") else "\n")
        t.append(f"Enter/Tab edits; Up/Down nudge by {short(NUDGE)}; Esc leaves", style="dim")
        self.query_one("#neuron-math", Static).update(t)
        self.post_message(self.ZChanged(result.z))
