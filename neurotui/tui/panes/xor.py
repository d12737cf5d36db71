"""XOR training pane: live loss curve, decision boundary, the lesson's four rows, state and diagnosis."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from neurotui.core.activations import get_activation
from neurotui.core.trainer import Snapshot
from neurotui.core.xor import XOR_Y, XorConfig
from neurotui.tui.glyphs import Glyphs
from neurotui.tui.training import speed_label
from neurotui.tui.widgets.boundary import BoundaryView
from neurotui.tui.widgets.plot import Figure, PlotView, Series, downsample

# Seconds between redraws of each part while a run is live: the status line is cheap and
# moves every snapshot; the boundary and the plot cost milliseconds of UI thread each,
# which come straight out of training (GIL), and change slowly to the eye.
BOUNDARY_EVERY = 0.2
PLOT_EVERY = 0.5

STATE_STYLE = {
    "loading": "yellow", "running": "bold green", "paused": "bold yellow",
    "done": "bold cyan", "diverged": "bold red", "error": "bold red", "waiting": "yellow",
}


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
        self._drawn_at = {"boundary": -1e9, "plot": -1e9}
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
        with Horizontal(id="xor-middle"):
            yield BoundaryView(ascii=self.glyphs.ascii, id="xor-boundary")
            yield Static(id="xor-rows")
        yield PlotView(ascii=self.glyphs.ascii, id="xor-loss")

    def on_mount(self) -> None:
        self.query_one("#xor-loss", PlotView).show(Figure(empty_text="loss curve: waiting for the first step"))

    def grid_size(self) -> tuple[int, int]:
        return self.query_one(BoundaryView).wanted_size()

    def set_state(self, state: str, message: str = "") -> None:
        self.state, self.message = state, message

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
            style = {"solved": "bold green", "training": "dim"}.get(d.kind, "bold red")
            t.append(d.title, style)
            if d.kind != "training":
                t.append(f": {d.detail}")
                if d.kind == "solved":
                    t.append("\ntry: press a until 'identity' - the failure probe", "italic")
                elif d.fix:
                    t.append(f"\nfix: {d.fix}", "italic")
        self._set("xor-diagnosis", t, layout=True)  # its height follows its text

    def _due(self, part: str, every: float, force: bool) -> bool:
        now = time.monotonic()
        if force or now - self._drawn_at[part] >= every:
            self._drawn_at[part] = now
            return True
        return False

    def show_snapshot(self, snap: Snapshot, settled: bool = True) -> None:
        """Draw a snapshot; a non-finite one keeps the last good picture on screen.

        While a run is live (`settled` False) the boundary and the plot are redrawn at
        their own slower rates; a settled run (done, paused) is always drawn in full.
        """
        healthy = snap.diagnosis.kind != "nonfinite"
        if healthy or self.snapshot is None:
            self.snapshot = snap
        else:
            # keep the last good boundary/rows, but report the final step and diagnosis
            self.snapshot = Snapshot(
                step=snap.step, total=snap.total, losses=self.snapshot.losses,
                probs=self.snapshot.probs, preds=self.snapshot.preds, diagnosis=snap.diagnosis,
                finished=snap.finished, boundary=self.snapshot.boundary,
            )
        if healthy and self._due("boundary", BOUNDARY_EVERY, settled):
            self.query_one(BoundaryView).show(snap.boundary)
            self._show_rows(snap)
        if self._due("plot", PLOT_EVERY, settled):
            self._show_loss()

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
        xs, ys = downsample(snap.losses, max(10, 2 * plot.size.width - 16))
        title = "log loss (BCE)" if self.log_scale else "loss (BCE)"
        plot.show(Figure(
            (Series(tuple(xs), tuple(ys), "", "orange"),),
            title=f"{title} - l toggles log", xlabel="step", log_y=self.log_scale,
            xlim=(0, max(2, snap.total)), empty_text="loss is not finite: nothing to plot",
        ))

    def on_resize(self) -> None:
        self._show_loss()
