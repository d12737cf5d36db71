"""Where a learner is in `neurotui learn`: the step, and every prediction beside what was measured.

Two stores, one interface (`load()`, `save(progress)`); `open_store` picks one:

- on one's own machine, $XDG_STATE_HOME/neurotui/lesson.json (default ~/.local/state/neurotui/),
  written atomically (a temporary file renamed over the old one), so a crash mid-write never
  leaves half a file. A file that cannot be read is moved aside to lesson.json.bak with one warning;
- in a served classroom (`neurotui serve --learn`), one learner's rows in the class's SQLite
  file (WAL: many tabs and servers write at once), named by the tab's environment.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

VERSION = 1
# Set by `neurotui serve --learn` in a tab's environment: whose progress, and in which class file.
LEARNER_ENV = "NEUROTUI_LEARNER"
CLASS_DB_ENV = "NEUROTUI_CLASS_DB"


def state_path(env=None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "neurotui" / "lesson.json"


@dataclass
class Progress:
    step: int = 1  # 1-based
    # step key -> the first Verdict.as_dict(), with "later": [the predictions made after it]
    answers: dict[str, dict] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"version": VERSION, "step": self.step, "answers": self.answers}


def _parsed(data) -> Progress:
    if not isinstance(data, dict) or not isinstance(data.get("step"), int) or not isinstance(data.get("answers"), dict):
        raise ValueError("not a lesson progress file")
    answers = {}
    for key, got in data["answers"].items():
        answers[str(key)] = _answer(key, got)
        later = got.get("later", [])
        if not isinstance(later, list):
            raise ValueError(f"answer {key!r}: later is not a list")
        if later:  # predictions made after the first: kept beside it, never in its place
            answers[str(key)]["later"] = [_answer(key, g) for g in later]
    return Progress(max(1, data["step"]), answers)


def _answer(key, got) -> dict:
    if not isinstance(got, dict) or not {"said", "measured", "right"} <= set(got):
        raise ValueError(f"answer {key!r} is incomplete")
    out = {"said": str(got["said"]), "measured": str(got["measured"]), "right": bool(got["right"])}
    if "predicted" in got:  # False: the run was seen before the prediction (files before it lack the field)
        out["predicted"] = bool(got["predicted"])
    return out


def load(path: Path) -> tuple[Progress, str | None]:
    """The saved progress (fresh when there is none), and a one-line warning when the file was unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Progress(), None
    except OSError as exc:
        return Progress(), f"lesson progress not read ({exc.strerror or exc}); starting fresh"
    try:
        return _parsed(json.loads(text)), None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        backup = path.with_name(path.name + ".bak")
        try:
            os.replace(path, backup)
        except OSError:
            backup = None
        kept = f"; the old file is kept as {backup}" if backup else ""
        return Progress(), f"lesson progress in {path} is damaged ({str(exc).splitlines()[0][:60]}); starting fresh{kept}"


def save(progress: Progress, path: Path) -> None:
    """Write atomically; OSError is the caller's to report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".lesson-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(progress.as_dict(), f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def reset(path: Path) -> bool:
    """Forget the progress; True if there was some."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


class FileStore:
    """One learner on one machine: the JSON file above."""

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> tuple[Progress, str | None]:
        return load(self.path)

    def save(self, progress: Progress) -> None:
        save(progress, self.path)


CLASS_SCHEMA = """
CREATE TABLE IF NOT EXISTS learners (
    id TEXT PRIMARY KEY,              -- shown to the teacher; never a key to anything
    key_hash TEXT UNIQUE NOT NULL,    -- sha256 of the browser's cookie: the cookie itself is kept nowhere
    name TEXT NOT NULL DEFAULT '',
    step INTEGER NOT NULL DEFAULT 1,
    created REAL NOT NULL,
    seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    learner TEXT NOT NULL REFERENCES learners(id),
    step TEXT NOT NULL,
    said TEXT NOT NULL,
    measured TEXT NOT NULL,
    right INTEGER NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (learner, step)
);
"""


def connect_class(path: Path) -> sqlite3.Connection:
    """The class's SQLite file, made if new. Autocommit: each write is its own short transaction."""
    conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=10000")  # a writer waits its turn (milliseconds) instead of failing
    conn.execute("PRAGMA journal_mode=WAL")  # readers (the class view) never block writers, nor they them
    # A commit is in the WAL file before it returns, so it survives the death of any process (SIGKILL
    # of the server and its tabs). Not fsynced each time (FULL): on a busy disk 30 answers at once then
    # queued behind one another's fsyncs for up to 2 s; a power cut may lose the last few.
    conn.execute("PRAGMA synchronous=NORMAL")
    if conn.execute("SELECT count(*) FROM sqlite_master WHERE name IN ('learners', 'answers')").fetchone()[0] < 2:
        conn.executescript(CLASS_SCHEMA)
    return conn


class ClassStore:
    """One learner's progress in the class file. It reads and writes that learner's rows only:
    the id comes from the server (the browser's cookie, checked there), never from the learner."""

    def __init__(self, path: Path, learner: str):
        self.path, self.learner = path, learner
        self.written: dict[str, dict] = {}  # answers as last loaded or saved: only changes are written
        self.step: int | None = None
        self.conn: sqlite3.Connection | None = None  # one for the tab's life; opened again after an error

    def _connect(self) -> sqlite3.Connection:
        if self.conn is None:
            try:
                self.conn = connect_class(self.path)
            except sqlite3.Error as exc:
                raise OSError(f"class file {self.path}: {exc}") from None
        return self.conn

    def _drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def load(self) -> tuple[Progress, str | None]:
        try:
            conn = self._connect()
            row = conn.execute("SELECT step FROM learners WHERE id = ?", (self.learner,)).fetchone()
            if row is None:
                return Progress(), "this browser's learner is not in the class file; progress is not kept"
            answers = {key: {"said": said, "measured": measured, "right": bool(right)} for key, said, measured, right
                       in conn.execute("SELECT step, said, measured, right FROM answers WHERE learner = ?",
                                       (self.learner,))}
        except (OSError, sqlite3.Error) as exc:
            self._drop()
            return Progress(), f"lesson progress not read ({exc}); starting fresh"
        self.written, self.step = {k: dict(v) for k, v in answers.items()}, row[0]
        return Progress(max(1, row[0]), answers), None

    def save(self, progress: Progress) -> None:
        """One transaction: the step, and each answer that changed. OSError when it could not be kept."""
        changed = [(k, v) for k, v in progress.answers.items() if self.written.get(k) != v]
        if not changed and progress.step == self.step:
            return
        conn = self._connect()
        try:
            now = time.time()
            conn.execute("BEGIN IMMEDIATE")
            found = conn.execute("UPDATE learners SET step = ?, seen = ? WHERE id = ?",
                                 (progress.step, now, self.learner)).rowcount
            if not found:
                conn.execute("ROLLBACK")
                raise OSError("this browser's learner is not in the class file")
            conn.executemany(
                "INSERT INTO answers (learner, step, said, measured, right, at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (learner, step) DO UPDATE SET said = excluded.said, measured = excluded.measured, "
                "right = excluded.right, at = excluded.at",
                [(self.learner, k, v["said"], v["measured"], int(bool(v["right"])), now) for k, v in changed])
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._drop()  # rolls back what was begun
            raise OSError(f"class file {self.path}: {exc}") from None
        self.written.update({k: dict(v) for k, v in changed})
        self.step = progress.step


def open_store(path: Path | None = None, env=None) -> FileStore | ClassStore:
    """The class file's rows for the tab's learner when served with --learn, else the learner's own file."""
    env = os.environ if env is None else env
    if path is None and env.get(LEARNER_ENV) and env.get(CLASS_DB_ENV):
        return ClassStore(Path(env[CLASS_DB_ENV]), env[LEARNER_ENV])
    return FileStore(path or state_path(env))
