"""Every use of textual-serve's private API, each behind one named function.

textual-serve has no hooks for what serve adds (a token, a base path, a tab's own environment,
a stop that does not wait for ever), so `GuardedServer` and `TabApp` override two of its private
methods and reach into its state. What we rely on is named here once; `check()` (run by
tests/test_shims.py) says which one a new textual-serve broke, with its version.
"""

from __future__ import annotations

import asyncio
import inspect
from importlib.metadata import version
from types import SimpleNamespace

from textual_serve.app_service import AppService
from textual_serve.server import Server

# The private methods our subclasses override, and the public method of textual-serve that calls each.
OVERRIDDEN = {(Server, "_make_app"): "serve", (AppService, "_open_app_process"): "start"}


def textual_serve_version() -> str:
    return version("textual-serve")


def served_environment(debug: bool, width: int, height: int) -> dict[str, str]:
    """The environment textual-serve would give an app: its driver, colours and size, over os.environ."""
    return AppService._build_environment(SimpleNamespace(debug=debug), width=width, height=height)


def adopt_process(tab: AppService, process: asyncio.subprocess.Process) -> None:
    """Make `process` the tab's app: textual-serve writes to its stdin and reads its output."""
    tab._process = process
    tab._stdin = process.stdin


def process_of(tab: AppService) -> asyncio.subprocess.Process | None:
    return tab._process


def take_reader(tab: AppService) -> asyncio.Task | None:
    """The task reading the app's output (None once stopped); the tab forgets it."""
    task, tab._task = tab._task, None
    return task


async def cancel_downloads(tab: AppService) -> None:
    await tab._download_manager.cancel_app_downloads(app_service_id=tab.app_service_id)


async def relay_messages(server: Server, websocket, tab: AppService) -> None:
    """textual-serve's loop passing the browser's messages to the tab's app until the socket closes."""
    await server._process_messages(websocket, tab)


class ShimBroken(AssertionError):
    pass


def _need(ok: bool, what: str) -> None:
    if not ok:
        raise ShimBroken(f"textual-serve {textual_serve_version()} changed {what}: "
                         "see neurotui/serve/textual_serve_shims.py")


def _parameters(cls, name: str) -> list[str]:
    method = getattr(cls, name, None)
    return list(inspect.signature(method).parameters) if callable(method) else []


def check() -> None:
    """Raise `ShimBroken`, naming textual-serve's version, if a private name we rely on is gone or changed."""
    for (cls, name), caller in OVERRIDDEN.items():
        method = getattr(cls, name, None)
        _need(callable(method), f"{cls.__name__}.{name}")
        _need(name in inspect.getsource(getattr(cls, caller)), f"{cls.__name__}.{caller} (no longer calls {name})")
    _need(_parameters(AppService, "_open_app_process") == ["self", "width", "height"],
          "AppService._open_app_process(width, height)")
    _need(_parameters(AppService, "_build_environment") == ["self", "width", "height"],
          "AppService._build_environment(width, height)")
    _need(_parameters(Server, "_process_messages") == ["self", "websocket", "app_service"],
          "Server._process_messages(websocket, app_service)")
    init = inspect.getsource(AppService.__init__)
    for name in ("self._process", "self._task", "self._stdin", "self._download_manager"):
        _need(name in init, f"AppService's {name[5:]} attribute")
    served = served_environment(False, 81, 25)
    _need(served.get("COLUMNS") == "81" and served.get("ROWS") == "25", "the size in AppService._build_environment")
