"""The warm parent ("zygote") of served tabs: one process that imports what a tab needs, once.

A tab's own `python -m neurotui` costs seconds of imports and ~170 MB of memory (PSS). This process
pays both once: it imports torch, Textual and the app, trains a tiny network (so every lazy
import of a run is done), then `gc.freeze()`s the heap and waits. Each tab is a `fork()` of
it, sharing those pages with it until one is written to.

Forking is only safe with no other thread alive (a lock held by a thread that does not exist
in the child stays held for ever), so nothing here starts one: no event loop, torch at one
intra-op thread; `main` checks /proc before it forks anything.

Nothing outlives the server: this process dies with the server (PR_SET_PDEATHSIG, armed
before the first fork), each child with this process, and each child is killed when its
launcher (the process textual-serve started for the tab) goes away.

Run by the server as `python -m neurotui.serve.zygote LISTEN_FD SERVER_PID` (the app's options come
with each tab's request; the command line checked them before the server started),
with the tab environment textual-serve builds (Textual reads its settings at import).
"""

from __future__ import annotations

import contextlib
import gc
import os
import selectors
import signal
import socket
import sys

from neurotui.serve.launcher import PR_SET_PDEATHSIG, SAID_WHY, receive_request, reply

APP_COMMAND = (sys.executable, "-m", "neurotui")  # what a request must ask for: the app, no other program
# The program a tab runs, by its name only, as `python -m` would: serve never imports the command line's code.
APP_MODULE = APP_COMMAND[-1]
WARM_UP_STEPS = 40


def arm_death_signal(parent: int) -> None:
    """SIGKILL when `parent` dies; exit now if it already has (the race before prctl)."""
    import ctypes

    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        os._exit(1)


def thread_count() -> int:
    return len(os.listdir("/proc/self/task"))


def warm_up() -> None:
    """Import everything a tab imports and run every code path of a run's first steps."""
    # numpy's OpenBLAS starts a thread pool as it loads (torch imports numpy) unless told one
    # thread; read once, at load, so set before the first import. A 2-4-1 network needs no pool.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"

    from neurotui.core.training import threads

    threads.use(1)  # an intra-op pool would start threads, and forking them is unsafe
    import importlib

    import textual.drivers.web_driver  # noqa: F401

    importlib.import_module(f"{APP_MODULE}.__main__")  # the program's entry and all it imports (its option parser)
    import neurotui.tui.app  # noqa: F401  (Textual, Rich, plotext, every pane)
    from neurotui.core.model.config import XorConfig
    from neurotui.session.control import RunControl
    from neurotui.session.loop import TRAIN_NICE_ENV, train_loop

    # The worker's own body, at full speed, for a few steps: every lazy import of a run happens here.
    control, done = RunControl(), []
    control.speed = None

    def posted(snapshots, _rate) -> None:
        if all(s.finished for s in snapshots):
            done.append(True)

    # Not niced: that is for a tab's training thread, and here it would be the main thread every tab inherits.
    nice = os.environ.pop(TRAIN_NICE_ENV, None)
    try:
        train_loop(XorConfig(steps=WARM_UP_STEPS), control, lambda *_: None, posted, lambda: bool(done))
    finally:
        if nice is not None:
            os.environ[TRAIN_NICE_ENV] = nice


def become_tab(request: dict, fds: list[int], keep_closed: list[int], zygote: int) -> None:
    """In the forked child: the tab's pipes as stdio, the tab's environment, then the app. Never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        arm_death_signal(zygote)
        for fd in keep_closed:
            with contextlib.suppress(OSError):
                os.close(fd)
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        # Fresh text streams on the new descriptors, as a new interpreter would have.
        sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)
        sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", errors="backslashreplace",
                                           closefd=False, buffering=1)
        os.environ.clear()
        os.environ.update(request["env"])
        gc.enable()
        sys.argv = [APP_MODULE, *request["argv"][len(APP_COMMAND):]]
        import runpy

        runpy.run_module(APP_MODULE, run_name="__main__")  # `python -m neurotui`: it ends in SystemExit
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


class Zygote:
    """The fork loop: single-threaded, driven by one selector (new tabs, launchers leaving, SIGCHLD)."""

    def __init__(self, listener: socket.socket):
        self.listener = listener
        self.selector = selectors.DefaultSelector()
        self.children: dict[int, socket.socket] = {}  # pid -> its launcher's connection
        self.stopping = False
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # a Python handler, so the wakeup fd is written
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the server's to handle (it ends the tabs)
        self.selector.register(listener, selectors.EVENT_READ, "accept")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "signal")

    def _stop(self, *_) -> None:
        self.stopping = True

    def serve(self) -> None:
        while not self.stopping:
            for key, _ in self.selector.select():
                if key.data == "accept":
                    self.accept()
                elif key.data == "signal":
                    with contextlib.suppress(BlockingIOError):
                        os.read(self.wake_r, 512)
                    self.reap()
                else:
                    self.launcher_spoke(key.fileobj, key.data)
        for pid in list(self.children):  # asked to stop: the server is ending its tabs
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.reap()

    def accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        try:
            request, fds = receive_request(conn)
        except OSError:
            conn.close()
            return
        try:
            if not self.acceptable(conn, request, fds):
                with contextlib.suppress(OSError):
                    reply(conn, "refused", 0)
                conn.close()
                return
            keep_closed = [self.listener.fileno(), self.wake_r, self.wake_w, conn.fileno(),
                           *(c.fileno() for c in self.children.values())]
            me = os.getpid()
            pid = os.fork()
            if pid == 0:
                become_tab(request, fds, keep_closed, zygote=me)
            self.children[pid] = conn
            self.selector.register(conn, selectors.EVENT_READ, pid)
            try:
                reply(conn, "pid", pid)
            except OSError:  # the launcher left already
                self.launcher_spoke(conn, pid)
        finally:
            for fd in fds:
                os.close(fd)

    @staticmethod
    def acceptable(conn: socket.socket, request: dict, fds: list[int]) -> bool:
        """Only our own user, asking for the app (never another program), with three pipes."""
        import struct

        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        argv, env = request.get("argv"), request.get("env")
        return (uid == os.getuid() and len(fds) == 3 and isinstance(env, dict)
                and isinstance(argv, list) and tuple(argv[: len(APP_COMMAND)]) == APP_COMMAND
                and all(isinstance(a, str) for a in argv))

    def launcher_spoke(self, conn: socket.socket, pid: int) -> None:
        """A launcher only ever closes its end: it is gone (killed), so its tab's app goes too."""
        with contextlib.suppress(OSError):
            if conn.recv(64):
                return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        self.selector.unregister(conn)
        conn.close()
        self.children[pid] = None

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(OSError):
                    reply(conn, "exit", os.waitstatus_to_exitcode(status))
                self.selector.unregister(conn)
                conn.close()


def gone(why: str) -> int:
    """The one warning line the server's log gets; the server then starts a Python per tab."""
    print(f"neurotui: warning: the warm parent {why}; each tab starts its own Python (slower to open, "
          "~170 MB more memory a tab)", file=sys.stderr, flush=True)
    return SAID_WHY


def main(argv: list[str]) -> int:
    listen_fd, server_pid = int(argv[0]), int(argv[1])
    arm_death_signal(server_pid)
    gc.disable()  # until the fork loop: a collection now would only dirty pages the tabs will share
    listener = socket.socket(fileno=listen_fd)
    listener.setblocking(False)
    try:
        warm_up()
    except Exception as exc:
        return gone(f"failed to start ({exc!r})")
    threads = thread_count()
    if threads != 1:
        return gone(f"has {threads} threads after warming up, and forking them is unsafe")
    gc.freeze()  # what is here now is shared by every tab; the collector never touches it again
    Zygote(listener).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
