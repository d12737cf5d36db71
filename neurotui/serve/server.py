"""The web server: textual-serve's aiohttp application, with the safety textual-serve leaves out.

textual-serve starts one app process per browser tab and has no authentication. On top of
its `Server` this adds:

- the token and origin checks of `access.py`, and a base path for serving under a prefix;
- tabs forked from a warm parent (`warm.py`, `zygote.py`) instead of a new Python each;
- a cap on concurrent tabs, with a short "server is full" page past it;
- SIGINT/SIGTERM end the server and every app process it started: each is asked to quit,
  then terminated, then killed. SIGKILL of the server ends them too (their death signal);
- URLs built from the address the browser used (through an SSH tunnel that is localhost,
  behind a proxy the proxy's), so the cookie and the websocket share one origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import secrets
import signal
import socket
import sys
from types import SimpleNamespace
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, web
from aiohttp.web_runner import GracefulExit
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from neurotui.serve.access import HEALTH, TOKEN_PARAM, Access, healthz, page, public_origin
from neurotui.serve.warm import WarmParent, launcher_argv

log = logging.getLogger("textual-serve")

QUIT_GRACE_S = 2.0  # an app asked to quit gets this long before SIGTERM ...
TERM_GRACE_S = 3.0  # ... and this long after it (launch.py's own hard exit is 3 s) before SIGKILL
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
TRAIN_NICE = 10  # CFS weight 110 against a screen's 1024: a waking screen thread gets the core at once
TRAIN_NICE_ENV = "NEUROTUI_TRAIN_NICE"  # read by session.loop.give_way (serve does not import the session)


def tab_environment(width: int = 80, height: int = 24, debug: bool = False) -> dict[str, str]:
    """The environment textual-serve gives a tab (its driver, colours, size) -- the warm parent
    imports Textual under it, as Textual reads these at import."""
    env = AppService._build_environment(SimpleNamespace(debug=debug), width=width, height=height)
    # The app draws its own colours; a NO_COLOR the server was started with is no reason to grey a tab.
    env.pop("NO_COLOR", None)
    # Every tab's training below every tab's screen (session.loop.give_way): keys stay quick when busy.
    env[TRAIN_NICE_ENV] = str(TRAIN_NICE)
    return env


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

    def __init__(self, argv: list[str], **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = argv

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        env = tab_environment(width, height, self.debug)
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env,
        )
        self._stdin = process.stdin
        return process

    @property
    def process(self) -> asyncio.subprocess.Process | None:
        return self._process

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
        task, self._task = self._task, None
        if task is not None:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
        await end_process(self._process, quit_grace=QUIT_GRACE_S)
        if task is not None:
            # The app's output ends with the process; the reader task then finishes by itself.
            done, _ = await asyncio.wait({task}, timeout=1.0)
            if not done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


class GuardedServer(Server):
    """textual-serve's Server with a token, a session cap, a base path and a clean shutdown."""

    def __init__(self, argv: list[str], *, host: str, port: int, max_sessions: int,
                 token: str | None = None, base_path: str = "", warm: WarmParent | None = None) -> None:
        super().__init__(" ".join(argv), host=host, port=port, title="neurotui")
        self.argv = argv
        self.max_sessions = max_sessions
        self.access = Access(token or secrets.token_urlsafe(24), base_path)
        self.base_path = base_path
        self.warm = warm
        self.sessions: dict[TabApp, web.WebSocketResponse] = {}
        self.started: list[asyncio.subprocess.Process] = []  # every app process, for the last sweep

    @property
    def token(self) -> str:
        return self.access.token

    def _full(self) -> web.Response:
        return web.Response(status=503, content_type="text/html", text=page(
            "neurotui: the server is full",
            f"All {self.max_sessions} sessions are in use. Close another tab or try again in a minute."))

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.access.guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        base = self.base_path
        routes = [
            web.get(base + "/", self.handle_index),
            web.get(base + "/ws", self.handle_websocket),
            web.get(base + "/download/{key}", self.handle_download),
            web.static(base + "/static", self.statics_path),
            web.get(HEALTH, healthz),
        ]
        if base:
            routes += [
                web.get(base, self.handle_bare_base),
                web.get(base + HEALTH, healthz),
                # textual-serve's JavaScript asks for downloads at the host's root, whatever the page's path.
                web.get("/download/{key}", self.handle_download),
            ]
        app.add_routes(routes)
        app.on_shutdown.append(self.on_shutdown)
        return app

    # ----- pages -------------------------------------------------------------------------
    async def handle_bare_base(self, request: web.Request) -> web.StreamResponse:
        """`/prefix` -> `/prefix/`, at the address the browser used (a proxy's, if any)."""
        target = public_origin(request).with_path(self.base_path + "/").with_query(request.query)
        raise web.HTTPFound(str(target))

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if len(self.sessions) >= self.max_sessions:
            return self._full()
        # The origin the browser used, not the bound address: through `ssh -L` that is
        # localhost, behind a proxy the proxy's; the websocket must go where the cookie went.
        origin = public_origin(request)
        ws_scheme = "wss" if origin.scheme == "https" else "ws"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": str(origin.with_scheme(ws_scheme).with_path(self.base_path + "/ws")),
            "config": {"static": {"url": f"{origin}{self.base_path}/static/"}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        if len(self.sessions) >= self.max_sessions:
            return self._full()
        websocket = web.WebSocketResponse(heartbeat=15)
        argv = self.warm.tab_argv() if self.warm is not None else launcher_argv("", self.argv)
        tab = TabApp(argv, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                     close=websocket.close, download_manager=self.download_manager, debug=self.debug)
        self.sessions[tab] = websocket  # counted before any await, so two tabs cannot both take the last slot
        try:
            await websocket.prepare(request)
            await tab.start(to_int(request.query.get("width", "80"), 80),
                            to_int(request.query.get("height", "24"), 24))
            if tab.process is not None:
                self.started.append(tab.process)
            await self._process_messages(websocket, tab)
        except asyncio.CancelledError:
            pass
        except Exception:  # a broken tab must not take the server down
            log.exception("a browser tab failed")
        finally:
            try:
                await tab.stop()
            finally:
                self.sessions.pop(tab, None)
                with contextlib.suppress(Exception):
                    await websocket.close()
        return websocket

    # ----- start and stop ----------------------------------------------------------------
    async def on_shutdown(self, app: web.Application) -> None:
        tabs = list(self.sessions.items())
        await asyncio.gather(*(tab.stop() for tab, _ in tabs), return_exceptions=True)
        for _, websocket in tabs:
            with contextlib.suppress(Exception):
                await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")

    def kill_leftovers(self) -> None:
        """After the event loop: SIGKILL any app process still there (none, unless a stop failed)."""
        for process in self.started:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(process.pid, signal.SIGKILL)

    def run(self, sock: socket.socket) -> None:
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, self.request_exit)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # one that came meanwhile is handled now
        try:
            web.run_app(self._make_app(), sock=sock, handle_signals=False, loop=loop, print=None,
                        shutdown_timeout=TERM_GRACE_S + QUIT_GRACE_S, access_log=None)
        finally:
            self.kill_leftovers()

    def request_exit(self) -> None:
        raise GracefulExit()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound now so a taken port is one clear line, and port 0 works."""
    from neurotui.core.errors import ConfigError

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(False)
    return sock


def announce(server: GuardedServer, host: str, port: int, out=None) -> None:
    shown = host if is_loopback(host) or host not in ("0.0.0.0", "::", "") else socket.gethostname()
    if ":" in shown:
        shown = f"[{shown}]"
    path = f"{server.base_path}/?{TOKEN_PARAM}={server.token}"
    lines = [
        f"neurotui is served at http://{shown}:{port}{path}",
        f"  the link's token is the only key: share it only with your class (at most {server.max_sessions} tabs at once)",
        f"  from a laptop to a GPU box: ssh -L {port}:localhost:{port} user@gpu-box",
        f"  then open on the laptop: http://localhost:{port}{path}",
        "  press Ctrl+C to stop the server and every app it started",
    ]
    print("\n".join(lines), file=out or sys.stdout, flush=True)


def serve(argv: list[str], host: str, port: int, max_sessions: int, *, token: str | None = None,
          base_path: str = "", warm: bool = True) -> int:
    """Serve `argv` (`python -m neurotui OPTIONS...`) to browser tabs until SIGINT/SIGTERM."""
    if not is_loopback(host):
        print(f"neurotui: warning: --host {host} lets other machines in: anyone who can reach this port "
              "and has the URL can run the app", file=sys.stderr, flush=True)
    sock = bind(host, port)
    port = sock.getsockname()[1]
    # Started before the event loop and any thread: its own fork loop must be the only one.
    # It warms up the app only: another command (the tests' tiny apps) is started per tab.
    warm = warm and argv[:3] == [sys.executable, "-m", "neurotui"]
    parent = WarmParent(argv, tab_environment()) if warm else None
    try:
        server = GuardedServer(argv, host=host, port=port, max_sessions=max_sessions, token=token,
                               base_path=base_path, warm=parent)
        # From the printed URL on, a SIGTERM must end the tabs too: held until the loop handles it.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        announce(server, host, port)
        server.run(sock)
    finally:
        if parent is not None:
            parent.stop()
    return 0
