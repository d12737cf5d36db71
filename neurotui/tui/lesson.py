"""The guided lesson's panel (`neurotui learn`): one step at a time under the panes.

It drives the panes and never replaces them: a step sets the session's config, the pane and
the view, holds the run at step 0 while it asks, and after the prediction runs what the step
says (the run, a sweep, the failure probe, the neuron's fields). The answer is then measured
from what the app produced (core.course.measure) and shown beside the prediction. Every key
of the app keeps working; `t` puts the step's setup back. Steps and judging: core.course.steps.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.containers import VerticalScroll
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from neurotui.core.course import progress as saved
from neurotui.core.course.measure import Measured, NotMeasured, judge, seen_first
from neurotui.core.course.steps import STEPS, Step, keep_first
from neurotui.core.numbers import percent
from neurotui.tui.keys import LESSON_ANSWER_KEYS, bindings
from neurotui.tui.lesson_keys import PANES, NumberAnswer, QuestionKeys

POLL_S = 0.25
# The panel sits under the panes, across the whole width: a step's text, its question and the
# answer need lines more than columns. 80x24 keeps 12 rows for the one pane shown there (the XOR
# pane's compact layout: boundary and rows side by side); at 120x40, 28 rows, one pane at a time.
# Under 30 rows (80x24) it keeps 8: the question, its choices and the answer box come first in it
# (the step's explanation scrolls below them), and the pane needs the 2 rows for what is asked about
# (the activations table's Sigmoid row, the weights' output layer, the hidden space's plot).
PANEL_ROWS, SHORT_PANEL_ROWS, SHORT = 10, 8, 30


def panel_rows(height: int) -> int:
    return SHORT_PANEL_ROWS if height < SHORT else PANEL_ROWS


def fit_panel(panel, size):
    """Give the panel its rows; the size left for the panes, which lay themselves out for it."""
    from textual.geometry import Size

    rows = panel_rows(size.height)
    panel.styles.height = rows
    return Size(size.width, max(1, size.height - rows))


class LessonPanel(QuestionKeys, VerticalScroll):
    """Scrolls when a step's text is longer than the panel (80x24); focused while a choice waits."""

    can_focus = True
    BINDINGS = bindings(LESSON_ANSWER_KEYS)

    def __init__(self, glyphs, start: int | None = None, path: Path | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.glyphs = glyphs
        self.path = path or saved.state_path()
        self.store = saved.open_store(path)  # a served class's learner, or this machine's file (self.path)
        self.start = start
        self.progress = saved.Progress()
        self.number = 1
        self.phase = "ask"  # ask -> running -> shown; "info" for a step without a question
        self.said: float | None = None
        self.verdict = None
        self.waiting = ""  # what a running reveal still waits for
        self.sweep = ()
        self.probe = None
        self.held = None
        self.takeaway = ""
        self.ready = False  # the question is on screen (its step's run is drawn at step 0)
        self._ready_timer = None
        self.acted = False  # the run moved before the prediction on this visit: it is not a prediction
        self.ended = False  # `m` on the last step: the summary
        self._poll = None
        self._stepping = False  # the `step` reveal has asked for its one step

    def compose(self):
        yield Static(id="lesson-text")
        yield NumberAnswer(placeholder="type a number, then Enter", id="lesson-number")
        yield Static(id="lesson-more")

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "choose" and (self.step.question is None or self.step.question.typed):
            return False  # a typed answer has no choice keys: the Footer shows none
        if action in ("choose", "leave", "not_a_choice"):
            return self.phase == "ask" and not self.ended  # answer keys only while a question waits
        return True

    @property
    def step(self) -> Step:
        return STEPS[self.number - 1]

    def on_mount(self) -> None:
        self.progress, warning = self.store.load()
        self.watch(self.screen, "focused", self._focus_moved)
        if warning:
            self.app.notify(warning, severity="warning", timeout=8)
        # after the app's own on_mount (which focuses the XOR pane): the step's setup comes last
        self.call_after_refresh(self.open, self.start or min(self.progress.step, len(STEPS)))

    # ----- moving between steps ----------------------------------------------------------------
    def open(self, number: int) -> None:
        self.number = max(1, min(number, len(STEPS)))
        self.progress.step = self.number
        self.acted = self.ended = False
        self._save()
        self.app.farewell = [f"the lesson: `neurotui learn` resumes at step {self.number}/{len(STEPS)} "
                             f"({self.step.title})"]
        self.setup()

    def go(self, where: str) -> None:
        """The app's lesson keys: next, back, setup."""
        if where == "setup":
            self.setup()
        elif where == "answer":
            self.back_to_answer()
        elif where == "next" and self.number < len(STEPS):
            self.open(self.number + 1)
        elif where == "next":
            self.ended = True  # the last step: the summary, then e for the card
            self.focus()
            self.render_step()
        elif where == "back" and self.ended:
            self.ended = False
            self.render_step()
        elif where == "back" and self.number > 1:
            self.open(self.number - 1)
        else:
            self.app.notify("this is the first step", timeout=2)

    def setup(self) -> None:
        """The step's config, pane and view; the run held at step 0 while the question waits."""
        app, step = self.app, self.step
        self._stop_reveal()
        self.acted = self.acted or self._run_moved()  # t after space: what ran was seen all the same
        self.phase = "ask" if step.question else "info"
        self.said = self.verdict = None
        self.sweep, self.probe = (), None
        session = app.session
        session.compare = False
        session.question = ""
        session.inside_layer = 1
        session.pick(step.config(seed=42))
        self._hide(self.phase == "ask")
        self._show_view(step.view)
        self._reset_neuron()
        app.start_run(paused=self.phase == "ask")
        app.action_focus_pane(PANES[step.pane])
        self.ready = self.phase != "ask"
        if self.phase == "info":
            self.focus()  # its arrows and PgUp/PgDn scroll the pass check
        else:
            self.query_one("#lesson-number", Input).display = False
            self._ready_timer = self.set_interval(0.05, self._when_drawn)
        self.render_step()

    def _when_drawn(self) -> None:
        """The question shows once this step's own run is on screen at step 0 (never over the last step's)."""
        xor = self.app.xor
        if self.phase != "ask" or xor.snapshot is None and xor.state != "error":
            return
        self._ready_timer.stop()
        self.call_after_refresh(self._ask)  # after the pane has drawn that snapshot

    def _ask(self) -> None:
        if self.phase == "ask" and not self.ready:
            self.ready = True
            self._focus_question()
            self.refresh_bindings()  # the Footer's answer keys: this question's range (1-3, 1-4) or none
            self.render_step()

    def _hide(self, hide: bool) -> None:
        """What would answer the question stays off screen until the prediction: the hidden space's
        caption, and the code view's line asked about."""
        from neurotui.tui.widgets.code import CodeView

        xor = self.app.xor
        xor.hide_answers = hide
        xor.set_class(hide, "-asking")  # at 80x24 the empty loss plot gives its rows to what is asked about
        if xor.has_class("-tall-loss") != self.step.tall_loss:
            xor.set_class(self.step.tall_loss, "-tall-loss")  # the evidence is the curves: they get the rows
            self.app.call_after_refresh(self.app.apply_layout)  # the workspace's inline shares follow it
        code = xor.query_one(CodeView)
        code.masked = "optimizer.step()" if hide and self.step.view == "code" else None
        if xor.code and xor.configs:
            code.show(xor.configs[0], xor.previous, xor.hand_edits())
        xor.draw_view()

    def _run_moved(self) -> bool:
        """Has the XOR run trained past step 0 (space, `.`, r) since the question was asked?"""
        snap = self.app.xor.snapshot
        return self.phase == "ask" and (snap is not None and snap.step > 0 or self.app.xor.finished)

    def _show_view(self, view: str) -> None:
        xor = self.app.xor
        if (view == "code") != xor.code:
            xor.toggle_code()
        if view != "code":
            xor.set_view(view)
        if view == "backward":  # the question names w2[0,0]: not a weight picked earlier in the network view
            from neurotui.tui.widgets.backward import BackwardView, default_item

            layers = self.app.session.config.layers
            xor.query_one(BackwardView).start_at(default_item(layers + 1), layers + 1)
        xor.look_at(self.app.session.layer)

    def _reset_neuron(self) -> None:
        from neurotui.core.lesson import NEURON_B, NEURON_W, NEURON_X

        values = dict(zip(("x1", "x2", "x3"), NEURON_X)) | dict(zip(("w1", "w2", "w3"), NEURON_W))
        self._set_fields(values | {"b": NEURON_B})

    def _set_fields(self, values: dict) -> None:
        from neurotui.tui.panes.neuron import NeuronPane, NumberField, fmt

        for f in self.app.query_one(NeuronPane).query(NumberField):
            if f.field_name in values and f.good != values[f.field_name]:
                f.value = fmt(values[f.field_name])  # as if typed: the pane recomputes, Activations follows

    def answer(self, said: float) -> None:
        """Take the prediction, then run what reveals the answer."""
        if self.phase != "ask" or not self.ready:
            return  # a second Enter typed fast: one answer (and none before the question shows)
        self.acted = self.acted or (self.step.reveal in ("run", "step", "probe", "sweep") and self._run_moved())
        self.said, self.phase = said, "running"
        self.held = self.app.xor.snapshot  # the untrained network the question was asked about
        self.query_one("#lesson-number", Input).display = False
        app, step = self.app, self.step
        app.workspace.pane(PANES[step.pane]).focus()  # the hidden number field must not keep the keys
        if step.reveal == "neuron":
            values = dict(step.neuron)
            if "z" in values:  # the bias that brings z to this value, the inputs and weights as they are
                x, w, b = self._neuron()
                values = {"b": values.pop("z") - sum(xi * wi for xi, wi in zip(x, w))} | values
            self._set_fields(values)
            self.call_after_refresh(self._measure)
            return
        if step.reveal in ("sweep", "probe"):
            # The sweep (or probe) first, the live run after it: side by side, the two threads fought over
            # the GIL and a 0.3 s sweep (neurotui sweep --hidden 2,4 --seeds 64) took two minutes here.
            if step.reveal == "sweep":
                self.waiting = f"the sweep of {step.seeds} seeds, then the run"
                self._sweep(step, app.session.config)
            else:
                self.waiting = "the failure probe, then the run"
                self._probe(app.session.config)
            self._poll = self.set_interval(POLL_S, self._check)
            self.render_step()
            return
        if step.reveal == "step":
            self._one_step()
            return
        app.start_run()  # the run measured is the one started now, from step 0
        self.waiting = "the run"
        if step.reveal == "none":
            self.call_after_refresh(self._measure)
            return
        self._poll = self.set_interval(POLL_S, self._check)
        self.render_step()

    def _one_step(self) -> None:
        """The `step` reveal: the optimizer's first step, as `.` takes it, read by the backward view at
        step 0 and at step 1. A run that moved before the prediction starts again, held at step 0."""
        if not self._at_step_0(self.held):
            self.held = None
            self.app.start_run(paused=True)
        self.waiting = "one training step"
        self._stepping = False
        self._poll = self.set_interval(POLL_S / 5, self._check_step)
        self.render_step()

    @staticmethod
    def _at_step_0(snap) -> bool:
        look = (snap.picture("backward") if snap is not None else None)
        return snap is not None and snap.step == 0 and look is not None and (isinstance(look, str) or look.step == 0)

    def _check_step(self) -> None:
        xor = self.app.xor
        snap = xor.snapshot
        if self.held is None:
            if self._at_step_0(snap):
                self.held = snap
            return
        look = (snap.picture("backward") if snap is not None else None)
        if isinstance(look, str) or isinstance(self.held.picture("backward"), str):
            self._measure()  # a refused pass: the measure says why
        elif not self._stepping:
            self._stepping = True
            xor.say(xor.step_once())
        elif snap.step >= 1 and look is not None and look.step == snap.step:
            self._measure()

    def _check(self) -> None:
        step, xor = self.step, self.app.xor
        if not xor.finished:
            return
        if step.reveal == "sweep" and not self.sweep or step.reveal == "probe" and self.probe is None:
            return
        self._measure()

    def _measure(self) -> None:
        if self.phase != "running":
            return
        step, app = self.step, self.app
        configs = app.xor.configs
        m = Measured(config=configs[0] if configs else app.session.config, snapshot=app.xor.snapshot,
                     neuron=self._neuron(), sweep=self.sweep, probe=self.probe, extra={"start": self.held})
        if step.view == "code":
            from neurotui.core.course.script import script_for

            m.script = script_for(m.config)
        try:
            answer = step.measure(m)
        except NotMeasured as exc:
            self.waiting = str(exc)
            self.render_step()
            return
        self._stop_reveal()
        self.verdict = judge(step.question, self.said, answer)
        if self.acted:
            self.verdict = seen_first(self.verdict)
        self.takeaway = step.takeaway(answer.value)
        self.phase = "shown"
        self._hide(False)
        keep_first(self.progress.answers, step.key, self.verdict.as_dict())
        self._save()
        self.render_step()

    def _neuron(self):
        from neurotui.tui.panes.neuron import NeuronPane

        return self.app.query_one(NeuronPane).values()

    def _stop_reveal(self) -> None:
        if self._ready_timer is not None:
            self._ready_timer.stop()
        if self._poll is not None:
            self._poll.stop()
            self._poll = None
        self.waiting = ""
        self.workers.cancel_group(self, "lesson")

    @work(thread=True, exclusive=True, group="lesson", exit_on_error=False)
    def _sweep(self, step: Step, config) -> None:
        from neurotui.core.sweep.config import SweepCancelled, SweepConfig
        from neurotui.core.sweep.run import run_grid

        worker = get_current_worker()
        base = SweepConfig(model=config.with_(seed=0), seeds=step.seeds)
        axes = dict(step.sweep)
        def progress(p) -> None:
            self.app.call_from_thread(self._sweeping, p.fraction)

        try:
            results = tuple(run_grid(base, should_stop=lambda: worker.is_cancelled, progress=progress, **axes))
        except SweepCancelled:
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._swept, results)

    def _sweeping(self, fraction: float) -> None:
        if self.phase == "running" and not self.sweep:
            self.waiting = f"the sweep of {self.step.seeds} seeds, {percent(fraction)}, then the run"
            self.render_step()

    def _swept(self, results) -> None:
        self.sweep = results
        self.waiting = "the run"
        self.app.start_run()  # the live run of seed 42, now that the sweep has the cores
        self.render_step()

    @work(thread=True, exclusive=True, group="lesson", exit_on_error=False)
    def _probe(self, config) -> None:
        from neurotui.core.course.card import failure_probe

        worker = get_current_worker()
        probe = failure_probe(config, should_stop=lambda: worker.is_cancelled)
        if probe is not None and not worker.is_cancelled:
            self.app.call_from_thread(self._probed, probe)

    def _probed(self, probe) -> None:
        self.probe = probe
        self.waiting = "the run"
        self.app.start_run()  # the run beside which the probe is read, now that the probe has the cores
        self.render_step()

    def _save(self) -> None:
        try:
            self.store.save(self.progress)
        except OSError as exc:
            self.app.notify(f"lesson progress not saved: {exc.strerror or exc}", severity="warning", timeout=4)

    # ----- drawing -------------------------------------------------------------------------------
    def render_step(self) -> None:
        from neurotui.tui.lesson_text import head_and_more

        head, more = head_and_more(self)
        self.query_one("#lesson-text", Static).update(head)
        self.query_one("#lesson-more", Static).update(more)
        self.scroll_home(animate=False)

    # ----- read by the card and tests --------------------------------------------------------------
    @property
    def answers(self) -> dict:
        return self.progress.answers
