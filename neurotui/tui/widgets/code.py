"""The run's own PyTorch code (key `y`): the standalone script `neurotui lab --script` prints,
highlighted, with the lines the last change touched and the injected bug marked."""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from neurotui.core.model.config import XorConfig


class CodeView(VerticalScroll):
    DEFAULT_CSS = "CodeView { height: 1fr; }"
    can_focus = True

    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii
        self._shown: tuple | None = None

    def compose(self):
        yield Static(id="code-text")
        yield Static(id="code-note")

    def show(self, config: XorConfig, previous: XorConfig | None) -> None:
        key = (config, previous)
        if key == self._shown:
            return
        self._shown = key
        from neurotui.core.course.script import ScriptError, bug_line, changed_lines, script_for

        try:
            code = script_for(config)
        except ScriptError as exc:
            self.query_one("#code-text", Static).update(Text(f"no script for this run: {exc}", style="yellow"))
            self.query_one("#code-note", Static).update("")
            return
        changed = set(changed_lines(previous, config)) if previous is not None and previous != config else set()
        bug = bug_line(config)
        marks = changed | ({bug} if bug else set())
        theme = "bw" if self.ascii else "monokai"
        syntax = Syntax(code, "python", line_numbers=True, highlight_lines=marks, theme=theme, word_wrap=False)
        self.query_one("#code-text", Static).update(syntax)
        note = Text(no_wrap=False)
        if bug:
            note.append(f"line {bug}: the bug you injected (B clears it)  ", "bold red")
        if changed:
            note.append(f"highlighted: line{'s' if len(changed) > 1 else ''} "
                        f"{', '.join(map(str, sorted(changed)))} changed by your last key  ", "bold")
        note.append("Y writes this script to ./neurotui-lab.py; y goes back", "dim")
        self.query_one("#code-note", Static).update(note)
        if marks:  # bring the first marked line into view, with a little context above it
            first = min(marks)
            self.call_after_refresh(lambda: self.scroll_to(y=max(0, first - 4), animate=False))
