"""One browser tab's app process: its environment (an allow-list), its size, and its end.

textual-serve gives each app the server's whole environment; a tab here gets only what an
app needs (where to find Python and its packages, the locale, the user's folders) plus
Textual's settings, so no token or other secret of the server's reaches a tab's process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

from textual_serve.app_service import AppService

from neurotui.serve.textual_serve_shims import (
    adopt_process,
    cancel_downloads,
    process_of,
    served_environment,
    take_reader,
)

QUIT_GRACE_S = 2.0  # an app asked to quit gets this long before SIGTERM ...
TERM_GRACE_S = 3.0  # ... and this long after it (launch.py's own hard exit is 3 s) before SIGKILL
TRAIN_NICE = 10  # CFS weight 110 against a screen's 1024: a waking screen thread gets the core at once
TRAIN_NICE_ENV = "NEUROTUI_TRAIN_NICE"  # read by session.loop.give_way (serve does not import the session)

# What a tab's app may see of the server's environment.
PASSED_ENV = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR",
              "PYTHONPATH", "VIRTUAL_ENV", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "PYTORCH_CUDA_ALLOC_CONF",
              "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")
# What textual-serve sets for its driver, colours and size (the rest of its environment is os.environ).
TEXTUAL_ENV = ("TEXTUAL_DRIVER", "TEXTUAL_FPS", "TEXTUAL_COLOR_SYSTEM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION",
               "COLUMNS", "ROWS", "TEXTUAL", "TEXTUAL_LOG")
# A page asks for its terminal's size; a huge one would have the app draw (and send) millions of cells.
COLUMNS_RANGE = (20, 400)
ROWS_RANGE = (8, 150)


def clamp_size(width, height) -> tuple[int, int]:
    """The page's width and height as numbers in range (80x24 for what is not a number)."""
    def fit(value, default: int, bounds: tuple[int, int]) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = default
        return max(bounds[0], min(bounds[1], number))

    return fit(width, 80, COLUMNS_RANGE), fit(height, 24, ROWS_RANGE)


def tab_environment(width: int = 80, height: int = 24, debug: bool = False, extra=None) -> dict[str, str]:
    """The environment of a tab's process: the allow-list, Textual's settings, and `extra` (whose
    lesson progress it keeps). The warm parent imports Textual under it, as Textual reads these at import."""
    served = served_environment(debug, width, height)
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    env |= {name: served[name] for name in TEXTUAL_ENV if name in served}
    # Every tab's training below every tab's screen (session.loop.give_way): keys stay quick when busy.
    env[TRAIN_NICE_ENV] = str(TRAIN_NICE)
    return env | dict(extra or {})


async def end_process(process: asyncio.subprocess.Process | None, quit_grace: float = 0.0) -> None:
    """Wait up to `quit_grace` for the process to leave by itself, then SIGTERM, then SIGKILL."""
    if process is None:
        return
    for grace, stop in ((quit_grace, None), (TERM_GRACE_S, process.terminate), (None, process.kill)):
        if process.returncode is not None:
            return
        if stop is not None:
            with contextlib.suppress(ProcessLookupError):
                stop()
        try:
            await asyncio.wait_for(process.wait(), grace)
            return
        except asyncio.TimeoutError:
            continue


class TabApp(AppService):
    """One tab's app: started without a shell (options need no quoting), tracked, always ended."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = argv
        self.extra_env = env or {}

    async def _open_app_process(  # textual-serve's hook (textual_serve_shims.OVERRIDDEN)
            self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        width, height = clamp_size(width, height)
        env = tab_environment(width, height, self.debug, self.extra_env)
        process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env,
        )
        adopt_process(self, process)
        return process

    async def set_terminal_size(self, width, height) -> None:
        await super().set_terminal_size(*clamp_size(width, height))

    @property
    def process(self) -> asyncio.subprocess.Process | None:
        return process_of(self)

    async def run(self) -> None:
        """textual-serve's reader; when the app's output ends (it left, or died) the tab's websocket
        closes too, so the browser is told and the tab's slot comes free."""
        try:
            await super().run()
        finally:
            with contextlib.suppress(Exception):
                await self.remote_close()

    async def stop(self) -> None:
        """Ask the app to quit; if it has not gone after a grace period, terminate it, then kill it.

        textual-serve's own stop() waits for the app for ever; a tab closed on a hung app
        must not keep a process (and a session slot) alive.
        """
        task = take_reader(self)
        if task is not None:
            await cancel_downloads(self)
            await self.send_meta({"type": "quit"})
        await end_process(process_of(self), quit_grace=QUIT_GRACE_S)
        if task is not None:
            # The app's output ends with the process; the reader task then finishes by itself.
            done, _ = await asyncio.wait({task}, timeout=1.0)
            if not done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
