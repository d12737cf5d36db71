"""XOR training pane: live loss curve, decision boundary, the lesson's four rows, state and diagnosis."""

from __future__ import annotations

import time
from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, Static

from neurotui.core.activations import get_activation
from neurotui.core.trainer import Snapshot
from neurotui.core.xor import XOR_Y, XorConfig
from neurotui.tui.glyphs import Glyphs
from neurotui.tui.training import speed_label
from neurotui.tui.widgets.boundary import BoundaryView
from neurotui.tui.widgets.inside import FeaturesView, WeightsView, space_figure, unit_pairs
from neurotui.tui.widgets.plot import Figure, PlotView, Series, downsample

# Seconds between redraws of each part while a run is live: the status line is cheap and
# moves every snapshot; the boundary and the plot cost milliseconds of UI thread each,
# which come straight out of training (GIL), and change slowly to the eye.
BOUNDARY_EVERY = 0.2
PLOT_EVERY = 0.6

# What the middle of the pane shows; `v` cycles them.
VIEWS = ("boundary", "features", "space", "weights")
VIEW_TITLES = {
    "boundary": "decision boundary", "features": "hidden features", "space": "hidden space",
    "weights": "weights and gradients", "compare": "compare",
}
FEATURE_GRID = (6, 12)

STATE_STYLE = {
    "loading": "yellow", "running": "bold green", "paused": "bold yellow",
    "done": "bold cyan", "diverged": "bold red", "error": "bold red", "waiting": "yellow",
}


def short_config(c: XorConfig) -> str:
    return f"2-{'-'.join([str(c.hidden)] * c.layers)}-1 {get_activation(c.activation).label}"


def describe_config(c: XorConfig) -> str:
    act = get_activation(c.activation).label
    layers = f"{c.layers} hidden layers" if c.layers > 1 else "1 hidden layer"
    return f"2-{'-'.join([str(c.hidden)] * c.layers)}-1 ({layers}, {act}) - {c.optimizer} lr {c.lr:g} - seed {c.seed}"


class XorPane(Vertical):
    can_focus = True

    def __init__(self, glyphs: Glyphs, **kwargs) -> None:
        super().__init__(**kwargs)
        self.glyphs = glyphs
        self.border_title = "3 XOR training"
        self.log_scale = False
        self.snapshot: Snapshot | None = None
        self.state = "loading"
        self.message = ""
        self.a_label = ""  # compare mode: short names of networks A and B
        self._drawn_at = {"boundary": -1e9, "plot": -1e9}
        self.view = "boundary"
        self.compare = False
        self.pair_index = 0
        self.other: Snapshot | None = None
        self.activation = "tanh"
        self.other_label = ""
        self._shown: dict[str, Text] = {}

    def _set(self, wid: str, text: Text, layout: bool = False) -> None:
        """Update a Static only when its text changed (each update costs a repaint)."""
        if self._shown.get(wid) != text:
            self._shown[wid] = text
            self.query_one(f"#{wid}", Static).update(text, layout=layout)

    def compose(self) -> ComposeResult:
        yield Static(id="xor-status")
        yield Static(id="xor-config")
        yield Static(id="xor-diagnosis")
        ascii = self.glyphs.ascii
        with ContentSwitcher(id="xor-middle", initial="view-boundary"):
            with Horizontal(id="view-boundary"):
                yield BoundaryView(ascii=ascii, id="xor-boundary")
                yield Static(id="xor-rows")
            yield FeaturesView(ascii=ascii, id="view-features")
            yield PlotView(ascii=ascii, id="view-space")
            yield WeightsView(ascii=ascii, id="view-weights")
            with Horizontal(id="view-compare"):
                with Vertical(classes="cmp-side"):
                    yield Static(id="cmp-a-title", classes="cmp-title")
                    yield BoundaryView(ascii=ascii, id="cmp-a")
                with Vertical(classes="cmp-side"):
                    yield Static(id="cmp-b-title", classes="cmp-title")
                    yield BoundaryView(ascii=ascii, id="cmp-b")
        yield PlotView(ascii=ascii, id="xor-loss")

    def on_mount(self) -> None:
        self.query_one("#xor-loss", PlotView).show(Figure(empty_text="loss curve: waiting for the first step"))

    def grid_size(self) -> tuple[int, int]:
        which = "#cmp-a" if self.compare else "#xor-boundary"
        return self.query_one(which, BoundaryView).wanted_size()

    def feature_grid(self) -> tuple[int, int] | None:
        return FEATURE_GRID if self.view == "features" and not self.compare else None

    @property
    def shown(self) -> str:
        return "compare" if self.compare else self.view

    def set_view(self, view: str | None = None, compare: bool | None = None) -> None:
        if view is not None:
            self.view = view
        if compare is not None:
            self.compare = compare
        self.query_one(ContentSwitcher).current = f"view-{self.shown}"
        self.border_title = f"3 XOR training - {VIEW_TITLES[self.shown]}"
        self._draw_middle()
        self._show_loss()

    def next_pair(self) -> None:
        self.pair_index += 1
        self._draw_middle()

    def set_state(self, state: str, message: str = "") -> None:
        self.state, self.message = state, message

    def set_configs(self, config: XorConfig, other: XorConfig | None) -> None:
        self.activation = config.activation
        self.a_label = short_config(config)
        self.other_label = short_config(other) if other is not None else ""

    def show_status(self, config: XorConfig, speed: int | None, steps_per_s: float | None) -> None:
        snap = self.snapshot
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f"{self.glyphs.dot} {self.state}", STATE_STYLE.get(self.state, ""))
        if snap is not None:
            t.append(f" step {snap.step}/{snap.total}")
            t.append(f" loss {self.glyphs.num(f'{snap.loss:.4f}')}")
        if self.state == "running" and steps_per_s is not None:
            t.append(f" {steps_per_s:,.0f} steps/s")
        t.append(f" speed {speed_label(speed)}", "dim")
        # fixed one-line widgets: no layout pass needed
        self._set("xor-status", t)
        self._set("xor-config", Text(describe_config(config), style="dim"))

    def show_diagnosis(self) -> None:
        t = Text()
        if self.message:
            t.append(self.message, "bold red" if self.state in ("error", "diverged") else "yellow")
        elif self.snapshot is not None:
            d = self.snapshot.diagnosis
            if not self.snapshot.finished:
                # Mid-run, words only (the numbers are on the status line): the text then
                # changes only when the verdict does, so it is not redrawn ten times a second.
                live = {"solved": ("all four rows correct so far", "green"), "training": ("training", "dim")}
                words, style = live.get(d.kind, (d.title, "bold red"))
                t.append(words, style)
            else:
                style = "bold green" if d.kind == "solved" else "bold red"
                t.append(d.title, style)
                t.append(f": {d.detail}")
                if d.kind == "solved":
                    t.append("\ntry: press a until 'identity' - the failure probe", "italic")
                elif d.fix:
                    t.append(f"\nfix: {d.fix}", "italic")
        self._set("xor-diagnosis", t)

    def _due(self, part: str, every: float, force: bool) -> bool:
        now = time.monotonic()
        if force or now - self._drawn_at[part] >= every:
            self._drawn_at[part] = now
            return True
        return False

    def show_snapshot(self, snap: Snapshot, settled: bool = True, other: Snapshot | None = None) -> None:
        """Draw a snapshot; a non-finite one keeps the last good picture on screen.

        While a run is live (`settled` False) the boundary and the plot are redrawn at
        their own slower rates; a settled run (done, paused) is always drawn in full.
        """
        healthy = snap.diagnosis.kind != "nonfinite"
        if healthy or self.snapshot is None:
            self.snapshot = snap
        else:
            # keep the last good pictures and numbers, but report the final step and diagnosis
            self.snapshot = replace(
                self.snapshot, step=snap.step, total=snap.total, diagnosis=snap.diagnosis, finished=snap.finished,
            )
        if other is not None and (other.diagnosis.kind != "nonfinite" or self.other is None):
            self.other = other
        if healthy and self._due("boundary", BOUNDARY_EVERY, settled):
            self._draw_middle()
        if self._due("plot", PLOT_EVERY, settled):
            self._show_loss()

    def _draw_middle(self) -> None:
        """Draw only the view on screen; the others catch up from the snapshot when shown."""
        snap = self.snapshot
        if snap is None:
            return
        view = self.shown
        if view == "boundary":
            self.query_one("#xor-boundary", BoundaryView).show(snap.boundary)
            self._show_rows(snap)
        elif view == "features":
            self.query_one(FeaturesView).show(snap.inside, self.activation)
        elif view == "space":
            inside = snap.inside
            units = len(inside.hidden_points[0]) if inside and inside.hidden_points else 1
            pairs = unit_pairs(units)
            self.query_one("#view-space", PlotView).show(space_figure(inside, pairs[self.pair_index % len(pairs)]))
        elif view == "weights":
            self.query_one(WeightsView).show(snap.inside)
        elif view == "compare":
            self._show_compare(snap, self.other)

    def _show_compare(self, a: Snapshot, b: Snapshot | None) -> None:
        self.query_one("#cmp-a", BoundaryView).show(a.boundary)
        self._set("cmp-a-title", self._side_title("A", self.a_label, a))
        if b is not None:
            self.query_one("#cmp-b", BoundaryView).show(b.boundary)
            self._set("cmp-b-title", self._side_title("B", self.other_label, b))

    def _side_title(self, name: str, label: str, snap: Snapshot) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f"{name}: {label}\n", "bold")
        word = "final_loss=" if snap.finished else "loss="
        t.append(f"{word} {round(snap.loss, 4)}\n")
        d = snap.diagnosis
        t.append(d.title if d.kind != "training" else "training", "green" if d.kind == "solved" else
                 ("dim" if d.kind == "training" else "bold red"))
        return t

    def _show_rows(self, snap: Snapshot) -> None:
        g = self.glyphs
        t = Text(no_wrap=True)
        t.append("the lesson's rows\n", "dim")
        for line, pred, y in zip(snap.rows(), snap.preds, XOR_Y):
            right = pred == int(y)
            t.append(line)
            t.append(f" {g.ok if right else g.bad}\n", "green" if right else "bold red")
        t.append(f"final_loss= {round(snap.loss, 4)}" if snap.finished else f"loss= {snap.loss:.4f}")
        self._set("xor-rows", t)

    def toggle_log(self) -> None:
        self.log_scale = not self.log_scale
        self._show_loss()

    def _show_loss(self) -> None:
        plot = self.query_one("#xor-loss", PlotView)
        snap = self.snapshot
        if snap is None or not snap.losses:
            return
        width = max(10, 2 * plot.size.width - 16)
        runs = [(snap, "A: " + self.a_label if self.compare else "", "orange")]
        if self.compare and self.other is not None:
            runs.append((self.other, "B: " + self.other_label, "cyan"))
        series = []
        for run, label, color in runs:
            xs, ys = downsample(run.losses, width)
            series.append(Series(tuple(xs), tuple(ys), label, color))
        title = "log loss (BCE)" if self.log_scale else "loss (BCE)"
        plot.show(Figure(
            tuple(series),
            title=f"{title} - l toggles log", xlabel="step", log_y=self.log_scale,
            xlim=(0, max(2, snap.total)), empty_text="loss is not finite: nothing to plot",
        ))

    def on_resize(self) -> None:
        self._show_loss()
