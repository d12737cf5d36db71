"""XOR training pane: it runs the training worker and shows what it posts: the loss
curve, the decision boundary (or a view inside the network), the lesson's four rows,
the state and the doctor's diagnosis."""

from __future__ import annotations

import time
from dataclasses import replace

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, Static
from textual.worker import get_current_worker

from neurotui.core.data.datasets import xor_labelled  # the lesson's rows mean something only on XOR labels
from neurotui.core.errors import ConfigError
from neurotui.core.model.config import XorConfig
from neurotui.core.training.trainer import Snapshot
from neurotui.session.control import RunControl
from neurotui.session.loop import train_loop
from neurotui.tui.glyphs import Glyphs
from neurotui.tui.keys import XOR_KEYS, bindings
from neurotui.tui.messages import TrainFailed, TrainProgress, TrainStarted
from neurotui.tui.panes import xor_text
from neurotui.tui.panes.xor_loss import loss_figure, use_log
from neurotui.tui.panes.xor_network import NetworkMixin, WeightField
from neurotui.tui.panes.xor_replay import ReplayMixin
from neurotui.tui.panes.xor_text import INSIDE_VIEWS, VIEW_TITLES, VIEWS
from neurotui.tui.widgets.boundary import BoundaryView
from neurotui.tui.widgets.cached import CachedText
from neurotui.tui.widgets.code import CodeView
from neurotui.tui.widgets.inside import MAX_UNITS, FeaturesView, WeightsView, space_figure, unit_pairs
from neurotui.tui.widgets.network import NetworkView
from neurotui.tui.widgets.plot import Figure, PlotView

# Seconds between redraws of each part while a run is live: the status line is cheap and
# moves every snapshot; the boundary and the plot cost milliseconds of UI thread each,
# which come straight out of training (GIL), and change slowly to the eye.
BOUNDARY_EVERY = 0.2
PLOT_EVERY = 0.6

FINISHED = ("done", "diverged", "error")


class XorPane(ReplayMixin, NetworkMixin, Vertical):
    can_focus = True
    BINDINGS = bindings(XOR_KEYS)

    def __init__(self, glyphs: Glyphs, **kwargs) -> None:
        super().__init__(**kwargs)
        self.glyphs = glyphs
        self.border_title = "3 XOR training"
        self.log_choice: bool | None = None  # `l`'s choice of a log axis; None: automatic
        self.view = "boundary"
        self.compare = False  # showing A and B side by side: set by train(), from what it trains
        self.code = False  # `y`: the run's PyTorch code instead of the picture
        self.previous: XorConfig | None = None  # A before the last change, for the code view
        self.question = ""
        self.compact = False  # 80x24-ish: the doctor and the legend go beside the boundary
        self.pair_index = 0
        # the run on screen
        self.run_id = 0
        self.control: RunControl | None = None
        self.configs: list[XorConfig] = []
        self.snapshot: Snapshot | None = None
        self.other: Snapshot | None = None
        self.state = "loading"
        self.message = ""
        self.steps_per_s: float | None = None
        self.device_text = ""
        self._drawn_at = {"boundary": -1e9, "plot": -1e9}
        self._shown: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="xor-question")
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
            yield CodeView(ascii=ascii, id="view-code")
            yield NetworkView(ascii=ascii, id="view-network")
            with Horizontal(id="view-compare"):
                with Vertical(classes="cmp-side"):
                    yield Static(id="cmp-a-title", classes="cmp-title")
                    yield BoundaryView(ascii=ascii, id="cmp-a")
                with Vertical(classes="cmp-side"):
                    yield Static(id="cmp-b-title", classes="cmp-title")
                    yield BoundaryView(ascii=ascii, id="cmp-b")
        yield WeightField(id="net-edit")
        yield PlotView(ascii=ascii, id="xor-loss")

    def on_mount(self) -> None:
        self._clear_loss()

    def _clear_loss(self) -> None:
        """No curve until this run's first step: never the previous run's."""
        self.query_one("#xor-loss", PlotView).show(Figure(empty_text="loss curve: waiting for the first step"))

    # ----- the run ---------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """True once the run on screen has ended (done, diverged or failed)."""
        return self.state in FINISHED

    @property
    def settled(self) -> bool:
        """Finished, or held with a snapshot on screen: nothing changes without a key."""
        return self.finished or (self.state == "paused" and self.snapshot is not None)

    @property
    def paused(self) -> bool:
        return self.control is not None and self.snapshot is not None and self.control.holding(self.snapshot.step)

    def train(self, configs: list[XorConfig], *, speed: int | None, layer: int = 1,
              pause_at: int | None = None, paused: bool = False, previous: XorConfig | None = None,
              question: str = "") -> None:
        """Train `configs` (A, or A and B in lockstep) from step 0, replacing any run."""
        self.previous, self.question, self.hidden_layer = previous, question, layer
        if (len(configs) > 1) != self.compare:  # compare mode is training A and B: the pane follows
            self.set_view(compare=len(configs) > 1)
        if self.control is not None:
            self.control.poke()  # wake the old worker so it sees its cancellation at once
        self.run_id += 1
        self.configs = list(configs)
        self.control = RunControl(
            speed=speed, grid_size=self.grid_size(), pause_at=pause_at, paused=paused,
            layer=self.inside_layer(), feature_grid=self.feature_grid(), network_tile=self.network_tile(),
        )
        self.replay = None
        self.snapshot = self.other = self.steps_per_s = None
        self.state, self.message = "loading", ""
        self._clear_loss()
        self._refresh_text()
        if self.code:
            self.query_one(CodeView).show(self.configs[0], self.previous)
        self._train(self.run_id, self.configs, self.control)

    @work(thread=True, exclusive=True, group="train", exit_on_error=False)
    def _train(self, run_id: int, configs: list[XorConfig], control: RunControl) -> None:
        worker = get_current_worker()
        try:
            train_loop(
                configs, control,
                post_started=lambda device, points: self.post_message(TrainStarted(run_id, device, points)),
                post_snapshot=lambda snaps, rate: self.post_message(
                    TrainProgress(run_id, snaps[0], rate, snaps[1] if len(snaps) > 1 else None)),
                is_cancelled=lambda: worker.is_cancelled,
            )
        except ConfigError as exc:
            self.post_message(TrainFailed(run_id, str(exc)))
        except Exception as exc:  # shown in the pane; the app stays up
            self.post_message(TrainFailed(run_id, f"training failed: {type(exc).__name__}: {exc}"))

    def wait(self, message: str) -> None:
        """No run yet (--no-autostart): say what starts one."""
        self.state, self.message = "waiting", message
        self._refresh_text()

    def on_train_started(self, message: TrainStarted) -> None:
        if message.run_id != self.run_id:
            return
        self.device_text = message.device
        for which in ("#xor-boundary", "#cmp-a", "#cmp-b"):
            self.query_one(which, BoundaryView).set_points(message.points)
        self.state = "paused" if self.control.holding(0) else "running"
        self._refresh_text()

    def on_train_progress(self, message: TrainProgress) -> None:
        if message.run_id != self.run_id:
            return  # a message from a run that was replaced: never mix two runs on screen
        snap = message.snapshot
        held = self.control.holding(snap.step)
        self.show_snapshot(snap, settled=snap.finished or held, other=message.other)
        if message.steps_per_s is not None:
            self.steps_per_s = message.steps_per_s
        if snap.finished:
            self.state = xor_text.end_state(snap)
        else:
            self.state = "paused" if held else "running"
        self._refresh_text()

    def on_train_failed(self, message: TrainFailed) -> None:
        if message.run_id == self.run_id:
            self.state, self.message = "error", message.error
            self._refresh_text()

    def set_paused(self, paused: bool) -> None:
        self.control.set_paused(paused)
        self.state = "paused" if paused else "running"
        self._refresh_text()

    def set_speed(self, speed: int | None) -> None:
        if self.control is not None:
            self.control.speed = speed
            self.control.poke()
        self._refresh_text()

    def look_at(self, layer: int) -> None:
        """Tell the worker which pictures the views on screen need."""
        self.hidden_layer = layer
        if self.control is not None:
            self.control.ask(layer=self.inside_layer(), feature_grid=self.feature_grid())
        self.call_after_refresh(self.sync_grid_size)

    def sync_grid_size(self) -> None:
        """Tell the worker every picture size the views now on screen want."""
        if self.control is not None:
            self.control.ask(grid_size=self.grid_size(), feature_grid=self.feature_grid(),
                             network_tile=self.network_tile(), layer=self.inside_layer())

    @on(CachedText.Resized)
    def _boundary_resized(self, event: CachedText.Resized) -> None:
        # A new size needs a new grid from the model, whether the run is live or finished.
        self.sync_grid_size()

    # ----- views -----------------------------------------------------------------------------
    def grid_size(self) -> tuple[int, int]:
        which = "#cmp-a" if self.compare else "#xor-boundary"
        return self.query_one(which, BoundaryView).wanted_size()

    hidden_layer = 1  # the hidden layer the inside views look at (the session's); not `layer`: a Textual name

    def inside_layer(self) -> int | None:
        """The layer the worker should look inside, only while a view that shows it is on screen:
        on every snapshot it is a forward pass and a grid per unit, for nothing otherwise."""
        return self.hidden_layer if self.shown in INSIDE_VIEWS else None

    def feature_grid(self) -> tuple[int, int] | None:
        if self.view != "features" or self.compare or self.code:
            return None
        hidden = min(self.configs[0].hidden, MAX_UNITS) if self.configs else 4
        return self.query_one(FeaturesView).wanted_tile(hidden + 1)  # the units and the output

    @property
    def shown(self) -> str:
        return "code" if self.code else ("compare" if self.compare else self.view)

    def toggle_code(self) -> None:
        self.code = not self.code
        if self.code and self.configs:
            self.query_one(CodeView).show(self.configs[0], self.previous)
        self.set_view()

    def set_view(self, view: str | None = None, compare: bool | None = None) -> None:
        if view is not None:
            self.view = view
        if compare is not None:
            self.compare = compare
        self.query_one(ContentSwitcher).current = f"view-{self.shown}"
        self.query_one("#xor-loss").display = not self.code  # the code gets the pane's height
        self.border_title = f"3 XOR training - {VIEW_TITLES[self.shown]}"
        self.call_after_refresh(self.sync_grid_size)
        self._draw_middle()
        self._show_loss()

    def next_view(self) -> None:
        self.set_view(VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)])

    def next_pair(self) -> None:
        """`p`: the next pair of units in hidden space, the next row's numbers in weights."""
        if self.shown == "weights":
            self.query_one(WeightsView).next_row()
            return
        self.pair_index += 1
        self._draw_middle()

    def toggle_log(self) -> None:
        shown = self.snapshot is not None and use_log(self.log_choice, self.snapshot, self.compare and self.other or None)
        self.log_choice = not shown  # the other axis from the one on screen
        self._show_loss()

    # ----- drawing ---------------------------------------------------------------------------
    def _set(self, wid: str, text) -> None:
        """Update a Static only when its text changed (each update costs a repaint)."""
        if self._shown.get(wid) != text:
            self._shown[wid] = text
            self.query_one(f"#{wid}", Static).update(text, layout=False)

    def _refresh_text(self) -> None:
        g = self.glyphs
        speed = self.control.speed if self.control is not None else None
        bug = self.configs[0].bug if self.configs else None
        self._set("xor-status", self.replay_status()
                  or xor_text.status_line(g, self.state, self.snapshot, speed, self.steps_per_s, bug=bug))
        if self.configs:
            self._set("xor-config", xor_text.config_line(self.configs[0]))
        question = self.query_one("#xor-question", Static)
        question.display = bool(self.question)
        self._set("xor-question", xor_text.question_text(self.question))
        self._set("xor-diagnosis", xor_text.diagnosis_text(self.state, self.message, self.view_snapshot()))
        if self.compact:
            self._draw_middle()  # the verdict sits beside the picture

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self.set_class(compact, "-compact")
            self.query_one("#xor-boundary", BoundaryView).set_legend(not compact)
            self._refresh_text()
            self._draw_middle()

    def show_config(self, config: XorConfig) -> None:
        """The config the next run will train (--no-autostart: before any run)."""
        self.configs = [config]
        self._refresh_text()

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
        snap = self.view_snapshot()
        if snap is None:
            return
        view = self.shown
        if view == "boundary":
            self.query_one("#xor-boundary", BoundaryView).show(snap.boundary)
            legend = self.query_one("#xor-boundary", BoundaryView).legend_text(short=True) if self.compact else None
            self._set("xor-rows", xor_text.boundary_side(self.glyphs, snap, self.state, self.message,
                                                         xor_labelled(self.configs[0]) if self.configs else True,
                                                         legend) + self.probe_text())
        elif view == "features":
            self.query_one(FeaturesView).show(snap.inside, self.configs[0].activation)
        elif view == "space":
            inside = snap.inside
            units = len(inside.hidden_points[0]) if inside and inside.hidden_points else 1
            pairs = unit_pairs(units)
            self.query_one("#view-space", PlotView).show(
                space_figure(inside, pairs[self.pair_index % len(pairs)]))
        elif view == "weights":
            self.query_one(WeightsView).show(snap.inside)
        elif view == "network":
            self.query_one(NetworkView).show(snap.network, self.configs[0].activation)
        elif view == "compare":
            self.query_one("#cmp-a", BoundaryView).show(snap.boundary)
            self._set("cmp-a-title", xor_text.side_title("A", self._label(0), snap))
            if self.other is not None:
                self.query_one("#cmp-b", BoundaryView).show(self.other.boundary)
                self._set("cmp-b-title", xor_text.side_title("B", self._label(1), self.other))

    def _label(self, i: int) -> str:
        return xor_text.short_config(self.configs[i]) if i < len(self.configs) else ""

    def _show_loss(self) -> None:
        plot = self.query_one("#xor-loss", PlotView)
        snap = self.snapshot
        if snap is None:
            return
        if not snap.losses:
            if snap.finished:  # PyTorch refused the first step: there will be no curve, say why
                plot.show(Figure(empty_text=f"no loss: the run stopped at step {snap.step + 1} (see the doctor above)"))
            return
        runs = [(snap, "A: " + self._label(0) if self.compare else "", "orange", "A" if self.compare else None)]
        if self.compare and self.other is not None:
            runs.append((self.other, "B: " + self._label(1), "cyan", "B"))
        plot.show(loss_figure(runs, compare=self.compare, log_choice=self.log_choice,
                              width=max(10, 2 * plot.size.width - 16), vline=self.replay_vline()))

    def on_resize(self) -> None:
        self._show_loss()

    @on(WeightField.Submitted, "#net-edit")
    def _weight_submitted(self, event: WeightField.Submitted) -> None:
        event.stop()
        self.submit_edit(event.value)

    @on(WeightField.Cancelled)
    def _weight_cancelled(self) -> None:
        self.close_edit()

    @on(BoundaryView.Probed)
    def _probed(self, event: BoundaryView.Probed) -> None:
        self.probe(event.x1, event.x2)
