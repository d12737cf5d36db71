"""`neurotui serve`'s own options: read by the command line's parser without loading the server."""

from __future__ import annotations

import argparse

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


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("server (any other option is passed on to the app in each tab)")
    g.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: %(default)s; 0.0.0.0 lets other machines in)")
    g.add_argument("--port", type=_port, default=DEFAULT_PORT, help="port (default: %(default)s)")
    g.add_argument("--max-sessions", type=_sessions, default=DEFAULT_MAX_SESSIONS, metavar="N",
                   help="most browser tabs (app processes) at once (default: %(default)s)")
