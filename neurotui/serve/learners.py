"""One learner per browser (`serve --learn`): a browser's first visit joins the class.

The page first asks for a name (optional: Skip is one click), then the class's roll
(core.course.classroom) makes the learner and the browser gets its key in an HttpOnly cookie.
Each tab that browser opens runs the lesson as that learner: the server names the learner and
the class file in the tab's environment, so the tab reads and writes that learner's rows only.
A key this class never gave (forged, or another class's) is no learner: the name page again.
"""

from __future__ import annotations

import hashlib
import html
import sqlite3
from pathlib import Path

from aiohttp import web

from neurotui.core.course.classroom import NAME_MAX, Roll
from neurotui.core.course.progress import CLASS_DB_ENV, LEARNER_ENV

CLASS_FILE = "class.sqlite"

NAME_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>neurotui: the lesson</title></head>
<body style="font-family:sans-serif;margin:3em;max-width:40em">
<h1>neurotui: the guided lesson</h1>
<p>Your name is shown to your teacher beside your predictions. It is optional: skip it and you
are shown by a number.</p>
<form method="post" action="{action}">
<p><label>Name: <input name="name" maxlength="{max}" autofocus autocomplete="off"></label></p>
<p><button type="submit">Start</button> <button type="submit" name="skip" value="1">Skip</button></p>
</form></body></html>"""


class Learners:
    def __init__(self, state_dir: Path, token: str, base_path: str, access):
        self.path = state_dir / CLASS_FILE
        try:
            self.roll = Roll(self.path)
        except (OSError, sqlite3.Error) as exc:
            from neurotui.core.errors import ConfigError

            raise ConfigError(f"cannot keep the class's progress in {self.path}: {exc}") from None
        # From the class's token, as the token's own cookie: servers of one class share it.
        self.cookie = "neurotui_learner_" + hashlib.sha256(("learner:" + token).encode()).hexdigest()[:12]
        self.base_path = base_path
        self.access = access

    def learner_of(self, request: web.Request) -> str | None:
        return self.roll.learner_of(request.cookies.get(self.cookie))

    def tab_env(self, learner: str) -> dict[str, str]:
        return {LEARNER_ENV: learner, CLASS_DB_ENV: str(self.path)}

    def name_page(self) -> web.Response:
        text = NAME_PAGE.format(action=html.escape(self.base_path + "/join"), max=NAME_MAX)
        return web.Response(content_type="text/html", text=text, headers={"Cache-Control": "no-store"})

    async def handle_join(self, request: web.Request) -> web.StreamResponse:
        """The name form's answer: a new learner (unless this browser is one already), then the app."""
        response = web.HTTPSeeOther(self.base_path + "/")
        if self.learner_of(request) is None:
            form = await request.post()
            name = "" if form.get("skip") else str(form.get("name", ""))
            _learner, key = self.roll.enrol(name)
            response.set_cookie(self.cookie, key, httponly=True, samesite="Strict", path="/",
                                max_age=180 * 24 * 3600, secure=self.access.origin(request).scheme == "https")
        return response
