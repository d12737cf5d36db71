"""The command textual-serve runs for each tab: a stand-in that has the warm parent fork the app.

Run as a file with `python -I -S`, so it starts in milliseconds and imports nothing but the
standard library (the warm parent imports this module too, for the protocol below).

It sends its own stdin, stdout and stderr (the tab's pipes) to the warm parent over a Unix
socket (SCM_RIGHTS); the parent forks a child that runs the app on those pipes and answers
with the child's pid, later with its exit status. Meanwhile this process stands in for the
child: a signal it gets goes on to the child, and it leaves the way the child left (the same
exit code, or killed by the same signal), so textual-serve sees the app's own process.

If the warm parent is not there (or refuses), this process becomes the app itself: it execs
the fallback command, dying with the server (PR_SET_PDEATHSIG) like a forked child does.

Usage: launcher.py SOCKET_PATH -- FALLBACK_ARGV...
"""

from __future__ import annotations

import array
import json
import os
import signal
import socket
import sys

MAX_MESSAGE = 1 << 20  # a request is the argv and the environment: a few kB
STDIO = (0, 1, 2)
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
PR_SET_PDEATHSIG = 1
SAID_WHY = 3  # the warm parent's exit code after its own warning line: the server adds none


# ----- the protocol, shared with the warm parent (one SOCK_SEQPACKET message each) ---------------
def send_request(sock: socket.socket, argv: list[str], env: dict[str, str], fds=STDIO) -> None:
    payload = json.dumps({"argv": argv, "env": env}).encode()
    sock.sendmsg([payload], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])


def receive_request(sock: socket.socket) -> tuple[dict, list[int]]:
    """The request and the file descriptors that came with it (the caller owns and closes them)."""
    fds = array.array("i")
    data, ancdata, _flags, _addr = sock.recvmsg(MAX_MESSAGE, socket.CMSG_SPACE(len(STDIO) * fds.itemsize))
    for level, kind, cdata in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(cdata[: len(cdata) - (len(cdata) % fds.itemsize)])
    try:
        request = json.loads(data)
    except ValueError:
        request = {}
    return request, list(fds)


def reply(sock: socket.socket, kind: str, value: int) -> None:
    """`pid N` once the child is forked, `exit N` when it ended (N < 0: killed by signal -N),
    `refused 0` when the parent will not fork for this request."""
    sock.send(f"{kind} {value}".encode())


def parse_reply(data: bytes) -> tuple[str, int]:
    kind, _, value = data.decode(errors="replace").partition(" ")
    try:
        return kind, int(value)
    except ValueError:
        return "refused", 0


# ----- the stand-in ------------------------------------------------------------------------------
def set_death_signal() -> None:
    """Be killed when our parent (the server) dies, even by SIGKILL; kept across exec."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def fall_back(argv: list[str]) -> None:
    parent = os.getppid()
    set_death_signal()
    if os.getppid() != parent:  # the server died before the signal was armed
        os._exit(1)
    os.execv(argv[0], argv)


def quiet_stdio() -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in STDIO:
        os.dup2(null, fd)
    os.close(null)


def leave_like(code: int) -> None:
    """Exit with the child's code, or die of the signal that killed it."""
    if code < 0:
        try:
            signal.signal(-code, signal.SIG_DFL)  # SIGKILL has no handler to reset (OSError)
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), -code)
    os._exit(128 - code if code < 0 else code & 0xFF)  # a signal that did not end us: 128+N, as a shell says


def stand_in(sock: socket.socket) -> int:
    child = 0
    pending: list[int] = []

    def forward(sig, _frame) -> None:
        if child:
            try:
                os.kill(child, sig)
            except ProcessLookupError:
                pass
        else:
            pending.append(sig)

    for sig in FORWARDED:
        signal.signal(sig, forward)
    while True:
        try:
            data = sock.recv(64)
        except InterruptedError:
            continue
        except ConnectionResetError:  # the warm parent died with our request in its queue
            data = b""
        if not data:
            # Before a child: the warm parent never took the request, so the caller falls back.
            # After one: the parent is gone, and with it the child (its death signal).
            return 1 if child else -1
        kind, value = parse_reply(data)
        if kind == "pid":
            child = value
            quiet_stdio()  # the child holds the tab's pipes now; their EOF must mean the child's end
            for sig in pending:
                forward(sig, None)
            pending.clear()
        elif kind == "exit":
            leave_like(value)
        else:
            return -1  # refused: the caller falls back


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: launcher.py SOCKET_PATH -- FALLBACK_ARGV...", file=sys.stderr)
        return 2
    path, fallback = argv[0], argv[2:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.connect(path)
        send_request(sock, fallback, dict(os.environ))
    except OSError:
        sock.close()
        fall_back(fallback)
    code = stand_in(sock)
    if code == -1:
        sock.close()
        fall_back(fallback)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
