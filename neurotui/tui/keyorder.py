"""Keys handled one after another, each where focus is when its turn comes.

Textual hands a key to the focused widget's own message queue and resolves its binding
only once it has bubbled back up to the app, while the app has already handed the next
keys out; and `Widget.focus()` moves focus only later still. When the app is busy (at
start-up torch loads beside it) the keys of `1` Enter `10` Enter arrive together: Enter
went to the pane that was focused before `1`, and the digits after it, so the edit was
lost. Here the app resolves every key itself, in order, with focus moved at once.
"""

from __future__ import annotations

import asyncio
from collections import deque

from textual import events
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widget import Widget

from neurotui.tui.textual_shims import (
    check_bindings,
    clear_tooltip,
    handle_key_in_widget,
    is_exiting,
    mark_forwarded,
    propagation_stopped,
    reads_keys,
)

# A widget that never takes its key turn (closed while its queue was busy) must not hold
# the keyboard: after this the key goes on to the bindings.
TURN_TIMEOUT_S = 1.0


def focus_now(widget: Widget) -> None:
    """Focus `widget` (or, if it cannot take focus, its first descendant that can: a pane whose
    table holds its focus) before the next key is resolved; Textual's `focus()` waits a turn."""
    target = widget if widget.focusable else next((w for w in widget.query("*") if w.focusable), None)
    if target is None:
        return
    try:
        target.screen.set_focus(target)
    except Exception:  # not mounted yet, or its screen is gone: let Textual focus it when it can
        target.focus()


async def _in_its_turn(widget: Widget, event: events.Key) -> None:
    """Let `widget` handle `event` in its own queue, after what is already there (an Input
    selects its text on Focus: the first character typed must come after that)."""
    done = asyncio.Event()

    async def handle() -> None:
        try:
            await handle_key_in_widget(widget, event)
        finally:
            done.set()

    if widget.call_later(handle):
        try:
            await asyncio.wait_for(done.wait(), TURN_TIMEOUT_S)
        except asyncio.TimeoutError:
            pass


# Actions after which `q` may no longer quit: they open a screen (where q closes it) or can move
# focus into a text field (where q is typed).
CHANGES_WHAT_Q_DOES = {"help", "pick_preset", "pick_bug", "pick_features", "command_palette",
                       "focus_next", "focus_previous", "edit", "edit_weight"}


class KeysInOrder(MessagePump):
    """Mix into the App (before `App`): key events are resolved in order, bindings included.

    Keys typed faster than they are handled wait their turn; `keys_waiting` says how many, so
    a costly consequence (a restart) can be done once for the whole burst (`keys_drained`).
    Quit does not wait behind a burst: it leaves at once when nothing before it could have
    changed what `q` does.
    """

    _waiting: deque | None = None  # per key posted and not yet handled: may it change what q does?

    @property
    def keys_waiting(self) -> int:
        return len(self._waiting or ())

    def keys_drained(self) -> None:
        """Called when the last key waiting has been handled."""

    def key_owner(self, event: events.Key) -> Widget | None:
        """The widget that must take this key wherever focus is (None: the focused one, as usual)."""
        return None

    def key_arrived(self) -> None:
        """Called as each key is posted, from the thread that read it (before it waits its turn)."""

    def post_message(self, message) -> bool:
        if isinstance(message, events.Key) and not message.is_forwarded:
            self.key_arrived()
            if self._waiting is None:
                self._waiting = deque()
            action = self._action_now(message.key)
            if self._waiting and action == "quit" and not any(self._waiting) and self._quit_is_plain():
                self.run_action_now("quit")  # not behind the burst: nothing in it changes what q does
                return True
            self._waiting.append(action is None or action in CHANGES_WHAT_Q_DOES)
        return super().post_message(message)

    def _action_now(self, key: str) -> str | None:
        """The action `key` is bound to in the focus chain now (None: unbound, or no screen yet)."""
        try:
            found = self.screen.active_bindings.get(key)
        except Exception:
            return None
        return found[1].action if found is not None and found[2] else None

    def _quit_is_plain(self) -> bool:
        """On the main screen, with no text field focused: q quits rather than closes or types."""
        try:
            return self.screen is self.screen_stack[0] and not (self.focused and reads_keys(self.focused))
        except Exception:
            return False

    def run_action_now(self, action: str) -> None:
        getattr(self, f"action_{action}")()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            try:
                if not is_exiting(self):  # keys typed after a quit are not for us
                    await self._key_in_order(event)
            finally:
                if self._waiting:
                    self._waiting.popleft()
                if not self._waiting:
                    self.keys_drained()
        else:
            await super().on_event(event)

    async def _key_in_order(self, event: events.Key) -> None:
        app = self.app
        app.app_focus = True
        screen: Screen = app.screen
        if screen.maximized is not None and event.key == "escape" and app.escape_to_minimize:
            screen.minimize()
            return
        if app.focused is not None:
            clear_tooltip(screen)
        if await check_bindings(app, event.key, priority=True):
            return
        owner = self.key_owner(event)
        if owner is not None and owner is not app.focused:
            focus_now(owner)  # a question that waits owns the keys meant for its answer
        target = app.focused
        if target is not None and reads_keys(target):
            mark_forwarded(event)
            await _in_its_turn(target, event)
            if propagation_stopped(event):
                return
        if not await check_bindings(app, event.key):  # from the focused widget up, as Textual does
            await (target or screen).handle_key(event)  # its key_ methods, if any
