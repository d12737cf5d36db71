"""Command line: the app, and the headless subcommands.

The only module that prints to the terminal or exits. Every bad value becomes
one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

from neurotui import __version__, cli_data  # cli_data: the data, training and preset options
from neurotui.core.bugs import BUG_ORDER
from neurotui.core.errors import ConfigError
from neurotui.core.numbers import finite_or_none
from neurotui.core.xor import XorConfig

EXIT_USAGE = 2


class UsageError(Exception):
    """Raised instead of argparse's exit so main() prints exactly one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print the whole usage block
        raise UsageError(message)


def _int(text: str) -> int:
    try:
        return int(text.replace("_", ""), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _positive_int(text: str) -> int:
    v = _int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def _add_model_options(p: argparse.ArgumentParser, top: bool = False) -> None:
    d = XorConfig()
    # A subcommand repeats the options with suppressed defaults: otherwise argparse
    # would reset `neurotui --seed 7 lab` to the default seed without a word.
    keep = (lambda v: v) if top else (lambda v: argparse.SUPPRESS)
    g = p.add_argument_group("model (defaults are the lesson's)")
    g.add_argument("--device", default=keep(d.device), help=f"auto, cpu, cuda or cuda:N (default: {d.device})")
    g.add_argument("--seed", type=_int, default=keep(d.seed), help=f"random seed (default: {d.seed})")
    g.add_argument("--hidden", type=_int, default=keep(d.hidden), help=f"hidden units per layer, 1-32 (default: {d.hidden})")
    g.add_argument("--layers", type=_int, default=keep(d.layers), help=f"hidden layers, 1-3 (default: {d.layers})")
    g.add_argument("--activation", default=keep(d.activation), help=f"tanh, relu, sigmoid or identity (default: {d.activation})")
    g.add_argument("--lr", type=_float, default=keep(d.lr), help=f"learning rate (default: {d.lr})")
    g.add_argument("--steps", type=_int, default=keep(d.steps), help=f"training steps (default: {d.steps})")
    g.add_argument("--optimizer", default=keep(d.optimizer), help=f"adam or sgd (default: {d.optimizer})")
    g.add_argument("--bug", default=keep(d.bug), metavar="NAME", help=f"make a classic mistake on purpose: {', '.join(BUG_ORDER)}")


def config_from_args(args: argparse.Namespace) -> XorConfig:
    return cli_data.with_data_options(XorConfig(  # then the data options and --preset (options typed win)
        hidden=args.hidden, layers=args.layers, activation=args.activation, lr=args.lr,
        steps=args.steps, seed=args.seed, optimizer=args.optimizer, device=args.device, bug=args.bug,
    ), args).validated()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="neurotui",
        description="Learn how one neuron becomes a multilayer perceptron, in the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"neurotui {__version__}")
    _add_model_options(parser, top=True)
    cli_data.add_data_options(parser, top=True)
    parser.add_argument("--no-autostart", action="store_true", help="wait for a key before training")
    parser.add_argument("--ascii", action="store_true", help="write ASCII only (automatic when the locale is not UTF-8)")
    parser.add_argument("--theme", metavar="NAME", type=_theme,
                        help="Textual theme, e.g. nord or textual-light (the palette's \"Change theme\" tries them)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    lab = sub.add_parser("lab", help="run the lesson headless and print its output")
    _add_model_options(lab)
    cli_data.add_data_options(lab)
    lab.add_argument("--log-every", type=_positive_int, metavar="N", help="print the loss every N steps")
    lab.add_argument("--boundary", action="store_true", help="print the decision boundary after training")
    lab.add_argument("--ascii", action="store_true", default=argparse.SUPPRESS, help="ASCII characters for --boundary")
    lab.add_argument("--json", action="store_true", help="print a JSON result (with diagnosis) instead")
    lab.add_argument("--card", metavar="PATH", help="also write the lesson's result card (Markdown) to PATH; never overwrites")
    lab.add_argument("--script", action="store_true", help="print this run as a standalone PyTorch script instead")

    shots = sub.add_parser("screenshots", help="write the README's SVG screens into DIR")
    shots.add_argument("directory", metavar="DIR")

    sweep = sub.add_parser("sweep", help="train many seeds at once and report how often XOR gets solved")
    _add_sweep_options(sweep)

    bench = sub.add_parser("bench", help="measure speed against the lesson's own loop")
    bench.add_argument("--rounds", type=_positive_int, default=5, help="alternating A/B rounds (default: %(default)s)")
    bench.add_argument("--steps", type=_positive_int, default=None,
                       help="steps per timed run (default: 2000; with --ui 60000)")
    bench.add_argument("--json", action="store_true", help="print JSON")
    bench.add_argument("--bandwidth", action="store_true",
                       help="instead, count the bytes/s the app writes to a terminal (training, then idle)")
    bench.add_argument("--size", type=_size, default=(120, 40), metavar="COLSxROWS",
                       help="terminal size for --bandwidth (default: 120x40)")
    bench.add_argument("--ui", action="store_true",
                       help="instead, training steps/s with the app drawing vs not, the first frame's and first step's time")
    bench.add_argument("--rss", action="store_true", help="with --ui: also the app's peak RSS after a 200,000-step run")

    from neurotui.serve import add_arguments as add_serve_arguments  # aiohttp is imported only to serve

    add_serve_arguments(sub.add_parser("serve", help="serve the app to browser tabs, behind a secret token"))
    sub.add_parser("config", help="print the config file's path and the settings in effect")
    cli_data.add_presets_command(sub)
    return cli_data.track_given(parser)  # args.given: the options typed, which a --preset must not override


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser()
        args, args.extra = parser.parse_known_args(argv)
        if args.command is None:  # the app: the config file's defaults, under the command line's options
            from neurotui.settings import app_defaults

            parser.set_defaults(**app_defaults())
            args, args.extra = parser.parse_known_args(argv)
        if args.extra and args.command != "serve":  # serve passes unknown options on to each tab's app
            parser.error(f"unrecognized arguments: {' '.join(args.extra)}")
        handler = {
            "lab": cmd_lab, "bench": cmd_bench, "screenshots": cmd_screenshots, "sweep": cmd_sweep,
            "serve": cmd_serve, "config": cmd_config, "presets": cli_data.cmd_presets,
        }.get(args.command, cmd_app)
        return handler(args)
    except (UsageError, ConfigError) as exc:
        print(f"neurotui: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("neurotui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # e.g. `neurotui lab | head -1`: the reader went away; not an error worth a traceback.
        sys.stderr.close()
        return 0


def cmd_lab(args) -> int:
    config = config_from_args(args)
    if args.script:  # the run's PyTorch code instead of the run; ScriptError (exit 2) with --json etc.
        from neurotui.core.script import script_text

        print(script_text(config, args.log_every, others=args.json or args.boundary or args.card), end="")
        return 0
    if args.card:
        from neurotui.core.card import check_card_path

        check_card_path(args.card)  # before training: a taken name fails at once
    from neurotui.core import neuron
    from neurotui.core.trainer import Trainer

    cell = neuron.compute()
    trainer = Trainer(config)
    logged: list[tuple[int, float]] = []
    out: list[str] = []
    if not args.json:
        out += ["single_neuron", f"z= {round(cell.z, 3)}",
                f"sigmoid= {round(cell.activations['sigmoid'], 3)}",
                f"relu= {round(cell.activations['relu'], 3)}"]
        print("\n".join(out), flush=True)
    every = args.log_every or config.steps
    while not trainer.finished:
        trainer.run(every - trainer.step_count % every)
        if args.log_every and trainer.losses:
            logged.append((trainer.step_count, trainer.losses[-1]))
            if not args.json:
                print(f"step={trainer.step_count} loss={trainer.losses[-1]:.4f}", flush=True)
    rows, cols = (12, 28)
    snap = trainer.snapshot(boundary_size=(rows, cols) if (args.boundary or args.json or args.card) else None)
    if args.json:
        from neurotui.core.boundary import render

        result = {
            "config": config.as_dict(),
            "neuron": {"z": cell.z, "activations": cell.activations},
            "steps_done": snap.step,
            "final_loss": finite_or_none(snap.loss),
            "probs": [finite_or_none(p) for p in snap.probs],
            "preds": list(snap.preds),
            "solved": snap.solved,
            "rows": snap.rows(),
            "diagnosis": snap.diagnosis.as_dict(),
            "error": snap.error,
            "loss_log": [{"step": s, "loss": finite_or_none(v)} for s, v in logged],
            "boundary": render(snap.boundary, ascii=True),
        }
        result.update(cli_data.fit_json(config, trainer, snap))  # train/val losses and accuracies, the data
        if args.card:
            result["card"] = _write_card(args, config, snap)
        print(json.dumps(result, indent=2))
        return 0
    if not cli_data.is_lesson_data(config):  # other data: the lesson's lines where they apply, then train/val
        return cli_data.print_fit_lab(args, config, trainer, snap, _write_card, _stdout_takes)
    print("xor_mlp")
    print("\n".join(snap.rows()))
    print("final_loss=", round(snap.loss, 4))
    if snap.error:  # PyTorch refused a step: its own first line, as the script prints it
        print(f"stopped at step {snap.step + 1}: {snap.error}")
    if not snap.diagnosis.ok:
        print(f"diagnosis: {snap.diagnosis.title}: {snap.diagnosis.detail}; fix: {snap.diagnosis.fix}")
    if args.boundary:
        from neurotui.core.boundary import UNICODE_RAMP, render
        from neurotui.tui.launch import wants_ascii  # stdlib only: no UI library is loaded

        plain = args.ascii or wants_ascii() or not _stdout_takes(UNICODE_RAMP)
        print("decision boundary (x1 across, x2 up; denser = closer to 1, blank = closer to 0; "
              "digits = the XOR points' true labels)")
        for line in render(snap.boundary, ascii=plain):
            print(f"|{line}|")
    if args.card:
        print(f"card written to {_write_card(args, config, snap)}")
    return 0


def _write_card(args, config, snap) -> str:
    """Train the failure probe, then write the card; CardError (exit 2) if the name got taken."""
    from neurotui.core.card import card_markdown, failure_probe, write_card

    text = card_markdown(config, snap, failure_probe(config, steps=snap.step), ascii=args.ascii)
    return str(write_card(args.card, text))


def _stdout_takes(text: str) -> bool:
    """False when stdout cannot encode `text` (a non-UTF-8 locale or PYTHONIOENCODING=ascii)."""
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def cmd_screenshots(args) -> int:
    from neurotui.tui.screenshots import make_screenshots

    try:
        paths = make_screenshots(args.directory)
    except OSError as exc:
        raise ConfigError(f"cannot write screenshots to {args.directory!r}: {exc.strerror or exc}") from None
    for path in paths:
        print(path)
    return 0


def _size(text: str) -> tuple[int, int]:
    cols, sep, rows = text.lower().partition("x")
    try:
        size = (int(cols), int(rows))
    except ValueError:
        size = None
    if not sep or size is None or not (20 <= size[0] <= 1000 and 5 <= size[1] <= 500):
        raise argparse.ArgumentTypeError(f"size must be COLSxROWS, e.g. 120x40 (20-1000 x 5-500), got {text!r}")
    return size


def cmd_bench(args) -> int:
    from neurotui.bench.bandwidth import run_bandwidth_bench
    from neurotui.bench.trainer import run_bench

    if args.bandwidth:
        if sys.platform == "win32":
            raise ConfigError("--bandwidth needs a POSIX pseudo-terminal")
        report = run_bandwidth_bench(*args.size)
    elif args.ui:
        from neurotui.bench.ui import UI_STEPS, run_ui_bench

        report = run_ui_bench(rounds=args.rounds, steps=args.steps or UI_STEPS, rss=args.rss)
    else:
        report = run_bench(rounds=args.rounds, steps=args.steps or 2000)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for line in report["lines"]:
            print(line)
    return 0


def _int_list(text: str) -> list[int]:
    return _split_list(text, _int)


def _split_list(text: str, convert=str) -> list:
    """'2,4, 8' -> [2, 4, 8]; repeats dropped, order kept."""
    items = [t.strip() for t in str(text).split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"empty item in list {text!r}")
    out = []
    for item in items:
        value = convert(item)
        if value not in out:
            out.append(value)
    return out


def _add_sweep_options(p: argparse.ArgumentParser) -> None:
    from neurotui.core.sweep import DEFAULT_SEEDS, SEEDS_MAX

    d = XorConfig()
    # Shared options keep `neurotui --lr 0.5 sweep` working, as for lab; lists accept a single value too.
    s = argparse.SUPPRESS
    g = p.add_argument_group("sweep (model defaults are the lesson's)")
    g.add_argument("--seeds", type=_int, default=DEFAULT_SEEDS, metavar="N",
                   help=f"train seeds K .. K+N-1, N up to {SEEDS_MAX:,} (default: %(default)s)")
    g.add_argument("--seed-start", type=_int, default=0, metavar="K", help="first seed (default: %(default)s)")
    g.add_argument("--hidden", type=_int_list, default=s, metavar="LIST", help=f"hidden units, e.g. 2,4,8 (default: {d.hidden})")
    g.add_argument("--layers", type=_int_list, default=s, metavar="LIST", help=f"hidden layers, e.g. 1,2 (default: {d.layers})")
    g.add_argument("--activation", type=_split_list, default=s, metavar="LIST",
                   help=f"any of tanh,relu,sigmoid,identity (default: {d.activation})")
    g.add_argument("--steps", type=_int, default=s, help=f"training steps (default: {d.steps})")
    g.add_argument("--lr", type=_float, default=s, help=f"learning rate (default: {d.lr})")
    g.add_argument("--optimizer", default=s, help=f"adam or sgd (default: {d.optimizer})")
    g.add_argument("--device", default=s, help=f"auto, cpu, cuda or cuda:N (default: {d.device})")
    g.add_argument("--json", action="store_true", help="print a JSON array, one object per configuration")


def _listed(value) -> list:
    """A sweep list option, or the single value the shared (top-level) option gave."""
    return value if isinstance(value, list) else _split_list(value, type(value))


def cmd_sweep(args) -> int:
    from neurotui.core.sweep import SweepConfig, grid_configs

    base = SweepConfig.of(
        seeds=args.seeds, seed_start=args.seed_start,
        lr=args.lr, steps=args.steps, optimizer=args.optimizer, device=args.device,
    )
    hidden, layers, activations = _listed(args.hidden), _listed(args.layers), _listed(args.activation)
    grid_configs(base, hidden, layers, activations)  # every value checked before torch is imported
    from neurotui.core.device import resolve_device
    from neurotui.core.sweep import run_grid

    resolve_device(base.validated().device)  # a missing GPU is a usage error, not a traceback
    bar = _ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    results = []
    try:
        for i, result in enumerate(run_grid(base, hidden, layers, activations, progress=bar.update if bar else None,
                                               workers="all")):
            if bar:
                bar.clear()
            if args.json:
                results.append(result.summary())
                continue
            if i == 0:
                print(_SWEEP_HEADER)
            print(_sweep_row(result), flush=True)
    finally:
        if bar:
            bar.clear()
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


_SWEEP_HEADER = (
    f"{'hidden':>6} {'layers':>6} {'activation':<10} {'seeds':>7} {'solved':>7} "
    f"{'median loss':>11} {'p90 loss':>9} {'median steps':>12} {'time':>7}  not solved"
)


def _sweep_row(r) -> str:
    from neurotui.core.numbers import fmt_loss as loss

    c = r.config
    steps = "-" if r.median_steps_to_solve is None else f"{r.median_steps_to_solve:g}"
    failed = ", ".join(f"{k} {n}" for k, n in r.kind_counts.items() if n and k != "solved") or "-"
    return (
        f"{c.hidden:>6} {c.layers:>6} {c.activation:<10} {r.n:>7} {r.solved_fraction:>7.1%} "
        f"{loss(r.median_final_loss):>11} {loss(r.p90_final_loss):>9} {steps:>12} {r.elapsed_s:>6.1f}s  {failed}"
    )


class _ProgressBar:
    """One self-overwriting line on a terminal's stderr, at most ~10 times a second."""

    def __init__(self, stream, width: int = 30):
        import time

        self.stream, self.width, self._clock = stream, width, time.monotonic
        self._last = 0.0

    def update(self, p) -> None:
        now = self._clock()
        if now - self._last < 0.1:
            return
        self._last = now
        filled = int(p.fraction * self.width)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {p.fraction:6.1%}  "
            f"config {p.config_index + 1}/{p.config_count}: {p.config.label}, step {p.step}/{p.steps}\x1b[K"
        )
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()
        self._last = 0.0


def cmd_config(args) -> int:
    from neurotui.settings import describe

    return describe()


def cmd_serve(args) -> int:
    from neurotui.serve import main as serve_main

    return serve_main(args)


def cmd_app(args) -> int:
    config = config_from_args(args)
    from neurotui.tui.launch import launch

    preset = getattr(args, "preset", None)
    question = cli_data.get_preset(preset).question if preset else ""
    return launch(config, autostart=not args.no_autostart, ascii=args.ascii, theme=getattr(args, "theme", None),
                  keymap=getattr(args, "keymap", None), speed=getattr(args, "speed", None), question=question)


def _theme(text: str) -> str:
    from neurotui.settings import theme_problem

    if problem := theme_problem(text):
        raise argparse.ArgumentTypeError(problem)
    return text
