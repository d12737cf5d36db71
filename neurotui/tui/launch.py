"""Start the app only where it can work, and leave cleanly however it ends.

Over SSH the app can meet a pipe instead of a terminal, a dumb TERM, a C locale, a
SIGTERM, or the link simply dropping. This module refuses the first two with one line,
chooses ASCII for the third (and filters every byte Textual writes in ASCII mode), and
makes sure the process is gone promptly after a quit, a signal or a hang-up.
"""

from __future__ import annotations

import os
import sys
import threading

from neurotui.core.xor import XorConfig

# After SIGTERM/SIGHUP the app exits through Textual (which restores the terminal). If that
# cannot finish -- writes to a hung-up terminal can block -- the process ends this much later.
HARD_EXIT_AFTER_S = 3.0


def under_web_driver(env=None) -> bool:
    """True when textual-serve runs us: it talks over pipes and names its driver in TEXTUAL_DRIVER."""
    env = os.environ if env is None else env
    return "web_driver" in env.get("TEXTUAL_DRIVER", "")


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


# ----- ASCII output -------------------------------------------------------------------------
# The app draws its own ASCII in --ascii mode, but Textual and Rich have glyphs of their own
# (the Footer's key separator, the command palette's icon and tall borders, rounded borders
# of other screens, scrollbar thumbs, the '…' of cut text). Each is mapped to an ASCII
# look-alike; anything else non-ASCII becomes '?' per terminal cell, so lines keep their width.
_LOOKALIKE = {
    "…": ".", "·": ".", "•": "*", "●": "*", "○": "o", "◀": "<", "▶": ">", "▲": "^", "▼": "v",
    "←": "<", "→": ">", "↑": "^", "↓": "v", "×": "x", "−": "-", "–": "-", "—": "-",
    "✓": "v", "✗": "x", "✔": "v", "✘": "x", "“": '"', "”": '"', "‘": "'", "’": "'",
    "▔": "-", "▁": "_", "▏": "|", "▕": "|", "▎": "|", "▍": "|", "▌": "|", "▐": "|",
    "▀": "^", "▄": "_", "▂": "_", "▃": "_", "▅": "#", "▆": "#", "▇": "#", "█": "#",
    "▉": "#", "▊": "#", "▋": "#", "░": ".", "▒": ":", "▓": "#", "▖": ".", "▗": ".", "▘": "'",
    "▝": "'", "▚": "#", "▞": "#", "▙": "#", "▛": "#", "▜": "#", "▟": "#",
    "🔎": "> ",  # the command palette's search icon is two cells wide
}


def _box_char(ch: str) -> str | None:
    """Box drawing (U+2500-U+257F) by shape: corners and joints '+', lines '-' or '|'."""
    code = ord(ch)
    if not 0x2500 <= code <= 0x257F:
        return None
    import unicodedata

    name = unicodedata.name(ch, "")
    if "HORIZONTAL" in name and "VERTICAL" not in name and "AND" not in name:
        return "-"
    if "VERTICAL" in name and "HORIZONTAL" not in name and "AND" not in name:
        return "|"
    if "DIAGONAL" in name:
        return "/" if "RIGHT TO LOWER LEFT" in name else "\\"
    return "+"


class _AsciiTable(dict):
    """str.translate table: ASCII stays, everything else gets a look-alike of the same width."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if code < 0x80:
            out = ch
        else:
            out = _LOOKALIKE.get(ch) or _box_char(ch)
            if out is None:
                if 0x2800 <= code <= 0x28FF:  # braille dots (plots)
                    out = "*" if code != 0x2800 else " "
                else:
                    from rich.cells import cell_len

                    out = "?" * max(cell_len(ch), 1) if cell_len(ch) else ""
        self[code] = out
        return out


ASCII_TABLE = _AsciiTable()


def to_terminal_ascii(text: str) -> str:
    return text if text.isascii() else text.translate(ASCII_TABLE)


def ascii_driver(base: type) -> type:
    """A subclass of Textual's driver whose every write is ASCII."""

    class AsciiDriver(base):
        def write(self, data: str) -> None:
            super().write(to_terminal_ascii(data))

    AsciiDriver.__name__ = f"Ascii{base.__name__}"
    return AsciiDriver


def honour_no_color(app) -> None:
    """NO_COLOR means no colour codes at all (no-color.org); Textual's default turns every
    colour into a grey, which still sends 256-colour codes and a near-black background."""
    if not getattr(app, "no_color", False):
        return
    from textual.filter import Monochrome, NoColor

    filters = getattr(app, "_filters", None)  # Textual 8 keeps its line filters here
    if isinstance(filters, list):
        filters[:] = [NoColor() if isinstance(f, Monochrome) else f for f in filters]


# ----- leaving ------------------------------------------------------------------------------
def exit_soon(code: int, after: float = HARD_EXIT_AFTER_S) -> None:
    """End the process `after` seconds from now unless it has ended by then (a safety net)."""
    timer = threading.Timer(after, _hard_exit, (code,))
    timer.daemon = True
    timer.start()


def _hard_exit(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(code)


def watch_for_hangup(fd: int) -> None:
    """Send ourselves SIGHUP when the terminal hangs up, even if the kernel did not.

    A daemon thread blocks in poll() on a copy of the terminal's fd, asking for no events:
    only a hang-up or an error wakes it, so it costs nothing while the terminal lives.
    """
    import select
    import signal

    try:
        watched = os.dup(fd)
        poller = select.poll()
        poller.register(watched, 0)
    except (OSError, AttributeError, ValueError):
        return

    def watch() -> None:
        try:
            while True:
                events = poller.poll()
                if any(ev & (select.POLLHUP | select.POLLERR) for _, ev in events):
                    os.kill(os.getpid(), signal.SIGHUP)
                    return
                if any(ev & select.POLLNVAL for _, ev in events):
                    return
        except OSError:
            return

    threading.Thread(target=watch, name="neurotui-hangup-watch", daemon=True).start()


def launch(config: XorConfig, autostart: bool = True, ascii: bool = False, exit_process: bool = True) -> int:
    """Run the app in this terminal; the exit code (0, or 128+signal after SIGTERM/SIGHUP).

    With `exit_process`, the process ends right here once the terminal is restored and the
    reproduce line printed: tearing down an interpreter that imported torch takes seconds,
    and a worker thread still importing torch must not keep a quit waiting.
    """
    problem = terminal_problem()
    if problem:
        print(f"neurotui: error: {problem}", file=sys.stderr)
        return 2
    from neurotui.tui.app import NeuroApp

    app = NeuroApp(config, autostart=autostart, ascii=ascii or (wants_ascii() and not under_web_driver()))
    web = under_web_driver()
    if app.glyphs.ascii and not web:
        app.driver_class = ascii_driver(app.driver_class)
    honour_no_color(app)
    if not web:
        watch_for_hangup(sys.stdin.fileno())
    final = app.run()
    code = app.return_code or 0
    if code == 0:
        final = final or app.config
        args = final.cli_args()
        try:
            print(f"to reproduce this run: neurotui{' ' + args if args else ''}", flush=True)
        except OSError:  # the terminal went away as we left
            pass
    if exit_process:
        _hard_exit(code)
    return code
