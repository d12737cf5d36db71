"""Leaving promptly however the app ends: a hard-exit safety net and a hang-up watch.

Shared by the app (signal handlers) and the launcher, so neither imports the other.
"""

from __future__ import annotations

import os
import sys
import threading

# After SIGTERM/SIGHUP the app exits through Textual (which restores the terminal). If that
# cannot finish -- writes to a hung-up terminal can block -- the process ends this much later.
HARD_EXIT_AFTER_S = 3.0


def under_web_driver(env=None) -> bool:
    """True when textual-serve runs us: it talks over pipes and names its driver in TEXTUAL_DRIVER."""
    env = os.environ if env is None else env
    return "web_driver" in env.get("TEXTUAL_DRIVER", "")


def exit_soon(code: int, after: float = HARD_EXIT_AFTER_S) -> None:
    """End the process `after` seconds from now unless it has ended by then (a safety net)."""
    timer = threading.Timer(after, hard_exit, (code,))
    timer.daemon = True
    timer.start()


def hard_exit(code: int) -> None:
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


def exit_on_signals(on_signal) -> None:
    """SIGTERM / SIGHUP (an SSH link dropping) call on_signal(sig) on the event loop, so the
    app leaves through Textual's own exit, which restores the terminal."""
    import asyncio
    import signal

    try:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, on_signal, int(sig))
    except (NotImplementedError, RuntimeError, ValueError, AttributeError):
        pass
