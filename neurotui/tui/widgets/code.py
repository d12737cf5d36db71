"""The run's own PyTorch code (key `y`): the standalone script `neurotui lab --script` prints,
highlighted, with the lines the last change touched and the injected bug marked.

A note line on top (never scrolled away) says what is marked, where the training loop is
and how to scroll. The code itself scrolls with the XOR pane's keys (arrows, PgUp/PgDn,
Home/End: tui.keys.XOR_KEYS), so it never needs the focus.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from neurotui.core.model.config import XorConfig
from neurotui.tui.widgets.code_theme import CodeTheme
from neurotui.tui.widgets.once import RenderedOnce

CONTEXT = 3  # lines shown above a marked line when the view scrolls to it
BACKWARD_KEY = "G"  # the backward view's key (tui.keys), written beside loss.backward()


# Seconds after the view is built (the first frame is long drawn by then) before rich's Syntax and
# pygments are loaded in a thread: a quarter second of imports, and pygments compiles the Python
# lexer's patterns on first use; done then, the first `y` only highlights.
WARM_AFTER = 2.0


def warm_highlighter() -> None:
    """Import and exercise the highlighter (no widget is touched: safe in a worker thread)."""
    from rich.syntax import Syntax

    Syntax("import torch\n", "python", theme=CodeTheme()).highlight("import torch\nx = [1.5, 'a']  # b\n")


class CodeView(Vertical):
    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii
        self._shown: tuple | None = None
        self.masked: str | None = None  # the line before this one is hidden (the guided lesson asks for it)
        # What the view opens on (the script's lines and marked lines) until the user scrolls: the opening
        # line depends on the page's height, which a lesson panel that grows after a reveal changes a
        # frame later, so a resize opens it again (a snapshot once caught the view scrolled for the old height)
        self._opening: tuple[list[str], set[int]] | None = None

    def on_mount(self) -> None:
        self.set_timer(WARM_AFTER, lambda: self.run_worker(warm_highlighter, thread=True, group="code-warm"))

    def compose(self):
        yield Static(id="code-note")
        with _Scroller(self._reopen, id="code-scroll"):
            yield Static(id="code-text")

    @property
    def scroller(self) -> VerticalScroll:
        return self.query_one("#code-scroll", VerticalScroll)

    def scroll_by(self, dx: int, dy: int) -> None:
        self._opening = None  # the user's own position from now on
        self.scroller.scroll_relative(x=4 * dx, y=dy, animate=False)

    def _reopen(self) -> None:
        """The scroller's height changed (the note above it rewrapped, a lesson panel grew)."""
        if self._opening is not None:
            self.call_after_refresh(self._open)

    def _open(self) -> None:
        if self._opening is not None:
            self.scroller.scroll_to(y=opening_line(*self._opening, self.page_height), animate=False)

    def jump(self, where: str) -> None:
        """Home / End: the script's first or last line (returns None: nothing to say)."""
        self._opening = None
        if where == "home":
            self.scroller.scroll_home(animate=False)
        else:
            self.scroller.scroll_end(animate=False)

    def page(self, pages: int) -> None:
        self._opening = None
        if pages < 0:
            self.scroller.scroll_page_up(animate=False)
        else:
            self.scroller.scroll_page_down(animate=False)

    def show(self, config: XorConfig, previous: XorConfig | None, edits=()) -> None:
        key = (config, previous, tuple(edits), self.masked)
        if key == self._shown:
            return
        self._shown = key
        from rich.syntax import Syntax  # pygments: a quarter second of imports, off the path to the first frame

        from neurotui.core.course.script import ScriptError, bug_line, changed_lines, script_lines

        try:
            lines = script_lines(config, edits=edits)
        except ScriptError as exc:
            self.query_one("#code-text", Static).update(Text(f"no script for this run: {exc}", style="yellow"))
            self.query_one("#code-note", Static).update("")
            return
        if self.masked is not None:
            lines = mask_before(lines, self.masked)
        changed = set(changed_lines(previous, config)) if previous is not None and previous != config else set()
        bug = bug_line(config)
        asked = {i + 1 for i, line in enumerate(lines) if line.strip().startswith(MASK)}
        marks = changed | ({bug} if bug else set()) | asked  # the view opens on the line asked about
        theme = CodeTheme(self.ascii)
        back = backward_line(lines)
        shown = [f"{line}  # {BACKWARD_KEY}: see what this computes" if i + 1 == back else line
                 for i, line in enumerate(lines)]  # on screen only: Y and --script write the script itself
        syntax = Syntax("\n".join(shown) + "\n", "python", line_numbers=True, highlight_lines=marks, theme=theme,
                        word_wrap=False)
        self.query_one("#code-text", Static).update(RenderedOnce(syntax))  # pygments once, not per render
        self.query_one("#code-note", Static).update(note_text(bug, changed, loop_lines(lines), bool(edits), back))
        self._opening = (lines, marks)
        self.call_after_refresh(self._open)

    @property
    def page_height(self) -> int:
        return self.scroller.scrollable_content_region.height


class _Scroller(VerticalScroll):
    """The code's scroller, telling the view when its height changed: where the view opens depends on it."""

    def __init__(self, resized, **kwargs) -> None:
        super().__init__(**kwargs)
        self._resized = resized

    def on_resize(self) -> None:
        self._resized()


MASK = "# ???"


def mask_before(lines: list[str], marker: str) -> list[str]:
    """The script with the code line right before `marker` replaced by a question mark line."""
    at = next((i for i, line in enumerate(lines) if line.strip() == marker), None)
    if at is None:
        return lines
    before = next((i for i in range(at - 1, -1, -1) if lines[i].strip() and not lines[i].strip().startswith("#")), None)
    if before is None:
        return lines
    indent = lines[before][:len(lines[before]) - len(lines[before].lstrip())]
    return lines[:before] + [indent + MASK + "  which line goes here? (the lesson asks: predict it)"] + lines[before + 1:]


def loop_lines(lines: list[str]) -> tuple[int, int]:
    """1-based first and last line of the training loop."""
    start = next((i for i, line in enumerate(lines) if line.startswith("for step in range(")), 0)
    end = start
    while end + 1 < len(lines) and lines[end + 1].startswith("    "):
        end += 1
    return start + 1, end + 1


def model_line(lines: list[str]) -> int:
    """1-based line of the model's class."""
    return next((i + 1 for i, line in enumerate(lines) if line.startswith("class ")), 1)


def opening_line(lines: list[str], marks: set[int], height: int) -> int:
    """The 0-based line at the top when the view opens: a marked line with a little context above it;
    otherwise the whole loop in sight with as much of the model, loss and optimizer above it as fits."""
    if marks:
        return max(0, min(marks) - 1 - CONTEXT)
    start, end = loop_lines(lines)
    return max(0, min(start - 1, max(model_line(lines) - 1, end - max(height, 1))))


def backward_line(lines: list[str]) -> int | None:
    """1-based line of the loop's `.backward()` call (loss.backward(), or the loss with L1's term)."""
    return next((i + 1 for i, line in enumerate(lines) if line.strip().split("#")[0].rstrip().endswith(".backward()")),
                None)


def note_text(bug: int | None, changed: set[int], loop: tuple[int, int], edited: bool,
              backward: int | None = None) -> Text:
    note = Text(no_wrap=False)
    if bug:
        note.append(f"line {bug}: the bug you injected (B clears it)  ", "bold red")
    if changed:
        note.append(f"highlighted: line{'s' if len(changed) > 1 else ''} "
                    f"{', '.join(map(str, sorted(changed)))} changed by your last key  ", "bold")
    if edited:
        note.append("your hand edits: listed on top, not made by the script  ", "bold")
    note.append(f"the loop: lines {loop[0]}-{loop[1]}  ")
    if backward:
        note.append(f"line {backward}: backward(), {BACKWARD_KEY} shows it worked out  ")
    note.append("arrows, PgUp/PgDn, Home/End scroll; Y writes ./neurotui-lab.py; y goes back", "dim")
    return note
