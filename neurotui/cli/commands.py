"""The other subcommands, and the app itself: each a thin call into its package."""

from __future__ import annotations

import argparse
import json
import sys

from neurotui.cli import data as cli_data
from neurotui.cli.argparse_shims import options_of
from neurotui.cli.parser import UsageError, build_parser, config_from_args
from neurotui.core.course.presets import get_preset
from neurotui.core.errors import ConfigError


def cmd_screenshots(args) -> int:
    from neurotui.tui.screenshots import make_screenshots

    try:
        paths = make_screenshots(args.directory)
    except OSError as exc:
        raise ConfigError(f"cannot write screenshots to {args.directory!r}: {exc.strerror or exc}") from None
    for path in paths:
        print(path)
    return 0

def cmd_bench(args) -> int:
    from neurotui.bench.bandwidth import run_bandwidth_bench
    from neurotui.bench.trainer import run_bench

    if args.peer:
        from neurotui.bench.peer import STEPS, run_peer_bench

        report = run_peer_bench(rounds=args.rounds, steps=args.steps or STEPS)
    elif args.tabs:
        from neurotui.bench.tabs import run_tabs_bench

        report = run_tabs_bench(args.tabs, rounds=args.rounds, steps=args.steps or 20000, warm=not args.no_warm)
    elif args.bandwidth:
        if sys.platform == "win32":
            raise ConfigError("--bandwidth needs a POSIX pseudo-terminal")
        report = run_bandwidth_bench(*args.size)
    elif args.keys:
        if sys.platform == "win32":
            raise ConfigError("--keys needs a POSIX pseudo-terminal")
        from neurotui.bench.keys import run_keys_bench

        report = run_keys_bench(rounds=min(args.rounds, 3))
    elif args.landscape:
        from neurotui.bench.landscape import run_landscape_bench

        report = run_landscape_bench(rounds=min(args.rounds, 3), steps=args.steps or 20000)
    elif args.ui:
        from neurotui.bench.drawing import UI_STEPS
        from neurotui.bench.ui import run_ui_bench

        report = run_ui_bench(rounds=args.rounds, steps=args.steps or UI_STEPS, rss=args.rss)
    else:
        report = run_bench(rounds=args.rounds, steps=args.steps or 2000)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for line in report["lines"]:
            print(line)
    return 0

def cmd_config(args) -> int:
    from neurotui.settings import describe

    return describe()


# Options of the top-level parser that describe the program, not the app a tab runs.
_NOT_APP_OPTIONS = {"help", "version", "command"}


def app_options(args: argparse.Namespace, extra: list[str]) -> list[str]:
    """The options each tab's `python -m neurotui` gets, checked now rather than in every tab.

    Two sources: app options written before `serve` (the top-level parser took them; those
    that differ from their defaults are repeated) and unknown options after `serve`
    (`extra`), so `neurotui serve --seed 7` and `neurotui --seed 7 serve` mean the same, and a
    new app option (e.g. --preset) passes through without this module knowing it.
    """
    parser = build_parser()
    given: list[str] = []
    for action in options_of(parser):
        if not action.option_strings or action.dest in _NOT_APP_OPTIONS:
            continue
        value = getattr(args, action.dest, cli_data.default_of(action))
        if value is None or value == cli_data.default_of(action):
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


def cmd_serve(args) -> int:
    from neurotui.serve import main as serve_main

    return serve_main(args, app_options(args, getattr(args, "extra", [])))

def cmd_app(args) -> int:
    config = config_from_args(args)
    from neurotui.tui.launch import launch

    preset = getattr(args, "preset", None)
    question = get_preset(preset).question if preset else ""
    return launch(config, autostart=not args.no_autostart, ascii=args.ascii, theme=getattr(args, "theme", None),
                  keymap=getattr(args, "keymap", None), speed=getattr(args, "speed", None), question=question,
                  warnings=getattr(args, "config_warnings", ()))

def cmd_learn(args) -> int:
    """`neurotui learn`: the app with the guided lesson's panel; --list, --step K, --reset."""
    from neurotui.core.course import progress
    from neurotui.core.course.steps import get_step, step_lines

    if args.list:
        print("\n".join(step_lines()))
        return 0
    if args.reset:
        path = progress.state_path()
        try:
            had = progress.reset(path)
        except OSError as exc:
            raise ConfigError(f"cannot clear {path}: {exc.strerror or exc}") from None
        print(f"lesson progress cleared ({path})" if had else "no lesson progress to clear")
        return 0
    if args.step is not None:
        get_step(args.step)  # ConfigError: one line, exit 2
    from neurotui.tui.launch import launch

    # autostart off: each step starts its own run, held at step 0 until the prediction is in
    return launch(config_from_args(args), autostart=False, ascii=args.ascii, theme=getattr(args, "theme", None),
                  keymap=getattr(args, "keymap", None), speed=getattr(args, "speed", None),
                  lesson={"start": args.step}, warnings=getattr(args, "config_warnings", ()))
