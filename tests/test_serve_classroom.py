"""A classroom in one headless Chromium: 8 tabs on one `neurotui serve`, and what they cost it.

Memory is read from /proc/PID/smaps_rollup (PSS: each shared page split among its sharers)
over the server's whole process group: server, warm parent, launchers and forked apps.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
from served import group_members, start
from test_browser import CHROMIUM, NETWORK, Screen, sync_api  # noqa: F401  (a fixture)

from neurotui.bench.tabs import group_pss_kb

pytestmark = pytest.mark.slow
TABS = 8
MAX_MB_PER_TAB = 80  # after the 4th; one Python per tab was ~250 MB


def test_eight_tabs_in_one_browser_share_the_warm_parents_memory(sync_api, tmp_path):  # noqa: F811
    served = start(tmp_path, [sys.executable, "-m", "neurotui", "serve", "--port", "0",
                              "--max-sessions", str(TABS)])
    pgid = served.proc.pid
    pss_mb = []
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 720})
                pages, screens = [], []
                for _ in range(TABS):
                    page, screen = context.new_page(), Screen()
                    page.on("websocket", screen.on_websocket)
                    assert page.goto(served.url).status == 200
                    screen.wait_for(page, "XOR training", timeout_s=120)
                    screen.wait_for(page, NETWORK.format("Tanh"), timeout_s=60)
                    page.wait_for_timeout(1000)  # the first run's pictures drawn
                    pages.append(page)
                    screens.append(screen)
                    pss_mb.append(group_pss_kb(pgid) / 1024)
                # Every tab still shows the app; the last one answers a key.
                for screen in screens:
                    assert "XOR training" in screen.text()
                last, screen = pages[-1], screens[-1]
                last.bring_to_front()
                last.locator(".xterm-helper-textarea").focus()
                before = len(screen.frames)
                last.keyboard.press("a")
                screen.wait_for(last, NETWORK.format("ReLU"), since=before, timeout_s=60)
            finally:
                browser.close()
        added = [b - a for a, b in zip(pss_mb, pss_mb[1:])]
        print(f"\nPSS of the server's processes with 1..{TABS} tabs (MB): " + " ".join(f"{m:.0f}" for m in pss_mb))
        print("added by tabs 2..8 (MB): " + " ".join(f"{a:.0f}" for a in added))
        after_fourth = added[3:]
        assert max(after_fourth) <= MAX_MB_PER_TAB, added
    finally:
        served.proc.send_signal(signal.SIGTERM)
        served.proc.wait(timeout=60)
        if group_members(pgid):
            os.killpg(pgid, signal.SIGKILL)


# Eight learners' predictions for step 1 (z after the bias drops; measured 0.04) and step 2's choice (1-3).
PREDICTIONS = [("0.04", "2"), ("0.04", "2"), ("-0.2", "1"), ("0.44", "2"), ("0.04", "3"), ("-0.36", None),
               ("0.1", None), (None, None)]
CLASS_SHOT = Path(__file__).resolve().parent.parent / "screenshots" / "class.png"


def test_eight_learners_answer_and_the_teacher_sees_the_class(sync_api, tmp_path, monkeypatch):  # noqa: F811
    """Eight browsers (eight learners) on `serve --learn`: each answers, the class view shows the
    spread; memory per tab is measured as above, with the lesson in every tab."""
    from test_browser_class import ARGS, open_student

    monkeypatch.setenv("NEUROTUI_TEACHER_TOKEN", "teacher-token-of-the-classroom-test")
    served = start(tmp_path, [sys.executable, "-m", "neurotui", "serve", "--port", "0", "--learn",
                              "--max-sessions", str(TABS), "--state-dir", str(tmp_path / "state")])
    pgid = served.proc.pid
    pss_mb = []
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                for i, (typed, choice) in enumerate(PREDICTIONS, 1):
                    _context, page, screen = open_student(browser, served.url, f"Learner {i}")
                    page.locator(".xterm-helper-textarea").focus()
                    # keys typed before the question shows are dropped on purpose (tui.lesson_keys)
                    screen.wait_for(page, "keys go to the answer")
                    if typed is not None:
                        before = len(screen.frames)
                        page.keyboard.type(typed)
                        page.keyboard.press("Enter")
                        screen.wait_for(page, "measured: z = 0.04", since=before)
                        before = len(screen.frames)
                        page.keyboard.press("m")
                        screen.wait_for(page, r"step 2/\d+[\s\S]*keys go to the answer", since=before)
                    if choice is not None:
                        before = len(screen.frames)
                        page.keyboard.press(choice)
                        screen.wait_for(page, "measured", since=before)
                    page.wait_for_timeout(1000)  # the step's pictures drawn
                    pss_mb.append(group_pss_kb(pgid) / 1024)
                teacher = browser.new_context(viewport={"width": 1000, "height": 900})
                t_page = teacher.new_page()
                t_page.goto(f"{served.base}/class?token=teacher-token-of-the-classroom-test")
                t_page.wait_for_function("document.getElementById('summary').textContent.startsWith('8 learners')")
                assert t_page.text_content("#summary").startswith("8 learners, 7 with an answer")
                steps = t_page.locator(".step")
                assert "8 of 8 on it or past it, 7 answered (3 right)" in steps.nth(0).inner_text()
                assert "5 answered (3 right)" in steps.nth(1).inner_text()
                assert "not answered: Learner 8" in steps.nth(0).inner_text()
                shot = CLASS_SHOT if os.environ.get("NEUROTUI_UPDATE_SCREENSHOTS") else tmp_path / "class.png"
                t_page.screenshot(path=str(shot))
                assert shot.stat().st_size > 10_000
            finally:
                browser.close()
        added = [b - a for a, b in zip(pss_mb, pss_mb[1:])]
        print(f"\n--learn: PSS of the server's processes with 1..{TABS} learners' tabs (MB): "
              + " ".join(f"{m:.0f}" for m in pss_mb))
        print("added by tabs 2..8 (MB): " + " ".join(f"{a:.0f}" for a in added))
        assert max(added[3:]) <= MAX_MB_PER_TAB, added
    finally:
        served.proc.send_signal(signal.SIGTERM)
        served.proc.wait(timeout=60)
        if group_members(pgid):
            os.killpg(pgid, signal.SIGKILL)
