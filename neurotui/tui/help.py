"""The `?` help screen: every key, and what each pane teaches."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str], ...] = (
    ("a", "cycle the hidden activation: tanh -> relu -> sigmoid -> identity (none)"),
    ("+ / -", "more / fewer hidden units (1-32)"),
    ("r", "restart the run with the same seed"),
    ("s", "new seed (seed + 1)"),
    ("space", "pause / resume training (starts it with --no-autostart)"),
    (".", "one training step while paused"),
    ("l", "loss plot: linear / log scale"),
    ("[ / ]", "slower / faster training, from 1 step/s to flat out"),
    ("d", "activations: values / slopes (derivatives)"),
    ("v", "XOR view: decision boundary / hidden features / hidden space / weights and gradients"),
    ("p", "hidden space: next pair of hidden units"),
    ("k", "features and hidden space: next hidden layer (with 2-3 layers)"),
    ("c", "compare mode: A (yours) and B (default: no hidden activation) on the same seed"),
    ("b", "compare mode: cycle network B's activation"),
    ("n", "hidden layers: 1 -> 2 -> 3"),
    ("o", "optimizer: Adam <-> SGD"),
    ("< / >", "lower / raise the learning rate (0.001 ... 100)"),
    ("g", "switch CPU <-> CUDA GPU (when one is available), restarting the run"),
    ("e", "write the lesson's result card (Markdown) for this run to ./neurotui-card.md (new name if taken)"),
    ("1 2 3", "focus the Neuron / Activations / XOR pane"),
    ("4", "Reliability: train hidden 2/4/8 x layers 1/2 x 4 activations, 256 seeds each, at once; "
          "in it: r rerun, x stop, f / w train a failed / working seed of the selected row"),
    ("z", "zoom the focused pane to the full screen and back"),
    ("up / down", "in a neuron field: nudge the value by 0.1 (Esc leaves the field)"),
    ("ctrl+p", "command palette: every action by name"),
    ("?", "this help"),
    ("q / ctrl+c", "quit at once, even mid-run"),
)

PANES = (
    ("Neuron", "one neuron computes z = x @ w + b, term by term, then an activation bends z. "
               "Edit any value; a bad one is marked and the last good value kept."),
    ("Activations", "the four curves over z in [-5, 5] with your neuron's z marked; the highlighted "
                    "row is the activation the XOR network is training with."),
    ("XOR training", "a 2-H-1 network learns XOR live: the loss falls, the decision boundary bends "
                     "(darker = more likely 1; digits are the four XOR points). Try activation "
                     "'identity': with no hidden nonlinearity the network is one linear map, no "
                     "straight line splits XOR, and it settles at p = 0.5 everywhere (loss ln 2)."),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close help"),
    ]

    def compose(self) -> ComposeResult:
        keys = Table(box=None, show_header=False, pad_edge=False)
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for k, what in KEYS:
            keys.add_row(k, what)
        panes = Text()
        for name, what in PANES:
            panes.append(f"{name}: ", "bold")
            panes.append(what + "\n")
        with VerticalScroll(id="help-box") as box:
            box.border_title = "neurotui help - Esc closes"
            yield Static(keys)
            yield Static(panes, id="help-panes")
