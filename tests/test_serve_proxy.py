"""`neurotui serve` behind a reverse proxy: a shared token, a base path, /healthz, forwarded headers.

These serve a tiny Textual app (see test_serve.py); the nginx test in test_serve_nginx.py
serves neurotui itself through a real proxy.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from served import cookie_name, first_screen
from test_serve import TINY_APP, serve_app, web  # noqa: F401  (fixtures)

from neurotui import cli

SHARED = "class-of-2026-shared-secret"


def test_a_shared_token_serves_under_a_base_path_and_health_is_open(serve_app):  # noqa: F811
    import aiohttp

    served = serve_app(TINY_APP, token=SHARED, base_path="/lab")
    assert served.url.endswith(f"/lab/?token={SHARED}")
    root = served.base.removesuffix("/lab")

    async def scenario():
        async with aiohttp.ClientSession() as s:
            for url in (root + "/healthz", served.base + "/healthz"):
                async with s.get(url) as r:
                    assert (r.status, await r.text()) == (200, "ok")  # for a load balancer: no token, nothing else
            # Outside the base path there is nothing, and without the token nothing either.
            for url, status in [(root + "/", 401), (root + "/?token=" + SHARED, 404), (served.base + "/", 401),
                                (served.base + "/ws", 401), (served.base + "/static/js/textual.js", 401),
                                (root + "/download/x", 401), (served.base + "/class", 401),
                                # A path that names /healthz but is resolved elsewhere is checked like any other.
                                (served.base + "/healthz/../ws", 401), (root + "/healthz/../lab/", 401)]:
                async with s.get(url, allow_redirects=False) as r:
                    assert r.status == status, url
            # The bare prefix: the token becomes the shared token's cookie and leaves the address, then the page.
            async with s.get(served.base + f"?token={SHARED}", allow_redirects=False) as r:
                assert r.status == 303
                assert r.headers["Location"] == "/lab"
                assert r.cookies[cookie_name(SHARED)].value == SHARED
            async with s.get(served.base, headers=served.cookie, allow_redirects=False) as r:
                assert (r.status, r.headers["Location"]) == (302, served.base + "/")
            # The page points the websocket and static files under the prefix.
            async with s.get(served.base + "/", headers=served.cookie) as r:
                assert r.status == 200
                page = await r.text()
                assert f'data-session-websocket-url="{served.base.replace("http", "ws")}/ws"' in page
                assert f"{served.base}/static/js/textual.js" in page
                async with s.get(f"{served.base}/static/js/textual.js", headers=served.cookie) as js:
                    assert js.status == 200
            async with s.ws_connect(served.base + "/ws?width=80&height=24", headers=served.cookie) as ws:
                await first_screen(ws, b"tiny app")

    asyncio.run(scenario())


PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "class.example.org"}


@pytest.mark.parametrize("trust", [{"behind_proxy": True}, {"forwarded_allow_ips": "127.0.0.0/8"}],
                         ids=["behind-proxy", "allow-ips"])
def test_behind_a_proxy_forwarded_headers_make_the_page_and_origin_the_proxys(serve_app, trust):  # noqa: F811
    import aiohttp

    served = serve_app(TINY_APP, token=SHARED, base_path="/lab", **trust)

    async def scenario():
        async with aiohttp.ClientSession() as s:
            async with s.get(served.url, headers=PROXIED, allow_redirects=False) as r:
                assert r.status == 303 and r.headers["Location"] == "/lab/"  # relative: the proxy's address
                assert "Secure" in r.headers["Set-Cookie"]  # over https the cookie never travels in clear
            async with s.get(served.base + "/", headers={**served.cookie, **PROXIED}) as r:
                page = await r.text()
                assert 'data-session-websocket-url="wss://class.example.org/lab/ws"' in page
                assert "https://class.example.org/lab/static/" in page
            async with s.get(served.base, headers={**served.cookie, **PROXIED}, allow_redirects=False) as r:
                assert r.headers["Location"] == "https://class.example.org/lab/"
            # The origin check compares with the proxy's address: the proxy's own page is let in ...
            async with s.ws_connect(served.base + "/ws", headers={**served.cookie, **PROXIED},
                                    origin="https://class.example.org") as ws:
                await first_screen(ws, b"tiny app")
            # ... a page from elsewhere is not, and naming the proxy's host in a header opens nothing
            # without the token.
            for headers, origin, status in [({**served.cookie, **PROXIED}, "https://evil.example", 403),
                                            (PROXIED, "https://class.example.org", 401)]:
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await s.ws_connect(served.base + "/ws", headers=headers, origin=origin)
                assert refused.value.status == status

    asyncio.run(scenario())


@pytest.mark.parametrize("trust", [{}, {"forwarded_allow_ips": "10.9.8.7"}], ids=["default", "other-peer"])
def test_without_a_trusted_proxy_forwarded_headers_change_nothing(serve_app, trust):  # noqa: F811
    """Anyone can send X-Forwarded-*: unless the peer is the proxy, the address is the request's own."""
    import aiohttp

    served = serve_app(TINY_APP, token=SHARED, base_path="/lab", **trust)
    ours = served.base.split("/lab")[0]

    async def scenario():
        async with aiohttp.ClientSession() as s:
            async with s.get(served.url, headers=PROXIED, allow_redirects=False) as r:
                assert "Secure" not in r.headers["Set-Cookie"]
            async with s.get(served.base + "/", headers={**served.cookie, **PROXIED}) as r:
                page = await r.text()
                assert f'data-session-websocket-url="{ours.replace("http", "ws")}/lab/ws"' in page
                assert "class.example.org" not in page
            async with s.get(served.base, headers={**served.cookie, **PROXIED}, allow_redirects=False) as r:
                assert r.headers["Location"] == served.base + "/"
            # A page claiming to be the proxy's is from another origin than this server's.
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await s.ws_connect(served.base + "/ws", headers={**served.cookie, **PROXIED},
                                   origin="https://class.example.org")
            assert refused.value.status == 403
            async with s.ws_connect(served.base + "/ws", headers={**served.cookie, **PROXIED}, origin=ours) as ws:
                await first_screen(ws, b"tiny app")

    asyncio.run(scenario())


def test_the_token_comes_from_a_file_or_the_environment(tmp_path, monkeypatch):
    from neurotui.serve import shared_token

    secret = tmp_path / "token"
    secret.write_text(SHARED + "\n")
    assert shared_token(str(secret), env={}) == SHARED
    assert shared_token(None, env={"NEUROTUI_TOKEN": SHARED}) == SHARED
    assert shared_token(str(secret), env={"NEUROTUI_TOKEN": "another-one-entirely-1234"}) == SHARED  # the file wins
    assert shared_token(None, env={}) is None  # a random one per server


@pytest.mark.parametrize("argv, env, message", [
    (["serve", "--token-file", "/no/such/file"], {}, "cannot read --token-file /no/such/file"),
    (["serve"], {"NEUROTUI_TOKEN": "short"}, "at least 16 characters"),
    (["serve"], {"NEUROTUI_TOKEN": "sixteen chars but spaces"}, "at least 16 characters of A-Z"),
    (["serve", "--base-path", "/a b"], {}, "a base path is /name"),
    (["serve", "--base-path", "/../etc"], {}, "a base path is /name"),
    (["serve", "--forwarded-allow-ips", "10.0.0.300"], {}, "not an address or network"),
    (["serve", "--learn", "--teacher-token-file", "/no/such/file"], {}, "cannot read --teacher-token-file"),
    (["serve", "--learn"], {"NEUROTUI_TOKEN": SHARED, "NEUROTUI_TEACHER_TOKEN": SHARED}, "must differ"),
    (["serve", "--learn"], {"NEUROTUI_TEACHER_TOKEN": "short"}, "NEUROTUI_TEACHER_TOKEN must be at least 16"),
    (["serve", "--learn", "--state-dir", "/proc/no-class-here"], {}, "cannot keep the class's progress in"),
    (["serve", "--state-dir", "/tmp"], {}, "--state-dir is for a class: add --learn"),
])
def test_a_bad_token_or_base_path_is_one_line_and_exit_2(argv, env, message, monkeypatch, capsys, web):  # noqa: F811
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_base_paths_are_normalised():
    from neurotui.serve.options import _base_path

    assert [_base_path(p) for p in ("", "/", "lab", "/lab/", "/a/b")] == ["", "", "/lab", "/lab", "/a/b"]
    assert re.fullmatch(r"[a-z0-9]+", cookie_name(SHARED)[len("neurotui_"):])
