"""Who may use a served tab: the token, its cookie, the origin check, and the address a browser sees.

- The token: the printed URL carries `?token=...`; that page sets a cookie (HttpOnly,
  SameSite=Strict, Secure over https) so the websocket, the static files and the downloads the
  page's JavaScript opens -- it cannot add query parameters to them -- are let in too. Without
  the token a request gets 401, with a wrong one 403. `/healthz` alone is open, and says "ok".
- The cookie's name comes from the token (a hash of it): two servers with their own tokens on
  one host keep their cookies apart, and servers sharing a token behind one proxy share one.
- Behind a reverse proxy the browser's address is in X-Forwarded-Proto / X-Forwarded-Host:
  the page's websocket URL, its redirects and the origin check use it. A browser cannot set
  those headers on a websocket, so trusting them opens nothing a cookie did not already.
"""

from __future__ import annotations

import hashlib
import hmac
import html

from aiohttp import web
from yarl import URL

TOKEN_PARAM = "token"
HEALTH = "/healthz"


def page(title: str, text: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body style='font-family:sans-serif;margin:3em'><h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(text)}</p></body></html>")


def cookie_name(token: str) -> str:
    return "neurotui_" + hashlib.sha256(token.encode()).hexdigest()[:16]


def _first(value: str | None) -> str | None:
    """The first of a comma-separated list (a chain of proxies appends), stripped; None if empty."""
    if not value:
        return None
    first = value.split(",", 1)[0].strip()
    return first or None


def public_origin(request: web.Request) -> URL:
    """scheme://host[:port] as the browser wrote it, through a reverse proxy or not."""
    scheme = _first(request.headers.get("X-Forwarded-Proto"))
    if scheme not in ("http", "https"):
        scheme = request.scheme
    host = _first(request.headers.get("X-Forwarded-Host")) or request.host
    try:
        return URL(f"{scheme}://{host}").origin()
    except ValueError:
        return request.url.origin()


class Access:
    """The token check as an aiohttp middleware, for a server under `base_path` ('' or '/prefix')."""

    def __init__(self, token: str, base_path: str = ""):
        self.token = token
        self.base_path = base_path
        self.cookie = cookie_name(token)
        self.open_paths = {HEALTH, base_path + HEALTH}

    def status(self, request: web.Request) -> int:
        """200 with the right token (query or cookie), 401 without one, 403 with a wrong one."""
        offered = [t for t in (request.query.get(TOKEN_PARAM), request.cookies.get(self.cookie)) if t]
        if not offered:
            return 401
        good = any(hmac.compare_digest(t.encode(), self.token.encode()) for t in offered)
        return 200 if good else 403

    @staticmethod
    def cross_origin(request: web.Request) -> bool:
        """A page from elsewhere (even another port of localhost: the same *site*, so a SameSite
        cookie still goes along) opening our websocket. Browsers always send Origin there."""
        origin = request.headers.get("Origin")
        if origin is None:
            return False
        try:
            theirs = URL(origin).origin()
        except ValueError:
            return True
        ours = public_origin(request)
        return (theirs.scheme, theirs.host, theirs.port) != (ours.scheme, ours.host, ours.port)

    @web.middleware
    async def guard(self, request: web.Request, handler):
        if request.path in self.open_paths:  # the very path the router matched: no way round it
            return await handler(request)
        status = 403 if self.cross_origin(request) else self.status(request)
        if status == 401:
            return web.Response(status=401, content_type="text/html", text=page(
                "neurotui: token needed",
                "Open the full link printed by `neurotui serve`, including ?token=..."))
        if status == 403:
            return web.Response(status=403, content_type="text/html", text=page(
                "neurotui: refused", "This link's token is not this server's (or the request came from another"
                " site). Ask for the current link."))
        response = await handler(request)
        if request.query.get(TOKEN_PARAM) and not response.prepared:
            # The page's script opens the websocket and downloads without our query string; its
            # downloads go to the host's root (textual-serve's JavaScript), so the cookie's path is /.
            response.set_cookie(self.cookie, self.token, httponly=True, samesite="Strict", path="/",
                                secure=public_origin(request).scheme == "https")
        return response


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")
