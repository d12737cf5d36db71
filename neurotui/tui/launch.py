"""Start the app only where it can work: a real terminal. Prints the reproduce line on quit."""

from __future__ import annotations

import os
import sys

from neurotui.core.xor import XorConfig


def terminal_problem() -> str | None:
    """Why the app cannot run here, or None. Checked before Textual starts (it would spin or hang)."""
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        which = "stdin" if not sys.stdin.isatty() else "stdout"
        return f"{which} is not a terminal; neurotui is interactive (try `neurotui lab` for the headless lesson)"
    if os.environ.get("TERM", "") in ("", "dumb"):
        return "TERM is dumb or unset; neurotui needs a real terminal (try `neurotui lab` for the headless lesson)"
    return None


def wants_ascii() -> bool:
    import locale

    encoding = (sys.stdout.encoding or locale.getpreferredencoding(False) or "").lower()
    return "utf" not in encoding


def launch(config: XorConfig, autostart: bool = True, ascii: bool = False) -> int:
    problem = terminal_problem()
    if problem:
        print(f"neurotui: error: {problem}", file=sys.stderr)
        return 2
    from neurotui.tui.app import NeuroApp

    app = NeuroApp(config, autostart=autostart, ascii=ascii or wants_ascii())
    final = app.run()
    if app.return_code not in (None, 0):
        return app.return_code
    final = final or app.config
    args = final.cli_args()
    print(f"to reproduce this run: neurotui{' ' + args if args else ''}")
    return 0
