"""The `?` help screen: every key, and what each pane teaches."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from neurotui.tui.keys import HELP_KEYS, bindings, help_rows
from neurotui.tui.panes.xor_views import VIEWS
from neurotui.tui.widgets.once import RenderedOnce

PANES = (
    ("Neuron", "one neuron computes z = x @ w + b, term by term, then an activation bends z. "
               "Edit any value; a bad one is marked and the last good value kept."),
    ("Activations", "the four curves over z in [-5, 5] with your neuron's z marked; the highlighted "
                    "row is the activation the XOR network is training with."),
    ("XOR training", "a 2-H-1 network learns XOR live: the loss falls, the decision boundary bends "
                     "(denser shading = more likely 1, blank = near 0; the digits are the four XOR "
                     "points, written as their true labels). Try activation 'None' (no hidden "
                     "activation): the network is one linear map, no straight line splits XOR, and "
                     "it settles at p = 0.5 everywhere (loss ln 2)."),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = bindings(HELP_KEYS)

    def compose(self) -> ComposeResult:
        keys = Table(box=None, show_header=False, pad_edge=False)
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for k, what in help_rows(getattr(self.app, "keymap", None)):
            keys.add_row(k, what)
        panes = Text()
        for name, what in PANES:
            panes.append(f"{name}: ", "bold")
            panes.append(what + "\n")
        panes.append("The XOR pane's views (v cycles them):\n", "bold")
        for view in VIEWS.values():
            panes.append(f"  {view.title}: ", "bold")
            panes.append(view.help + "\n")
        with VerticalScroll(id="help-box") as box:
            box.border_title = "neurotui help - Esc closes"
            yield Static(RenderedOnce(keys))  # the table measured and laid out once
            yield Static(panes, id="help-panes")
