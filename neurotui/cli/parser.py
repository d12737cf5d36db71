"""The command line's parser: every option, checked as it is read, and the config it makes.

Every bad value becomes a UsageError or ConfigError: one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse

from neurotui import __version__
from neurotui.cli import data as cli_data  # the data, training and preset options
from neurotui.cli.backward import add_options as add_backward_options
from neurotui.cli.convert import _float, _int
from neurotui.core.course.bugs import ALL_BUG_ORDER
from neurotui.core.data.columns import INPUTS_MAX
from neurotui.core.data.csvfile import SAMPLES_MAX, SAMPLES_MIN
from neurotui.core.data.datasets import DATASETS, DEFAULT_FEATURES, DEFAULT_SAMPLES, DEFAULT_VAL_SPLIT, FEATURES
from neurotui.core.model.activations import ACTIVATION_ORDER
from neurotui.core.model.config import HIDDEN_MAX, HIDDEN_MIN, LAYERS_MAX, LAYERS_MIN, OPTIMIZERS, XorConfig
from neurotui.core.numbers import short, thousands
from neurotui.core.training.resolved import Resolved
from neurotui.session.control import DEFAULT_SPEED, SPEEDS

EXIT_USAGE = 2

class UsageError(Exception):
    """Raised instead of argparse's exit so main() prints exactly one line."""

class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print the whole usage block
        raise UsageError(message)

    def parse_known_args(self, args=None, namespace=None):
        # parse_args comes here too: every caller gets plain values and args.given
        parsed, extra = super().parse_known_args(args, namespace)
        return cli_data.settle(parsed), extra

def _positive_int(text: str) -> int:
    v = _int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v

def _threads(text: str) -> int:
    v = _int(text)
    if not 1 <= v <= 1024:
        raise argparse.ArgumentTypeError(f"must be 1-1024 threads, got {text!r}")
    return v

def add_threads_option(p: argparse.ArgumentParser, top: bool = False) -> None:
    p.add_argument("--threads", type=_threads, metavar="N", default=cli_data.Default(None) if top else argparse.SUPPRESS,
                   help="intra-op CPU threads for training (default: OMP_NUM_THREADS if set, else 1 for a small run "
                        "and torch's pool for a big one)")

def _or(names) -> str:
    """tanh, relu, sigmoid or identity."""
    return f"{', '.join(names[:-1])} or {names[-1]}"

def _add_model_options(p: argparse.ArgumentParser, top: bool = False) -> None:
    d = XorConfig()
    # A subcommand repeats the options with suppressed defaults: otherwise argparse
    # would reset `neurotui --seed 7 lab` to the default seed without a word.
    keep = cli_data.Default if top else (lambda v: argparse.SUPPRESS)
    g = p.add_argument_group("model (defaults are the lesson's)")
    g.add_argument("--device", default=keep(d.device), help=f"auto, cpu, cuda or cuda:N (default: {d.device})")
    g.add_argument("--seed", type=_int, default=keep(d.seed), help=f"random seed (default: {d.seed})")
    g.add_argument("--hidden", type=_int, default=keep(d.hidden), help=f"hidden units per layer, {HIDDEN_MIN}-{HIDDEN_MAX} (default: {d.hidden})")
    g.add_argument("--layers", type=_int, default=keep(d.layers), help=f"hidden layers, {LAYERS_MIN}-{LAYERS_MAX}; 0 is the single-layer perceptron, 2-1 (default: {d.layers})")
    g.add_argument("--activation", default=keep(d.activation), help=f"{_or(ACTIVATION_ORDER)} (default: {d.activation})")
    g.add_argument("--lr", type=_float, default=keep(d.lr), help=f"learning rate (default: {d.lr})")
    g.add_argument("--steps", type=_int, default=keep(d.steps), help=f"training steps (default: {d.steps})")
    g.add_argument("--optimizer", default=keep(d.optimizer), help=f"{_or(OPTIMIZERS)} (default: {d.optimizer})")
    g.add_argument("--bug", default=keep(d.bug), metavar="NAME", help=f"make a classic mistake on purpose: {', '.join(ALL_BUG_ORDER)}")

def run_from_args(args: argparse.Namespace) -> Resolved:
    """The command line's run, resolved once (core.training.resolved): its config and every fact of it."""
    return cli_data.with_data_options(XorConfig(  # then the data options and --preset (options typed win)
        hidden=args.hidden, layers=args.layers, activation=args.activation, lr=args.lr,
        steps=args.steps, seed=args.seed, optimizer=args.optimizer, device=args.device, bug=args.bug,
    ), args)


def config_from_args(args: argparse.Namespace) -> XorConfig:
    """The command line's validated config (the app's, which resolves its runs as they start)."""
    return run_from_args(args).config

def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="neurotui",
        description="Learn how one neuron becomes a multilayer perceptron, in the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"neurotui {__version__}")
    _add_model_options(parser, top=True)
    cli_data.add_data_options(parser, top=True)
    add_threads_option(parser, top=True)
    parser.add_argument("--no-autostart", action="store_true", help="wait for a key before training")
    parser.add_argument("--speed", type=_speed, default=None, metavar="N|max",
                        help='starting training speed in steps/s, snapped to the [ ] ladder, or "max" '
                             f"(default: {SPEEDS[DEFAULT_SPEED]})")
    parser.add_argument("--ascii", action="store_true", help="write ASCII only (automatic when the locale is not UTF-8)")
    parser.add_argument("--theme", metavar="NAME", type=_theme,
                        help="Textual theme, e.g. nord or textual-light (the palette's \"Change theme\" tries them)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    _add_lab_command(sub)

    learn = sub.add_parser("learn", help="the guided lesson: predict, then the app runs it and measures")
    learn.add_argument("--list", action="store_true", help="print the steps, one per line, and exit")
    learn.add_argument("--step", type=_int, metavar="K", help="open at step K (default: where you left off)")
    learn.add_argument("--reset", action="store_true", help="forget your progress and predictions, and exit")
    learn.add_argument("--ascii", action="store_true", default=argparse.SUPPRESS, help="write ASCII only")

    shots = sub.add_parser("screenshots", help="write the README's SVG screens into DIR")
    shots.add_argument("directory", metavar="DIR")

    sweep = sub.add_parser("sweep", help="train many seeds at once and report how often XOR gets solved")
    add_threads_option(sweep)
    _add_sweep_options(sweep)

    _add_bench_command(sub)

    from neurotui.serve.options import add_arguments as add_serve_arguments  # aiohttp is imported only to serve

    add_serve_arguments(sub.add_parser("serve", help="serve the app to browser tabs, behind a secret token"))
    sub.add_parser("config", help="print the config file's path and the settings in effect")
    cls = sub.add_parser("class", help="print a served class's view as a table (the teacher's link from serve --learn)")
    cls.add_argument("url", metavar="URL", help="the class view's link, …/class?token=…")
    cli_data.add_presets_command(sub)
    from neurotui.cli.predict import add_predict_command

    add_predict_command(sub)
    return parser  # args.given (cli_data.settle): the options typed, which a --preset must not override

def _add_lab_command(sub) -> None:
    """`neurotui lab`: the model and data options again, and what it prints besides the lesson's output."""
    lab = sub.add_parser("lab", help="run the lesson headless and print its output")
    _add_model_options(lab)
    cli_data.add_data_options(lab)
    add_threads_option(lab)
    lab.add_argument("--log-every", type=_positive_int, metavar="N", help="print the loss every N steps")
    lab.add_argument("--boundary", action="store_true", help="print the decision boundary after training")
    lab.add_argument("--ascii", action="store_true", default=argparse.SUPPRESS, help="ASCII characters for --boundary")
    lab.add_argument("--json", action="store_true", help="print a JSON result (with diagnosis) instead")
    lab.add_argument("--card", metavar="PATH", help="also write the lesson's result card (Markdown) to PATH; never overwrites")
    lab.add_argument("--script", action="store_true", help="print this run as a standalone PyTorch script instead")
    lab.add_argument("--save", metavar="MODEL.pt", help="with --data: keep the trained model (weights, columns, "
                     "standardization, classes, config) for `neurotui predict MODEL.pt NEW.csv`")
    lab.add_argument("--landscape", nargs="?", const="pca", choices=("pca", "random", "weights"), metavar="PLANE",
                     help="also print the loss landscape around the final weights with the path taken; PLANE: pca "
                          "(default: the path's two main directions), random (filter-normalized) or weights (w and b "
                          "of the output's first unit)")
    add_backward_options(lab)

def _add_bench_command(sub) -> None:
    """`neurotui bench`: the trainer against the lesson's loop, or one of the other measurements."""
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
    bench.add_argument("--keys", action="store_true",
                       help="instead, each key's latency in a pty (paused and training), q after a 400-key mash, "
                            "and keys typed at the first frame")
    bench.add_argument("--landscape", action="store_true",
                       help="the loss landscape view's cost: a refresh against a training step, and the app's "
                            "training speed with it shown against the boundary")
    bench.add_argument("--peer", action="store_true",
                       help="instead, neurotui's training against scikit-learn's MLPClassifier on the same moons file "
                            "(needs the bench extra: pip install 'neurotui[bench]')")
    bench.add_argument("--rss", action="store_true", help="with --ui: also the app's peak RSS after a 200,000-step run")
    bench.add_argument("--tabs", type=_positive_int, default=None, metavar="N",
                       help="instead, open N tabs on a real `neurotui serve`: memory per tab, and key latency while "
                       "all train (--rounds presses per tab; --steps each tab trains, default 20000)")
    bench.add_argument("--no-warm", action="store_true", help="with --tabs: a Python per tab, for comparison")

def _size(text: str) -> tuple[int, int]:
    cols, sep, rows = text.lower().partition("x")
    try:
        size = (int(cols), int(rows))
    except ValueError:
        size = None
    if not sep or size is None or not (20 <= size[0] <= 1000 and 5 <= size[1] <= 500):
        raise argparse.ArgumentTypeError(f"size must be COLSxROWS, e.g. 120x40 (20-1000 x 5-500), got {text!r}")
    return size

def _speed(text: str) -> int | str:
    from neurotui.settings import SPEED_MAX

    if text.strip().lower() == "max":
        return "max"
    value = _int(text)
    if not 1 <= value <= SPEED_MAX:
        raise argparse.ArgumentTypeError(f'must be 1-{thousands(SPEED_MAX)} steps/s or "max", got {text!r}')
    return value

def _theme(text: str) -> str:
    from neurotui.settings import theme_problem

    if problem := theme_problem(text):
        raise argparse.ArgumentTypeError(problem)
    return text

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
    from neurotui.core.sweep.config import DEFAULT_SEEDS, SEEDS_MAX

    d = XorConfig()
    # Shared options keep `neurotui --lr 0.5 sweep` working, as for lab; lists accept a single value too.
    s = argparse.SUPPRESS
    g = p.add_argument_group("sweep (model defaults are the lesson's)")
    g.add_argument("--seeds", type=_int, default=DEFAULT_SEEDS, metavar="N",
                   help=f"train seeds K .. K+N-1, N up to {thousands(SEEDS_MAX)} (default: %(default)s)")
    g.add_argument("--seed-start", type=_int, default=0, metavar="K", help="first seed (default: %(default)s)")
    g.add_argument("--hidden", type=_int_list, default=s, metavar="LIST", help=f"hidden units, e.g. 2,4,8 (default: {d.hidden})")
    g.add_argument("--layers", type=_int_list, default=s, metavar="LIST", help=f"hidden layers, e.g. 0,1,2 (0: the perceptron, 2-1) (default: {d.layers})")
    g.add_argument("--activation", type=_split_list, default=s, metavar="LIST",
                   help=f"any of {','.join(ACTIVATION_ORDER)} (default: {d.activation})")
    g.add_argument("--steps", type=_int, default=s, help=f"training steps (default: {d.steps})")
    g.add_argument("--lr", type=_float, default=s, help=f"learning rate (default: {d.lr})")
    g.add_argument("--optimizer", default=s, help=f"{_or(OPTIMIZERS)} (default: {d.optimizer})")
    g.add_argument("--device", default=s, help=f"auto, cpu, cuda or cuda:N (default: {d.device})")
    g.add_argument("--bug", default=s, metavar="NAME",
                   help=f"make a classic mistake on purpose: {', '.join(ALL_BUG_ORDER)} (seeds then train one by one)")
    g.add_argument("--json", action="store_true", help="print a JSON array, one object per configuration")
    _add_sweep_data_options(p)

SWEEP_SOLVED = (
    "On the lesson's four XOR rows a net is solved when all four rows are right after training. On any other "
    "data (--dataset, --data, --val-split, --features, --l1, --l2) a net is solved when its validation accuracy "
    "is at least 0.95 (its train accuracy when there is no validation set), as `neurotui lab` says; the table "
    "then adds the median validation accuracy. With K classes (spiral3, --classes 3-6, a CSV of labels 0..K-1) "
    "solved is the same validation accuracy >= 0.95; a regression net (reg-plane, reg-gauss, a CSV of fractional "
    "labels) is solved when its validation R² is at least 0.9, and the table shows the median R². All seeds share "
    "the data, drawn from --data-seed. The batched program trains two classes full batch without dropout or "
    "bugs: with K classes, regression, --batch smaller than the training set, --dropout or --bug each seed is "
    "trained one after another by the lab's own trainer (the same numbers, slower)."
)

def _add_sweep_data_options(p: argparse.ArgumentParser) -> None:
    """The data options of `lab`, for the sweep (no --preset: a sweep's model options are lists)."""
    p.description = "Train many seeds at once as one batched program and report how often each network solves. " + SWEEP_SOLVED
    s = argparse.SUPPRESS  # `neurotui --dataset circle sweep` keeps the top-level value
    d = XorConfig()
    g = p.add_argument_group("data and training (defaults: the lesson's four XOR rows, full batch, no regularization)")
    g.add_argument("--dataset", default=s, metavar="NAME", help=f"{', '.join(DATASETS)} (default: {d.dataset})")
    g.add_argument("--data", default=s, metavar="FILE.csv",
                   help=f"your own CSV: 2-{INPUTS_MAX} input columns and a label (as lab's --data; inputs standardized)")
    g.add_argument("--label", default=s, metavar="NAME|INDEX", help="with --data: the label column (default: the last)")
    g.add_argument("--no-standardize", dest="standardize", action="store_const", const=False, default=s,
                   help="with --data: train on the inputs as read")
    g.add_argument("--task", default=s, choices=("classify", "regress"), help="with --data: classify or regress")
    g.add_argument("--early-stop", dest="early_stop", action="store_const", const=True, default=s,
                   help="each seed stops on a slice of its training rows and keeps its best weights (as lab's)")
    g.add_argument("--no-early-stop", dest="early_stop", action="store_const", const=False, default=s,
                   help="with --data: a regression trains every step (early stopping is its default)")
    g.add_argument("--classes", type=_int, default=s, metavar="K",
                   help="K arms of spiral or K blobs of gauss, 2-6 (three or more: trained seed by seed)")
    g.add_argument("--data-seed", type=_int, default=s, metavar="N",
                   help=f"seed of the generated data and the split, shared by every net (default: {d.data_seed})")
    g.add_argument("--samples", type=_int, default=s, metavar="N",
                   help=f"points in a generated set, {SAMPLES_MIN}-{thousands(SAMPLES_MAX)} (default: {DEFAULT_SAMPLES})")
    g.add_argument("--noise", type=_float, default=s, metavar="SIGMA", help="Gaussian noise of a generated set (default: per dataset)")
    g.add_argument("--val-split", type=_float, default=s, metavar="F",
                   help=f"fraction held out for validation, stratified, 0 <= F < 1 (default: 0 for xor, else {short(DEFAULT_VAL_SPLIT)})")
    g.add_argument("--l2", type=_float, default=s, metavar="LAMBDA", help=f"L2 weight decay on weights (default: {short(d.l2)})")
    g.add_argument("--l1", type=_float, default=s, metavar="LAMBDA", help=f"L1 penalty on weights (default: {short(d.l1)})")
    g.add_argument("--features", default=s, metavar="LIST",
                   help=f"input features, any of {','.join(FEATURES)} (default: {','.join(DEFAULT_FEATURES)})")
    g.add_argument("--batch", type=_int, default=s, metavar="B",
                   help="minibatch size (default: full batch); smaller than the training set, each seed is trained "
                        "one after another (the batched program has no minibatches)")
    g.add_argument("--dropout", type=_float, default=s, metavar="P",
                   help=f"dropout on hidden layers while training, 0 <= P < 1 (default: {short(d.dropout)}); above 0, each seed is "
                        "trained one after another (the batched program has no dropout)")

def _listed(value) -> list:
    """A sweep list option, or the single value the shared (top-level) option gave."""
    return value if isinstance(value, list) else _split_list(value, type(value))
