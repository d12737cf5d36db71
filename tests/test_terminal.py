"""The real app in real pseudo-terminals, driven like a person over SSH would.

Each app process costs a torch import (seconds), so the apps of this module start
together, once: each pauses its run as soon as it shows 'running' and waits, idle,
for its test, which resumes it and then quits, signals, hangs up, resizes ...
Each test asserts what happens and in which order (the key, then the exit and the terminal
restored); how long an exit takes is measured by `neurotui bench --bandwidth`, never asserted
here. EXIT_WAIT_S only keeps a wedged app from hanging the test run.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals")
# The tests that use `apps` run the real app (about a minute together); `-m "not slow"` skips them.
slow = pytest.mark.slow

if sys.platform != "win32":
    from neurotui.bench.pty import PtyApp, child_env, strip_escapes

EXIT_WAIT_S = 30.0  # a hang guard, not a latency: an app still there after this is wedged
STARTUP_TIMEOUT_S = 120.0  # all apps import torch at once on a small machine
LONG = ["--steps", "200000"]  # a run that is still going when the test acts

SCENARIOS = {
    # name: (args, cols, rows, env changes, controlling terminal)
    "quit": (LONG, 120, 40, {}, True),
    "ctrl_c_no_color_big": (LONG, 300, 100, {"NO_COLOR": "1"}, True),
    "sigterm_256": (LONG, 120, 40, {}, True),
    "sighup_16": (LONG, 120, 40, {"TERM": "xterm"}, True),
    "hangup": (LONG, 120, 40, {}, False),
    "ascii": (LONG + ["--ascii"], 120, 40, {}, True),
    "c_locale_small": (LONG, 40, 12, {"LC_ALL": "C", "LANG": "C", "LC_CTYPE": None}, True),
}


@pytest.fixture(scope="module")
def apps():
    started = {}
    try:
        for name, (args, cols, rows, env, controlling) in SCENARIOS.items():
            started[name] = PtyApp(args, cols, rows, env=child_env(**env), controlling=controlling).start()
        pending = dict(started)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while pending and time.monotonic() < deadline:
            for name, app in list(pending.items()):
                if b"running" in strip_escapes(app.output):
                    app.press(" ")  # pause: an idle app costs nothing while it waits its turn
                    del pending[name]
                elif app.proc.poll() is not None:
                    pytest.fail(f"{name}: the app exited at start ({app.proc.returncode}):\n{app.text()[-2000:]}")
            time.sleep(0.1)
        assert not pending, f"never showed 'running': {sorted(pending)}"
        for name, app in started.items():
            assert app.wait_for("paused", 30), f"{name}: space did not pause:\n{app.text()[-1500:]}"
        yield started
    finally:
        for app in started.values():
            app.close()


def resume(app: PtyApp, seconds: float = 0.5) -> None:
    """Resume the paused run and let it train a little: the test then acts mid-run."""
    mark = app.mark()
    app.press(" ")
    assert app.wait_for("running", 10, since=mark), app.text(mark)[-1500:]
    time.sleep(seconds)
    assert app.proc.poll() is None


def assert_restored(app: PtyApp, tail: bytes) -> None:
    """The last bytes leave the terminal as they were: main screen, no mouse reports, cursor on."""
    out = app.output
    assert b"\x1b[?1049l" in tail, "alternate screen not left"
    assert out.rfind(b"\x1b[?1049l") > out.rfind(b"\x1b[?1049h")
    assert b"\x1b[?1000l" in tail, "mouse reporting not turned off"
    assert out.rfind(b"\x1b[?1000l") > out.rfind(b"\x1b[?1000h")
    assert out.rfind(b"\x1b[?25h") > out.rfind(b"\x1b[?25l"), "cursor left hidden"
    assert b"Traceback" not in out, app.text()[-3000:]


def assert_gone(app: PtyApp) -> None:
    """No thread (the training worker included) keeps the process alive, and nothing it
    started lives on in its session (the app runs as the leader of a session of its own)."""
    assert app.proc.poll() is not None
    left = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == app.proc.pid and fields[0] != "Z":  # session id == the app's pid
            left.append(entry)
    assert not left, f"processes of the app's session still running: {left}"


# ----- refusing where the app cannot work ---------------------------------------------------
def _refused(stdin, stdout, env) -> subprocess.CompletedProcess:
    """Refused at once: before torch (seconds of imports) is even loaded."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "neurotui"], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, env=env, timeout=60)
    imports = [line for line in done.stderr.decode().splitlines() if line.startswith("import time:")]
    err = "\n".join(line for line in done.stderr.decode().splitlines() if not line.startswith("import time:"))
    assert done.returncode == 2, err
    assert imports and not [i for i in imports if i.rsplit("|", 1)[-1].strip() == "torch"], "torch imported first"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "neurotui lab" in lines[0], err
    assert "Traceback" not in err
    return done


def test_refuses_stdin_that_is_not_a_terminal():
    master, slave = os.openpty()
    try:
        _refused(subprocess.DEVNULL, slave, child_env())  # neurotui </dev/null
    finally:
        os.close(master), os.close(slave)


def test_refuses_stdout_that_is_not_a_terminal():
    master, slave = os.openpty()
    try:
        done = _refused(slave, subprocess.PIPE, child_env())  # neurotui | cat
        assert done.stdout == b""
    finally:
        os.close(master), os.close(slave)


@pytest.mark.parametrize("term", ["dumb", None])
def test_refuses_a_dumb_or_missing_term(term):
    master, slave = os.openpty()
    env = child_env()
    env.pop("TERM")
    if term:
        env["TERM"] = term
    try:
        _refused(slave, slave, env)
    finally:
        os.close(master), os.close(slave)


# ----- leaving -------------------------------------------------------------------------------
@slow
def test_q_mid_run_exits_at_once_and_restores_the_terminal(apps):
    app = apps["quit"]
    resume(app)
    mark = app.mark()
    app.press("q")
    code = app.wait(EXIT_WAIT_S)
    assert code == 0, app.text(mark)[-2000:]
    assert_restored(app, app.since(mark))
    assert "to reproduce this run: neurotui --steps 200000" in app.text(mark)
    assert_gone(app)


@slow
def test_ctrl_c_exits_without_colour_at_300x100_under_no_color(apps):
    app = apps["ctrl_c_no_color_big"]
    resume(app)
    mark = app.mark()
    app.press(b"\x03")
    assert app.wait(EXIT_WAIT_S) == 0
    assert_restored(app, app.since(mark))
    sgr = re.findall(rb"\x1b\[([0-9;]*)m", app.output)
    coloured = [s for s in sgr if re.search(rb"(^|;)(38|48|3[0-7]|4[0-7]|9[0-7]|10[0-7])(;|$)", s)]
    assert not coloured, f"NO_COLOR but colour SGR sent: {sorted(set(coloured))[:10]}"


@slow
@pytest.mark.parametrize("name, sig", [("sigterm_256", signal.SIGTERM), ("sighup_16", signal.SIGHUP)])
def test_signal_mid_run_exits_at_once_and_restores_the_terminal(apps, name, sig):
    app = apps[name]
    resume(app)
    mark = app.mark()
    app.signal(sig)
    code = app.wait(EXIT_WAIT_S)
    assert code == 128 + sig, app.text(mark)[-2000:]
    assert_restored(app, app.since(mark))
    assert_gone(app)
    out = app.output
    assert b"\x1b[38;2;" not in out and b"\x1b[48;2;" not in out, "true colour on a terminal that did not offer it"
    if name == "sighup_16":  # TERM=xterm: 16 colours, nothing from the 256-colour palette
        assert b"38;5;" not in out and b"48;5;" not in out


@slow
def test_hang_up_without_sighup_still_ends_the_process(apps):
    """The SSH link drops and no SIGHUP reaches the app: it must not stay behind, spinning."""
    app = apps["hangup"]
    resume(app)
    os.close(app.master)
    app.master = -1
    assert app.wait(EXIT_WAIT_S) == 128 + signal.SIGHUP


# ----- ASCII ---------------------------------------------------------------------------------
def _non_ascii(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    return sorted({f"U+{ord(c):04X} {c}" for c in text if ord(c) >= 0x80})


@slow
def test_ascii_flag_writes_only_ascii_bytes_even_in_textuals_own_widgets(apps):
    app = apps["ascii"]
    resume(app, 1.0)
    # help, command palette, zoom, log scale, the inside views, compare mode
    for keys in ("?", "\x1b", "\x10", "tan", "\x1b", "z", "z", "l", "v", "v", "v", "c", "c"):
        app.press(keys)
        time.sleep(0.4)
    time.sleep(1.0)
    # a loaded machine can leave the palette open past those pauses: make sure it is closed
    app.press("\x1b")
    time.sleep(1.0)
    app.press("q")
    assert app.wait(EXIT_WAIT_S) == 0
    assert _non_ascii(app.output) == []
    assert max(app.output) < 0x80


@slow
def test_c_locale_small_window_resize_storm(apps):
    """LC_ALL=C picks ASCII by itself; 40x12 works; resize storms neither crash nor wedge the app;
    below 40x12 it says 'terminal too small' and comes back when the window grows."""
    app = apps["c_locale_small"]
    resume(app, 0.3)
    rng = random.Random(6)
    end = time.monotonic() + 3.0
    n = 0
    while time.monotonic() < end:
        app.resize(rng.randint(20, 300), rng.randint(5, 100))
        n += 1
        time.sleep(rng.choice((0.0, 0.005, 0.02, 0.05)))
    assert n > 50 and app.proc.poll() is None
    mark = app.mark()
    app.resize(30, 10)
    assert app.wait_for("terminal too small", 10, since=mark), app.text(mark)[-1500:]
    mark = app.mark()
    app.resize(120, 40)
    assert app.wait_for("XOR training", 10, since=mark), app.text(mark)[-1500:]
    assert app.wait_for("running", 10, since=mark)
    app.press("q")
    assert app.wait(EXIT_WAIT_S) == 0
    assert _non_ascii(app.output) == [], "a C locale must get ASCII only"
    assert b"Traceback" not in app.output


# ----- the choices launch makes, without a terminal ------------------------------------------
@pytest.mark.parametrize("env, ascii", [
    ({"LANG": "C.UTF-8"}, False),
    ({"LANG": "en_GB.UTF-8"}, False),
    ({"LANG": "de_DE.utf8"}, False),
    ({"LANG": "C"}, True),
    ({"LC_ALL": "C", "LANG": "en_US.UTF-8"}, True),
    ({"LC_ALL": "POSIX"}, True),
    ({"LANG": "en_US.ISO-8859-1"}, True),
    ({}, True),
    ({"LC_CTYPE": "en_US.UTF-8", "LANG": "C"}, False),
])
def test_wants_ascii_follows_the_locale_the_user_set(env, ascii):
    from neurotui.tui.launch import wants_ascii

    assert wants_ascii(env) is ascii


def test_ascii_filter_keeps_width_and_escapes():
    from rich.cells import cell_len

    from neurotui.tui.ascii import to_terminal_ascii

    text = "\x1b[1;38;5;80m● done\x1b[0m ╭─╮│╰╯ … ▏^p ▔▁ 🔎 ⠀⣿ é 中"
    out = to_terminal_ascii(text)
    assert out.isascii()
    assert out.startswith("\x1b[1;38;5;80m* done\x1b[0m +-+|++ . |^p -_ ")
    assert cell_len(out) == cell_len(text)
    assert to_terminal_ascii("plain") == "plain"
