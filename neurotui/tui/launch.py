"""Start the app only where it can work, and leave cleanly however it ends.

Over SSH the app can meet a pipe instead of a terminal, a dumb TERM, a C locale, a
SIGTERM, or the link simply dropping. This module refuses the first two with one line,
chooses ASCII for the third (and filters every byte Textual writes in ASCII mode), and
makes sure the process is gone promptly after a quit, a signal or a hang-up.
"""

from __future__ import annotations

import os
import sys

from neurotui.core.model.config import XorConfig
from neurotui.tui.process import hard_exit, under_web_driver, watch_for_hangup


def terminal_problem() -> str | None:
    """Why the app cannot run here, or None. Checked before Textual starts (it would spin or hang)."""
    if under_web_driver():
        return None  # a browser tab is the terminal; its driver speaks over pipes
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        which = "stdin" if not sys.stdin.isatty() else "stdout"
        return f"{which} is not a terminal; neurotui is interactive (try `neurotui lab` for the headless lesson)"
    if os.environ.get("TERM", "") in ("", "dumb"):
        return "TERM is dumb or unset; neurotui needs a real terminal (try `neurotui lab` for the headless lesson)"
    return None


ESCAPE_DELAY_MS = 40

# What Python itself sets LC_CTYPE to when it coerces a C locale (PEP 538).
_COERCED = {"c.utf-8", "c.utf8", "utf-8"}


def locale_name(env=None) -> str:
    """The character-type locale the user asked for: LC_ALL, else LC_CTYPE, else LANG.

    Python coerces a C locale to C.UTF-8 (and switches on its UTF-8 mode), so neither
    sys.stdout.encoding nor a coerced LC_CTYPE says what the terminal was set up for.
    """
    env = os.environ if env is None else env
    if env.get("LC_ALL"):
        return env["LC_ALL"]
    ctype = env.get("LC_CTYPE", "")
    if ctype and not (sys.flags.utf8_mode and ctype.lower() in _COERCED):
        return ctype
    return env.get("LANG", "")


def wants_ascii(env=None) -> bool:
    """True when the terminal should get ASCII only: a C/POSIX/unset or non-UTF-8 locale,
    or a stdout that cannot encode UTF-8 (PYTHONIOENCODING=ascii)."""
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if encoding and "utf" not in encoding:
        return True
    name = locale_name(env).lower().replace("-", "").replace("_", "")
    return "utf8" not in name


def start_speed(value):
    """config.toml's speed: "max", or steps/s snapped to the [ ] ladder; None: the default."""
    from neurotui.session.control import SPEEDS

    if value is None:
        return "default"
    if value == "max":
        return None
    return min((s for s in SPEEDS if s is not None), key=lambda s: abs(s - value))


def launch(config: XorConfig, autostart: bool = True, ascii: bool = False, exit_process: bool = True, *,
           theme: str | None = None, keymap: dict[str, str] | None = None, speed=None, question: str = "",
           lesson: dict | None = None, warnings: tuple[str, ...] = ()) -> int:
    """Run the app in this terminal; the exit code (0, or 128+signal after SIGTERM/SIGHUP).

    With `exit_process`, the process ends right here once the terminal is restored and the
    reproduce line printed: tearing down an interpreter that imported torch takes seconds,
    and a worker thread still importing torch must not keep a quit waiting.
    """
    problem = terminal_problem()
    if problem:
        print(f"neurotui: error: {problem}", file=sys.stderr)
        return 2
    # Esc alone: Textual waits ESCDELAY ms for the rest of an escape sequence before it calls
    # the key Esc (curses' convention, 100 by default), which alone broke the 100 ms a key may take.
    # A terminal writes a sequence at once; 40 ms still covers a slow link. The user's value wins.
    os.environ.setdefault("ESCDELAY", str(ESCAPE_DELAY_MS))
    from neurotui.tui.app import NeuroApp

    web = under_web_driver()
    # A browser tab draws every glyph; the terminal's locale says nothing about it.
    app = NeuroApp(config, autostart=autostart, ascii=ascii or (wants_ascii() and not web), ascii_bytes=not web,
                   speed=start_speed(speed), question=question, keymap=keymap,
                   lesson=lesson, warnings=warnings)
    if theme:
        app.theme = theme
    if not web:
        watch_for_hangup(sys.stdin.fileno())
    final = app.run()
    code = app.return_code or 0
    if code == 0:
        final = final or app.session.config
        args = final.cli_args()
        edits = getattr(app, "hand_edits", ())
        try:
            print(f"to reproduce this run: neurotui{' ' + args if args else ''}", flush=True)
            if edits:  # the command line alone cannot make these
                print(f"(but {len(edits)} weight{'s were' if len(edits) > 1 else ' was'} edited by hand, which "
                      "that command does not do: " + "; ".join(e.describe() for e in edits) + ")", flush=True)
            for line in getattr(app, "farewell", ()):  # the lesson: where `neurotui learn` picks up again
                print(line, flush=True)
        except OSError:  # the terminal went away as we left
            pass
    if exit_process:
        hard_exit(code)
    return code
