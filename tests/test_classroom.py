"""The class's SQLite file: one learner's store sees only that learner, the roll, and what the teacher sees."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import statistics
import time

import pytest

from neurotui.core.course import progress as saved
from neurotui.core.course.classroom import Roll, class_state
from neurotui.core.course.steps import STEPS

KEYS = [s.key for s in STEPS]
TYPED = next(i for i, s in enumerate(STEPS) if s.question and s.question.typed)
CHOICE = next(i for i, s in enumerate(STEPS) if s.question and s.question.choices)


def answer(said: str, measured: str = "m", right: bool = False) -> dict:
    return {"said": said, "measured": measured, "right": right}


def test_open_store_is_the_learners_own_file_unless_served(tmp_path):
    local = saved.open_store(env={"XDG_STATE_HOME": str(tmp_path)})
    assert isinstance(local, saved.FileStore) and local.path == tmp_path / "neurotui" / "lesson.json"
    given = saved.open_store(tmp_path / "x.json", env={saved.LEARNER_ENV: "a", saved.CLASS_DB_ENV: "c"})
    assert isinstance(given, saved.FileStore)  # an explicit file wins (tests, --step)
    served = saved.open_store(env={saved.LEARNER_ENV: "abc", saved.CLASS_DB_ENV: str(tmp_path / "c.sqlite")})
    assert isinstance(served, saved.ClassStore) and served.learner == "abc"
    # The file store is the old functions: same file, same round trip.
    local.save(saved.Progress(step=4, answers={"neuron": answer("1")}))
    assert saved.load(local.path)[0] == local.load()[0] == saved.Progress(4, {"neuron": answer("1")})


def test_a_learner_reads_and_writes_only_their_own_rows(tmp_path):
    roll = Roll(tmp_path / "class.sqlite")
    (a, _), (b, _) = roll.enrol("Ada"), roll.enrol("")
    mine, theirs = (saved.ClassStore(roll.path, who) for who in (a, b))
    mine.save(saved.Progress(step=3, answers={KEYS[0]: answer("-0.2", "z = 0.04", False)}))
    theirs.save(saved.Progress(step=1, answers={}))
    assert theirs.load() == (saved.Progress(1, {}), None)  # nothing of Ada's
    assert mine.load() == (saved.Progress(3, {KEYS[0]: answer("-0.2", "z = 0.04", False)}), None)
    # A changed answer replaces that learner's one row; the other's stay.
    theirs.save(saved.Progress(step=2, answers={KEYS[0]: answer("0.04", "z = 0.04", True)}))
    assert mine.load()[0].answers[KEYS[0]]["said"] == "-0.2"
    # An id the roll never gave can neither read nor write.
    stranger = saved.ClassStore(roll.path, "not-a-learner")
    progress, warning = stranger.load()
    assert progress == saved.Progress() and "not in the class file" in warning
    with pytest.raises(OSError, match="not in the class file"):
        stranger.save(saved.Progress(step=5, answers={KEYS[0]: answer("9")}))
    assert len(roll.conn.execute("SELECT * FROM answers").fetchall()) == 2
    assert roll.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_roll_knows_a_browser_by_its_key_and_keeps_only_a_hash(tmp_path):
    roll = Roll(tmp_path / "class.sqlite")
    learner, key = roll.enrol("  Ada\u0007\n Lovelace " + "x" * 80)
    assert roll.learner_of(key) == learner
    assert roll.learner_of(key + "x") is None and roll.learner_of("") is None and roll.learner_of(None) is None
    dump = "\n".join(roll.conn.iterdump())
    assert key not in dump
    (name,) = roll.conn.execute("SELECT name FROM learners").fetchone()
    assert name.startswith("Ada Lovelace x") and len(name) == 40


def test_the_class_state_counts_who_is_where_and_what_they_predicted(tmp_path):
    roll = Roll(tmp_path / "class.sqlite")
    ids = [roll.enrol(name)[0] for name in ("Ada", "Bo", "", "Cy")]
    typed, choice = STEPS[TYPED], STEPS[CHOICE]
    stores = [saved.ClassStore(roll.path, i) for i in ids]
    stores[0].save(saved.Progress(CHOICE + 2, {typed.key: answer("0.04", "z = 0.04", True),
                                               choice.key: answer(choice.question.choices[1], "x", True)}))
    stores[1].save(saved.Progress(CHOICE + 1, {typed.key: answer("-0.2", "z = 0.04", False),
                                               choice.key: answer(choice.question.choices[0], "x", False)}))
    stores[2].save(saved.Progress(TYPED + 1, {}))
    state = roll.state()
    assert [(learner["name"], learner["step"]) for learner in state["learners"]] == [
        ("Ada", CHOICE + 2), ("Bo", CHOICE + 1), ("", TYPED + 1), ("Cy", 1)]
    assert state["learners"][0]["answers"][typed.key] == answer("0.04", "z = 0.04", True)
    t, c = state["steps"][TYPED], state["steps"][CHOICE]
    assert (t["on_or_past"], t["answered"], t["right"], t["measured"]) == (3 + (TYPED == 0), 2, 1, "z = 0.04")
    assert t["spread"] == {"labels": ["-0.2", "0.04"], "counts": [1, 1], "right": [False, True]}
    assert t["not_answered"] == [ids[2]] + (["Cy"] if TYPED == 0 else [])  # no name: shown by id
    assert c["spread"]["counts"][:2] == [1, 1] and sum(c["spread"]["counts"]) == 2
    assert c["spread"]["right"][1] and not c["spread"]["right"][0]
    assert c["on_or_past"] == 2 and c["not_answered"] == []


def test_many_different_numbers_make_a_histogram(tmp_path):
    roll = Roll(tmp_path / "class.sqlite")
    typed = STEPS[TYPED]
    for i in range(20):
        learner, _ = roll.enrol(f"L{i}")
        saved.ClassStore(roll.path, learner).save(saved.Progress(1, {typed.key: answer(f"{i / 10:g}", "z", i == 4)}))
    spread = class_state(roll.conn)["steps"][TYPED]["spread"]
    assert len(spread["labels"]) == 8 and sum(spread["counts"]) == 20
    assert spread["labels"][0].startswith("0 to") and spread["labels"][-1].endswith("1.9")
    assert spread["right"].index(True) == 1 and spread["right"].count(True) == 1  # 0.4 is in the second bin


def _answer_at_once(path: str, learner: str, start: float, out) -> None:
    store = saved.ClassStore(__import__("pathlib").Path(path), learner)
    store.load()
    while time.time() < start:
        time.sleep(0.001)
    t0 = time.perf_counter()
    store.save(saved.Progress(2, {STEPS[TYPED].key: answer("0.5", "z = 0.04")}))
    out.put(time.perf_counter() - t0)


def test_thirty_learners_answering_at_once_each_write_in_well_under_a_second(tmp_path):
    """Each learner's tab is its own process: 30 of them commit an answer in the same instant."""
    roll = Roll(tmp_path / "class.sqlite")
    ids = [roll.enrol(f"L{i}")[0] for i in range(30)]
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start = time.time() + 1.0
    procs = [ctx.Process(target=_answer_at_once, args=(str(roll.path), i, start, out)) for i in ids]
    for p in procs:
        p.start()
    times = sorted(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    print(f"\nwrite time per answer, 30 at once (ms): median {statistics.median(times) * 1000:.1f}, "
          f"max {times[-1] * 1000:.1f}")
    assert roll.state()["steps"][TYPED]["answered"] == 30
    assert times[-1] < 1.0  # a guard against a writer stuck behind the others, not a benchmark


def test_a_committed_answer_survives_the_writer_being_killed(tmp_path):
    roll = Roll(tmp_path / "class.sqlite")
    learner, _ = roll.enrol("Ada")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the tab: saves, says so, then waits to be killed
        try:
            saved.ClassStore(roll.path, learner).save(saved.Progress(2, {KEYS[0]: answer("0.04", "z", True)}))
            os.write(write, b"saved")
            time.sleep(60)
        finally:
            os._exit(1)
    assert os.read(read, 16) == b"saved"
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    fresh = sqlite3.connect(roll.path)
    assert fresh.execute("SELECT said FROM answers WHERE learner = ?", (learner,)).fetchall() == [("0.04",)]


def test_the_lessons_panel_keeps_each_served_learner_in_their_own_rows(tmp_path, monkeypatch):
    """The tab's environment names the learner (as `serve --learn` sets it): the panel's store is theirs."""
    import asyncio

    from neurotui.tui.app import NeuroApp

    roll = Roll(tmp_path / "class.sqlite")
    (ada, _), (bo, _) = roll.enrol("Ada"), roll.enrol("Bo")
    monkeypatch.setenv(saved.CLASS_DB_ENV, str(roll.path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "own"))  # the local file must stay untouched

    def text(app) -> str:  # the question's head and what the panel says below the answer box
        return str(app.query_one("#lesson-text").render()) + str(app.query_one("#lesson-more").render())

    async def as_learner(learner: str, answer: str | None) -> str:
        monkeypatch.setenv(saved.LEARNER_ENV, learner)
        app = NeuroApp(speed=None, autostart=False, lesson={"start": None})
        async with app.run_test(size=(120, 40)) as pilot:
            while "step 1/" not in text(app):
                await pilot.pause(0.05)
            if answer is not None:
                app.query_one("#lesson-number").focus()
                await pilot.press(*answer, "enter")
                while app.query_one("#lesson").phase != "shown":
                    await pilot.pause(0.05)
            while app.xor.snapshot is None:  # the run has started (and said so) before the app is closed
                await pilot.pause(0.05)
            await pilot.pause(0.1)
            answers = app.query_one("#lesson").progress.answers
            return text(app) + "".join(f"\n[kept {k}: {v['said']}]" for k, v in answers.items())

    assert "measured: z = 0.04" in asyncio.run(as_learner(ada, "0.2"))
    assert "[kept" not in asyncio.run(as_learner(bo, None))
    assert f"[kept {STEPS[0].key}: 0.2]" in asyncio.run(as_learner(ada, None))  # A resumes as A
    rows = roll.conn.execute("SELECT learner, step, said FROM answers").fetchall()
    assert rows == [(ada, STEPS[0].key, "0.2")]
    assert not (tmp_path / "own").exists()
