"""The README's nginx configuration, run: Debian's nginx in front of two `neurotui serve`, on loopback.

nginx runs as a foreground process with its own prefix, configuration and logs in a temporary
folder; its server block and upstream are the README's, with loopback ports put in. Skipped
where there is no /usr/sbin/nginx (.ci/run installs it where apt-get exists).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from served import Served, first_screen, group_members, start, wait_until

NGINX = "/usr/sbin/nginx"
README = Path(__file__).resolve().parent.parent / "README.md"
TOKEN = "shared-class-token-for-the-nginx-test"

pytestmark = pytest.mark.slow


@pytest.fixture
def aiohttp():
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'neurotui[web]')")
    if not (os.path.exists(NGINX) and os.access(NGINX, os.X_OK)):
        pytest.skip(f"no {NGINX} (Debian: apt-get install nginx)")
    import aiohttp

    return aiohttp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def readme_nginx_config() -> str:
    section = README.read_text(encoding="utf-8").split("## In a classroom", 1)[1].split("\n## ", 1)[0]
    return section.split("```nginx\n", 1)[1].split("```", 1)[0]


def nginx_conf(folder: Path, listen: int, backends: list[int]) -> str:
    """The README's blocks with loopback addresses, inside the few lines a private nginx needs."""
    site = readme_nginx_config()
    servers = re.findall(r"^\s*server \S+:\d+;.*$", site, flags=re.M)
    assert len(servers) == 2, "the README's upstream names two servers"
    for line, port in zip(servers, backends):
        site = site.replace(line, f"    server 127.0.0.1:{port};")
    site = re.sub(r"listen 80;", f"listen 127.0.0.1:{listen};", site)
    user = "user root;" if os.geteuid() == 0 else ""  # workers must read the temp folders we made
    temp = "\n".join(f"    {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                           "uwsgi", "scgi"))
    return (f"{user}\ndaemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
            f"events {{ worker_connections 256; }}\nhttp {{\n    access_log {folder}/access.log;\n{temp}\n"
            f"{site}\n}}\n")


@pytest.fixture
def classroom(tmp_path, aiohttp):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    servers: list[Served] = []
    nginx = None
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            servers.append(start(tmp_path / name, [sys.executable, "-m", "neurotui", "serve", "--port", "0",
                                                   "--base-path", "/neurotui", "--token-file", str(token_file)]))
        ports = [int(s.base.split(":")[-1].split("/")[0]) for s in servers]
        listen = free_port()
        folder = tmp_path / "nginx"
        folder.mkdir()
        (folder / "nginx.conf").write_text(nginx_conf(folder, listen, ports))
        nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e",
                                  str(folder / "error.log")], stderr=subprocess.STDOUT, stdout=subprocess.PIPE,
                                 start_new_session=True)

        def listening():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", listen)) == 0

        wait_until(lambda: listening() or nginx.poll() is not None, 30, "nginx to listen")
        assert nginx.poll() is None, (folder / "error.log").read_text()
        yield f"http://127.0.0.1:{listen}", servers
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(nginx.pid, signal.SIGKILL)
        for served in servers:
            if served.proc.poll() is None:
                served.stop()
            if group_members(served.proc.pid):
                os.killpg(served.proc.pid, signal.SIGKILL)


def test_two_servers_behind_nginx_serve_tabs_and_keep_the_token(classroom):
    import aiohttp

    proxy, servers = classroom
    cookie = {"Cookie": f"{servers[0].cookie['Cookie']}"}  # one token, so one cookie for both servers
    assert servers[0].cookie == servers[1].cookie

    async def scenario():
        async with aiohttp.ClientSession() as s:
            # Through the proxy, nothing but /healthz without the token.
            async with s.get(f"{proxy}/neurotui/healthz") as r:
                assert (r.status, await r.text()) == (200, "ok")
            for path in ("/neurotui/", "/neurotui/static/js/textual.js", "/download/x", "/neurotui/download/x",
                         "/neurotui/healthz/../", "/neurotui/%2e%2e/neurotui/"):
                async with s.get(proxy + path, allow_redirects=False) as r:
                    assert r.status in (401, 403, 404), path
                    assert r.status != 404 or path.startswith("/neurotui/%2e"), path
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await s.ws_connect(f"{proxy}/neurotui/ws")
            assert refused.value.status == 401

            # With the token: the page names the proxy's address, and a tab opens through it.
            async with s.get(f"{proxy}/neurotui/?token={TOKEN}") as r:
                assert r.status == 200
                page = await r.text()
                assert f'data-session-websocket-url="{proxy.replace("http", "ws")}/neurotui/ws"' in page
            ws = await s.ws_connect(f"{proxy}/neurotui/ws?width=100&height=30", headers=cookie,
                                    origin=proxy)
            await first_screen(ws, b"XOR")
            await ws.send_json(["stdin", "a"])  # a key, through the proxy: Tanh -> ReLU
            await first_screen(ws, b"ReLU")

            # ip_hash put this browser on one server; stop that one and the next tab opens on the other.
            serving = [sv for sv in servers if len(group_members(sv.proc.pid)) > 2]
            assert len(serving) == 1
            await ws.close()
            assert serving[0].stop() == 0
            other = next(sv for sv in servers if sv is not serving[0])
            ws = await s.ws_connect(f"{proxy}/neurotui/ws?width=100&height=30", headers=cookie, origin=proxy)
            await first_screen(ws, b"XOR")
            assert len(group_members(other.proc.pid)) > 2
            await ws.close()

    asyncio.run(scenario())
