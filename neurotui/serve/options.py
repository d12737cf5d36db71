"""`neurotui serve`'s own options: read by the command line's parser without loading the server."""

from __future__ import annotations

import argparse
import re

DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 8


def _port(text: str) -> int:
    try:
        port = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:  # 0: the system picks a free port (tests use it)
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {port}")
    return port


def _sessions(text: str) -> int:
    try:
        n = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= n <= 256:
        raise argparse.ArgumentTypeError(f"must be 1-256, got {n}")
    return n


def _base_path(text: str) -> str:
    """'/class/' -> '/class'; '' or '/' -> '' (the root). Letters, digits and -._~/ only."""
    path = "/" + text.strip("/") if text.strip("/") else ""
    if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)*", path) or "/." in path:
        raise argparse.ArgumentTypeError(f"a base path is /name or /name/name (letters, digits, -._~), got {text!r}")
    return path


def _networks(text: str) -> str:
    import ipaddress

    parts = [t.strip() for t in text.split(",") if t.strip()]
    try:
        for part in parts:
            ipaddress.ip_network(part, strict=False)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an address or network: {text!r}") from None
    if not parts:
        raise argparse.ArgumentTypeError("give at least one address, e.g. 127.0.0.1")
    return ",".join(parts)


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("server (any other option is passed on to the app in each tab)")
    g.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: %(default)s; 0.0.0.0 lets other machines in)")
    g.add_argument("--port", type=_port, default=DEFAULT_PORT, help="port (default: %(default)s)")
    g.add_argument("--max-sessions", type=_sessions, default=DEFAULT_MAX_SESSIONS, metavar="N",
                   help="most browser tabs (app processes) at once (default: %(default)s; the README's"
                   " 'In a classroom' says how many a machine holds)")
    g.add_argument("--token-file", metavar="PATH",
                   help="read the secret token from PATH (else $NEUROTUI_TOKEN, else a new random one): "
                   "servers behind one proxy share it")
    g.add_argument("--base-path", type=_base_path, default="", metavar="/PREFIX",
                   help="serve under this path (e.g. /neurotui behind a reverse proxy)")
    g.add_argument("--no-warm", action="store_true",
                   help="start each tab in its own Python instead of forking it from a warm parent "
                   "(slower, ~170 MB PSS per tab; for comparison)")
    g.add_argument("--learn", action="store_true",
                   help="each tab opens the guided lesson (neurotui learn); each browser is one learner, and the "
                   "teacher's class view is served at /class")
    g.add_argument("--state-dir", metavar="DIR",
                   help="with --learn: keep the class's progress in DIR/class.sqlite (default: "
                   "$XDG_STATE_HOME/neurotui); servers of one class share it")
    g.add_argument("--teacher-token-file", metavar="PATH",
                   help="read the class view's token from PATH (else $NEUROTUI_TEACHER_TOKEN, else a new random one)")
    g.add_argument("--behind-proxy", action="store_true",
                   help="believe X-Forwarded-Proto/Host from any peer (only a reverse proxy can reach this port)")
    g.add_argument("--forwarded-allow-ips", type=_networks, metavar="IP,...",
                   help="believe X-Forwarded-Proto/Host from these peers only (addresses or networks)")
