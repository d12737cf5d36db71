"""`neurotui serve`: the token, the session cap, signals and the command line, against real servers.

Token and cap tests serve a tiny Textual app (it starts in a blink and delivers a file at
once); the signal tests serve neurotui itself, as a user would.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys

import pytest
from served import Served, cookie_name, first_screen, group_members, start, wait_until

from neurotui import cli

TINY_APP = """
import io
from textual.app import App
from textual.widgets import Static

class Tiny(App):
    def compose(self):
        yield Static("tiny app for the serve tests")

    def on_mount(self):
        self.deliver_text(io.StringIO("card from the app"), save_filename="card.md")

Tiny().run()
"""
# Ignores the quit request and SIGTERM: only SIGKILL ends it.
STUBBORN_APP = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("__GANGLION__", flush=True)
time.sleep(600)
"""
SERVE_ARGV = ("import json, sys; from neurotui.serve.server import serve; "
              "sys.exit(serve(sys.argv[2:], '127.0.0.1', 0, **json.loads(sys.argv[1])))")


@pytest.fixture
def web():
    return pytest.importorskip("aiohttp", reason="textual-serve is not installed (pip install 'neurotui[web]')")


@pytest.fixture
def serve_app(tmp_path, web):
    """Start a server for an app script; every server is stopped and its group checked at the end."""
    servers: list[Served] = []

    def run(source: str, max_sessions: int = 8, **options) -> Served:
        """`options`: serve()'s keywords (token, base_path)."""
        script = tmp_path / f"app{len(servers)}.py"
        script.write_text(source)
        settings = json.dumps({"max_sessions": max_sessions, **options})
        served = start(tmp_path, [sys.executable, "-c", SERVE_ARGV, settings, sys.executable, str(script)])
        servers.append(served)
        return served

    yield run
    for served in servers:
        if served.proc.poll() is None:
            served.stop()
        leftovers = group_members(served.proc.pid)
        if leftovers:
            os.killpg(served.proc.pid, signal.SIGKILL)
        assert not leftovers


# ----- the token -------------------------------------------------------------------------------
def test_page_websocket_static_and_downloads_are_refused_without_the_token(serve_app):
    import aiohttp

    served = serve_app(TINY_APP)
    wrong = {"Cookie": served.cookie["Cookie"].rsplit("=", 1)[0] + "=not-the-token"}

    async def scenario():
        async with aiohttp.ClientSession() as s:
            # The page: 401 without a token or with a wrong one, and the same few words whichever it was.
            bodies = set()
            for url, headers in [(served.base + "/", {}), (served.base + "/?token=nope", {}),
                                 (served.base + "/static/js/textual.js", {}), (served.base + "/", wrong),
                                 (served.base + "/?token=nope", served.cookie)]:  # a wrong token is not rescued
                async with s.get(url, headers=headers) as r:
                    assert r.status == 401, url
                    bodies.add(await r.text())
            assert len(bodies) == 1 and "link" in bodies.pop()
            # The right token: a cookie, and a redirect to the same page without the token in the address.
            async with s.get(served.url + "&fontsize=20", allow_redirects=False) as r:
                assert r.status == 303
                assert r.headers["Location"] == "/?fontsize=20"
                assert r.cookies[cookie_name(served.token)].value == served.token
            async with s.get(served.base + "/", headers=served.cookie) as r:
                assert r.status == 200
                assert "neurotui" in await r.text()
            # The websocket: refused before any app process starts.
            for headers in [{}, wrong]:
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await s.ws_connect(served.base + "/ws?width=80&height=24", headers=headers)
                assert refused.value.status == 401
            # A page from another origin (here another port of localhost) cannot use the cookie.
            with pytest.raises(aiohttp.WSServerHandshakeError) as elsewhere:
                await s.ws_connect(served.base + "/ws", headers=served.cookie, origin="http://127.0.0.1:1")
            assert elsewhere.value.status == 403
            assert group_members(served.proc.pid) == [served.proc.pid]
            # With the cookie the page sets, the app runs and offers its file ...
            async with s.ws_connect(served.base + "/ws?width=80&height=24", headers=served.cookie) as ws:
                texts = await first_screen(ws, b"tiny app")
                while not any("deliver_file_start" in t for t in texts):
                    texts.append(await ws.receive_str(timeout=30))
                key = next(json.loads(t)[1] for t in texts if "deliver_file_start" in t)
                # ... which only the token holder may download.
                async with aiohttp.ClientSession() as stranger:
                    for headers in [{}, wrong]:
                        async with stranger.get(f"{served.base}/download/{key}", headers=headers) as r:
                            assert r.status == 401
                    async with stranger.get(f"{served.base}/download/{key}", headers=served.cookie) as r:
                        assert r.status == 200
                        assert await r.text() == "card from the app"
                        assert "card.md" in r.headers["Content-Disposition"]

    asyncio.run(scenario())


def test_the_next_tab_past_max_sessions_gets_a_server_is_full_page(serve_app):
    import aiohttp

    served = serve_app(TINY_APP, max_sessions=1)

    async def scenario():
        async with aiohttp.ClientSession() as s:
            async with s.ws_connect(served.base + "/ws", headers=served.cookie) as ws:
                await first_screen(ws, b"tiny app")
                async with s.get(served.base + "/", headers=served.cookie) as r:
                    assert r.status == 503
                    assert "server is full" in await r.text()
                with pytest.raises(aiohttp.WSServerHandshakeError) as full:
                    await s.ws_connect(served.base + "/ws", headers=served.cookie)
                assert full.value.status == 503
            # The first tab closed: its app ends and the slot comes free.
            for _ in range(600):
                async with s.get(served.base + "/", headers=served.cookie) as r:
                    if r.status == 200:
                        break
                await asyncio.sleep(0.05)
            assert r.status == 200
        wait_until(lambda: group_members(served.proc.pid) == [served.proc.pid], what="the closed tab's app to end")

    asyncio.run(scenario())


# ----- signals: the server and every app it started ----------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_the_server_and_every_neurotui_it_started(tmp_path, web, sig):
    import aiohttp

    served = start(tmp_path, [sys.executable, "-m", "neurotui", "serve", "--port", "0"])
    pgid = served.proc.pid

    async def open_tabs():
        async with aiohttp.ClientSession() as s:
            tabs = [await s.ws_connect(served.base + "/ws?width=100&height=30", headers=served.cookie)
                    for _ in range(2)]
            for ws in tabs:
                await first_screen(ws, b"neurotui")  # the app drew its title bar
            # The server, its warm parent, and per tab a launcher and the app forked for it: one process group.
            assert len(group_members(pgid)) == 6
            # The signal goes to the server alone (as `kill PID` would): it must end the apps itself.
            served.proc.send_signal(sig)
            code = await asyncio.to_thread(served.proc.wait, 30)
            for ws in tabs:
                await ws.close()
            return code

    try:
        assert asyncio.run(open_tabs()) == 0
        assert group_members(pgid) == []
    finally:
        if group_members(pgid):
            os.killpg(pgid, signal.SIGKILL)


@pytest.mark.slow
def test_an_app_that_ignores_quit_and_sigterm_is_killed(serve_app):
    import aiohttp

    served = serve_app(STUBBORN_APP)

    async def scenario():
        async with aiohttp.ClientSession() as s:
            ws = await s.ws_connect(served.base + "/ws", headers=served.cookie)
            wait_until(lambda: len(group_members(served.proc.pid)) == 2, what="the app to start")
            served.proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(served.proc.wait, 30)
            await ws.close()
            return code

    assert asyncio.run(scenario()) == 0
    assert group_members(served.proc.pid) == []


# ----- the command line --------------------------------------------------------------------------
def test_the_printed_lines_carry_the_token_and_the_ssh_tunnel(tmp_path, web):
    served = start(tmp_path, [sys.executable, "-m", "neurotui", "serve", "--port", "0", "--max-sessions", "3"])
    try:
        port = served.base.rsplit(":", 1)[1]
        text = served.log.read_text()
        assert served.url.startswith("http://127.0.0.1:")
        assert len(served.token) >= 32
        assert f"ssh -L {port}:localhost:{port} user@gpu-box" in text
        assert f"http://localhost:{port}/?token={served.token}" in text
        assert "3 tabs" in text
        assert "warning" not in text
    finally:
        assert served.stop() == 0


def test_two_servers_get_different_tokens(tmp_path, web):
    a = start(tmp_path, [sys.executable, "-m", "neurotui", "serve", "--port", "0"])
    (tmp_path / "b").mkdir()
    b = start(tmp_path / "b", [sys.executable, "-m", "neurotui", "serve", "--port", "0"])
    try:
        assert a.token != b.token
    finally:
        a.stop(), b.stop()


def test_all_interfaces_print_a_one_line_warning(tmp_path, web):
    served = start(tmp_path, [sys.executable, "-m", "neurotui", "serve", "--host", "0.0.0.0", "--port", "0"])
    try:
        warnings = [line for line in served.log.read_text().splitlines() if "warning" in line]
        assert len(warnings) == 1
        assert "anyone who can reach this port and has the URL can run the app" in warnings[0]
    finally:
        served.stop()


def test_without_textual_serve_it_prints_the_install_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'neurotui[web]'" in err


def test_a_taken_port_is_one_line_and_exit_2(capsys, web):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in err


@pytest.mark.parametrize("argv, message", [
    (["serve", "--port", "70000"], "port must be 0-65535"),
    (["serve", "--max-sessions", "0"], "must be 1-256"),
    (["serve", "--hidden", "999"], "hidden units must be"),
    (["serve", "--bogus"], "unrecognized arguments: --bogus"),
    (["lab", "--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_options_are_one_line_and_exit_2_before_serving(argv, message, capsys, web):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_app_options_pass_through_from_either_side_of_serve():
    from neurotui.cli.commands import app_options
    from neurotui.cli.parser import build_parser

    parser = build_parser()
    for argv, expected in [
        (["serve", "--seed", "7", "--hidden", "8"], ["--seed", "7", "--hidden", "8"]),
        (["--seed", "7", "serve", "--port", "9000", "--activation=relu"], ["--seed", "7", "--activation=relu"]),
        (["--ascii", "serve", "--no-autostart"], ["--ascii", "--no-autostart"]),
        (["serve"], []),
    ]:
        args, extra = parser.parse_known_args(argv)
        assert app_options(args, extra) == expected, argv


# ----- fair CPU ----------------------------------------------------------------------------------
def test_served_training_runs_below_the_screens_and_only_where_asked():
    import threading

    from neurotui.serve.tabs import TRAIN_NICE, tab_environment
    from neurotui.session.loop import TRAIN_NICE_ENV as READ
    from neurotui.session.loop import give_way

    assert tab_environment()[READ] == str(TRAIN_NICE)  # the variable the loop reads is the one a tab is given
    main_nice = os.getpriority(os.PRIO_PROCESS, 0)
    got = {}

    def worker(name, env):
        got[name] = (give_way(env), os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    for name, env in [("served", {READ: "10"}), ("terminal", {})]:
        t = threading.Thread(target=worker, args=(name, env))
        t.start()
        t.join()
    assert got["served"] == (max(10, main_nice), max(10, main_nice))  # that thread alone ...
    assert got["terminal"] == (None, main_nice)
    assert os.getpriority(os.PRIO_PROCESS, 0) == main_nice  # ... never the screen's
