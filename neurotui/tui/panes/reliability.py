"""Reliability pane: many seeds per network, trained at once, answer "does it train reliably?"

A grid of configs (hidden units x layers x activation, 256 seeds each by default)
is trained as batched sweeps in a worker; the table fills as results arrive, the
selected row shows the spread of final losses, and f / w train one of its failed
or working seeds live in the XOR pane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from neurotui.core.activations import get_activation
from neurotui.core.xor import XorConfig
from neurotui.tui.glyphs import Glyphs

GRID_HIDDEN = (2, 4, 8)
GRID_LAYERS = (1, 2)
GRID_ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity")
DEFAULT_SEEDS = 256
HIST_BINS = 10


def fmt_loss(v: float) -> str:
    if not math.isfinite(v):
        return "inf"
    return f"{v:.4f}" if v >= 1e-3 else f"{v:.1e}"


def key_of(result) -> tuple[int, int, str]:
    c = result.config
    return c.hidden, c.layers, c.activation


def answers(results: dict) -> Text:
    """The lesson's practice questions 1, 2, 4 and 5, answered from the sweep's numbers."""

    def rate(h, l, a):
        r = results.get((h, l, a))
        return None if r is None else r

    def pct(r):
        return f"{100 * r.solved_fraction:.0f}%"

    t = Text()
    t.append("The lesson's practice questions, answered by the seeds\n", "bold")
    h2, h4 = rate(2, 1, "tanh"), rate(4, 1, "tanh")
    t.append("1. 2 hidden units instead of 4? ", "bold")
    t.append(f"tanh solves XOR for {pct(h2)} of seeds with 2 units, {pct(h4)} with 4: "
             "less room for intermediate features, less reliable.\n" if h2 and h4 else "(waiting)\n")
    relu = rate(4, 1, "relu")
    t.append("2. ReLU instead of Tanh? ", "bold")
    t.append(f"{pct(relu)} of seeds vs {pct(h4)} with tanh (4 units): ReLU depends more on the "
             "initialisation (dead units).\n" if relu and h4 else "(waiting)\n")
    ident = rate(4, 1, "identity")
    t.append("4. No hidden activation? ", "bold")
    t.append(f"{pct(ident)} solved, median loss {fmt_loss(ident.median_final_loss)} = ln 2: the layers "
             "collapse into one linear map.\n" if ident else "(waiting)\n")
    deep = rate(4, 2, "tanh")
    t.append("5. One more hidden layer? ", "bold")
    t.append(f"{pct(deep)} vs {pct(h4)} of seeds, median final loss {fmt_loss(deep.median_final_loss)} vs "
             f"{fmt_loss(h4.median_final_loss)} (tanh, 4 units).\n" if deep and h4 else "(waiting)\n")
    t.rstrip()
    return t


def histogram_text(result, width: int, ascii: bool) -> Text:
    edges, counts = result.histogram(bins=HIST_BINS, log10=True)
    bar_char = "#" if ascii else "█"
    biggest = max(counts) or 1
    room = max(4, width - 24)
    c = result.config
    t = Text(no_wrap=True, overflow="ellipsis")
    shape = "-".join(["2"] + [str(c.hidden)] * c.layers + ["1"])
    t.append(f"final loss of {result.n} seeds, {shape} {get_activation(c.activation).label}\n", "bold")
    for lo, hi, n in zip(edges, edges[1:], counts):
        t.append(f"{fmt_loss(10 ** lo):>8}-{fmt_loss(10 ** hi):<8}", "dim")
        t.append(bar_char * max(1 if n else 0, round(room * n / biggest)), "cyan")
        t.append(f" {n}\n")
    t.append(f"solved {result.solved_count}/{result.n}; f / w: train a failed / working seed", "dim")
    return t


class ReliabilityPane(Vertical):
    can_focus = False  # focus lives in the table

    BINDINGS = [
        Binding("r", "rerun", "Rerun sweep"),
        Binding("x", "stop", "Stop sweep"),
        Binding("f", "pick(False)", "Train failed seed"),
        Binding("w", "pick(True)", "Train working seed"),
    ]

    @dataclass
    class Pick(Message):
        config: XorConfig

    @dataclass
    class Rerun(Message):
        pass

    @dataclass
    class Stop(Message):
        pass

    def __init__(self, glyphs: Glyphs, **kwargs) -> None:
        super().__init__(**kwargs)
        self.glyphs = glyphs
        self.border_title = "4 Reliability - many seeds at once"
        self.results: dict = {}
        self.order: list = []

    def compose(self) -> ComposeResult:
        yield Static(id="rel-status")
        with Horizontal(id="rel-body"):
            yield DataTable(id="rel-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="rel-side"):
                yield Static(id="rel-hist")
                yield Static(id="rel-answers")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("units", "layers", "act.", "seeds", "solved", "median loss",
                      "p90 loss", "steps to solve", "not solved"):
            table.add_column(label, key=label)
        self.show_status("press 4 to start the sweep")

    def focus(self, scroll_visible: bool = True):
        return self.query_one(DataTable).focus(scroll_visible)

    def reset(self) -> None:
        self.results.clear()
        self.order.clear()
        self.query_one(DataTable).clear()
        self.query_one("#rel-hist", Static).update("")
        self.query_one("#rel-answers", Static).update(answers(self.results))

    def show_status(self, text: str, fraction: float | None = None) -> None:
        t = Text(no_wrap=True, overflow="ellipsis")
        if fraction is not None:
            width = 20
            done = int(round(fraction * width))
            full, empty = ("#", "-") if self.glyphs.ascii else ("█", "░")
            t.append(full * done + empty * (width - done), "cyan")
            t.append(f" {100 * fraction:3.0f}%  ")
        t.append(text)
        self.query_one("#rel-status", Static).update(t)

    def add_result(self, result) -> None:
        key = key_of(result)
        self.results[key] = result
        self.order.append(key)
        c = result.config
        others = ", ".join(f"{k} {n}" for k, n in sorted(result.kind_counts.items()) if k != "solved" and n)
        solved_style = "green" if result.solved_fraction >= 0.9 else ("yellow" if result.solved_fraction >= 0.5 else "red")
        self.query_one(DataTable).add_row(
            str(c.hidden), str(c.layers), get_activation(c.activation).label, str(result.n),
            Text(f"{100 * result.solved_fraction:5.1f}%", solved_style),
            fmt_loss(result.median_final_loss), fmt_loss(result.p90_final_loss),
            "-" if result.median_steps_to_solve is None else f"{result.median_steps_to_solve:g}",
            others or "-",
            key=f"{c.hidden}-{c.layers}-{c.activation}",
        )
        self.query_one("#rel-answers", Static).update(answers(self.results))
        if len(self.order) == 1:
            self._show_hist(result)

    def selected(self):
        table = self.query_one(DataTable)
        if not self.order or table.cursor_row is None or table.cursor_row >= len(self.order):
            return None
        return self.results[self.order[table.cursor_row]]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        result = self.selected()
        if result is not None:
            self._show_hist(result)

    def _show_hist(self, result) -> None:
        width = self.query_one("#rel-side").size.width or 40
        self.query_one("#rel-hist", Static).update(histogram_text(result, width, self.glyphs.ascii))

    def action_pick(self, working: bool) -> None:
        result = self.selected()
        if result is None:
            self.app.notify("no sweep result selected yet", timeout=2)
            return
        seed = result.example_seed(solved=working)
        if seed is None:
            which = "working" if working else "failed"
            self.app.notify(f"no {which} seed in this row", severity="warning", timeout=3)
            return
        self.post_message(self.Pick(result.config.model_config(seed)))

    def action_rerun(self) -> None:
        self.post_message(self.Rerun())

    def action_stop(self) -> None:
        self.post_message(self.Stop())
