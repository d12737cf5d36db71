"""The lesson's training loop as an object a worker thread can drive.

Real PyTorch — nn.Sequential, BCELoss, torch.optim, backward(), step() — with
nothing extra per step: on CUDA the loss stays on the device until a snapshot
asks for it, so there is no host sync per step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from neurotui.core.activations import get_activation
from neurotui.core.bugs import mistakes
from neurotui.core.diagnosis import Diagnosis, diagnose
from neurotui.core.inside import Inside
from neurotui.core.symptoms import first_line
from neurotui.core.xor import XOR_X, XOR_Y, XorConfig, build_model, make_optimizer, xor_tensors


@dataclass(frozen=True)
class Snapshot:
    """Plain Python values only, safe to hand to another thread."""

    step: int
    total: int
    losses: tuple[float, ...]
    probs: tuple[float, ...]
    preds: tuple[int, ...]
    diagnosis: Diagnosis
    finished: bool
    boundary: tuple[tuple[float, ...], ...] | None = None
    inside: "Inside | None" = None
    error: str | None = None  # the first line of an exception PyTorch raised; the run stopped there

    @property
    def loss(self) -> float:
        return self.losses[-1] if self.losses else math.nan

    @property
    def solved(self) -> bool:
        return list(self.preds) == [int(y) for y in XOR_Y]

    def rows(self) -> list[str]:
        """The lesson's own output lines: x=[0.0, 1.0] prob=1.000 pred=1"""
        return [
            f"x={list(x)} prob={p:.3f} pred={y}" for x, p, y in zip(XOR_X, self.probs, self.preds)
        ]


SATURATION_CHECK_EVERY = 50  # steps; by step count, so where a run stops is deterministic


class Trainer:
    def __init__(self, config: XorConfig, halt_on_saturation: bool = False):
        import torch
        import torch.nn as nn

        from neurotui.core.device import resolve_device

        self.config = config = config.validated()
        self.device = resolve_device(config.device)
        self._sync_free = self.device.type != "cpu"
        generator = torch.Generator().manual_seed(config.seed)
        self.model = build_model(config, generator).to(self.device)
        self.x, self.y = xor_tensors(self.device)
        # An injected bug (core.bugs) is made for real: PyTorch then does what it does.
        self.mistakes = m = mistakes(config)
        if m.flat_target:
            self.y = self.y.reshape(-1)  # the mistake: shape [4], not [4, 1]
        self.loss_fn = nn.MSELoss() if m.mse_loss else nn.BCELoss()
        self.optimizer = make_optimizer(config.with_(lr=m.lr), self.model.parameters(), self.device)
        # CUDA's BCELoss checks its input range with a device-side assert that ruins the
        # whole CUDA context; raw scores are checked here instead, raising CPU's own error.
        self._range_check = not m.output_sigmoid and not m.mse_loss and self.device.type != "cpu"
        self.error: str | None = None  # PyTorch refused a step: a symptom, not a crash
        self._start = [p.detach().clone() for p in self.model.parameters()]  # has anything moved?
        self.step_count = 0
        self.losses: list[float] = []
        self._pending: list = []  # device loss tensors not yet read back (CUDA)
        self.nonfinite_where: str | None = None
        self.halted = False  # stopped early on purpose (e.g. a saturated, blown-up run)
        # BCELoss's clamp keeps a blown-up run's loss finite (e.g. 50.0), so without this
        # it would "train" to the end; the app stops it and says why, the lab reports it.
        self.halt_on_saturation = halt_on_saturation
        self.linear_model = get_activation(config.activation).linear
        # Module.__call__ runs hook bookkeeping on every layer every step; no hooks
        # are ever registered here, so calling forward() directly is the same maths
        # with less Python per step.
        self._layers = [m.forward for m in self.model]
        self._loss = self.loss_fn.forward

    @property
    def finished(self) -> bool:
        return (
            self.step_count >= self.config.steps or self.nonfinite_where is not None or self.halted
            or self.error is not None
        )

    def step(self) -> None:
        h = self.x
        for forward in self._layers:
            h = forward(h)
        try:
            if self._range_check and not bool(((h >= 0) & (h <= 1)).all()):
                raise RuntimeError("all elements of input should be between 0 and 1")
            loss = self._loss(h, self.y)
        except (RuntimeError, ValueError) as exc:
            # BCELoss rejects probabilities outside [0, 1]; after a Sigmoid only NaN gets
            # there, so a model that went non-finite raises here instead of giving a nan loss.
            where = self.find_nonfinite()
            if where is None and self._all_finite(h):
                # A finite model PyTorch refused (a wrong target shape, raw scores into
                # BCELoss): the run stops here and the doctor reads the message.
                self.error = first_line(exc)
                return
            self.nonfinite_where = where or "the model output"
            return
        if self.mistakes.zero_grad:
            self.optimizer.zero_grad()
        loss.backward()
        if self.mistakes.step:
            self.optimizer.step()
        self.step_count += 1
        if self._sync_free:
            self._pending.append(loss.detach())
        else:
            value = loss.item()
            self.losses.append(value)
            if not math.isfinite(value):
                self._mark_nonfinite()

    def run(self, n: int | None = None, should_stop: Callable[[], bool] | None = None) -> int:
        """Train up to n steps (default: to the end); returns the steps taken."""
        remaining = self.config.steps - self.step_count
        n = remaining if n is None else min(n, remaining)
        start = self.step_count
        while self.step_count - start < n and not self.finished:
            if should_stop is not None and should_stop():
                break
            self.step()
            if self.halt_on_saturation and self.step_count % SATURATION_CHECK_EVERY == 0:
                self._check_saturation()
        self._flush()
        return self.step_count - start

    def _check_saturation(self) -> None:
        self._flush()
        probs = self.probabilities()
        kind = diagnose(self.losses, probs, linear_model=self.linear_model, finished=False).kind
        self.halted = kind == "saturated"

    def _flush(self) -> None:
        if self._pending:
            import torch

            values = torch.stack(self._pending).tolist()
            self._pending.clear()
            self.losses.extend(values)
            if not all(math.isfinite(v) for v in values):
                self._mark_nonfinite()

    @staticmethod
    def _all_finite(t) -> bool:
        import torch

        return bool(torch.isfinite(t).all())

    def _mark_nonfinite(self) -> None:
        self.nonfinite_where = self.find_nonfinite() or "the loss"

    def find_nonfinite(self) -> str | None:
        """Name the first layer whose weights or gradients are not finite."""
        import torch

        linears = [m for m in self.model if isinstance(m, torch.nn.Linear)]
        for i, layer in enumerate(linears, start=1):
            for pname in ("weight", "bias"):
                p = getattr(layer, pname)
                if not bool(torch.isfinite(p).all()):
                    return f"layer {i} {'biases' if pname == 'bias' else 'weights'}"
                if p.grad is not None and not bool(torch.isfinite(p.grad).all()):
                    return f"layer {i} {pname} gradients"
        return None

    def probabilities(self) -> list[float]:
        import torch

        with torch.no_grad():
            return self.model(self.x).squeeze(1).tolist()

    def snapshot(
        self,
        boundary_size: tuple[int, int] | None = None,
        inside_layer: int | None = None,
        feature_grid: tuple[int, int] | None = None,
    ) -> Snapshot:
        self._flush()
        probs = self.probabilities()
        preds = tuple(int(p >= 0.5) for p in probs)
        grid = None
        if boundary_size is not None:
            from neurotui.core.boundary import probability_grid

            grid = tuple(tuple(r) for r in probability_grid(self.model, *boundary_size, device=self.device))
        diag = diagnose(
            self.losses, probs, linear_model=self.linear_model, finished=self.finished,
            nonfinite_where=self.nonfinite_where, error=self.error, **self.symptoms(),
        )
        return Snapshot(
            step=self.step_count,
            total=self.config.steps,
            losses=tuple(self.losses),
            probs=tuple(probs),
            preds=preds,
            diagnosis=diag,
            finished=self.finished,
            boundary=grid,
            inside=None if inside_layer is None else self.look_inside(inside_layer, feature_grid),
            error=self.error,
        )

    def symptoms(self) -> dict:
        """How far the weights moved (relative to their size at the start), the last gradient's norm.

        Computed exactly as the script of core/script.py computes them, so both doctors agree.
        """
        import torch

        params = list(self.model.parameters())
        with torch.no_grad():
            start = torch.cat([s.reshape(-1) for s in self._start])
            now = torch.cat([p.reshape(-1) for p in params])
            moved = ((now - start).norm() / start.norm()).item()
            grads = [p.grad.reshape(-1) for p in params if p.grad is not None]
            grad_norm = torch.cat(grads).norm().item() if grads else None
        return {"moved": moved, "grad_norm": grad_norm}

    def look_inside(self, layer: int = 1, feature_grid: tuple[int, int] | None = None):
        from neurotui.core.inside import look_inside

        return look_inside(self.model, self.x, layer, feature_grid, device=self.device)
