"""Where a learner is in `neurotui learn`: the step, and every prediction beside what was measured.

Kept in $XDG_STATE_HOME/neurotui/lesson.json (default ~/.local/state/neurotui/), written
atomically (a temporary file renamed over the old one), so a crash mid-write never leaves
half a file. A file that cannot be read is moved aside to lesson.json.bak with one warning.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

VERSION = 1


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
