"""Modal pickers: one choice from a list (presets, bugs), or several (input features)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from neurotui.tui.keys import MULTI_PICKER_KEYS, PICKER_KEYS, bindings


class Picker(ModalScreen[str | None]):
    """Enter picks the highlighted entry; Esc picks nothing."""

    BINDINGS = bindings(PICKER_KEYS)

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices  # (id, line shown)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker-box") as box:
            box.border_title = f"{self.title_text} - Enter picks, Esc cancels"
            yield OptionList(*(Option(text, id=cid) for cid, text in self.choices))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [cid for cid, _ in self.choices]
        if self.current in ids:
            options.highlighted = ids.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class MultiPicker(ModalScreen[tuple[str, ...] | None]):
    """Space toggles an entry, Enter accepts the ticked ones, Esc changes nothing."""

    BINDINGS = bindings(MULTI_PICKER_KEYS)

    def __init__(self, title: str, choices: list[tuple[str, str]], chosen: tuple[str, ...]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker-box") as box:
            box.border_title = f"{self.title_text} - Space ticks, Enter accepts, Esc cancels"
            yield SelectionList[str](*((text, cid, cid in self.chosen) for cid, text in self.choices))
            yield Static("", id="picker-error")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_accept(self) -> None:
        picked = tuple(self.query_one(SelectionList).selected)
        if not picked:
            self.query_one("#picker-error", Static).update("tick at least one input feature")
            return
        self.dismiss(picked)


# ----- the app's pickers: each ends in one Session change ------------------------------------
def pick_preset(app) -> None:
    from neurotui.core.course.presets import PRESETS

    choices = [(p.name, f"{p.name:<22} {p.question}") for p in PRESETS.values()]
    app.push_screen(Picker("Presets: the lesson as experiments", choices),
                    lambda name: name and app.change(app.session.apply_preset, name))


def pick_bug(app) -> None:
    if app.session.config.bug:  # B again clears it
        app.change(app.session.set_bug, None)
        return
    from neurotui.core.course.bugs import BUGS

    choices = [(b.name, f"{b.name:<18} {b.mistake}") for b in BUGS.values()]
    app.push_screen(Picker("Break it on purpose: one classic PyTorch mistake", choices),
                    lambda name: name and app.change(app.session.set_bug, name))


def pick_features(app) -> None:
    from neurotui.core.data.datasets import FEATURES

    app.push_screen(MultiPicker("Input features", [(f, f) for f in FEATURES], tuple(app.session.config.features)),
                    lambda picked: picked and app.change(app.session.set_features, picked))
