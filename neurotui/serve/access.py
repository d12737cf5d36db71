"""Who may use a served tab: the tokens, their cookies, the origin check, and the address a browser sees.

- Two tokens. The student link carries `?token=...`; the teacher's link (`/class`) its own
  teacher token. Neither opens the other's pages. A good token in the address is swapped for a
  cookie (HttpOnly, SameSite=Strict, Secure over https) and a redirect to the same address
  without it, so the token leaves the address bar and the history; the websocket, the static
  files and the downloads the page's JavaScript opens are let in by the cookie.
- A missing or wrong token gets 401 and one fixed page: nothing says which it was.
  `/healthz` alone is open, and says "ok".
- The cookie's name comes from the token (a hash of it): two servers with their own tokens on
  one host keep their cookies apart, and servers sharing a token behind one proxy share one.
- Behind a reverse proxy the browser's address is in X-Forwarded-Proto / X-Forwarded-Host; they
  are read only when the server was told it stands behind one (`--behind-proxy`, or from the
  peers of `--forwarded-allow-ips`): otherwise anyone could name the address the origin check,
  the cookie's Secure flag and the redirects use.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress

from aiohttp import web
from yarl import URL

TOKEN_PARAM = "token"
HEALTH = "/healthz"
CLASS_PATHS = ("/class", "/class.json")  # the teacher's, under the base path


def page(title: str, text: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body style='font-family:sans-serif;margin:3em'><h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(text)}</p></body></html>")


def refused(status: int) -> web.Response:
    """The same few words for every refusal of a status: which token, or why, is not said."""
    text = "Open the full link you were given." if status == 401 else "This page cannot be opened from another site."
    return web.Response(status=status, content_type="text/html", text=page("neurotui", text))


def cookie_name(token: str) -> str:
    return "neurotui_" + hashlib.sha256(token.encode()).hexdigest()[:16]


def _first(value: str | None) -> str | None:
    """The first of a comma-separated list (a chain of proxies appends), stripped; None if empty."""
    if not value:
        return None
    first = value.split(",", 1)[0].strip()
    return first or None


def trusted_peers(behind_proxy: bool, allow_ips: str | None):
    """None: forwarded headers are ignored; "*": read from any peer; else the peers' networks."""
    if allow_ips:
        return tuple(ipaddress.ip_network(a.strip(), strict=False) for a in allow_ips.split(",") if a.strip())
    return "*" if behind_proxy else None


class Access:
    """The token checks as an aiohttp middleware, for a server under `base_path` ('' or '/prefix')."""

    def __init__(self, token: str, base_path: str = "", teacher_token: str | None = None, trusted=None):
        self.token, self.teacher_token = token, teacher_token
        self.base_path = base_path
        self.cookie = cookie_name(token)
        self.teacher_cookie = cookie_name(teacher_token) if teacher_token else None
        self.open_paths = {HEALTH, base_path + HEALTH}
        self.teacher_paths = {base_path + p for p in CLASS_PATHS}
        self.trusted = trusted

    def forwarded(self, request: web.Request) -> bool:
        """Whether this request's X-Forwarded-* headers are the proxy's, to be believed."""
        if self.trusted is None:
            return False
        if self.trusted == "*":
            return True
        try:
            peer = ipaddress.ip_address((request.remote or "").split("%", 1)[0])
        except ValueError:
            return False
        return any(peer in network for network in self.trusted)

    def origin(self, request: web.Request) -> URL:
        """scheme://host[:port] as the browser wrote it: the proxy's address if one is trusted."""
        scheme, host = request.scheme, request.host
        if self.forwarded(request):
            proto = _first(request.headers.get("X-Forwarded-Proto"))
            scheme = proto if proto in ("http", "https") else scheme
            host = _first(request.headers.get("X-Forwarded-Host")) or host
        try:
            return URL(f"{scheme}://{host}").origin()
        except ValueError:
            return request.url.origin()

    def cross_origin(self, request: web.Request) -> bool:
        """A page from elsewhere (even another port of localhost: the same *site*, so a SameSite
        cookie still goes along) opening our websocket. Browsers always send Origin there."""
        origin = request.headers.get("Origin")
        if origin is None:
            return False
        try:
            theirs = URL(origin).origin()
        except ValueError:
            return True
        ours = self.origin(request)
        return (theirs.scheme, theirs.host, theirs.port) != (ours.scheme, ours.host, ours.port)

    def key_for(self, request: web.Request) -> tuple[str | None, str | None]:
        """The token this path needs and its cookie's name: the teacher's for /class, the class's elsewhere."""
        if request.path in self.teacher_paths:
            return self.teacher_token, self.teacher_cookie
        return self.token, self.cookie

    @staticmethod
    def offered(request: web.Request, cookie: str | None) -> str | None:
        """The token in the address if there is one (a wrong one there is not rescued by a cookie)."""
        if TOKEN_PARAM in request.query:
            return request.query[TOKEN_PARAM]
        return request.cookies.get(cookie) if cookie else None

    @web.middleware
    async def guard(self, request: web.Request, handler):
        if request.path in self.open_paths:  # the very path the router matched: no way round it
            return await handler(request)
        if self.cross_origin(request):
            return refused(403)
        token, cookie = self.key_for(request)
        given = self.offered(request, cookie)
        if token is None or not given or not hmac.compare_digest(given.encode(), token.encode()):
            return refused(401)
        matched = request.match_info.http_exception is None
        if TOKEN_PARAM in request.query and request.method == "GET" and matched \
                and request.headers.get("Upgrade", "").lower() != "websocket":
            # The token becomes a cookie, and leaves the address bar. A relative address: the
            # browser resolves it against the one it used, a proxy's included. The page's script
            # opens downloads at the host's root (textual-serve's JavaScript), so the cookie's path is /.
            query = request.query.copy()
            del query[TOKEN_PARAM]
            response = web.HTTPSeeOther(str(URL.build(path=request.path, query=query)))
            response.set_cookie(cookie, token, httponly=True, samesite="Strict", path="/",
                                secure=self.origin(request).scheme == "https")
            response.headers["Cache-Control"] = "no-store"
            return response
        return await handler(request)


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")
