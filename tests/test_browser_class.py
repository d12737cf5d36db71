"""Two students and their teacher, in real browsers (Debian's chromium, driven by playwright).

Each student is a browser context of their own (their own cookies: another browser); the
teacher opens the class view. Skipped where chromium or textual-serve is missing, as test_browser.py.
"""

from __future__ import annotations

import os
import signal
import sys

import pytest
from served import group_members, start
from test_browser import CHROMIUM, Screen, sync_api  # noqa: F401  (a fixture)

pytestmark = pytest.mark.slow
TEACHER = "teacher-token-of-the-browser-test"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def open_student(browser, url: str, name: str | None):
    """A new browser: the link, the name page (or Skip), then the lesson's first screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page, screen = context.new_page(), Screen()
    page.on("websocket", screen.on_websocket)
    assert page.goto(url).status == 200
    assert page.url == url.split("?", 1)[0]  # the token left the address bar
    if name is None:
        page.get_by_role("button", name="Skip").click()
    else:
        page.fill("input[name=name]", name)
        page.get_by_role("button", name="Start").click()
    screen.wait_for(page, r"step 1/\d+", timeout_s=120)
    screen.wait_for(page, "predict")
    return context, page, screen


def test_two_students_and_the_teacher(sync_api, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("NEUROTUI_TEACHER_TOKEN", TEACHER)
    served = start(tmp_path, [sys.executable, "-m", "neurotui", "serve", "--port", "0", "--learn",
                              "--state-dir", str(tmp_path / "state")])
    pgid = served.proc.pid
    teacher_url = f"{served.base}/class?token={TEACHER}"
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                # A answers step 1 and moves on.
                a, a_page, a_screen = open_student(browser, served.url, "Ada")
                a_page.locator(".xterm-helper-textarea").focus()
                before = len(a_screen.frames)
                a_page.keyboard.type("-0.2")
                a_page.keyboard.press("Enter")
                a_screen.wait_for(a_page, r"you said: -0\.2 . measured: z = 0\.04", since=before)
                before = len(a_screen.frames)
                a_page.keyboard.press("m")
                a_screen.wait_for(a_page, r"step 2/\d+", since=before)

                # B (another browser, no name) sees step 1 unanswered.
                b, b_page, b_screen = open_student(browser, served.url, None)
                assert "last time" not in b_screen.text() and "measured" not in b_screen.text()

                # The teacher: two learners, one answer, B not answered; the page and its JSON agree.
                t = browser.new_context(viewport={"width": 1100, "height": 1400})
                t_page = t.new_page()
                assert t_page.goto(teacher_url).status == 200
                assert t_page.url == f"{served.base}/class"
                t_page.wait_for_function("document.getElementById('summary').textContent.includes('2 learners')")
                summary = t_page.text_content("#summary")
                assert summary.startswith("2 learners, 1 with an answer")
                step1 = t_page.locator(".step").first.inner_text()
                assert "2 of 2 on it or past it, 1 answered (0 right)" in step1
                assert "-0.2" in step1 and "measured: z = 0.04" in step1
                data = t_page.request.get(f"{served.base}/class.json").json()
                names = sorted(learner["name"] for learner in data["learners"])
                assert names == ["", "Ada"]
                ada = next(learner for learner in data["learners"] if learner["name"] == "Ada")
                bee = next(learner for learner in data["learners"] if learner["name"] == "")
                assert (ada["step"], list(ada["answers"])) == (2, ["neuron"])
                assert (bee["step"], bee["answers"]) == (1, {})
                assert data["steps"][0]["not_answered"] == [bee["id"]] and bee["id"] in step1
                t_page.screenshot(path=str(tmp_path / "class.png"), full_page=True)
                # A student's cookies never open the class view.
                assert a_page.request.get(f"{served.base}/class.json").status == 401

                # Reopening A's tab (the same browser) resumes A at step 2, with no name page.
                a_page.close()
                again, again_screen = a.new_page(), Screen()
                again.on("websocket", again_screen.on_websocket)
                assert again.goto(f"{served.base}/").status == 200
                again_screen.wait_for(again, r"step 2/\d+", timeout_s=120)
                assert len(t_page.request.get(f"{served.base}/class.json").json()["learners"]) == 2
            finally:
                browser.close()
    finally:
        served.proc.send_signal(signal.SIGTERM)
        served.proc.wait(timeout=60)
        if group_members(pgid):
            os.killpg(pgid, signal.SIGKILL)
