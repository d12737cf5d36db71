"""`neurotui serve`: the app in browser tabs, one app process per tab, behind a secret token.

Only the command-line half lives here, so `neurotui --help` and `neurotui lab` never import
aiohttp or textual-serve; `neurotui.serve.server` holds the web server itself.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

INSTALL_LINE = "pip install 'neurotui[web]'"
TOKEN_ENV = "NEUROTUI_TOKEN"
TEACHER_TOKEN_ENV = "NEUROTUI_TEACHER_TOKEN"
MIN_TOKEN = 16
TOKEN_CHARS = re.compile(r"[A-Za-z0-9._~-]+")  # what a URL's query carries as is


def shared_token(path: str | None, env=None, name: str = TOKEN_ENV, option: str = "--token-file") -> str | None:
    """The token from --token-file, else $NEUROTUI_TOKEN; None: the server makes a random one.
    (The teacher's: `name` NEUROTUI_TEACHER_TOKEN, `option` --teacher-token-file.)"""
    from neurotui.core.errors import ConfigError

    env = os.environ if env is None else env
    if path is not None:
        try:
            with open(path, encoding="utf-8") as f:
                token, where = f.read().strip(), f"{option} {path}"
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {option} {path}: {getattr(exc, 'strerror', None) or exc}") from None
    elif env.get(name):
        token, where = env[name].strip(), name
    else:
        return None
    if len(token) < MIN_TOKEN or not TOKEN_CHARS.fullmatch(token):
        raise ConfigError(f"the token in {where} must be at least {MIN_TOKEN} characters of A-Z a-z 0-9 . _ ~ -"
                          " (e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))')")
    return token


def main(args: argparse.Namespace, options: list[str]) -> int:
    """Serve the app with `options` (the app options each tab's `python -m neurotui` gets, checked by
    the command line, which owns the app's parser) and the server's own options in `args`."""
    try:
        import textual_serve.server  # noqa: F401  (an optional extra)
    except ImportError:
        print(f"neurotui: error: neurotui serve needs textual-serve: {INSTALL_LINE}", file=sys.stderr)
        return 2
    from neurotui.serve.server import serve

    options = list(options)
    if getattr(args, "learn", False):
        options.append("learn")  # after the app's options: they belong to the top-level parser
    learn = getattr(args, "learn", False)
    from neurotui.core.errors import ConfigError

    if not learn and (args.state_dir or args.teacher_token_file):
        raise ConfigError(f"{'--state-dir' if args.state_dir else '--teacher-token-file'} is for a class: add --learn")
    token = shared_token(args.token_file)
    teacher = shared_token(args.teacher_token_file, name=TEACHER_TOKEN_ENV, option="--teacher-token-file")
    if teacher is not None and teacher == token:
        raise ConfigError("the teacher's token must differ from the class's token")
    state_dir = None
    if learn:
        from neurotui.core.course.progress import state_path

        state_dir = args.state_dir or str(state_path().parent)
    return serve([sys.executable, "-m", "neurotui", *options], host=args.host, port=args.port,
                 max_sessions=args.max_sessions, token=token, base_path=args.base_path, warm=not args.no_warm,
                 state_dir=state_dir, teacher_token=teacher, behind_proxy=args.behind_proxy,
                 forwarded_allow_ips=args.forwarded_allow_ips)
