"""The guided lesson's question owns the keyboard until it is answered (tui/lesson.py's panel).

Digits, `.`, Enter and the choice keys go to the answer wherever focus is (tui/keyorder.py asks
`key_owner` before a key is resolved), so `4` typed for the answer never opens Reliability and `.`
never takes a training step. Leaving the answer to edit the panes (esc) and coming back (i) are two
keys the panel names; only a field the learner chose to edit keeps its own digits.
"""

from __future__ import annotations

from textual.widgets import Input

from neurotui.core.course.measure import parse_number
from neurotui.tui.keyorder import focus_now
from neurotui.tui.keys import LESSON_NUMBER_KEYS, bindings

PANES = {"neuron": 0, "activations": 1, "xor": 2}
NUMBER_CHARACTERS = "0123456789-+.%"
NUMBER_KEYS = {"minus", "plus", "percent_sign", "full_stop"} | set("0123456789")
CHOICE_KEYS = {"full_stop"} | set("0123456789")


def answer_range(panel) -> str | None:
    """How the Footer writes the choice keys: the question's own range ('1-3'), not the table's 1-4."""
    q = panel.step.question if panel.is_mounted else None
    return f"1-{len(q.choices)}" if q is not None and q.choices else None


class NumberAnswer(Input):
    """The typed prediction: it takes only what a number is made of, so every letter key of the app
    (m for the next step included) keeps working while it waits. Esc leaves it (to edit the panes),
    `i` comes back; Tab does not wander off with the answer half typed."""

    BINDINGS = bindings(LESSON_NUMBER_KEYS)

    def action_leave(self) -> None:
        self.parent.leave()

    def action_not_a_choice(self) -> None:
        self.parent.stay()

    def __init__(self, **kwargs) -> None:
        super().__init__(restrict=r"[-+0-9.%]*", **kwargs)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in NUMBER_CHARACTERS

    async def _on_key(self, event) -> None:
        if event.is_printable and (event.character or "") not in NUMBER_CHARACTERS:
            event.prevent_default()  # Input's own handler would swallow it: it goes on to the app's keys
            return
        await super()._on_key(event)  # (Input prevents the default itself: its handler runs once)


class QuestionKeys:
    """Mixed into LessonPanel: where the answer is, leaving it and coming back, and taking it."""

    def _focus_question(self) -> None:
        number = self.query_one("#lesson-number", Input)
        typed = self.phase == "ask" and self.step.question.typed
        number.display = typed
        if typed:
            number.value = ""
        self.back_to_answer()

    @property
    def answer_box(self):
        """Where the answer is typed or chosen: the number field, or the panel (1-4)."""
        return self.query_one("#lesson-number", Input) if self.step.question.typed else self

    def back_to_answer(self) -> None:
        if self.phase == "ask":
            focus_now(self.answer_box)
            self.render_step()

    def leave(self) -> None:
        """Esc in the answer: the keyboard goes to the panes (the neuron's first field on its steps)."""
        from neurotui.tui.panes.neuron import NeuronPane, NumberField

        if self.step.pane == "neuron":
            focus_now(self.app.query_one(NeuronPane).query(NumberField).first())
        else:
            focus_now(self.app.workspace.pane(PANES[self.step.pane]))

    def stay(self) -> None:
        q = self.step.question
        if self.phase == "ask" and q is not None:
            self.app.notify(f"choose 1-{len(q.choices)}" if q.choices else "type a number, then Enter; esc leaves "
                            "the answer to edit the panes", timeout=2)

    def action_leave(self) -> None:
        if self.phase == "ask":
            self.leave()

    def action_not_a_choice(self) -> None:
        self.stay()

    def key_owner(self, event):
        """While the question waits, the keys meant for its answer go to it wherever focus is; only a
        field the learner chose to edit (a neuron value, a weight) keeps its own digits."""
        q = self.step.question
        if self.phase != "ask" or q is None or isinstance(self.app.focused, Input):
            return None
        if not self.ready:
            return self  # typed before the question shows: not for the app's keys either
        keys = NUMBER_KEYS if q.typed else CHOICE_KEYS
        return self.answer_box if event.key in keys else None

    def _focus_moved(self, _focused=None) -> None:
        if self.phase == "ask" and self.app.farewell:  # (set by open(): nothing is said before the first step)
            self.render_step()  # the line that says where the keyboard is

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
