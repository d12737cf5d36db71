"""Do this torch's private kernels still compute what torch.optim and autograd compute?

core.training.kernels calls private ops (fused Adam, `_foreach_*`, aten's backward ops). A
newer torch may keep an op's name and change what it does, so a version bound was the only
guard, and it cost every user with a newer torch a downgrade. Instead, the first time a
process needs the kernels it checks them on a tiny problem against the public API they stand
in for, bit for bit (the same comparisons as tests/test_kernels.py), and keeps the verdict
per torch version and device in the XDG cache, so the check (~1 s: torch.optim's first step
imports torch._dynamo) runs once per torch, not once per run.

A kernel that disagrees makes the trainer step through torch.optim itself and the sweep train
each seed with that trainer: the same numbers, slower. One line says so, through whatever
`on_fallback` registered (the CLI prints it, the app shows it).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from neurotui.core.numbers import short
from neurotui.core.training import kernels


@dataclass(frozen=True)
class KernelCheck:
    ok: bool
    reason: str = ""  # which kernel disagreed, and how (empty when ok)

    @property
    def note(self) -> str:
        import torch

        return (f"neurotui: note: torch {torch.__version__}'s private kernels differ from its public API here "
                f"({self.reason}); training through torch.optim and autograd instead: the same numbers, slower")


_verdicts: dict[str, KernelCheck] = {}
_lock = threading.Lock()
_listeners: list[Callable[[str], None]] = []


def on_fallback(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call `listener(line)` once for each device whose kernels fail the check; returns what
    unsubscribes it (an app that has gone must not be called)."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def cache_path(env=None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: a relative path is invalid and ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "neurotui" / "kernels.json"


def _key(device_type: str) -> str:
    import torch

    from neurotui import __version__

    # the checks' names too: a new check must run on a torch that passed the old ones
    checks = ",".join(c.__name__.removeprefix("_check_") for c in CHECKS)
    return f"torch {torch.__version__} on {device_type}, neurotui {__version__} ({checks})"


def verified(device="cpu") -> KernelCheck:
    """The verdict for `device` (a torch.device or its name): from this process, the cache, or a
    fresh check. Thread-safe: the app's worker and its Reliability pane may ask at once."""
    import torch

    device_type = torch.device(device).type
    key = _key(device_type)
    with _lock:
        if key in _verdicts:
            return _verdicts[key]
        verdict = _read_cache(key)
        if verdict is None:
            verdict = run_checks(torch.device(device_type))
            _write_cache(key, verdict)
        _verdicts[key] = verdict
    if not verdict.ok:
        for listener in list(_listeners):
            listener(verdict.note)
    return verdict


def forget() -> None:
    """Drop this process's verdicts (tests; the cache file is left alone)."""
    with _lock:
        _verdicts.clear()


def _read_cache(key: str) -> KernelCheck | None:
    try:
        entry = json.loads(cache_path().read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("ok"), bool):
        return None
    return KernelCheck(entry["ok"], str(entry.get("reason", "")))


def _write_cache(key: str, verdict: KernelCheck) -> None:
    path = cache_path()
    try:
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
            known = known if isinstance(known, dict) else {}
        except (OSError, ValueError):
            known = {}
        known[key] = {"ok": verdict.ok, "reason": verdict.reason}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(known, indent=1), encoding="utf-8")
        os.replace(tmp, path)  # another process checking at once writes the same verdict
    except OSError:
        pass  # a read-only home: the check simply runs again next time


# ----- the checks: each returns None when the kernel agrees, else what differs ------------------------
def run_checks(device) -> KernelCheck:
    for check in CHECKS:
        try:
            problem = check(device)
        except (kernels.KernelUnavailable, RuntimeError, TypeError, AttributeError) as exc:
            problem = f"{check.__name__.removeprefix('_check_')}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        if problem:
            return KernelCheck(False, problem)
    return KernelCheck(True)


def _tensors(device, seed: int, shapes=((3, 2), (3,), (1, 3))):
    import torch

    g = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=g).to(device) for s in shapes]


def _check_fused_adam(device) -> str | None:
    import torch

    if not kernels.has_fused_adam():
        return None  # the trainer already uses torch.optim where this torch has no fused Adam
    for decay in (0.0, 0.01):
        ours = _tensors(device, 0)
        ref = [p.clone().requires_grad_() for p in ours]
        opt = torch.optim.Adam(ref, lr=0.1, weight_decay=decay, fused=True)
        avg, avg_sq = [torch.zeros_like(p) for p in ours], [torch.zeros_like(p) for p in ours]
        steps = [torch.zeros((), dtype=torch.float32, device=device) for _ in ours]
        for step in range(3):
            grads = _tensors(device, 100 + step)
            for p, g in zip(ref, grads):
                p.grad = g.clone()
            opt.step()
            kernels.add_scalar_(steps, 1)
            kernels.fused_adam_(ours, grads, avg, avg_sq, steps, lr=0.1, weight_decay=decay)
        if not all(torch.equal(a, b.detach()) for a, b in zip(ours, ref)):
            return f"fused Adam (weight decay {short(decay)}) moves the weights differently from torch.optim.Adam"
    return None


def _check_foreach_sgd(device) -> str | None:
    import torch

    ours = _tensors(device, 1)
    ref = [p.clone().requires_grad_() for p in ours]
    opt = torch.optim.SGD(ref, lr=0.5, weight_decay=0.05)
    for step in range(3):
        grads = _tensors(device, 200 + step)
        for p, g in zip(ref, grads):
            p.grad = g.clone()
        opt.step()
        kernels.add_(ours, kernels.added(grads, ours, alpha=0.05), alpha=-0.5)
    if not all(torch.equal(a, b.detach()) for a, b in zip(ours, ref)):
        return "_foreach_add_ steps differently from torch.optim.SGD"
    if not torch.equal(kernels.signs(ours)[0], ours[0].sign()):
        return "_foreach_sign differs from Tensor.sign"
    return None


def _check_backward_ops(device) -> str | None:
    import torch

    g = torch.Generator().manual_seed(5)
    z = torch.randn(4, 1, 3, generator=g).to(device).requires_grad_()
    y = torch.randint(0, 2, (4, 1, 3), generator=g).float().to(device)
    p = torch.sigmoid(z)
    (torch.nn.functional.binary_cross_entropy(p, y, reduction="sum") / 4).backward()
    with torch.no_grad():
        out = p.detach()
        ours = kernels.sigmoid_backward(kernels.bce_backward_sum(torch.tensor(0.25, device=device), out, y), out)
    if not torch.equal(ours, z.grad):
        return "aten's binary_cross_entropy_backward / sigmoid_backward differ from autograd"
    dh = torch.randn(4, 3, generator=g).to(device)
    for fn, kernel in ((torch.tanh, kernels.tanh_backward_into), (torch.sigmoid, kernels.sigmoid_backward_into),
                       (torch.relu, kernels.relu_backward_into)):
        x = torch.randn(4, 3, generator=g).to(device).requires_grad_()
        h = fn(x)
        h.backward(dh)
        into = torch.empty_like(dh)
        if kernel(dh, h.detach(), into) is not into or not torch.equal(into, x.grad):
            return f"aten's {fn.__name__} backward differs from autograd"
    return None


def _check_backward_engine(device) -> str | None:
    """kernels.backward_ (autograd's engine, called directly) against loss.backward()."""
    import torch

    g = torch.Generator().manual_seed(7)
    x, w1, w2 = torch.randn(5, 2, generator=g), torch.randn(2, 3, generator=g), torch.randn(3, 1, generator=g)
    grads = []
    for backward in (kernels.backward_, torch.Tensor.backward):
        a, b = w1.clone().to(device).requires_grad_(), w2.clone().to(device).requires_grad_()
        backward((torch.tanh(x.to(device) @ a) @ b).square().mean())
        grads.append((a.grad, b.grad))
    if not all(torch.equal(p, q) for p, q in zip(*grads)):
        return "autograd's engine called directly gives other gradients than loss.backward()"
    return None


CHECKS = (_check_fused_adam, _check_foreach_sgd, _check_backward_ops, _check_backward_engine)
