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
from served import Served, cookie_name, first_screen, group_members, start, wait_until

NGINX = "/usr/sbin/nginx"
README = Path(__file__).resolve().parent.parent / "README.md"
TOKEN = "shared-class-token-for-the-nginx-test"
TEACHER = "teacher-token-for-the-nginx-test"

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
    token_file, teacher_file = tmp_path / "token", tmp_path / "teacher"
    token_file.write_text(TOKEN + "\n")
    teacher_file.write_text(TEACHER + "\n")
    servers: list[Served] = []
    nginx = None
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            # The README's command lines, and one class: --learn with the same state folder.
            servers.append(start(tmp_path / name, [sys.executable, "-m", "neurotui", "serve", "--port", "0",
                                                   "--base-path", "/neurotui", "--token-file", str(token_file),
                                                   "--behind-proxy", "--learn", "--state-dir", str(tmp_path / "class"),
                                                   "--teacher-token-file", str(teacher_file)]))
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


def test_readme_command_lines_say_behind_proxy():
    section = README.read_text(encoding="utf-8").split("## In a classroom", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("neurotui serve --host 10.0.0.1")]
    assert len(lines) == 2 and all(line.endswith("--behind-proxy") for line in lines)


def test_two_servers_behind_nginx_share_one_class_and_keep_the_tokens(classroom):
    import aiohttp

    proxy, servers = classroom
    assert servers[0].cookie == servers[1].cookie  # one token, so one cookie for both servers
    teacher = {"Cookie": f"{cookie_name(TEACHER)}={TEACHER}"}

    async def scenario():
        jar = aiohttp.CookieJar(unsafe=True)  # the proxy is 127.0.0.1: aiohttp keeps no cookies for an IP otherwise
        async with aiohttp.ClientSession(cookie_jar=jar) as s:
            # Through the proxy, nothing but /healthz without the token.
            async with s.get(f"{proxy}/neurotui/healthz") as r:
                assert (r.status, await r.text()) == (200, "ok")
            for path in ("/neurotui/", "/neurotui/static/js/textual.js", "/download/x", "/neurotui/download/x",
                         "/neurotui/healthz/../", "/neurotui/%2e%2e/neurotui/", "/neurotui/class",
                         "/neurotui/class.json", f"/neurotui/class?token={TOKEN}", f"/neurotui/?token={TEACHER}"):
                async with s.get(proxy + path, allow_redirects=False) as r:
                    assert r.status in (401, 403, 404), path
                    assert r.status != 404 or path.startswith("/neurotui/%2e"), path
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await s.ws_connect(f"{proxy}/neurotui/ws")
            assert refused.value.status == 401

            # With the token: it leaves the address, the name page, then the page names the proxy's address.
            async with s.get(f"{proxy}/neurotui/?token={TOKEN}") as r:
                assert r.status == 200 and str(r.url) == f"{proxy}/neurotui/"
                assert 'action="/neurotui/join"' in await r.text()
            async with s.post(f"{proxy}/neurotui/join", data={"name": "Ada"}) as r:
                page = await r.text()
                assert f'data-session-websocket-url="{proxy.replace("http", "ws")}/neurotui/ws"' in page
            ws = await s.ws_connect(f"{proxy}/neurotui/ws?width=100&height=30", origin=proxy)
            await first_screen(ws, b"keys go to the answer")  # the question is up: keys sent earlier are dropped
            await ws.send_json(["stdin", "-0.2\r"])  # a prediction, through the proxy
            await first_screen(ws, b"measured")

            # ip_hash put this browser on one server; a second learner joins at the other one directly.
            serving = [sv for sv in servers if len(group_members(sv.proc.pid)) > 2]
            assert len(serving) == 1
            other = next(sv for sv in servers if sv is not serving[0])
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as bo:
                async with bo.get(f"{other.base}/?token={TOKEN}"):
                    pass
                async with bo.post(f"{other.base}/join", data={"name": "Bo"}) as r:
                    assert "data-session-websocket-url" in await r.text()

            # One class view, through the proxy, shows both servers' learners.
            async with s.get(f"{proxy}/neurotui/class?token={TEACHER}") as r:
                assert r.status == 200 and str(r.url) == f"{proxy}/neurotui/class"
            async with s.get(f"{proxy}/neurotui/class.json", headers=teacher) as r:
                learners = {learner["name"]: learner for learner in (await r.json())["learners"]}
            assert set(learners) == {"Ada", "Bo"}
            assert learners["Ada"]["answers"]["neuron"]["said"] == "-0.2" and learners["Bo"]["answers"] == {}

            # Stop Ada's server: her next tab opens on the other, as the same learner, where she left off.
            await ws.close()
            assert serving[0].stop() == 0
            ws = await s.ws_connect(f"{proxy}/neurotui/ws?width=100&height=30", origin=proxy)
            await first_screen(ws, b"you answered this before (first: -0.2)")  # resumed: the first prediction
            assert len(group_members(other.proc.pid)) > 2
            await ws.close()

    asyncio.run(scenario())
