"""Every key of the app in one table: the Footer, the command palette, the `?` screen,
the README's key table (checked by a test) and the ids a config file remaps all come from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding

from neurotui.core.data.datasets import DATASETS, FEATURES
from neurotui.core.model.activations import ACTIVATIONS
from neurotui.core.model.config import HIDDEN_STEPS, LAYERS_MAX
from neurotui.core.model.task import FIXED_TASKS
from neurotui.core.numbers import short
from neurotui.core.sweep.config import DEFAULT_SEEDS
from neurotui.session.control import SPEEDS
from neurotui.session.state import LEARNING_RATES, NOISE_LEVELS, REGULARIZATION, SAMPLE_COUNTS
from neurotui.tui.panes.reliability_text import GRID_ACTIVATIONS, GRID_HIDDEN, GRID_LAYERS
from neurotui.tui.panes.xor_views import cycle_help


@dataclass(frozen=True)
class Key:
    keys: str  # Textual key names, comma-separated
    action: str
    label: str  # the Footer's word
    title: str  # the command palette's entry; "" keeps it out of the palette
    help: str  # the `?` screen's line (ASCII: it is also shown under --ascii)
    display: str | None = None  # how the key is written (footer, help); default: the key itself
    show: bool = True  # in the Footer
    id: str | None = None  # binding id for keymaps; default: the action's name
    priority: bool = False
    # Acts on the XOR run: restarts it, paces it, or changes what its pane shows. On the Reliability
    # screen such a key would act on a run out of sight, so there it is inert and out of the Footer.
    # True unless said otherwise: a new key forgotten here is hidden, never acting unseen.
    steers_run: bool = True

    @property
    def binding_id(self) -> str:
        return self.id or self.action.split("(")[0]

    @property
    def action_name(self) -> str:
        """The action method's name: 'session' for every Session change."""
        return self.action.split("(")[0]

    @property
    def shown_key(self) -> str:
        return self.display or self.keys.split(",")[0]

    def key_in(self, keymap: Mapping[str, str] | None) -> str:
        """How the key in force is written: config.toml's [keys] remap, or the table's own."""
        remapped = (keymap or {}).get(self.binding_id)
        return " / ".join(remapped.split(",")) if remapped else self.shown_key

    def binding(self) -> Binding:
        return Binding(
            self.keys, self.action, self.label, show=self.show, key_display=self.display,
            priority=self.priority, id=self.binding_id, tooltip=self.help,
        )


NUDGE = 0.1  # what Up and Down add to a neuron field


def _ladder(values, shown: int = 0) -> str:
    """A key's steps as its help line writes them: 50 -> 100 -> 200, or 0 -> 0.05 -> ... -> 0.5."""
    words = [short(v) if isinstance(v, float) else str(v) for v in values]
    if shown and len(words) > shown + 1:
        words = words[:shown] + ["...", words[-1]]
    return " -> ".join(words)


def _dataset_ladder() -> str:
    """xor -> ... -> spiral3 (3 classes) -> reg-plane -> reg-gauss (regression): each task named where it starts or ends."""
    words = []
    for i, name in enumerate(DATASETS):
        task, after = FIXED_TASKS.get(name), FIXED_TASKS.get(DATASETS[i + 1]) if i + 1 < len(DATASETS) else None
        if task is not None and task.kind == "classes":
            name += f" ({task.classes} classes)"
        elif task is not None and task.regress and after is None:
            name += " (regression)"
        words.append(name)
    return " -> ".join(words)


HIDDEN_HELP = f"more hidden units ({', '.join(map(str, HIDDEN_STEPS[:6]))} ... {', '.join(map(str, HIDDEN_STEPS[-3:]))})"
ACTIVATION_HELP = ("cycle the hidden activation: "
                   + " -> ".join(a.label if a.linear else a.name for a in ACTIVATIONS.values())
                   + " (no hidden activation)")
LAYERS_HELP = f"hidden layers: {_ladder([*range(1, LAYERS_MAX + 1), 0])} (the perceptron, 2-1)"
REGULARIZATION_HELP = f"regularization: {' -> '.join(name for name, _ in REGULARIZATION)}"


def S(method: str, *args) -> str:
    """The action that applies one Session change and retrains: session('cycle_activation')."""
    return f"session({', '.join([repr(method), *map(repr, args)])})"


APP_KEYS: tuple[Key, ...] = (
    Key("a", S("cycle_activation"), "Activation", "Cycle hidden activation",
        ACTIVATION_HELP,
        id="cycle_activation"),
    Key("plus,equals_sign", S("change_hidden", 1), "+Units", "More hidden units", HIDDEN_HELP,
        display="+", id="hidden_more"),
    Key("minus,underscore", S("change_hidden", -1), "-Units", "Fewer hidden units",
        f"fewer hidden units (down the same ladder to {HIDDEN_STEPS[0]})", display="-", id="hidden_fewer"),
    Key("n", S("cycle_layers"), "Layers", "Cycle hidden layers", LAYERS_HELP, id="cycle_layers"),
    Key("o", S("toggle_optimizer"), "Optim.", "Toggle optimizer", "optimizer: Adam <-> SGD", id="toggle_optimizer"),
    Key("less_than_sign", S("step_lr", -1), "LR-", "Lower learning rate", f"lower the learning rate (down to {short(LEARNING_RATES[0])})",
        display="<", id="lr_lower"),
    Key("greater_than_sign", S("step_lr", 1), "LR+", "Raise learning rate", f"raise the learning rate (up to {short(LEARNING_RATES[-1])})",
        display=">", id="lr_raise"),
    Key("r", "restart", "Restart", "Restart run", "restart the run with the same seed"),
    Key("s", S("new_seed"), "Seed", "New seed", "new seed (seed + 1) and restart; the data stay", id="new_seed"),
    Key("space", "pause", "Pause", "Pause / resume training",
        "pause / resume training (starts it with --no-autostart)"),
    Key("full_stop", "step_once", "Step", "Step once", "one training step while paused", display="."),
    Key("left_square_bracket", "speed(-1)", "Slower", "Slower training", f"slower training (down to {SPEEDS[0]} step/s)",
        display="[", id="slower"),
    Key("right_square_bracket", "speed(1)", "Faster", "Faster training", "faster training (up to flat out)",
        display="]", id="faster"),
    Key("l", "toggle_log", "Log", "Toggle log loss scale", "loss plot: linear / log scale"),
    Key("V", "toggle_validation", "Val. pts", "Show / hide validation points",
        "boundary: show / hide the validation points (hidden at first: the shading stays readable)"),
    Key("d", "toggle_slopes", "Slopes", "Toggle activation slopes", "activations: values / slopes (derivatives)"),
    Key("v", "next_view", "View", "Next XOR view", cycle_help()),
    Key("p", "next_pair", "Pair", "Next hidden-unit pair / weights row",
        "hidden space: next pair of hidden units; weights: the next row's exact numbers; "
        "loss landscape: the next plane (PCA of the path -> random, a new draw -> two weights); "
        "loss.backward(): the next row of the batch", show=False),
    Key("k", "next_inside_layer", "Inspect layer", "Inspect next hidden layer",
        "features and hidden space: next hidden layer (with 2-3 layers)", show=False),
    Key("c", "toggle_compare", "Compare", "Toggle compare mode",
        "compare mode: A (yours) beside B (default: the failure probe), same seed; from the landscape view, both landscapes"),
    Key("b", S("cycle_other_activation"), "B act.", "Cycle network B's activation",
        "compare mode: cycle network B's activation", show=False, id="cycle_other_activation"),
    Key("D", S("cycle_dataset"), "Data", "Cycle dataset",
        f"dataset: {_dataset_ladder()}", show=False, id="cycle_dataset"),
    Key("N", S("cycle_noise"), "Noise", "Cycle noise", f"noise of a generated dataset: {_ladder(NOISE_LEVELS, 2)}",
        show=False, id="cycle_noise"),
    Key("M", S("cycle_samples"), "Samples", "Cycle sample count",
        f"points in a generated dataset: {_ladder(SAMPLE_COUNTS)}", show=False, id="cycle_samples"),
    Key("I", S("cycle_plot"), "Inputs", "Cycle the plotted input pair",
        "a data file with more than two input columns: the next pair drawn (the others at their training mean)",
        show=False, id="cycle_plot"),
    Key("F", "pick_features", "Features", "Pick input features",
        f"input features: {', '.join(FEATURES)} (a picker)", show=False),
    Key("R", S("cycle_regularization"), "Regul.", "Cycle regularization",
        REGULARIZATION_HELP, show=False, id="cycle_regularization"),
    Key("P", "pick_preset", "Presets", "Presets: the lesson as experiments",
        "presets: the lesson's practice questions, memorization, features, bugs (a picker)"),
    Key("B", "pick_bug", "Bug", "Break it on purpose",
        "inject a classic PyTorch mistake (a picker); B again clears it", show=False),
    Key("y", "toggle_code", "Code", "Show the run's PyTorch code",
        "the run's own PyTorch script (every run), the changed line and any bug marked; arrows, PgUp/PgDn, "
        "Home/End scroll it; y again goes back"),
    Key("G", "show_backward", "Backward", "Show loss.backward() worked out",
        "loss.backward() worked out: the backward view (the code view's backward() line names this key); "
        "it pauses the run", show=False),
    Key("Y", "write_script", "Save code", "Write the script",
        "write the run's script to ./neurotui-lab.py (a new name if taken)", show=False),
    Key("g", "toggle_device", "CPU/GPU", "Switch CPU / GPU",
        "switch CPU <-> CUDA GPU (when one is available), restarting the run", show=False),
    Key("e", "write_card", "Card", "Write result card",
        "write the lesson's result card (Markdown) to ./neurotui-card.md (a new name if taken)"),
    Key("1", "focus_pane(0)", "Neuron", "Focus Neuron pane", "focus the Neuron pane (one-pane mode: show it)",
        show=False, id="pane_neuron", steers_run=False),
    Key("2", "focus_pane(1)", "Activ.", "Focus Activations pane",
        "focus the Activations pane (one-pane mode: show it)", show=False, id="pane_activations", steers_run=False),
    Key("3", "focus_pane(2)", "XOR", "Focus XOR pane", "focus the XOR pane (one-pane mode: show it)",
        show=False, id="pane_xor", steers_run=False),
    Key("4", "focus_pane(3)", "Reliability", "Reliability: many seeds at once",
        (f"Reliability: hidden {'/'.join(map(str, GRID_HIDDEN))} x layers {'/'.join(map(str, GRID_LAYERS))} x "
         f"{len(GRID_ACTIVATIONS)} activations, {DEFAULT_SEEDS} seeds each, trained at once"),
        id="pane_reliability", steers_run=False),
    Key("z", "zoom", "Zoom", "Zoom pane", "zoom the focused pane to the full screen and back"),
    Key("question_mark", "help", "Help", "Help", "this help", display="?", steers_run=False),
    Key("q", "quit", "Quit", "", "quit at once, even mid-run (prints the command that reproduces the run)",
        steers_run=False),
    Key("ctrl+c", "quit", "Quit", "", "quit at once", show=False, id="quit_now", priority=True, steers_run=False),
)

# Keys of the guided lesson (`neurotui learn`): bound on the app, shown and live only while it is on.
LESSON_KEYS: tuple[Key, ...] = (
    Key("m", "lesson('next')", "Next step", "Lesson: next step", "guided lesson: go on to the next step",
        id="lesson_next"),
    Key("u", "lesson('back')", "Back a step", "Lesson: previous step", "guided lesson: go back a step",
        id="lesson_back"),
    Key("t", "lesson('setup')", "Step setup", "Lesson: set this step up again",
        "guided lesson: restore this step's config, pane and view and ask its question again", id="lesson_setup"),
    Key("i", "lesson('answer')", "To answer", "Lesson: back to the answer",
        "guided lesson: put the keyboard back in the question's answer (esc in the answer leaves it to edit "
        "the panes)", id="lesson_answer"),
)

# Keys of the lesson panel while it asks a question (it has the focus then; 1-4 focus panes otherwise).
LESSON_ANSWER_KEYS: tuple[Key, ...] = tuple(
    Key(str(i), f"choose({i - 1})", "Answer", "", f"guided lesson: answer {i}" if i > 1 else
        "guided lesson, while a question waits: 1-4 pick an answer (a number question: type it, Enter)",
        display="1-4" if i == 1 else None, show=i == 1, id=f"lesson_answer_{i}")
    for i in range(1, 5)
) + (
    Key("escape", "leave", "Edit panes", "", "guided lesson, in the answer: leave it to edit the panes (i comes back)",
        display="esc", id="lesson_leave"),
    # Meant for the answer, never for the app's keys under it (`.` steps, 5-9 and Tab move focus).
    Key("0,5,6,7,8,9,full_stop,enter,tab,minus,plus,percent_sign", "not_a_choice", "", "", "", show=False, id="lesson_not_a_choice"),
)
# In the typed answer, Tab stays: it moved the half-typed answer's next characters into a neuron field.
LESSON_NUMBER_KEYS: tuple[Key, ...] = (
    LESSON_ANSWER_KEYS[4],
    Key("tab", "not_a_choice", "", "", "", show=False, id="lesson_tab"),
)

# Keys of the XOR pane itself (bindings of XorPane: arrows and Enter mean nothing elsewhere).
XOR_KEYS: tuple[Key, ...] = (
    Key("left", "arrow(-1, 0)", "Back", "Replay: a frame back / select left",
        "paused or done: replay one frame back (network view: select the item to the left)", show=False,
        id="arrow_left"),
    Key("right", "arrow(1, 0)", "Forward", "Replay: a frame on / select right",
        "paused or done: replay one frame on (network view: select the item to the right)", show=False,
        id="arrow_right"),
    Key("up", "arrow(0, -1)", "Up", "", "network view: select the unit or link above; code view: scroll up",
        show=False, id="arrow_up"),
    Key("down", "arrow(0, 1)", "Down", "", "network view: select the unit or link below; code view: scroll down",
        show=False, id="arrow_down"),
    Key("home", "replay_jump('home')", "First", "Replay: first frame",
        "replay: jump to the first frame; code view: the script's top", show=False, id="replay_first"),
    Key("end", "replay_jump('end')", "Last", "Replay: last frame",
        "replay: jump to the last frame; code view: the script's end", show=False, id="replay_last"),
    Key("pageup", "page(-1)", "PgUp", "", "code view (y): scroll a page up", show=False, id="page_up"),
    Key("pagedown", "page(1)", "PgDn", "", "code view (y): scroll a page down", show=False, id="page_down"),
    Key("enter", "edit_weight", "Edit", "Edit the selected weight",
        "network view: edit the selected weight or bias (pauses; Esc cancels; space resumes from it)",
        show=False),
)

# Keys of the Reliability screen (they shadow the app's while it is shown).
RELIABILITY_KEYS: tuple[Key, ...] = (
    Key("r", "rerun", "Rerun sweep", "", "rerun the sweep", id="sweep_rerun"),
    Key("x", "stop", "Stop sweep", "", "stop the sweep", id="sweep_stop"),
    Key("f", "pick(False)", "Train failed seed", "", "train a failed seed of the selected row live",
        id="sweep_failed"),
    Key("w", "pick(True)", "Train working seed", "", "train a working seed of the selected row live",
        id="sweep_working"),
    Key("escape", "leave", "Back", "", "leave the Reliability screen", display="esc", id="sweep_leave"),
)

# Keys inside a neuron field (the Input's own bindings).
FIELD_KEYS: tuple[Key, ...] = (
    Key("up", "nudge(1)", f"+{short(NUDGE)}", "", f"in a neuron field: nudge the value up by {short(NUDGE)}", id="nudge_up"),
    Key("down", "nudge(-1)", f"-{short(NUDGE)}", "", f"in a neuron field: nudge the value down by {short(NUDGE)}", id="nudge_down"),
    Key("escape", "leave", "Done editing", "", "leave the neuron field", display="esc", id="field_leave"),
)


# Keys of the small screens and fields: not in the `?` screen's list (each says its keys itself).
NEURON_PANE_KEYS: tuple[Key, ...] = (
    Key("enter", "edit", "Edit", "", "in the Neuron pane: Enter moves into its first field", show=False, id="neuron_edit"),
)
WEIGHT_FIELD_KEYS: tuple[Key, ...] = (
    Key("escape", "cancel", "Cancel edit", "", "in a weight's field: cancel the edit", id="weight_cancel"),
)
PICKER_KEYS: tuple[Key, ...] = (
    Key("escape", "dismiss(None)", "Cancel", "", "in a picker: pick nothing", id="picker_cancel"),
)
MULTI_PICKER_KEYS: tuple[Key, ...] = PICKER_KEYS + (
    Key("enter", "accept", "Accept", "", "in the features picker: accept the ticked ones", id="picker_accept",
        priority=True),
)
HELP_KEYS: tuple[Key, ...] = (
    Key("escape,question_mark,q", "dismiss", "Close help", "", "close this help", id="help_close"),
)

def key_for(binding_id: str, keymap: Mapping[str, str] | None = None) -> str:
    """The key in force for an app key's binding id, as the Footer writes it ('<', or a remap)."""
    return next(k.key_in(keymap) for k in APP_KEYS if k.binding_id == binding_id)


def bindings(keys: tuple[Key, ...]) -> list[Binding]:
    return [k.binding() for k in keys]


def help_rows(keymap: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(keys, what they do) for the `?` screen, with the keys in force: keys of one action share a row."""
    rows: list[tuple[str, str]] = []
    for group in (APP_KEYS, XOR_KEYS, RELIABILITY_KEYS, FIELD_KEYS, LESSON_KEYS, LESSON_ANSWER_KEYS[:1] + LESSON_ANSWER_KEYS[4:5]):
        for k in group:
            if k.id == "quit_now":
                rows[-1] = (f"{rows[-1][0]} / {k.key_in(keymap)}", rows[-1][1])
                continue
            where = "in Reliability: " if group is RELIABILITY_KEYS else ""
            rows.append((k.key_in(keymap), where + k.help if where and not k.help.startswith("in ") else k.help))
    rows.append(("ctrl+p", "command palette: every action by name"))
    return rows


def palette_entries(keymap: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(title, help, action) of every key that belongs in the command palette."""
    return [(k.title, f"{k.help} (key {k.key_in(keymap)})", k.action) for k in APP_KEYS if k.title]


def footer_order() -> dict[str, int]:
    """Action -> place among the app's keys in the Footer: the table's order, wherever a remapped key now sits."""
    order: dict[str, int] = {}
    for k in LESSON_KEYS + APP_KEYS:  # the lesson's keys, when it is on, come first
        order.setdefault(k.action, len(order))
    return order


# The actions of keys that steer the XOR run (Key.steers_run).
RUN_ACTIONS = {k.action_name for k in APP_KEYS if k.steers_run}


def typed_actions(keymap: Mapping[str, str] | None = None) -> set[str]:
    """Actions on printable keys (in force): an Input being edited takes those keys as text."""
    return {k.action_name for k in APP_KEYS + LESSON_KEYS
            if not any(name.startswith("ctrl") for name in ((keymap or {}).get(k.binding_id) or k.keys).split(","))
            } - {"quit"}


TYPED_ACTIONS = typed_actions()
