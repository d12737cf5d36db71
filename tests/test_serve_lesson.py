"""`neurotui serve --learn` with the lesson itself: a learner's answer is kept, survives SIGKILL of
the server, and the learner resumes in a new tab; no tab process holds a token."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
from served import first_screen, group_members, start, wait_until
from test_serve_class import STUDENT, TEACHER, class_json, environ, jar, join

pytestmark = pytest.mark.slow


@pytest.fixture
def aiohttp():
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'neurotui[web]')")
    import aiohttp

    return aiohttp


def serve_learn(cwd: Path, state: Path):
    return start(cwd, [sys.executable, "-m", "neurotui", "serve", "--port", "0", "--learn", "--state-dir", str(state)])


def test_an_acknowledged_answer_survives_sigkill_and_the_learner_resumes(tmp_path, aiohttp, monkeypatch):
    monkeypatch.setenv("NEUROTUI_TOKEN", STUDENT)
    monkeypatch.setenv("NEUROTUI_TEACHER_TOKEN", TEACHER)
    state = tmp_path / "state"
    served = serve_learn(tmp_path, state)
    pgid = served.proc.pid

    async def answer():
        async with aiohttp.ClientSession(cookie_jar=jar()) as s:
            await join(s, served.base, "Ada")
            ws = await s.ws_connect(served.base + "/ws?width=100&height=30")
            await first_screen(ws, b"keys go to the answer")  # the question is up: keys sent earlier are dropped
            # The server, its warm parent, the tab's launcher and its forked app: none holds a token.
            for pid in group_members(pgid):
                if pid == pgid:
                    continue
                raw = (Path("/proc") / str(pid) / "environ").read_bytes()
                assert STUDENT.encode() not in raw and TEACHER.encode() not in raw, pid
                assert "NEUROTUI_TOKEN" not in environ(pid)
            await ws.send_json(["stdin", "-0.2\r"])
            await first_screen(ws, b"measured")  # the answer is on the learner's screen: acknowledged
            os.killpg(pgid, 0)
            served.proc.send_signal(signal.SIGKILL)  # the server alone, as the out-of-memory killer would
            await asyncio.to_thread(served.proc.wait, 30)
            await ws.close()
            return {c.key: c.value for c in s.cookie_jar}

    try:
        cookies = asyncio.run(answer())
        wait_until(lambda: group_members(pgid) == [], 30, "the tabs to die with the server")
    finally:
        if group_members(pgid):
            os.killpg(pgid, signal.SIGKILL)
    rows = sqlite3.connect(state / "class.sqlite").execute(
        "SELECT learners.name, answers.step, answers.said FROM answers JOIN learners ON learners.id = learner").fetchall()
    assert rows == [("Ada", "neuron", "-0.2")]

    # A new server on the same class file: the same browser is the same learner, and resumes.
    (tmp_path / "again").mkdir()
    again = serve_learn(tmp_path / "again", state)

    async def reopen():
        async with aiohttp.ClientSession(cookie_jar=jar()) as s:
            header = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
            async with s.get(again.base + "/", headers=header) as r:
                assert "data-session-websocket-url" in await r.text()  # no name page: a known learner
            ws = await s.ws_connect(again.base + "/ws?width=100&height=30", headers=header)
            await first_screen(ws, b"you answered this before (first: -0.2)")  # resumed: the first prediction
            await ws.close()

    try:
        asyncio.run(reopen())
        (ada,) = class_json(again.base)["learners"]
        assert ada["name"] == "Ada" and ada["answers"]["neuron"]["said"] == "-0.2"
    finally:
        assert again.stop() == 0
