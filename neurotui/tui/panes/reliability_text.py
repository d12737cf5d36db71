"""The Reliability pane's words: the lesson's practice questions answered from the sweep,
and the loss histogram of one row. Pure functions of sweep results."""

from __future__ import annotations

from rich.text import Text

from neurotui.core.model.activations import get_activation
from neurotui.core.numbers import fixed, loss_text

HIST_BINS = 10
# The pane's grid (the `4` key's help is written from it): the sizes and depths the answers compare.
GRID_HIDDEN = (2, 4, 8)
GRID_LAYERS = (1, 2)
GRID_ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity")


def key_of(result) -> tuple[int, int, str]:
    c = result.config
    return c.hidden, c.layers, c.activation


def answers(results: dict, settings: str, missing: str = "(waiting)") -> Text:
    """The lesson's practice questions 1-5, answered from the sweep's numbers where a sweep can.

    `missing` is what an unanswered question says: '(waiting)' while the sweep runs, why not
    once it stopped early.
    """

    def pct(r):
        return f"{fixed(100 * r.solved_fraction, 0)}%"

    t = Text()
    t.append("The lesson's practice questions, answered by the seeds\n", "bold")
    t.append(f"({settings})\n", "dim")
    h2, h4 = results.get((2, 1, "tanh")), results.get((4, 1, "tanh"))
    t.append("1. 2 hidden units instead of 4? ", "bold")
    t.append(f"tanh solves XOR for {pct(h2)} of seeds with 2 units, {pct(h4)} with 4: "
             "less room for intermediate features, less reliable.\n" if h2 and h4 else f"{missing}\n")
    relu = results.get((4, 1, "relu"))
    t.append("2. ReLU instead of Tanh? ", "bold")
    t.append(f"{pct(relu)} of seeds vs {pct(h4)} with tanh (4 units): ReLU depends more on the "
             "initialisation (dead units).\n" if relu and h4 else f"{missing}\n")
    t.append("3. The loss every 200 steps? ", "bold")
    t.append("one run's curve, not a question for many seeds: see the XOR pane's loss plot, "
             "or run `neurotui lab --log-every 200`.\n")
    ident = results.get((4, 1, "identity"))
    t.append("4. No hidden activation? ", "bold")
    t.append(f"{pct(ident)} solved, median loss {loss_text(ident.median_final_loss)} = ln 2: the layers "
             "collapse into one linear map.\n" if ident else f"{missing}\n")
    deep = results.get((4, 2, "tanh"))
    t.append("5. One more hidden layer? ", "bold")
    t.append(f"{pct(deep)} vs {pct(h4)} of seeds, median final loss {loss_text(deep.median_final_loss)} vs "
             f"{loss_text(h4.median_final_loss)} (tanh, 4 units).\n" if deep and h4 else f"{missing}\n")
    t.rstrip()
    return t


def histogram_text(result, width: int, ascii: bool) -> Text:
    edges, counts = result.histogram(bins=HIST_BINS, log10=True)
    bar_char = "#" if ascii else "█"
    biggest = max(counts) or 1
    room = max(4, width - 29)
    c = result.config
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(f"final loss of {result.n} seeds, {c.model.shape} {get_activation(c.activation).label}\n", "bold")
    for lo, hi, n in zip(edges, edges[1:], counts):
        t.append(f"{loss_text(10 ** lo):>8} to {loss_text(10 ** hi):<8} ", "dim")  # 6.76e-05 to 1.64e-04, never glued
        t.append(bar_char * max(1 if n else 0, round(room * n / biggest)), "cyan")
        t.append(f" {n}\n")
    t.append(f"solved {result.solved_count}/{result.n}; f / w: train a failed / working seed", "dim")
    return t


def steps_note(result) -> Text:
    """The table's 'to solve' column in words, with the selected row's number (wrapped, under the histogram)."""
    steps = result.median_steps_to_solve
    if steps is None:
        return Text("to solve: - (no seed of this row solved it)", "dim")
    return Text(f"to solve: {round(steps)}, the median step at which the solved seeds first got every row right",
                "dim")


# Kinds of failure, in words a newcomer reads without the doctor's vocabulary.
KIND_WORDS = {
    "stuck": "stuck", "near_half": "all near 0.5", "not_decreasing": "loss flat", "saturated": "blew up",
    "linear": "linear model", "nonfinite": "nan/inf", "memorization": "memorized",
}


def failed_text(kind_counts: dict, width: int) -> str:
    """'all near 0.5 154, stuck 12': the commonest failures first, whole, and 'other N' for the seeds of
    the kinds that did not fit, rather than a word cut mid-way ('stuc') or a count of kinds that reads
    as a count of seeds ('+1 more' for 92 seeds)."""
    items = [(f"{KIND_WORDS.get(k, k)} {n}", n) for k, n in sorted(kind_counts.items(), key=lambda kv: -kv[1])
             if k != "solved" and n]
    shown: list[str] = []
    for i, (item, _) in enumerate(items):
        rest = sum(n for _, n in items[i + 1:])
        if shown and len(", ".join([*shown, item]) + (f", other {rest}" if rest else "")) > width:
            other = f", other {sum(n for _, n in items[i:])}"
            return ", ".join(shown) + (other if len(", ".join(shown) + other) <= width else "")
        shown.append(item)  # the commonest failure always shows
    return ", ".join(shown) or "-"
