"""The guided lesson's panel (`neurotui learn`): one step at a time under the panes.

It drives the panes and never replaces them: a step sets the session's config, the pane and
the view, holds the run at step 0 while it asks, and after the prediction runs what the step
says (the run, a sweep, the failure probe, the neuron's fields). The answer is then measured
from what the app produced (core.course.measure) and shown beside the prediction. Every key
of the app keeps working; `t` puts the step's setup back. Steps and judging: core.course.steps.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from neurotui.core.course import progress as saved
from neurotui.core.course.measure import Measured, NotMeasured, judge, parse_number
from neurotui.core.course.steps import STEPS, Step, pass_check_lines
from neurotui.tui.keys import LESSON_ANSWER_KEYS, bindings

PANES = {"neuron": 0, "activations": 1, "xor": 2}
POLL_S = 0.25
# The panel sits under the panes, across the whole width: a step's text, its question and the
# answer need lines more than columns. 80x24 keeps 12 rows for the one pane shown there (the XOR
# pane's compact layout: boundary and rows side by side); at 120x40, 28 rows, one pane at a time.
PANEL_ROWS = 10


def fit_panel(panel, size):
    """Give the panel its rows; the size left for the panes, which lay themselves out for it."""
    from textual.geometry import Size

    panel.styles.height = PANEL_ROWS
    return Size(size.width, max(1, size.height - PANEL_ROWS))


NUMBER_CHARACTERS = "0123456789-+.%"


class NumberAnswer(Input):
    """The typed prediction: it takes only what a number is made of, so every letter key of the app
    (m for the next step included) keeps working while it waits."""

    def __init__(self, **kwargs) -> None:
        super().__init__(restrict=r"[-+0-9.%]*", **kwargs)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in NUMBER_CHARACTERS

    async def _on_key(self, event) -> None:
        if event.is_printable and (event.character or "") not in NUMBER_CHARACTERS:
            event.prevent_default()  # Input's own handler would swallow it: it goes on to the app's keys
            return
        await super()._on_key(event)  # (Input prevents the default itself: its handler runs once)


class LessonPanel(VerticalScroll):
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
        self._poll = None

    def compose(self):
        yield Static(id="lesson-text")
        yield NumberAnswer(placeholder="type a number, then Enter", id="lesson-number")

    @property
    def step(self) -> Step:
        return STEPS[self.number - 1]

    def on_mount(self) -> None:
        self.progress, warning = self.store.load()
        if warning:
            self.app.notify(warning, severity="warning", timeout=8)
        # after the app's own on_mount (which focuses the XOR pane): the step's setup comes last
        self.call_after_refresh(self.open, self.start or min(self.progress.step, len(STEPS)))

    # ----- moving between steps ----------------------------------------------------------------
    def open(self, number: int) -> None:
        self.number = max(1, min(number, len(STEPS)))
        self.progress.step = self.number
        self._save()
        self.setup()

    def go(self, where: str) -> None:
        """The app's lesson keys: next, back, setup."""
        if where == "setup":
            self.setup()
        elif where == "next" and self.number < len(STEPS):
            self.open(self.number + 1)
        elif where == "back" and self.number > 1:
            self.open(self.number - 1)
        else:
            self.app.notify("the lesson ends here: e writes the card" if where == "next" else "this is the first step",
                            timeout=2)

    def setup(self) -> None:
        """The step's config, pane and view; the run held at step 0 while the question waits."""
        app, step = self.app, self.step
        self._stop_reveal()
        self.phase = "ask" if step.question else "info"
        self.said = self.verdict = None
        self.sweep, self.probe = (), None
        session = app.session
        session.compare = False
        session.question = ""
        session.inside_layer = 1
        session.pick(step.config(seed=42))
        self._show_view(step.view)
        self._reset_neuron()
        app.start_run(paused=self.phase == "ask")
        app.action_focus_pane(PANES[step.pane])
        self._focus_question()
        self.render_step()

    def _show_view(self, view: str) -> None:
        xor = self.app.xor
        if (view == "code") != xor.code:
            xor.toggle_code()
        if view != "code":
            xor.set_view(view)
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

    def _focus_question(self) -> None:
        number = self.query_one("#lesson-number", Input)
        typed = self.phase == "ask" and self.step.question.typed
        number.display = typed
        if typed:
            number.value = ""
            number.focus()
        elif self.phase == "ask":
            self.focus()

    # ----- answering -------------------------------------------------------------------------------
    def action_choose(self, index: int) -> None:
        q = self.step.question
        if self.phase != "ask" or q is None or q.typed:
            return
        if index >= len(q.choices):
            self.app.notify(f"choose 1-{len(q.choices)}", severity="warning", timeout=2)
            return
        self.answer(index)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = parse_number(event.value)
        if value is None:
            self.app.notify(f"not a number: {event.value!r}", severity="warning", timeout=3)
            return
        self.answer(value)

    def answer(self, said: float) -> None:
        """Take the prediction, then run what reveals the answer."""
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
        app.start_run()  # the run measured is the one started now, from step 0
        self.waiting = "the run"
        if step.reveal == "none":
            self.call_after_refresh(self._measure)
            return
        self._poll = self.set_interval(POLL_S, self._check)
        self.render_step()

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
        self.phase = "shown"
        self.progress.answers[step.key] = self.verdict.as_dict()
        self._save()
        self.render_step()

    def _neuron(self):
        from neurotui.tui.panes.neuron import NeuronPane

        return self.app.query_one(NeuronPane).values()

    def _stop_reveal(self) -> None:
        if self._poll is not None:
            self._poll.stop()
            self._poll = None
        self.waiting = ""
        self.workers.cancel_group(self, "lesson")

    @work(thread=True, exclusive=True, group="lesson", exit_on_error=False)
    def _sweep(self, step: Step, config) -> None:
        from neurotui.core.sweep import SweepCancelled, SweepConfig, run_grid

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
            self.waiting = f"the sweep of {self.step.seeds} seeds, {fraction:.0%}, then the run"
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
        step, g = self.step, self.glyphs
        dash = "-" if g.ascii else "—"
        t = Text()
        t.append(f"step {self.number}/{len(STEPS)}  ", "bold")
        t.append(step.title, "bold")
        t.append("   m next, u back, t set up again\n" if self.size.width >= 100 else "\n", "dim")
        q = step.question
        if self.phase == "info":
            t.append(step.text + "\n")
            mark = ("[x]", "[ ]") if g.ascii else ("✓", "·")
            for line in pass_check_lines(self.progress.answers, dash=dash, mark=mark):
                t.append(line + "\n")
        elif self.phase == "ask":
            t.append(step.text + "\n", "")
            t.append("predict: ", "bold")
            t.append(q.prompt + "\n")
            if q.choices:
                t.append("   ".join(f"{i}) {c}" for i, c in enumerate(q.choices, 1)), "bold")
            earlier = self.progress.answers.get(step.key)
            if earlier:
                t.append(f"\nlast time: you said {earlier['said']} {dash} measured {earlier['measured']}", "dim")
        elif self.phase == "running":
            t.append(q.prompt + "\n")
            said = q.choices[int(self.said)] if q.choices else f"{self.said:g}"
            t.append(f"you said: {said} {dash} measuring: {self.waiting or 'running'}...", "bold")
        else:
            t.append(q.prompt + "\n")
            t.append(self.verdict.line(dash), "bold")
            t.append("  " + ("right" if self.verdict.right else "off"),
                     "bold green" if self.verdict.right else "bold yellow")
            t.append(f"\n{step.after}", "dim")
        self.query_one("#lesson-text", Static).update(t)
        self.scroll_home(animate=False)

    # ----- read by the card and tests --------------------------------------------------------------
    @property
    def answers(self) -> dict:
        return self.progress.answers
