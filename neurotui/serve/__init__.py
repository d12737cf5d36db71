"""`neurotui serve`: the app in browser tabs, one app process per tab, behind a secret token.

Only the command-line half lives here, so `neurotui --help` and `neurotui lab` never import
aiohttp or textual-serve; `neurotui.serve.server` holds the web server itself.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from neurotui.serve.options import DEFAULT_MAX_SESSIONS, DEFAULT_PORT, add_arguments  # noqa: F401

INSTALL_LINE = "pip install 'neurotui[web]'"
# Options of the top-level parser that describe the program, not the app a tab runs.
_NOT_APP_OPTIONS = {"help", "version", "command"}


def app_options(args: argparse.Namespace, extra: list[str]) -> list[str]:
    """The options each tab's `python -m neurotui` gets, checked now rather than in every tab.

    Two sources: app options written before `serve` (the top-level parser took them; those
    that differ from their defaults are repeated) and unknown options after `serve`
    (`extra`), so `neurotui serve --seed 7` and `neurotui --seed 7 serve` mean the same, and a
    new app option (e.g. --preset) passes through without this module knowing it.
    """
    from neurotui.cli.argparse_shims import options_of
    from neurotui.cli.data import default_of
    from neurotui.cli.parser import UsageError, build_parser, config_from_args

    parser = build_parser()
    given: list[str] = []
    for action in options_of(parser):
        if not action.option_strings or action.dest in _NOT_APP_OPTIONS:
            continue
        value = getattr(args, action.dest, default_of(action))
        if value is None or value == default_of(action):
            continue
        if action.nargs == 0:  # a flag such as --ascii or --no-autostart
            given.append(action.option_strings[0])
        else:
            given += [action.option_strings[0], str(value)]
    options = given + list(extra)
    checked = parser.parse_args(options)  # UsageError (one line, exit 2) for a bad option
    if checked.command is not None:
        raise UsageError(f"serve runs the app; {checked.command!r} cannot be served")
    config_from_args(checked)  # ConfigError for a bad value, e.g. --hidden 99
    return options


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


def main(args: argparse.Namespace) -> int:
    try:
        import textual_serve.server  # noqa: F401  (an optional extra)
    except ImportError:
        print(f"neurotui: error: neurotui serve needs textual-serve: {INSTALL_LINE}", file=sys.stderr)
        return 2
    from neurotui.serve.server import serve

    options = app_options(args, getattr(args, "extra", []))
    if getattr(args, "learn", False):
        options.append("learn")  # after the app's options: they belong to the top-level parser
    learn = getattr(args, "learn", False)
    if not learn and (args.state_dir or args.teacher_token_file):
        from neurotui.cli.parser import UsageError

        raise UsageError(f"{'--state-dir' if args.state_dir else '--teacher-token-file'} is for a class: add --learn")
    token = shared_token(args.token_file)
    teacher = shared_token(args.teacher_token_file, name=TEACHER_TOKEN_ENV, option="--teacher-token-file")
    if teacher is not None and teacher == token:
        from neurotui.core.errors import ConfigError

        raise ConfigError("the teacher's token must differ from the class's token")
    state_dir = None
    if learn:
        from neurotui.core.course.progress import state_path

        state_dir = args.state_dir or str(state_path().parent)
    return serve([sys.executable, "-m", "neurotui", *options], host=args.host, port=args.port,
                 max_sessions=args.max_sessions, token=token, base_path=args.base_path, warm=not args.no_warm,
                 state_dir=state_dir, teacher_token=teacher, behind_proxy=args.behind_proxy,
                 forwarded_allow_ips=args.forwarded_allow_ips)
