"""The web server: textual-serve's aiohttp application, with the safety textual-serve leaves out.

textual-serve starts one app process per browser tab and has no authentication. On top of
its `Server` this adds:

- the token and origin checks of `access.py`, and a base path for serving under a prefix;
- with --learn, one learner per browser (`learners.py`) and the teacher's class view (`classview.py`);
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
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, web
from aiohttp.web_runner import GracefulExit
from textual_serve.server import Server

from neurotui.serve.access import CLASS_PATHS, HEALTH, TOKEN_PARAM, Access, healthz, page, refused, trusted_peers
from neurotui.serve.tabs import QUIT_GRACE_S, TERM_GRACE_S, TabApp, clamp_size, tab_environment
from neurotui.serve.textual_serve_shims import relay_messages
from neurotui.serve.warm import WarmParent, launcher_argv

log = logging.getLogger("textual-serve")

STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def font_size(text: str | None) -> int:
    try:
        return max(6, min(48, int(text or 16)))
    except ValueError:
        return 16


class GuardedServer(Server):
    """textual-serve's Server with a token, a session cap, a base path and a clean shutdown."""

    def __init__(self, argv: list[str], *, host: str, port: int, max_sessions: int,
                 token: str | None = None, base_path: str = "", warm: WarmParent | None = None,
                 state_dir: Path | None = None, teacher_token: str | None = None, trusted=None) -> None:
        super().__init__(" ".join(argv), host=host, port=port, title="neurotui")
        self.argv = argv
        self.max_sessions = max_sessions
        token = token or secrets.token_urlsafe(24)
        learning = state_dir is not None
        self.access = Access(token, base_path, (teacher_token or secrets.token_urlsafe(24)) if learning else None,
                             trusted)
        self.base_path = base_path
        self.learners = self.class_view = None
        if learning:
            from neurotui.serve.classview import ClassView
            from neurotui.serve.learners import Learners

            self.learners = Learners(state_dir, token, base_path, self.access)
            self.class_view = ClassView(self.learners)
        self.warm = warm
        self.sessions: dict[TabApp, web.WebSocketResponse] = {}
        self.started: list[asyncio.subprocess.Process] = []  # every app process, for the last sweep

    @property
    def token(self) -> str:
        return self.access.token

    @property
    def teacher_token(self) -> str | None:
        return self.access.teacher_token

    def _full(self) -> web.Response:
        return web.Response(status=503, content_type="text/html", text=page(
            "neurotui: the server is full",
            f"All {self.max_sessions} sessions are in use. Close another tab or try again in a minute."))

    async def _make_app(self) -> web.Application:  # textual-serve's hook (textual_serve_shims.OVERRIDDEN)
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
        if self.learners is not None:
            page_path, json_path = (base + p for p in CLASS_PATHS)
            routes += [web.post(base + "/join", self.learners.handle_join),
                       web.get(page_path, self.class_view.handle_page),
                       web.get(json_path, self.class_view.handle_json)]
        app.add_routes(routes)
        app.on_shutdown.append(self.on_shutdown)
        return app

    # ----- pages -------------------------------------------------------------------------
    async def handle_bare_base(self, request: web.Request) -> web.StreamResponse:
        """`/prefix` -> `/prefix/`, at the address the browser used (a proxy's, if any)."""
        raise web.HTTPFound(str(self.access.origin(request).with_path(self.base_path + "/").with_query(request.query)))

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if len(self.sessions) >= self.max_sessions:
            return self._full()
        if self.learners is not None and self.learners.learner_of(request) is None:
            return self.learners.name_page()  # a browser's first visit: join the class first
        # The origin the browser used, not the bound address: through `ssh -L` that is
        # localhost, behind a proxy the proxy's; the websocket must go where the cookie went.
        origin = self.access.origin(request)
        ws_scheme = "wss" if origin.scheme == "https" else "ws"
        context = {
            "font_size": font_size(request.query.get("fontsize")),
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
        env = None
        if self.learners is not None:
            learner = self.learners.learner_of(request)
            if learner is None:  # no tab without a learner: its progress would belong to nobody
                return refused(401)
            env = self.learners.tab_env(learner)
        websocket = web.WebSocketResponse(heartbeat=15)
        argv = self.warm.tab_argv() if self.warm is not None else launcher_argv("", self.argv)
        tab = TabApp(argv, env, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                     close=websocket.close, download_manager=self.download_manager, debug=self.debug)
        self.sessions[tab] = websocket  # counted before any await, so two tabs cannot both take the last slot
        try:
            await websocket.prepare(request)
            await tab.start(*clamp_size(request.query.get("width"), request.query.get("height")))
            if tab.process is not None:
                self.started.append(tab.process)
            await relay_messages(self, websocket, tab)
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
    if server.learners is not None:
        teacher = f"{server.base_path}/class?{TOKEN_PARAM}={server.teacher_token}"
        lines[1:1] = [f"  each browser is one learner; progress is kept in {server.learners.path}"]
        lines += [f"the teacher's class view: http://{shown}:{port}{teacher}",
                  "  its token is yours alone: it is not a student's link, nor a student's link it"]
    print("\n".join(lines), file=out or sys.stdout, flush=True)


def serve(argv: list[str], host: str, port: int, max_sessions: int, *, token: str | None = None,
          base_path: str = "", warm: bool = True, state_dir: str | None = None, teacher_token: str | None = None,
          behind_proxy: bool = False, forwarded_allow_ips: str | None = None) -> int:
    """Serve `argv` (`python -m neurotui OPTIONS...`) to browser tabs until SIGINT/SIGTERM.

    `state_dir`: the lesson is served (`--learn`): one learner per browser, kept in its class file.
    """

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
                               base_path=base_path, warm=parent,
                               state_dir=Path(state_dir) if state_dir is not None else None,
                               teacher_token=teacher_token, trusted=trusted_peers(behind_proxy, forwarded_allow_ips))
        # From the printed URL on, a SIGTERM must end the tabs too: held until the loop handles it.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        announce(server, host, port)
        server.run(sock)
    finally:
        if parent is not None:
            parent.stop()
    return 0
