"""Command line: the app, and the headless subcommands.

The only package that prints to the terminal or exits. Every bad value becomes one line on
stderr and exit code 2, never a traceback.

- parser:   every option and the config it makes
- lab:      `neurotui lab`
- sweep:    `neurotui sweep`
- data:     the data, training and preset options, `neurotui presets`
- commands: bench, screenshots, config, serve, and the app
- classtable: `neurotui class URL`, a served class's view
"""

from __future__ import annotations

import sys

from neurotui.cli import data as cli_data
from neurotui.cli.commands import cmd_app, cmd_bench, cmd_config, cmd_learn, cmd_screenshots, cmd_serve
from neurotui.cli.lab import cmd_lab
from neurotui.cli.parser import EXIT_USAGE, UsageError, build_parser
from neurotui.cli.predict import cmd_predict
from neurotui.cli.sweep import cmd_sweep
from neurotui.core.errors import ConfigError
from neurotui.core.training import threads
from neurotui.core.training.kernels import KernelUnavailable

_said_on_stderr = False


def _say_kernel_fallbacks_on_stderr() -> None:
    global _said_on_stderr
    if not _said_on_stderr:
        from neurotui.core.training.kernel_check import on_fallback

        on_fallback(lambda line: print(line, file=sys.stderr, flush=True))
        _said_on_stderr = True


def cmd_class(args) -> int:
    from neurotui.cli.classtable import cmd_class  # urllib only for this command

    return cmd_class(args)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser()
        args, args.extra = parser.parse_known_args(argv)
        if args.command in (None, "learn"):  # the app: the config file's defaults, under the command line's options
            from neurotui.settings import app_defaults

            parser.set_defaults(**{k: cli_data.Default(v) for k, v in app_defaults().items()})
            args, args.extra = parser.parse_known_args(argv)
        if args.extra and args.command != "serve":  # serve passes unknown options on to each tab's app
            parser.error(f"unrecognized arguments: {' '.join(args.extra)}")
        if args.command not in (None, "learn", "serve"):  # the app shows the line itself (tui.app)
            _say_kernel_fallbacks_on_stderr()
        threads.request(getattr(args, "threads", None))  # before any training, in any command
        handler = {
            "lab": cmd_lab, "bench": cmd_bench, "screenshots": cmd_screenshots, "sweep": cmd_sweep,
            "serve": cmd_serve, "config": cmd_config, "presets": cli_data.cmd_presets, "learn": cmd_learn,
            "class": cmd_class,
            "predict": cmd_predict,
        }.get(args.command, cmd_app)
        try:
            return handler(args)
        finally:
            threads.request(None)  # the command's own: a later main() in this process (tests) starts unasked
    except (UsageError, ConfigError) as exc:
        print(f"neurotui: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KernelUnavailable as exc:  # a private kernel that failed after the check passed
        print(f"neurotui: error: {exc} (see the README: your torch, and PyTorch's private kernels)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("neurotui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # e.g. `neurotui lab | head -1`: the reader went away; not an error worth a traceback.
        sys.stderr.close()
        return 0
