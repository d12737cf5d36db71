import os
import tempfile

# Textual reads these at import: a fixed, colour-capable terminal for every test.
os.environ.setdefault("TERM", "xterm-256color")
os.environ.pop("NO_COLOR", None)
# MKL picks its matrix kernels by the CPU (AVX2, AVX-512, AMX; Intel or not), and their last bits differ:
# a run that trains for hundreds of steps near a tie (a linear model on XOR) or a chaotic one (reg-gauss at
# lr 0.03) ends on other numbers, and the snapshots and figures accepted on one machine failed on another
# (13 tests on an Intel AVX-512 Xeon, Dec 7; 8 on an AMD EPYC, Dec 8). MKL's conditional numerical
# reproducibility in its COMPATIBLE branch gives the same results on Intel and non-Intel x86 CPUs alike
# (its AVX2 branch holds only on Intel: on the EPYC, MKL_CBWR=AVX2, AVX512 and SSE4_2 all ran MKL's own
# choice). aten's vectorized kernels are held to their AVX2 build. Set before torch loads; subprocesses
# (lab, the pty apps) inherit them.
os.environ.setdefault("MKL_CBWR", "COMPATIBLE")
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
# A developer's own ~/.config/neurotui/config.toml must not change how the app starts in tests.
# (A fresh empty folder: chromium, in the browser test, writes its own settings there.)
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="neurotui-tests-xdg-")
# Nor may a test touch the developer's guided-lesson progress (neurotui learn).
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="neurotui-tests-state-")
# The private kernels' verdict (core.training.kernel_check) is cached per torch version in
# $XDG_CACHE_HOME: one fresh folder for the whole run, made by the first process (xdist's
# workers inherit it), so no developer's cache decides a test, and the check runs once.
if "NEUROTUI_TESTS_CACHE" not in os.environ:
    os.environ["NEUROTUI_TESTS_CACHE"] = os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="neurotui-tests-cache-")


def pytest_sessionstart(session):
    """Check the kernels once, up front, as a user's first run would: every app and lab the tests
    start then reads the verdict, as every run after a user's first does."""
    import subprocess
    import sys

    if not hasattr(session.config, "workerinput"):
        subprocess.run([sys.executable, "-c", "from neurotui.core.training.kernel_check import verified; "
                        "verified('cpu')"], check=True)
