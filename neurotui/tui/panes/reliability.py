"""Reliability pane: many seeds per network, trained at once, answer "does it train reliably?"

A grid of configs (hidden units x layers x activation, 256 seeds each by default) is
trained as batched sweeps by this pane's worker, always with the lesson's settings (Adam,
lr 0.1, 2000 steps), so the answers are about the lesson's questions whatever the XOR
pane is training. The table fills as results arrive; the selected row shows the spread
of final losses, and f / w train one of its failed or working seeds live in the XOR pane.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from neurotui.core.model.activations import get_activation
from neurotui.core.model.config import XorConfig
from neurotui.core.numbers import fixed, loss_text, short
from neurotui.core.sweep.config import DEFAULT_SEEDS
from neurotui.tui.glyphs import Glyphs
from neurotui.tui.keys import RELIABILITY_KEYS, bindings
from neurotui.tui.messages import SweepCell, SweepDone, SweepUpdate
from neurotui.tui.panes.reliability_text import (
    GRID_ACTIVATIONS,
    GRID_HIDDEN,
    GRID_LAYERS,
    answers,
    failed_text,
    histogram_text,
    key_of,
    steps_note,
)

# (key, header, width); the table shows as many as fit, in this order of importance.
COLUMNS = (
    ("net", "network", 15), ("solved", "solved", 7), ("failed", "how the rest failed", 22),
    ("median", "median loss", 11), ("steps", "to solve", 8), ("p90", "90% below", 9), ("seeds", "seeds", 5),
)
SIDE_WIDTH = 40


@dataclass(frozen=True)
class SweepSettings:
    """The lesson's training settings: the practice questions are about them."""

    seeds: int = DEFAULT_SEEDS
    device: str = "cpu"

    def base(self) -> XorConfig:
        return XorConfig(device=self.device)

    def describe(self) -> str:
        c = self.base()
        return f"lesson settings: {c.optimizer.capitalize()} lr {short(c.lr)}, {c.steps} steps, seeds 0-{self.seeds - 1}"


class ReliabilityPane(Vertical):
    can_focus = False  # focus lives in the table
    BINDINGS = bindings(RELIABILITY_KEYS)

    @dataclass
    class Pick(Message):
        config: XorConfig

    @dataclass
    class Leave(Message):
        pass

    def __init__(self, glyphs: Glyphs, seeds: int = DEFAULT_SEEDS, **kwargs) -> None:
        super().__init__(**kwargs)
        self.glyphs = glyphs
        self.border_title = "4 Reliability - many seeds at once (Esc: back)"
        self.settings = SweepSettings(seeds=seeds)
        self.results: dict = {}
        self.order: list = []
        self.state = "idle"  # idle | running | done | stopped | error
        self._columns: tuple = ()
        self._workers: int | str = 1
        self._sweep_id = 0
        self._finished = None  # (results, order, settings) of a finished grid while a rerun replaces it

    def compose(self) -> ComposeResult:
        yield Static(id="rel-status")
        with Horizontal(id="rel-body"):
            yield DataTable(id="rel-table", cursor_type="row", zebra_stripes=True)
            # the answers first: they are what the screen is for, and they did not fit below the
            # histogram (off-screen at 80x24, the last one cut at 120x40); the rest scrolls
            with VerticalScroll(id="rel-side"):  # tab reaches it: the arrows scroll it
                yield Static(id="rel-answers")
                yield Static(id="rel-hist")

    def on_mount(self) -> None:
        self.show_status("press 4 to start the sweep")
        self._fit_columns()

    def focus(self, scroll_visible: bool = True):
        return self.query_one(DataTable).focus(scroll_visible)

    # ----- the sweep -------------------------------------------------------------------------
    def start(self, device: str | None = None, all_cores: bool = False) -> None:
        """Train the grid from the start (replacing a sweep still running). `all_cores` while
        no live training needs a core of its own (the XOR run is finished or paused)."""
        if device is not None:
            self.settings = SweepSettings(self.settings.seeds, device)
        self._workers = "all" if all_cores else 1
        self._sweep_id += 1
        # a finished grid is kept until the rerun finishes: x on the rerun brings it back, not "0 networks"
        if self.state == "done":
            self._finished = (dict(self.results), list(self.order), self.settings if device is None else None)
        self.results.clear()
        self.order.clear()
        self.query_one(DataTable).clear()
        self.query_one("#rel-hist", Static).update("")
        self.state = "running"
        self._show_answers()
        self.show_status("starting: loading PyTorch...", 0.0)
        self._sweep(self._sweep_id, self.settings, self._workers)

    @work(thread=True, exclusive=True, group="sweep", exit_on_error=False)
    def _sweep(self, sweep_id: int, settings: SweepSettings, workers: int | str = 1) -> None:
        from neurotui.core.sweep.config import SweepCancelled, SweepConfig
        from neurotui.core.sweep.run import run_grid

        worker = get_current_worker()
        base = SweepConfig(settings.base(), seeds=settings.seeds)

        def progress(p) -> None:
            c = p.config
            label = (f"network {p.config_index + 1}/{p.config_count}: {c.model.shape} {c.activation}, "
                     f"{c.seeds} seeds, step {p.step}/{p.steps}")
            self.post_message(SweepUpdate(sweep_id, p.fraction, label))

        try:
            for result in run_grid(base, GRID_HIDDEN, GRID_LAYERS, GRID_ACTIVATIONS, progress=progress,
                                   should_stop=lambda: worker.is_cancelled, workers=workers):
                self.post_message(SweepCell(sweep_id, result))
        except SweepCancelled:
            self.post_message(SweepDone(sweep_id, "stopped"))
            return
        except Exception as exc:  # shown in the pane; the app stays up
            self.post_message(SweepDone(sweep_id, f"sweep failed: {type(exc).__name__}: {exc}"))
            return
        self.post_message(SweepDone(sweep_id))

    def on_sweep_update(self, message: SweepUpdate) -> None:
        if message.run_id == self._sweep_id and self.state == "running":
            self.show_status(message.label, message.fraction)

    def on_sweep_cell(self, message: SweepCell) -> None:
        if message.run_id == self._sweep_id:
            self.add_result(message.result)

    def on_sweep_done(self, message: SweepDone) -> None:
        if message.run_id != self._sweep_id or self.state != "running":  # said once, by the worker or its end
            return
        n = len(self.results)
        if message.error is None:
            self.state = "done"
            self.show_status(f"done: {n} networks x {self.settings.seeds} seeds; f / w: train a failed / "
                             "working seed of the row live; r reruns", 1.0)
            self._finished = None
        elif message.error == "stopped" and self._finished and self._finished[2] == self.settings:
            self._restore()
        else:
            self.state = "stopped" if message.error == "stopped" else "error"
            self.show_status(f"{message.error} after {n} networks; r reruns")
        self._show_answers()

    def _restore(self) -> None:
        """The rerun was stopped: show the grid it was replacing again (the same settings, all finished)."""
        results, order, _ = self._finished
        self._finished = None
        self.results.clear()
        self.results.update(results)
        self.order[:] = order
        self.query_one(DataTable).clear()
        for key in order:
            self._add_row(results[key])
        if order:
            self._show_hist(results[order[0]])
        self.state = "done"
        # short: at 80 columns the bar leaves it about 50 cells
        self.show_status("rerun stopped: the finished grid is kept; r reruns", 1.0)

    # ----- drawing -----------------------------------------------------------------------------
    def show_status(self, text: str, fraction: float | None = None) -> None:
        t = Text(no_wrap=True, overflow="ellipsis")
        if fraction is not None:
            width = 20
            done = int(round(fraction * width))
            full, empty = ("#", "-") if self.glyphs.ascii else ("█", "░")
            t.append(full * done + empty * (width - done), "cyan")
            t.append(f" {fixed(100 * fraction, 0):>3}%  ")
        t.append(text)
        t.append(f"\n{self.settings.describe()}", "dim")
        self.query_one("#rel-status", Static).update(t)

    def _show_answers(self) -> None:
        missing = {"running": "(waiting)", "idle": "(press 4)", "done": "(not in this grid)"}.get(
            self.state, "(not answered: the sweep stopped first; r reruns)")
        self.query_one("#rel-answers", Static).update(answers(self.results, self.settings.describe(), missing))

    def _fit_columns(self) -> None:
        """Choose the columns by the table's width; the network and its solve rate always show."""
        # less the vertical scrollbar: a column under it shows cut ("to solv")
        width = (self.query_one(DataTable).size.width or (self.size.width - SIDE_WIDTH)) - 2
        chosen, used = [], 0
        for col in COLUMNS:
            if len(chosen) < 2 or used + col[2] + 2 <= width:
                chosen.append(col)
                used += col[2] + 2
        chosen = tuple(chosen)
        if chosen == self._columns:
            return
        self._columns = chosen
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for key, header, w in chosen:
            table.add_column(header, key=key, width=w)
        for key in self.order:
            self._add_row(self.results[key])

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_columns)

    def _cells(self, result) -> dict:
        c = result.config
        failed = failed_text(result.kind_counts, dict((k, w) for k, _, w in COLUMNS)["failed"])
        frac = result.solved_fraction
        style = "green" if frac >= 0.9 else ("yellow" if frac >= 0.5 else "red")
        steps = result.median_steps_to_solve
        return {
            "net": f"{c.model.shape} {get_activation(c.activation).label}",
            "solved": Text(f"{fixed(100 * frac, 1):>5}%", style),
            "median": loss_text(result.median_final_loss),
            "steps": "-" if steps is None else f"{round(steps)}",
            "p90": loss_text(result.p90_final_loss),
            "seeds": str(result.n),
            "failed": failed or "-",
        }

    def _add_row(self, result) -> None:
        cells = self._cells(result)
        c = result.config
        self.query_one(DataTable).add_row(*(cells[k] for k, _, _ in self._columns),
                                          key=f"{c.hidden}-{c.layers}-{c.activation}")

    def add_result(self, result) -> None:
        key = key_of(result)
        self.results[key] = result
        self.order.append(key)
        self._add_row(result)
        self._show_answers()
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
        from rich.console import Group

        self.query_one("#rel-hist", Static).update(
            Group(histogram_text(result, width, self.glyphs.ascii), steps_note(result)))

    # ----- keys --------------------------------------------------------------------------------
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
        self.start()

    def action_stop(self) -> None:
        if self.state == "running":
            self.workers.cancel_group(self, "sweep")
            # stopped now: a sweep cancelled before its thread ran never reports (x right after r left the
            # pane 'running' for good), and a running one's last messages are stale: a new id drops them
            self.on_sweep_done(SweepDone(self._sweep_id, "stopped"))
            self._sweep_id += 1
        else:
            self.app.notify("no sweep is running: r runs it again", timeout=2)

    def action_leave(self) -> None:
        self.post_message(self.Leave())
