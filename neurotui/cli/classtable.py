"""`neurotui class URL`: the teacher's class view as a table in the terminal.

URL is the link `neurotui serve --learn` printed for the teacher (…/class?token=…). The table
is /class.json's: per step, who is on it or past it, the predictions' spread beside the
measured answer, and who has not answered.
"""

from __future__ import annotations

import http.cookiejar
import json
import textwrap
import urllib.error
import urllib.parse
import urllib.request

from neurotui.core.errors import ConfigError


def fetch(url: str, timeout: float = 10.0) -> dict:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.path.rstrip("/").endswith("/class"):
        raise ConfigError(f"not a class view link (…/class?token=…): {url!r}")
    json_url = urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + ".json"))
    # The server swaps the token for a cookie and redirects: the cookie jar carries it to the JSON.
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    try:
        with opener.open(json_url, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise ConfigError(f"{parts.netloc} refused the class view ({exc.code}): is it the teacher's link?") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ConfigError(f"cannot reach {parts.netloc}: {getattr(exc, 'reason', None) or exc}") from None
    except ValueError:
        raise ConfigError(f"{parts.netloc} did not answer with the class's JSON") from None


def spread_text(spread: dict) -> str:
    return "  ".join(f"{label}: {n}{'*' if right else ''}"
                     for label, n, right in zip(spread["labels"], spread["counts"], spread["right"]) if n)


def table(data: dict, width: int = 100) -> list[str]:
    learners = data["learners"]
    answered = sum(1 for learner in learners if learner["answers"])
    lines = [f"{len(learners)} learner{'s' if len(learners) != 1 else ''}, {answered} with an answer"
             "  (* predictions judged right)"]
    for step in data["steps"]:
        head = f"{step['number']:>2}. {step['title']}: {step['on_or_past']} on it or past it"
        if step["prompt"] is None:
            lines.append(head)
            continue
        lines.append(f"{head}, {step['answered']} answered ({step['right']} right)")
        if step["answered"]:
            lines += textwrap.wrap(spread_text(step["spread"]), width, initial_indent="    said: ",
                                   subsequent_indent="          ")
            lines += textwrap.wrap(step["measured"], width, initial_indent="    measured: ",
                                   subsequent_indent="              ")
        if step["not_answered"]:
            lines += textwrap.wrap(", ".join(step["not_answered"]), width, initial_indent="    not answered: ",
                                   subsequent_indent="                  ")
    return lines


def cmd_class(args) -> int:
    print("\n".join(table(fetch(args.url))))
    return 0
