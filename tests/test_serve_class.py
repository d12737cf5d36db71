"""`neurotui serve --learn`'s class: learners, the teacher's token, the tab's environment and size.

These serve a tiny Textual app (see test_serve.py) with the class switched on (a state
folder); tests/test_serve_lesson.py serves the lesson itself.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from served import cookie_name, first_screen, group_members, wait_until
from test_serve import TINY_APP, serve_app, web  # noqa: F401  (fixtures)

STUDENT = "student-token-of-the-class-test"
TEACHER = "teacher-token-of-the-class-test"
SIZE_APP = """
from textual.app import App
from textual.widgets import Static

class Size(App):
    def compose(self):
        yield Static("size ?", id="size")

    def on_resize(self, event):
        self.query_one("#size", Static).update(f"size {event.size.width}x{event.size.height} shown")

Size().run()
"""


@pytest.fixture
def classroom(serve_app, tmp_path):  # noqa: F811
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'neurotui[web]')")

    def run(source: str = TINY_APP, **options):
        return serve_app(source, token=STUDENT, teacher_token=TEACHER, state_dir=str(tmp_path / "state"), **options)

    return run


def jar():
    import aiohttp

    return aiohttp.CookieJar(unsafe=True)  # the server is 127.0.0.1: aiohttp keeps no cookies for an IP otherwise


async def join(session, base: str, name: str | None) -> str:
    """A browser's first visit: the token, the name page, the form. Returns the learner cookie's value."""
    async with session.get(f"{base}/?token={STUDENT}") as r:
        assert r.status == 200 and str(r.url) == base + "/"  # the token left the address
        assert 'action="/join"' in await r.text()  # the name page, not the app yet
    form = {"skip": "1"} if name is None else {"name": name}
    async with session.post(base + "/join", data=form, allow_redirects=False) as r:
        assert r.status == 303 and r.headers["Location"] == "/"
        (cookie,) = [c for c in r.cookies.values() if c.key.startswith("neurotui_learner_")]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        key = cookie.value
    async with session.get(base + "/") as r:
        assert "data-session-websocket-url" in await r.text()  # now the app's page
    return key


def class_json(base: str) -> dict:
    import json
    import urllib.request

    request = urllib.request.Request(base + "/class.json", headers={"Cookie": f"{cookie_name(TEACHER)}={TEACHER}"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def tab_pids(served) -> list[int]:
    return [pid for pid in group_members(served.proc.pid) if pid != served.proc.pid]


def environ(pid: int) -> dict[str, str]:
    raw = (Path("/proc") / str(pid) / "environ").read_bytes()
    return dict(item.decode().split("=", 1) for item in raw.split(b"\0") if b"=" in item)


def test_the_teachers_token_and_the_students_never_open_each_others_pages(classroom):
    import aiohttp

    served = classroom()
    teacher = {"Cookie": f"{cookie_name(TEACHER)}={TEACHER}"}

    async def scenario():
        async with aiohttp.ClientSession() as s:
            bodies = set()
            for path, headers in [("/class", served.cookie), ("/class.json", served.cookie),
                                  (f"/class?token={STUDENT}", {}), (f"/class.json?token={STUDENT}", {}),
                                  ("/", teacher), (f"/?token={TEACHER}", {}), ("/static/js/textual.js", teacher),
                                  ("/class?token=nope", {}), ("/class", {})]:
                async with s.get(served.base + path, headers=headers, allow_redirects=False) as r:
                    assert r.status == 401, path
                    bodies.add(await r.text())
            assert len(bodies) == 1  # one page for every refusal: nothing says which token was tried
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await s.ws_connect(served.base + "/ws", headers=teacher)
            assert refused.value.status == 401
            # The teacher's link: a cookie of its own, and the token out of the address.
            async with s.get(f"{served.base}/class?token={TEACHER}", allow_redirects=False) as r:
                assert (r.status, r.headers["Location"]) == (303, "/class")
                assert r.cookies[cookie_name(TEACHER)].value == TEACHER
                assert r.cookies[cookie_name(TEACHER)]["httponly"]
            async with s.get(served.base + "/class", headers=teacher) as r:
                assert r.status == 200 and "class.json" in await r.text()
            async with s.get(served.base + "/class.json", headers=teacher) as r:
                assert await r.json() == class_json(served.base)

    asyncio.run(scenario())
    data = class_json(served.base)
    assert data["learners"] == [] and len(data["steps"]) > 10
    assert served.base + f"/class?token={TEACHER}" in served.log.read_text()  # the second URL, printed


def test_each_browser_is_one_learner_and_its_tab_is_told_which(classroom):
    import aiohttp

    served = classroom()

    async def scenario():
        async with aiohttp.ClientSession(cookie_jar=jar()) as ada, aiohttp.ClientSession(cookie_jar=jar()) as anon:
            ada_key = await join(ada, served.base, "Ada <b>L.</b>")
            anon_key = await join(anon, served.base, None)
            assert ada_key != anon_key and len(ada_key) >= 32
            # Asked once: the next visit goes straight to the app.
            async with ada.get(served.base + "/") as r:
                assert "data-session-websocket-url" in await r.text()
            learners = class_json(served.base)["learners"]
            assert [learner["name"] for learner in learners] == ["Ada <b>L.</b>", ""]
            assert ada_key not in str(learners) and anon_key not in str(learners)  # ids are not keys
            # A tab runs as its browser's learner, named in its environment.
            async with ada.ws_connect(served.base + "/ws?width=80&height=24") as ws:
                await first_screen(ws, b"tiny app")
                (pid,) = tab_pids(served)
                env = environ(pid)
                assert env["NEUROTUI_LEARNER"] == learners[0]["id"]
                assert env["NEUROTUI_CLASS_DB"].endswith("class.sqlite")
            # A key this class never gave (forged, or another class's) is no learner: the name page, no tab.
            async with aiohttp.ClientSession() as forger:
                (name,) = {c.key for c in ada.cookie_jar if c.key.startswith("neurotui_learner_")}
                forged = {"Cookie": f"{served.cookie['Cookie']}; {name}={ada_key[:-2]}xx"}
                async with forger.get(served.base + "/", headers=forged) as r:
                    assert 'action="/join"' in await r.text()
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await forger.ws_connect(served.base + "/ws", headers=forged)
                assert refused.value.status == 401
            assert len(class_json(served.base)["learners"]) == 2

    asyncio.run(scenario())


def test_a_tabs_environment_holds_no_secret_of_the_servers(classroom, monkeypatch):
    import aiohttp

    from neurotui.serve.tabs import PASSED_ENV, TEXTUAL_ENV

    monkeypatch.setenv("NEUROTUI_TOKEN", STUDENT)
    monkeypatch.setenv("NEUROTUI_TEACHER_TOKEN", TEACHER)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-tabs-1234567890")
    served = classroom()

    async def scenario():
        async with aiohttp.ClientSession(cookie_jar=jar()) as s:
            await join(s, served.base, "Ada")
            async with s.ws_connect(served.base + "/ws?width=80&height=24") as ws:
                await first_screen(ws, b"tiny app")
                (pid,) = tab_pids(served)
                raw = (Path("/proc") / str(pid) / "environ").read_bytes()
                env = environ(pid)
        return raw, env

    raw, env = asyncio.run(scenario())
    for secret in (STUDENT, TEACHER, "not-for-tabs"):
        assert secret.encode() not in raw
    allowed = set(PASSED_ENV) | set(TEXTUAL_ENV) | {"NEUROTUI_TRAIN_NICE", "NEUROTUI_LEARNER", "NEUROTUI_CLASS_DB"}
    assert set(env) <= allowed, set(env) - allowed
    assert {"PATH", "TEXTUAL_DRIVER", "COLUMNS", "ROWS"} <= set(env)


def test_the_pages_width_and_height_are_clamped(classroom):
    import aiohttp

    served = classroom(SIZE_APP)

    async def scenario():
        async with aiohttp.ClientSession(cookie_jar=jar()) as s:
            await join(s, served.base, None)
            async with s.ws_connect(served.base + "/ws?width=100000&height=1") as ws:
                await first_screen(ws, b"size 400x8 shown")
                await ws.send_json(["resize", {"width": 10**9, "height": 10**9}])
                await first_screen(ws, b"size 400x150 shown")
                await ws.send_json(["resize", {"width": "wide", "height": -3}])
                await first_screen(ws, b"size 80x8 shown")
            async with s.ws_connect(served.base + "/ws?width=abc&height=") as ws:
                await first_screen(ws, b"size 80x24 shown")
        wait_until(lambda: tab_pids(served) == [], what="the tabs to end")

    asyncio.run(scenario())


def test_neurotui_class_prints_the_teachers_table(classroom, capsys):
    import aiohttp

    from neurotui import cli
    from neurotui.core.course.progress import ClassStore, Progress
    from neurotui.core.course.steps import STEPS

    served = classroom()

    async def two_learners():
        async with aiohttp.ClientSession(cookie_jar=jar()) as a, aiohttp.ClientSession(cookie_jar=jar()) as b:
            await join(a, served.base, "Ada")
            await join(b, served.base, None)

    asyncio.run(two_learners())
    ada, anon = class_json(served.base)["learners"]
    state = served.log.parent / "state" / "class.sqlite"
    answer = {"said": "0.04", "measured": "z = 0.04, sigmoid 0.510", "right": True}
    ClassStore(state, ada["id"]).save(Progress(2, {STEPS[0].key: answer}))
    assert cli.main(["class", f"{served.base}/class?token={TEACHER}"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2 learners, 1 with an answer")
    first = out.index(next(line for line in out if line.startswith(" 1. ")))
    assert out[first].endswith("2 on it or past it, 1 answered (1 right)")
    assert out[first + 1:first + 4] == ["    said: 0.04: 1*", "    measured: z = 0.04, sigmoid 0.510",
                                        f"    not answered: {anon['id']}"]
    # The students' link, or no server: one line, exit 2.
    for url, message in [(f"{served.base}/class?token={STUDENT}", "refused the class view (401)"),
                         (f"{served.base}/?token={TEACHER}", "not a class view link"),
                         ("http://127.0.0.1:1/class?token=x", "cannot reach 127.0.0.1:1")]:
        assert cli.main(["class", url]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
