"""XOR training pane: it shows the run its `XorRun` trains: the loss curve, the decision boundary (or another
view of the registry in xor_views.py), the lesson's four rows, the state and the doctor's diagnosis."""

from __future__ import annotations

import time

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Static

from neurotui.core.model.config import XorConfig
from neurotui.core.pictures import Pictures
from neurotui.session.control import RunControl
from neurotui.tui.glyphs import Glyphs
from neurotui.tui.keyorder import focus_now
from neurotui.tui.keys import XOR_KEYS, bindings, key_for
from neurotui.tui.messages import TrainFailed, TrainProgress, TrainStarted
from neurotui.tui.panes import xor_text
from neurotui.tui.panes.xor_loss import loss_figure, loss_name, use_log
from neurotui.tui.panes.xor_network import WeightEditor, WeightField
from neurotui.tui.panes.xor_run import XorRun
from neurotui.tui.panes.xor_views import CYCLE, KEEPS, VIEWS
from neurotui.tui.textual_shims import restyle_itself
from neurotui.tui.widgets.boundary import BoundaryView
from neurotui.tui.widgets.cached import CachedText
from neurotui.tui.widgets.code import CodeView
from neurotui.tui.widgets.network import NetworkView
from neurotui.tui.widgets.plot import Figure, PlotView

# Seconds between redraws while a run is live: the status line every snapshot, the boundary and the plot
# (ms of UI thread each, taken from training by the GIL) less often. Flat out, half as often, status too.
BOUNDARY_EVERY, PLOT_EVERY, FLAT_OUT_SLOWER = 0.2, 0.6, 2.0
DOCTOR_LINES = 4  # #xor-diagnosis's height (neurotui.tcss) before layout: the verdict is cut to leave its fix room


class XorPane(Vertical):
    can_focus = True
    watch_has_focus = restyle_itself  # a focus change restyles the pane, not its insides
    BINDINGS = bindings(XOR_KEYS)

    def __init__(self, glyphs: Glyphs, **kwargs) -> None:
        super().__init__(**kwargs)
        self.glyphs = glyphs
        self.border_title = "3 XOR training"
        self.run = XorRun()  # the run on screen: control, id, worker, snapshots, pause/step/replay
        # what the pane shows of it
        self.view = "boundary"  # `v`'s choice (one of xor_views.CYCLE)
        self.compare = False  # showing A and B side by side: set by train(), from what it trains
        self.code = False  # `y`: the run's PyTorch code instead of the picture
        self.compact = False  # 80x24-ish: the doctor and the legend go beside the boundary
        self.log_choice: bool | None = None  # `l`'s choice of a log axis; None: automatic
        self.hidden_layer = 1  # the hidden layer the inside views look at (the session's); not `layer`: Textual's
        self.previous: XorConfig | None = None  # A before the last change, for the code view
        self.question, self.hide_answers = "", False  # a preset's question; hide_answers: the lesson asks what a caption would say
        self.editor: WeightEditor | None = None  # set on mount: the network view's weight field
        self._drawn_at = {"boundary": -1e9, "plot": -1e9}
        self._shown: dict[str, object] = {}  # the text each Static shows, so unchanged text is not redrawn

    def compose(self) -> ComposeResult:
        yield Static(id="xor-question")
        yield Static(id="xor-status")
        yield Static(id="xor-config")
        yield Static(id="xor-diagnosis")
        with ContentSwitcher(id="xor-middle", initial="view-boundary"):
            for view in VIEWS.values():
                yield view.widget(self.glyphs.ascii)
        yield WeightField(id="net-edit")
        yield PlotView(ascii=self.glyphs.ascii, id="xor-loss")

    def on_mount(self) -> None:
        self.editor = WeightEditor(self.query_one(WeightField), self.query_one("#view-network", NetworkView))
        self._clear_loss()

    def _clear_loss(self) -> None:
        """No curve until this run's first step: never the previous run's."""
        self.query_one("#xor-loss", PlotView).show(Figure(empty_text="loss curve: waiting for the first step"))

    # ----- the run (read by the app, tests and benchmarks) ---------------------------------------------
    control = property(lambda self: self.run.control)
    run_id = property(lambda self: self.run.run_id)
    configs = property(lambda self: self.run.configs)
    snapshot = property(lambda self: self.run.snapshot)
    other = property(lambda self: self.run.other)
    state = property(lambda self: self.run.state)
    message = property(lambda self: self.run.message)
    device_text = property(lambda self: self.run.device_text)
    replay = property(lambda self: self.run.replay)
    finished = property(lambda self: self.run.finished)
    settled = property(lambda self: self.run.settled)
    paused = property(lambda self: self.run.paused)
    replay_frame = property(lambda self: self.run.replay_frame)  # called: pane.replay_frame()

    def train(self, configs: list[XorConfig], *, speed: int | None, layer: int = 1,
              pause_at: int | None = None, paused: bool = False, previous: XorConfig | None = None,
              question: str = "") -> None:
        """Train `configs` (A, or A and B in lockstep) from step 0, replacing any run."""
        self.previous, self.question, self.hidden_layer = previous, question, layer
        if (len(configs) > 1) != self.compare:  # compare mode is training A and B: the pane follows
            self.set_view(compare=len(configs) > 1)
        self.run.configs = list(configs)  # what the views ask for depends on the network's shape
        self.border_title = xor_text.pane_title(self.configs, VIEWS[self.shown].title)  # the data's name
        self.run.probe_at = None  # a click on the last run's plane is not asked of this one
        # a view that reads one step at a time (backward) holds a run started under it, as entering it does:
        # a key pressed before the first run, or r / a key that restarts, would otherwise run on under it
        paused = paused or VIEWS[self.shown].holds_run
        control = RunControl(speed=speed, pause_at=pause_at, paused=paused, **self.wanted())
        self.run.start(self, configs, control)
        self._clear_loss()
        self._refresh_text()
        if self.code:
            self.query_one(CodeView).show(self.configs[0], self.previous)

    def wait(self, message: str) -> None:
        """No run yet (--no-autostart): say what starts one."""
        self.run.wait(message)
        self._refresh_text()

    def show_config(self, config: XorConfig) -> None:
        """The config the next run will train (--no-autostart: before any run)."""
        self.run.configs = [config]
        self._refresh_text()

    def on_train_started(self, message: TrainStarted) -> None:
        if self.run.started(message):
            for which in ("#xor-boundary", "#cmp-a", "#cmp-b"):
                self.query_one(which, BoundaryView).set_points(message.points, message.span,
                                                               xor_text.axes_of(self.run.configs, message.units),
                                                               getattr(message.units, "file_target", None),
                                                               getattr(message.units, "class_names", None))
            self._refresh_text()

    def on_train_progress(self, message: TrainProgress) -> None:
        if not self.run.progressed(message):
            return
        snap = message.snapshot
        settled = snap.finished or self.run.control.holding(snap.step)
        # While live the boundary and the plot are redrawn at their own slower rates, and flat out the
        # status line waits for the picture (each repaint costs ms of compositing, whatever its size);
        # a settled run (done, paused) is drawn in full. A non-finite snapshot keeps the last good picture.
        flat_out, broken = self.run.control.speed is None, snap.diagnosis.kind == "nonfinite"
        slower = FLAT_OUT_SLOWER if flat_out else 1.0
        if (due := self._due("boundary", BOUNDARY_EVERY * slower, settled)) and not broken:
            self.draw_view()
        if (snap.losses or settled) and self._due("plot", PLOT_EVERY * slower, settled):  # step 0 has no curve
            self._show_loss()
        if due or broken or not flat_out:
            self._refresh_text()

    def on_train_failed(self, message: TrainFailed) -> None:
        if self.run.failed(message):
            self._refresh_text()

    def set_paused(self, paused: bool) -> None:
        self.run.set_paused(paused)
        self._refresh_text()

    def set_speed(self, speed: int | None) -> None:
        self.run.set_speed(speed)
        self._refresh_text()

    def toggle_pause(self) -> str | None:
        """Space: pause or resume (a training key, so it leaves replay); what to say, if anything."""
        if self.replay is not None and self.finished:
            self.leave_replay()
            return None
        if not self.finished:
            self.leave_replay()
        said = self.run.toggle_pause()
        self._refresh_text()
        return said

    def step_once(self) -> str | None:
        """`.`: one step while paused; what to say when it cannot."""
        said = self.run.step_once()
        if said is None:
            self.leave_replay()
        return said

    # ----- replay ------------------------------------------------------------------------------------
    def replay_move(self, delta: int | None = None, jump: str | None = None) -> str | None:
        """Step (delta) or jump ('home', 'end') through the kept frames; a reason when it cannot."""
        if self.compare or self.code:
            return "replay shows one network's boundary: c or y goes back to it"
        said = self.run.replay_move(delta, jump)
        if said is not None:
            return said
        if not VIEWS[self.view].replays:
            self.set_view("boundary")
        else:
            self.draw_view()
            self._show_loss()
        self._refresh_text()
        return None

    def leave_replay(self) -> None:
        if self.run.replay is not None:
            self.run.replay = None
            self.draw_view()
            self._show_loss()
            self._refresh_text()

    def view_snapshot(self):
        """The snapshot to draw: the live one, or the frame replayed where the view shows frames."""
        return self.run.frame_snapshot() if VIEWS[self.shown].replays else self.snapshot

    # ----- what the views ask the worker for ------------------------------------------------------------
    def grid_size(self) -> tuple[int, int]:
        """The boundary's grid: every view needs it (replay frames keep the boundary at this size)."""
        which = "#cmp-a" if self.compare else "#xor-boundary"
        return self.query_one(which, BoundaryView).wanted_size()

    def wanted(self) -> dict:
        """The RunControl fields the view on screen sets: the pictures it asks for (its registry
        entry's `asks`; nothing for what no view shows, as each costs forward passes on every
        snapshot) and whether the pane is laid out."""
        # sized: laid out, or hidden (one-pane mode shows another pane), where no size is coming
        return {"pictures": Pictures.of(self.grid_size(), VIEWS[self.shown].asks(self), KEEPS),
                "sized": self.size.width > 0 or not self.display}

    def look_at(self, layer: int) -> None:
        """The session's hidden layer changed: the inside views look at it."""
        self.hidden_layer = layer
        if self.control is not None:
            self.control.ask(**self.wanted())
        self.call_after_refresh(self.sync_grid_size)

    def sync_grid_size(self) -> None:
        """Tell the worker every picture size the views now on screen want."""
        if self.control is not None:
            self.control.ask(**self.wanted())

    @on(CachedText.Resized)
    def _boundary_resized(self, event: CachedText.Resized) -> None:
        # A new size needs a new grid from the model, whether the run is live or finished.
        self.sync_grid_size()

    # ----- choosing the view ----------------------------------------------------------------------------
    @property
    def shown(self) -> str:
        return "code" if self.code else ("compare" if self.compare else self.view)

    def hand_edits(self) -> tuple:  # the weights of this run set by hand (core.model.network.Edit)
        return tuple(getattr(self.snapshot, "edits", ()) or ())

    def toggle_code(self) -> None:
        self.code = not self.code
        if self.code and self.configs:
            self.query_one(CodeView).show(self.configs[0], self.previous, self.hand_edits())
        self.set_view()

    def set_view(self, view: str | None = None, compare: bool | None = None) -> None:
        if view is not None:
            self.view = view
        if compare is not None:
            self.compare = compare
        self.query_one(ContentSwitcher).current = f"view-{self.shown}"
        self.query_one("#xor-loss").display = not VIEWS[self.shown].hides_loss  # e.g. the code gets the pane's height
        self.border_title = xor_text.pane_title(self.configs, VIEWS[self.shown].title)
        VIEWS[self.shown].enter(self)
        self.call_after_refresh(self.sync_grid_size)
        self.draw_view()
        self._show_loss()

    def next_view(self) -> None:
        self.set_view(CYCLE[(CYCLE.index(self.view) + 1) % len(CYCLE)])

    def next_pair(self) -> None:
        """`p`: what the view on screen does with it (xor_views: the next pair, row, plane)."""
        VIEWS[self.shown].next(self)

    def zoomed_to(self, big: bool) -> None:
        """Zoom enlarges the view on screen, whichever it is (it used to switch to the network view)."""
        self.sync_grid_size()

    def toggle_log(self) -> None:
        shown = self.snapshot is not None and use_log(self.log_choice, self.snapshot, self.compare and self.other or None)
        self.log_choice = not shown  # the other axis from the one on screen
        self._show_loss()

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self.set_class(compact, "-compact")
            self.query_one("#xor-boundary", BoundaryView).set_legend(not compact)
            self._refresh_text()
            self.draw_view()

    # ----- drawing ---------------------------------------------------------------------------------------
    def set_text(self, wid: str, text) -> None:
        """Update a Static only when its text changed (each update costs a repaint)."""
        if self._shown.get(wid) != text:
            self._shown[wid] = text
            self.query_one(f"#{wid}", Static).update(text, layout=False)

    def label(self, i: int) -> str:
        return xor_text.short_config(self.configs[i]) if i < len(self.configs) else ""

    def _refresh_text(self) -> None:
        g, run = self.glyphs, self.run
        speed = run.control.speed if run.control is not None else None
        bug = self.configs[0].bug if self.configs else None
        self.set_text("xor-status", run.replay_status(g) or xor_text.status_line(
            g, run.state, run.snapshot, speed, run.steps_per_s, bug=bug, width=self.query_one("#xor-status").size.width))
        if self.configs:
            self.set_text("xor-config", xor_text.config_line(self.configs[0]))
        question = self.query_one("#xor-question", Static)
        question.display = bool(self.question)
        self.set_text("xor-question", xor_text.question_text(self.question))
        doctor = self.query_one("#xor-diagnosis")
        self.set_text("xor-diagnosis", xor_text.diagnosis_text(
            run.state, run.message, self.view_snapshot(), config=self.configs[0] if self.configs else None,
            width=doctor.content_size.width or None, lines=doctor.content_size.height or DOCTOR_LINES,
            key=self.key_in_force))
        if self.compact:
            self.draw_view()  # the verdict sits beside the picture

    def _due(self, part: str, every: float, force: bool) -> bool:
        now = time.monotonic()
        if force or now - self._drawn_at[part] >= every:
            self._drawn_at[part] = now
            return True
        return False

    def draw_view(self) -> None:
        """Draw only the view on screen; the others catch up from the snapshot when shown."""
        snap = self.view_snapshot()
        if snap is not None:
            VIEWS[self.shown].draw(self, snap)

    def _show_loss(self) -> None:
        plot = self.query_one("#xor-loss", PlotView)
        snap = self.snapshot
        if snap is None:
            return
        if not snap.losses:
            if snap.finished:  # PyTorch refused the first step: there will be no curve, say why
                plot.show(Figure(empty_text=f"no loss: the run stopped at step {snap.step + 1} (see the doctor above)"))
            return
        runs = [(snap, "A: " + self.label(0) if self.compare else "", "orange", "A" if self.compare else None)]
        if self.compare and self.other is not None:
            runs.append((self.other, "B: " + self.label(1), "cyan", "B"))
        plot.show(loss_figure(runs, compare=self.compare, log_choice=self.log_choice,
                              width=max(10, 2 * plot.size.width - 16), vline=self.run.replay_vline(),
                              losses=tuple(loss_name(c) for c in self.configs[:len(runs)]) or ("BCE",)))

    def key_in_force(self, binding_id: str) -> str:
        """The key that does `binding_id` now (config.toml may remap it), for the doctor's fix."""
        return key_for(binding_id, getattr(self.app, "keymap", None))

    def on_resize(self) -> None:
        self.sync_grid_size()  # the first layout: the worker waits for it before its first frame
        self._show_loss()
        self.call_after_refresh(self._refresh_text)  # the doctor's words refit the new width

    # ----- the pane's own keys (tui.keys.XOR_KEYS): arrows, home/end, page up/down, Enter --------------------------
    def say(self, reason: str | None) -> None:
        if reason:
            self.app.notify(reason, timeout=2)

    def action_arrow(self, dx: int, dy: int) -> None:
        """Arrows: what the view on screen does with them (the network's selection, the code's lines);
        elsewhere left/right replay."""
        view = VIEWS[self.shown]
        if view.arrow is not None:
            view.arrow(self, dx, dy)
        elif dx:
            self.say(self.replay_move(dx))

    def action_replay_jump(self, where: str) -> None:
        view = VIEWS[self.shown]
        self.say(view.jump(self, where) if view.jump is not None else self.replay_move(jump=where))

    def action_page(self, pages: int) -> None:
        view = VIEWS[self.shown]
        self.say(view.page(self, pages) if view.page is not None else "PgUp / PgDn scroll the code (y)")

    def action_edit_weight(self) -> None:
        """Enter: open the field for the selected weight or bias (editing pauses training)."""
        reason = self.editor.why_not(VIEWS[self.shown].edits_weights,
                                     self.state not in ("error", "loading") and self.control is not None)
        if reason is None:
            self.leave_replay()
            if not self.finished:
                self.set_paused(True)
            self.editor.open()
        self.say(reason)

    @on(WeightField.Submitted, "#net-edit")
    def _weight_submitted(self, event: WeightField.Submitted) -> None:
        event.stop()
        if self.editor.submit(event.value, self.control):
            focus_now(self)

    @on(WeightField.Cancelled)
    def _weight_cancelled(self) -> None:
        self.editor.close()
        focus_now(self)

    @on(BoundaryView.Probed)
    def _probed(self, event: BoundaryView.Probed) -> None:
        """A click on the plane: the views that show the probe (boundary, network) ask the worker for it."""
        self.run.probe_at = (event.x1, event.x2)
        self.sync_grid_size()
