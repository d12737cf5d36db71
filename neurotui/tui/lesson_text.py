"""What the lesson's panel says (tui/lesson.py draws it): the step's head above the answer box,
its explanation below it, so at 80x24 the question and the box are the rows that show first.

Before the prediction nothing here answers the question: the step's neutral title, no measured
value from an earlier visit, the tolerance with a typed question. After it, the full title,
the prediction beside the measurement and the step's takeaway for what was measured.
"""

from __future__ import annotations

from rich.text import Text

from neurotui.core.course.measure import tolerance_text
from neurotui.core.course.steps import STEPS, pass_check_lines, said_cell, summary_lines
from neurotui.core.numbers import short


def head_and_more(panel) -> tuple[Text, Text]:
    step, g = panel.step, panel.glyphs
    dash = "-" if g.ascii else "—"
    wide = panel.size.width >= 100
    head, more = Text(), Text()
    head.append(f"step {panel.number}/{len(STEPS)}  ", "bold")
    head.append(step.answered_title if panel.phase in ("shown", "info") else step.title, "bold")
    q = step.question
    if panel.ended:
        arrows = "up/down" if g.ascii else "↑↓"
        head.append("   the end" + ("   e writes the card, u back to the pass check, q quits" if wide else "") + "\n",
                    "dim")
        head.append(("" if wide else "e writes the card, u back, q quits; ") + f"{arrows} PgUp/PgDn scroll\n", "dim")
        for line in summary_lines(panel.progress.answers):
            head.append(line + "\n")
        return head, more
    head.append("   m next, u back, t set up again\n" if wide else "\n", "dim")
    if panel.phase == "info":
        mark = ("[x]", "[ ]") if g.ascii else ("✓", "·")
        arrows = "up/down" if g.ascii else "↑↓"
        head.append(f"{arrows} PgUp/PgDn scroll; m: the summary; e writes the card\n", "dim")
        for line in pass_check_lines(panel.progress.answers, dash=dash, mark=mark):
            head.append(line + "\n")
        more.append(step.text)
    elif panel.phase == "ask" and not panel.ready:
        head.append("setting up: this step's run, at step 0...", "dim")
    elif panel.phase == "ask":
        head.append("predict: ", "bold")
        head.append(q.prompt + tolerance_text(q) + "\n")
        if q.choices:
            head.append("   ".join(f"{i}) {c}" for i, c in enumerate(q.choices, 1)) + "\n", "bold")
        head.append(keyboard_line(panel), "dim")
        earlier = panel.progress.answers.get(step.key)
        if earlier:  # the first prediction only: its measurement would answer this one
            more.append(f"you answered this before (first: {earlier['said']}); this one goes beside it\n", "dim")
        more.append(step.text)
    elif panel.phase == "running":
        head.append(q.prompt + "\n")
        said = q.choices[int(panel.said)] if q.choices else short(panel.said)
        head.append(f"you said: {said} {dash} measuring: {panel.waiting or 'running'}...", "bold")
        more.append(step.text)
    else:
        v = panel.verdict
        head.append(q.prompt + tolerance_text(q) + "\n")
        head.append(v.line(dash), "bold")
        head.append("  " + v.word, "bold green" if v.right else "bold yellow")
        first = panel.progress.answers.get(step.key)
        if first and first.get("later"):
            head.append(f"\nkept: your first prediction {said_cell(first)}", "dim")
        if v.word == "not predicted":
            head.append("\nthe run moved before the prediction (space, . or a restart): seen, not predicted", "dim")
        if panel.takeaway:
            head.append(f"\n{panel.takeaway}", "dim")
        more.append(step.text)
    return head, more


def keyboard_line(panel) -> str:
    """Where the keys go now: the answer, or the panes (and the key that brings them back)."""
    q = panel.step.question
    if panel.app.focused is panel.answer_box:
        how = "type a number, Enter" if q.typed else f"1-{len(q.choices)} answers"
        return f"keys go to the answer ({how}); esc: edit the panes first"
    return "keys go to the panes now (a field being edited takes digits); i: back to the answer"
