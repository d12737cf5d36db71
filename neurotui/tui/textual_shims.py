"""Every use of Textual's private API, each behind one named function.

Textual gives no public way to resolve a key's bindings in order ourselves (keyorder.py), nor
to stop a focus change repainting the whole screen (workspace.py). What we rely on is named
here once; `check()` (run by tests/test_textual_shims.py) says which one a new Textual broke,
with the version, rather than a key that silently stops working.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

from textual import events
from textual.app import App
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input


def textual_version() -> str:
    return version("textual")


def reads_keys(widget: Widget) -> bool:
    """Does the widget handle keys itself (an Input types characters), beyond bindings?"""
    return type(widget)._on_key is not Widget._on_key


async def handle_key_in_widget(widget: Widget, event: events.Key) -> None:
    """The widget's own key handler (what Textual's dispatch calls before the bindings)."""
    await widget._on_key(event)


def clear_tooltip(screen: Screen) -> None:
    screen._clear_tooltip()


async def check_bindings(app: App, key: str, priority: bool = False) -> bool:
    """Textual's own binding lookup: priority bindings, or from the focused widget up. True if one ran."""
    return await app._check_bindings(key, priority=priority)


def mark_forwarded(event: events.Key) -> None:
    """Mark the key as handed down by the app, so the widget's queue does not pass it back up."""
    event._set_forwarded()


def propagation_stopped(event: events.Key) -> bool:
    return event._stop_propagation


def is_exiting(app: App) -> bool:
    """Has the app been asked to exit (keys typed after a quit are not for it)?"""
    return bool(getattr(app, "_exit", False))


def focused_without_repaint() -> Reactive:
    """A `Screen.focused` that does not repaint the whole screen when focus moves."""
    return Reactive(None, repaint=False)


def restyle_itself(widget: Widget, _has_focus: bool) -> None:
    """A pane's `watch_has_focus`: restyle the pane alone when it gains or loses focus. Textual's own
    watcher restyles the pane and every widget inside it (~50 in the XOR pane: a third of the CPU
    of a key that moves focus between panes, 55 -> 38 ms measured in a Pilot run), in case a rule
    styles the insides by the pane's :focus; none here does (tests/test_textual_shims.py checks
    the stylesheet), and the focused border is set inline (workspace.mark_focused)."""
    widget.app.stylesheet.update_nodes([widget])


class ShimBroken(AssertionError):
    pass


def _need(ok: bool, what: str) -> None:
    if not ok:
        raise ShimBroken(f"Textual {textual_version()} changed {what}: see neurotui/tui/textual_shims.py")


def check() -> None:
    """Raise `ShimBroken`, naming Textual's version, if a private name we rely on is gone or changed."""
    _need(inspect.iscoroutinefunction(getattr(Widget, "_on_key", None)), "Widget._on_key (a coroutine)")
    _need("_on_key" in vars(Input), "Input._on_key (the Input's own key handler, overridden in tui/lesson.py)")
    _need(callable(getattr(Screen, "_clear_tooltip", None)), "Screen._clear_tooltip()")
    bindings = getattr(App, "_check_bindings", None)
    _need(inspect.iscoroutinefunction(bindings) and "priority" in inspect.signature(bindings).parameters,
          "App._check_bindings(key, priority=)")
    key = events.Key("a", "a")
    _need(callable(getattr(key, "_set_forwarded", None)) and hasattr(key, "_stop_propagation"),
          "Key._set_forwarded() / Key._stop_propagation")
    _need(isinstance(vars(Screen).get("focused"), Reactive), "Screen.focused (a Reactive)")
    _need("_exit" in inspect.getsource(App.exit), "App._exit (set by App.exit)")
    _need(callable(getattr(Widget, "watch_has_focus", None)), "Widget.watch_has_focus (overridden by each pane)")
