"""The lesson's training loop as an object a worker thread can drive.

Real PyTorch — nn.Sequential, BCELoss (or the task's loss: core.model.task), torch.optim,
backward(), step() — with nothing extra per step: on CUDA the loss stays on the device until a snapshot
asks for it, so there is no host sync per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from neurotui.core.course.bugs import mistakes
from neurotui.core.data.datasets import is_lesson_data
from neurotui.core.data.scaling import dataset_of, unscaled_input
from neurotui.core.doctor.diagnosis import SATURATION_CHECK_EVERY, Diagnosis, diagnose
from neurotui.core.doctor.symptoms import first_line
from neurotui.core.model.config import XorConfig, build_model, is_linear, xor_tensors
from neurotui.core.model.task import accuracy_of, loss_module, loss_targets, output_symptoms, shown, task_of
from neurotui.core.training import kernels, threads
from neurotui.core.training.fit import (
    Batches,
    curve_every,
    diagnose_fit,
    evaluate,
    halts,
    l1_penalty,
    train_forwards,
)
from neurotui.core.training.kernel_check import verified
from neurotui.core.training.optim import make_step_optimizer
from neurotui.core.training.series import LossSeries, SpanTracker
from neurotui.core.training.snapshot import Snapshot

INSIDE_POINTS = 200  # training points placed in hidden space, at most: more only hide each other


class Trainer:
    def __init__(self, config: XorConfig, halt_on_saturation: bool = True):
        import torch

        from neurotui.core.model.device import resolve_device

        self.config = config = config.validated()
        self.task = task_of(config)
        self.device = resolve_device(config.device)
        self._sync_free = self.device.type != "cpu"
        generator = torch.Generator().manual_seed(config.seed)
        self.model = build_model(config, generator).to(self.device)
        self.model.eval()  # only a training step drops units (fit.train_forwards)
        self.x, self.y = xor_tensors(self.device)  # the lesson's four rows: probs, preds, rows()
        self.lesson_data = is_lesson_data(config)
        self.data = dataset_of(config).to(self.device)
        threads.use_for(threads.run_size(config, self.data.n_train))  # one, for a small run (the why there)
        if hasattr(self.model[0], "hold"):  # layers.PlaneSlice: a picture holds the other inputs at their mean
            self.model[0].hold.copy_(self.data.train_x.mean(0))
        self._setup_fit(config, generator)
        # An injected bug (core.course.bugs) is made for real: PyTorch then does what it does.
        self.mistakes = m = mistakes(config)
        self.loss_fn = loss_module(self.task, mse_on_labels=m.mse_loss)
        self.optimizer = make_step_optimizer(config.with_(lr=m.lr), self.model.parameters())
        # autograd's engine called directly where this torch passed the kernels' check, else the public call
        self._backward = kernels.backward_ if verified(self.device).ok else _public_backward
        # CUDA's BCELoss checks its input range with a device-side assert that ruins the
        # whole CUDA context; raw scores are checked here instead, raising CPU's own error.
        self._range_check = (self.task.binary and not m.output_sigmoid and not m.mse_loss
                             and self.device.type != "cpu")
        self.error: str | None = None  # PyTorch refused a step: a symptom, not a crash
        self.mismatch: tuple | None = None  # (output shape, target shape) when they differ: a symptom
        self._start = [p.detach().clone() for p in self.model.parameters()]  # has anything moved?
        self.step_count = 0
        self.losses: list[float] = []  # append-only: snapshots share it (core.training.series)
        self._loss_span = SpanTracker()
        self._pending: list = []  # device loss tensors not yet read back (CUDA)
        self.nonfinite_where: str | None = None
        self.halted = False  # stopped early on purpose (e.g. a saturated, blown-up run)
        # BCELoss's clamp keeps a blown-up run's loss finite (e.g. 50.0), so without this
        # it would "train" to the end. The app, lab and the card all stop it at the same
        # step and say why: one run, one result (the script's loop stops there too).
        self.halt_on_saturation = halt_on_saturation
        # The gradients found already held just before a backward() (checked once every
        # SATURATION_CHECK_EVERY steps): zero_grad() leaves none, so any means they pile up.
        self._leftover = None
        self.linear_model = is_linear(config)
        # Module.__call__ runs hook bookkeeping on every layer every step; no hooks are ever
        # registered here, so calling forward() directly is the same maths with less Python per step.
        self._layers = train_forwards(self.model, skip_features=True)
        self._loss = self.loss_fn.forward

    def _setup_fit(self, config: XorConfig, generator) -> None:
        """Data, minibatches, L1 and the train/val curve; all None/off for the lesson's run."""
        import torch

        from neurotui.core.model.layers import Features, SeededDropout
        feats = self.model[0] if isinstance(self.model[0], Features) else None
        self._fx = feats(self.data.train_x) if feats is not None else self.data.train_x
        self._fy = loss_targets(self.task, self.data.train_y)  # class indices for CrossEntropyLoss
        # Shuffles continue the init generator: the init seed decides the batches, the data seed the data.
        full = config.batch is None or config.batch >= self.data.n_train
        self._batches = None if full else Batches(self._fx, self._fy, config.batch, generator)
        self._penalty = l1_penalty(self.model, config.l1) if config.l1 else None
        if self.device.type != "cpu":
            dropout_rng = torch.Generator(device=self.device).manual_seed(config.seed)
            for m in self.model:
                if isinstance(m, SeededDropout):
                    m.generator = dropout_rng  # masks are drawn where the activations are
        self._curve_every = curve_every(config.steps) if self.data.has_val else 0
        self.curve: list[tuple[int, float, float | None]] = []
        self._curve_pending: list = []

    @property
    def finished(self) -> bool:
        return (self.step_count >= self.config.steps or self.nonfinite_where is not None or self.halted
                or self.error is not None)

    def step(self) -> None:
        x, y = (self._fx, self._fy) if self._batches is None else self._batches.next()
        h = x
        for forward in self._layers:
            h = forward(h)
        if self.mistakes.flat_target:
            y = y.reshape(-1)  # the mistake: shape [batch], not [batch, 1]
        try:
            if self._range_check and not bool(((h >= 0) & (h <= 1)).all()):
                raise RuntimeError("all elements of input should be between 0 and 1")
            # BCE/MSE want the target shaped like the output: else PyTorch broadcasts (MSELoss, with a
            # warning) or raises. CrossEntropyLoss takes class indices [n] for [n, K] logits by design.
            if not self.step_count and h.shape != y.shape and self.task.kind != "classes":
                self.mismatch = (tuple(h.shape), tuple(y.shape))
            loss = self._loss(h, y)
        except (RuntimeError, ValueError) as exc:
            # BCELoss rejects probabilities outside [0, 1]; after a Sigmoid only NaN gets
            # there, so a model that went non-finite raises here instead of giving a nan loss.
            if self._all_finite(h):
                # A finite output PyTorch refused (a wrong target shape, raw scores into
                # BCELoss): the run stops here and the doctor reads the message. Decided on
                # the output alone, as the run's script decides it.
                self.error = first_line(exc)
                return
            self.nonfinite_where = self.find_nonfinite() or "the model output"
            return
        if self.mistakes.zero_grad:
            self.optimizer.zero_grad()
        if self.step_count % SATURATION_CHECK_EVERY == SATURATION_CHECK_EVERY - 1:
            self._leftover = self._held_gradient()  # what backward() is about to add to
        self._backward(loss if self._penalty is None else loss + self._penalty())  # loss.backward()
        if self.mistakes.step:
            self.optimizer.step()
        self.step_count += 1
        if self._curve_every and self.step_count % self._curve_every == 0:
            self._record_curve()
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
            # on CUDA the check would wait for the device every 50 steps: snapshot() does it there
            if self.halt_on_saturation and not self._sync_free and self.step_count % SATURATION_CHECK_EVERY == 0:
                self._check_saturation()
        self._flush()
        return self.step_count - start

    def _check_saturation(self) -> None:
        self._flush()
        if self.lesson_data:
            probs = self.probabilities()
            self.halted = diagnose(self.losses, probs, finished=False, **self._model_kind()).kind == "saturated"
        else:  # unfinished, the doctor reads the train loss alone (fit.halts)
            self.halted = halts(self.losses, self.model, self.data.train_x, self.data.train_y, self.task, self.nonfinite_where)

    def _record_curve(self) -> None:
        import torch

        d = self.data  # a scaled regression target's losses, in the file's units (as metrics)
        pair = torch.stack([evaluate(self.model, x, y, self.task)[0] for x, y in ((d.train_x, d.train_y), (d.val_x, d.val_y))])
        pair = pair * (d.scaling.loss_factor if d.scaling is not None else 1.0)
        if self._sync_free:
            self._curve_pending.append((self.step_count, pair))  # read back with the losses
        else:
            self.curve.append((self.step_count, *pair.tolist()))

    def metrics(self) -> dict:
        """train/val loss and accuracy (R²) over the whole sets, eval mode; None: no split / not the task's."""
        import torch

        d, score = self.data, "r2" if self.task.regress else "accuracy"
        factor = d.scaling.loss_factor if d.scaling is not None else 1.0  # a scaled target's loss, in file units
        out = {"train_accuracy": None, "val_accuracy": None, "train_r2": None, "val_r2": None, "val_loss": None}
        for name, x, y in [("train", d.train_x, d.train_y)] + ([("val", d.val_x, d.val_y)] if d.has_val else []):
            loss, value = torch.stack(evaluate(self.model, x, y, self.task)).tolist()
            out[f"{name}_loss"] = loss * factor
            out[f"{name}_{score}"] = value if self.task.regress else accuracy_of(value, len(y))
        return out

    def score(self, m: dict) -> float:
        """The number "solved" is judged on: validation accuracy or R², train's without a split."""
        key = "r2" if self.task.regress else "accuracy"
        return m[f"train_{key}"] if m[f"val_{key}"] is None else m[f"val_{key}"]

    def _model_kind(self) -> dict:  # what the doctor must know of the model: linear? on which inputs?
        return dict(linear_model=self.linear_model, no_hidden_layer=self.config.layers == 0, features=self.config.features)

    def _diagnose_fit(self, m: dict, finished: bool, losses=None) -> Diagnosis:
        key = "r2" if self.task.regress else "accuracy"
        return diagnose_fit(
            self.losses if losses is None else losses, train_loss=m["train_loss"], val_loss=m["val_loss"],
            train_accuracy=m[f"train_{key}"], val_accuracy=m[f"val_{key}"], curve=self.curve,
            finished=finished, nonfinite_where=self.nonfinite_where,
            n_train=self.data.n_train, n_val=self.data.n_val, task=self.task, **self._model_kind(),
            outputs=None if self.task.binary or not finished else output_symptoms(
                self.model, self.data.train_x, self.data.train_y), unscaled=unscaled_input(self.data), data_file=self.config.data is not None,
        )

    def confusion(self) -> list[list[int]]:
        """K x K counts (true class rows, predicted columns) on the validation set, or the training
        set without one; [] for regression."""
        from neurotui.core.model.task import confusion

        d = self.data
        x, y = (d.val_x, d.val_y) if d.has_val else (d.train_x, d.train_y)
        return confusion(self.model, x, y, self.task)

    def _flush(self) -> None:
        if self._curve_pending:
            import torch

            pairs = torch.stack([t for _, t in self._curve_pending]).tolist()
            self.curve.extend((s, a, b) for (s, _), (a, b) in zip(self._curve_pending, pairs))
            self._curve_pending.clear()
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
        """The lesson's four rows: p(y=1) (the winning class's probability, or the prediction, off
        the binary task)."""
        import torch

        with torch.no_grad():
            out = self.model(self.x)
            return out.squeeze(1).tolist() if self.task.binary else shown(out, self.task)[0].tolist()

    def _preds(self, probs: list[float]) -> tuple[int, ...]:
        if self.task.binary:
            return tuple(int(p >= 0.5) for p in probs)
        import torch

        with torch.no_grad():
            return tuple(shown(self.model(self.x), self.task)[1].tolist())

    def snapshot(
        self,
        boundary_size: tuple[int, int] | None = None,
        edited_loss: float | None = None,
        frames: tuple = (),
        edits: tuple = (),
    ) -> Snapshot:
        """`edited_loss`: the loss of weights just set by hand, shown as the latest until training
        goes on from them. `frames` and `edits` are what only the run knows (core.run); the views'
        pictures are core.pictures' providers', added by core.run.Run.snapshot."""
        if self._sync_free and self.halt_on_saturation and not self.finished:
            self._check_saturation()  # here, where the losses are read back anyway: no extra sync
        self._flush()
        losses = LossSeries(self.losses, len(self.losses), self._loss_span.update(self.losses),
                            () if edited_loss is None else (edited_loss,))
        probs = self.probabilities()
        preds = self._preds(probs)
        grid = None
        if boundary_size is not None:
            from neurotui.core.model.boundary import class_grid, probability_grid

            if self.task.kind == "classes":
                grid = class_grid(self.model, *boundary_size, device=self.device,
                                           low=self.data.low, high=self.data.high)
            else:
                grid = tuple(tuple(r) for r in probability_grid(
                    self.model, *boundary_size, device=self.device, low=self.data.low, high=self.data.high))
        m = self.metrics()
        if self.lesson_data:
            diag = diagnose(
                losses, probs, finished=self.finished, **self._model_kind(),
                nonfinite_where=self.nonfinite_where, error=self.error, mismatch=self.mismatch,
                **self.symptoms(),
            )
            data_solved = None
        else:
            diag = self._diagnose_fit(m, self.finished, losses)
            data_solved = self.score(m) >= self.task.solved_at
        return Snapshot(
            step=self.step_count,
            total=self.config.steps,
            losses=losses,
            probs=tuple(probs),
            preds=preds,
            diagnosis=diag,
            finished=self.finished,
            boundary=grid,
            curve=tuple(self.curve),
            data_solved=data_solved,
            grid_range=(self.data.low, self.data.high),
            error=self.error,
            frames=frames,
            edits=edits,
            task=self.task,
            **m,
        )

    def _held_gradient(self):
        """The norm of the gradients the parameters hold now (a tensor: no device sync), 0 for none."""
        import torch

        grads = [p.grad.reshape(-1) for p in self.model.parameters() if p.grad is not None]
        return torch.cat(grads).norm() if grads else torch.zeros(())

    def symptoms(self) -> dict:
        """How far the weights moved (relative to their size at the start), the last gradient's norm.

        Computed exactly as the script of core/course/script.py computes them, so both doctors agree.
        """
        import torch

        params = list(self.model.parameters())
        with torch.no_grad():
            start = torch.cat([s.reshape(-1) for s in self._start])
            now = torch.cat([p.reshape(-1) for p in params])
            moved = ((now - start).norm() / start.norm()).item()
            grads = [p.grad.reshape(-1) for p in params if p.grad is not None]
            grad_norm = torch.cat(grads).norm().item() if grads else None
        leftover = None if self._leftover is None else self._leftover.item()
        return {"moved": moved, "grad_norm": grad_norm, "leftover": leftover}

    def gradients_now(self) -> dict | None:
        """Parameter -> gradient of the training loss at the weights as they are now (the whole
        training set, no dropout), leaving .grad alone: after a hand edit, the direction the
        next step will push. None where PyTorch refuses the loss (an injected bug)."""
        import torch

        params = list(self.model.parameters())
        y = loss_targets(self.task, self.data.train_y)
        y = y.reshape(-1) if self.mistakes.flat_target else y
        try:
            loss = self._loss(self.model(self.data.train_x), y)
            if self._penalty is not None:
                loss = loss + self._penalty()
            grads = torch.autograd.grad(loss, params, allow_unused=True)
        except (RuntimeError, ValueError):
            return None
        return dict(zip(params, grads))

    def look_inside(self, layer: int = 1, feature_grid: tuple[int, int] | None = None):
        from neurotui.core.model.inside import look_inside

        if self.lesson_data:
            return look_inside(self.model, self.x, layer, feature_grid, device=self.device)
        # off the lesson's four rows: the training points themselves (enough to see the classes'
        # shapes) and maps over the data's range
        d = self.data
        return look_inside(self.model, d.train_x[:INSIDE_POINTS], layer, feature_grid, device=self.device,
                           labels=d.train_y[:INSIDE_POINTS].reshape(-1).tolist(), low=d.low, high=d.high)


def _public_backward(loss) -> None:
    loss.backward()
