"""A served class's roll and what the teacher sees of it, from the class's SQLite file.

The roll: a browser's first visit makes a learner (a random public id, and a random key for the
browser's cookie of which only a hash is kept). The class: per step, who is on it or past it,
the spread of their predictions beside the measured answer, and who has not answered. The
lesson's own progress rows are written by each tab (core.course.progress.ClassStore).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from collections import Counter
from pathlib import Path

from neurotui.core.course.measure import parse_number
from neurotui.core.course.progress import connect_class
from neurotui.core.course.steps import STEPS
from neurotui.core.numbers import sig

NAME_MAX = 40
BINS = 8  # a typed prediction's histogram; fewer distinct values are counted as they are


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def clean_name(name: str) -> str:
    """Printable, one line, at most NAME_MAX characters; '' when none was given."""
    return " ".join("".join(c for c in name if c.isprintable()).split())[:NAME_MAX]


class Roll:
    """The class file as the server uses it: one connection, short transactions."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = connect_class(path)

    def close(self) -> None:
        self.conn.close()

    def enrol(self, name: str = "") -> tuple[str, str]:
        """A new learner: (public id, the browser's secret key)."""
        now = time.time()
        while True:
            learner, key = secrets.token_hex(6), secrets.token_urlsafe(24)
            try:
                self.conn.execute("INSERT INTO learners (id, key_hash, name, created, seen) VALUES (?, ?, ?, ?, ?)",
                                  (learner, key_hash(key), clean_name(name), now, now))
                return learner, key
            except sqlite3.IntegrityError:  # 48 random bits met again: draw anew
                continue

    def learner_of(self, key: str | None) -> str | None:
        """The learner whose browser holds `key`; None for no key or one this class never gave."""
        if not key:
            return None
        row = self.conn.execute("SELECT id FROM learners WHERE key_hash = ?", (key_hash(key),)).fetchone()
        return row[0] if row else None

    def state(self) -> dict:
        return class_state(self.conn)


def _spread(question, answers: list[dict]) -> dict:
    """Counts per choice, or for a typed number a histogram: {"labels", "counts", "right"}, where
    right[i] says that label (or bin) holds a prediction judged right against the measured answer."""
    saids = [a["said"] for a in answers]
    right_saids = {a["said"] for a in answers if a["right"]}
    if question.choices:
        counts = Counter(saids)
        return {"labels": list(question.choices), "counts": [counts.get(c, 0) for c in question.choices],
                "right": [c in right_saids for c in question.choices]}
    values = sorted(v for v in (parse_number(s) for s in saids) if v is not None)
    hits = {v for v in (parse_number(s) for s in right_saids) if v is not None}
    distinct = sorted(set(values))
    if len(distinct) <= BINS:
        counts = Counter(values)
        return {"labels": [sig(v, 4) for v in distinct], "counts": [counts[v] for v in distinct],
                "right": [v in hits for v in distinct]}
    low, high = distinct[0], distinct[-1]
    width = (high - low) / BINS

    def bin_of(v: float) -> int:
        return min(BINS - 1, int((v - low) / width))

    counts = [0] * BINS
    for v in values:
        counts[bin_of(v)] += 1
    right_bins = {bin_of(v) for v in hits}
    labels = [f"{sig(low + i * width, 3)} to {sig(low + (i + 1) * width, 3)}" for i in range(BINS)]
    return {"labels": labels, "counts": counts, "right": [i in right_bins for i in range(BINS)]}


def class_state(conn: sqlite3.Connection) -> dict:
    """{"learners": [{id, name, step, answers}], "steps": [{number, key, title, prompt, on_or_past,
    answered, spread, measured, not_answered}]}: what /class.json returns and /class draws."""
    learners = [{"id": i, "name": n, "step": s, "answers": {}} for i, n, s in
                conn.execute("SELECT id, name, step FROM learners ORDER BY created, id")]
    by_id = {learner["id"]: learner for learner in learners}
    for learner, step, said, measured, right in conn.execute(
            "SELECT learner, step, said, measured, right FROM answers ORDER BY at"):
        if learner in by_id:
            by_id[learner]["answers"][step] = {"said": said, "measured": measured, "right": bool(right)}
    steps = []
    for number, step in enumerate(STEPS, 1):
        here = [learner for learner in learners if learner["step"] >= number or step.key in learner["answers"]]
        answers = [learner["answers"][step.key] for learner in learners if step.key in learner["answers"]]
        q = step.question
        entry = {"number": number, "key": step.key, "title": step.title, "prompt": q.prompt if q else None,
                 "on_or_past": len(here), "answered": len(answers)}
        if q is not None:
            measured = Counter(a["measured"] for a in answers).most_common(1)
            entry |= {"spread": _spread(q, answers),
                      "measured": measured[0][0] if measured else None,
                      "right": sum(a["right"] for a in answers),
                      "not_answered": [learner["name"] or learner["id"] for learner in here
                                       if step.key not in learner["answers"]]}
        steps.append(entry)
    return {"learners": learners, "steps": steps}
