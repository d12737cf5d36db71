"""A real browser (Debian's chromium, driven by playwright) uses `neurotui serve`.

Playwright's own browser download is not reachable from CI machines, so the test drives the
system chromium and is skipped where there is none (.ci/run installs it where apt-get exists).
What the app draws reaches the page as terminal bytes on the websocket (xterm.js paints them
on a canvas), so the test reads the text from those frames.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = Path(__file__).resolve().parent.parent / "screenshots" / "browser.png"
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[PX^_\]][^\x07\x1b]*(?:\x07|\x1b\\)")

# The XOR pane's network line, e.g. "2-4-1 Tanh - adam lr 0.1 - seed 42".
NETWORK = r"2-4-1[^\n]{{0,30}}{}"

pytestmark = pytest.mark.slow


@pytest.fixture
def sync_api():
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'neurotui[web]')")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no {CHROMIUM} (Debian: apt-get install chromium)")
    return sync_api


class Screen:
    """The text the app has sent to the page, frame by frame."""

    def __init__(self):
        self.frames: list[bytes] = []

    def on_websocket(self, ws) -> None:
        ws.on("framereceived", lambda data: self.frames.append(data if isinstance(data, bytes) else data.encode()))

    def text(self, since: int = 0) -> str:
        return ANSI.sub("", b"".join(self.frames[since:]).decode("utf-8", "replace"))

    def wait_for(self, page, needle: str, since: int = 0, timeout_s: float = 90.0) -> str:
        """Wait until `needle` (a regular expression) shows in what arrived after frame `since`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            text = self.text(since)
            if re.search(needle, text):
                return text
            page.wait_for_timeout(100)
        raise AssertionError(f"{needle!r} never reached the browser; it last showed:\n{self.text(since)[-1500:]}")


def start_server(cwd: Path, *options: str) -> tuple[str, subprocess.Popen]:
    """`neurotui serve` on a free port, in its own process group; its output goes to a file
    (a pipe nobody reads would fill up and stall the server)."""
    log = cwd / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "neurotui", "serve", "--port", "0", *options],
                                cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        match = re.search(r"http://\S+\?token=\S+", log.read_text())
        if match:
            return match.group(0), proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"the server printed no URL:\n{log.read_text()}")


@pytest.fixture
def served(tmp_path):
    url, proc = start_server(tmp_path)
    try:
        yield url, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        finally:
            with_leftovers = _group_alive(proc.pid)
            if with_leftovers:
                os.killpg(proc.pid, signal.SIGKILL)
            assert not with_leftovers, "app processes outlived the server"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_browser_tab_runs_the_app(sync_api, served, tmp_path):
    url, _ = served
    bare = url.split("?", 1)[0]
    screen = Screen()
    downloads = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 720})
            # The page opens a download in a new tab (window.open), so listen on every page.
            context.on("page", lambda p: p.on("download", lambda d: downloads.append(d)))
            page = context.new_page()
            page.on("websocket", screen.on_websocket)
            page.on("download", lambda d: downloads.append(d))

            # 1-2. The URL with its token: the app's first screen arrives.
            response = page.goto(url)
            assert response.status == 200
            assert page.url == bare  # the token became a cookie and left the address bar
            screen.wait_for(page, "XOR training")
            screen.wait_for(page, NETWORK.format("Tanh"))

            # 3. Press `a` (the terminal in the page must have the keyboard): the activation changes.
            page.locator(".xterm-helper-textarea").focus()
            before = len(screen.frames)
            page.keyboard.press("a")
            screen.wait_for(page, NETWORK.format("ReLU"), since=before)
            try:  # a finished run makes a better picture; a slow machine still gets one
                screen.wait_for(page, "done", since=before, timeout_s=60)
            except AssertionError:
                pass
            # The README's picture is refreshed on request only, so a test run leaves the checkout clean.
            shot = SCREENSHOT if os.environ.get("NEUROTUI_UPDATE_SCREENSHOTS") else tmp_path / "browser.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000

            # 4. Press `e`: the result card arrives as a download, and nothing is written on the server.
            page.keyboard.press("e")
            deadline = time.monotonic() + 90
            while not downloads and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            assert downloads, "pressing e in the browser delivered no download"
            card = Path(downloads[0].path()).read_text(encoding="utf-8")
            assert "XOR" in card and "relu" in card.lower()
            assert downloads[0].suggested_filename.endswith(".md")
            assert not list(tmp_path.glob("*.md")), "the card was written on the server"

            # 5. Without the token (a fresh browser: no cookie) the page is refused.
            stranger = browser.new_context()
            refused = stranger.new_page().goto(bare)
            assert refused.status == 401
            assert "link you were given" in refused.text()
        finally:
            browser.close()

