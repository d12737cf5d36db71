"""Modal pickers: one choice from a list (presets, bugs), or several (input features)."""

from __future__ import annotations

from rich.segment import Segment
from rich.table import Table
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Checkbox, OptionList, SelectionList, Static  # Checkbox: SelectionList's box glyphs
from textual.widgets.option_list import Option, OptionDoesNotExist

from neurotui.tui.keys import MULTI_PICKER_KEYS, PICKER_KEYS, bindings


def dismiss_once(screen: ModalScreen, result=None):
    """A picker closes once: Enter or Esc mashed twice reached it twice before it was popped, and the
    second dismiss popped the app's own screen (the app then stopped)."""
    if screen.is_current:
        return ModalScreen.dismiss(screen, result)
    return None


class Picker(ModalScreen[str | None]):
    """Enter picks the highlighted entry; Esc picks nothing."""

    BINDINGS = bindings(PICKER_KEYS)

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None,
                 name_width: int = 0) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices  # (id, line shown)
        self.current = current
        self.name_width = name_width  # >0: the id in a column this wide, the text wrapping beside it

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker-box") as box:
            box.border_title = f"{self.title_text} - Enter picks, Esc cancels"
            yield OptionList(*(Option(self._prompt(cid, text), id=cid) for cid, text in self.choices))

    def _prompt(self, cid: str, text: str):
        """The line shown; with a name column, a long text wraps under itself, not under the name."""
        if not self.name_width:
            return text
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=self.name_width, overflow="fold")
        grid.add_column(ratio=1)
        grid.add_row(cid, text)
        return grid

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [cid for cid, _ in self.choices]
        if self.current in ids:
            options.highlighted = ids.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    dismiss = dismiss_once


class TickList(SelectionList):
    """A SelectionList whose unticked boxes are empty: Textual draws an X in every box and tells a
    ticked one by colour alone, so under NO_COLOR (or a monochrome terminal) all looked ticked."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if option.value in self.selected or len(segments) < 2 or segments[1].text != Checkbox.BUTTON_INNER:
            return strip
        segments[1] = Segment(" " * len(Checkbox.BUTTON_INNER), segments[1].style)
        return Strip(segments, strip.cell_length)


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
            yield TickList(*((text, cid, cid in self.chosen) for cid, text in self.choices))
            yield Static("", id="picker-error")

    def on_mount(self) -> None:
        self.query_one(TickList).focus()

    dismiss = dismiss_once

    def action_accept(self) -> None:
        picked = tuple(self.query_one(TickList).selected)
        if not picked:
            self.query_one("#picker-error", Static).update("tick at least one input feature")
            return
        self.dismiss(picked)


# ----- the app's pickers: each ends in one Session change ------------------------------------
def pick_preset(app) -> None:
    from neurotui.core.course.presets import PRESETS

    choices = [(p.name, p.question) for p in PRESETS.values()]
    app.push_screen(Picker("Presets: the lesson as experiments", choices, name_width=min(21, max(map(len, PRESETS)))),
                    lambda name: name and app.change(app.session.apply_preset, name))


def pick_bug(app) -> None:
    if app.session.config.bug:  # B again clears it
        app.change(app.session.set_bug, None)
        return
    from neurotui.core.course.bugs import ALL_BUGS, bug_fits
    from neurotui.core.model.task import task_of

    kind = task_of(app.session.config).kind  # the mistakes this data's task can make
    choices = [(b.name, b.mistake) for b in ALL_BUGS.values() if bug_fits(b.name, kind)]
    app.push_screen(Picker("Break it on purpose: one classic PyTorch mistake", choices, name_width=min(18, max(map(len, ALL_BUGS)))),
                    lambda name: name and app.change(app.session.set_bug, name))


def pick_features(app) -> None:
    from neurotui.core.data.datasets import FEATURES

    app.push_screen(MultiPicker("Input features", [(f, f) for f in FEATURES], tuple(app.session.config.features)),
                    lambda picked: picked and app.change(app.session.set_features, picked))
