"""The lesson's training loop as an object a worker thread can drive: stepping.

`Trainer.step` is core/lesson.py's loop, line for line: pred = model(x); loss = loss_fn(pred, y);
optimizer.zero_grad(); loss.backward(); optimizer.step(). Real PyTorch does every part: an
nn.Sequential, the task's loss module (core.model.task), autograd for the gradients. The fast
paths sit behind the same names: `optimizer` is torch.optim's own update called without its
start-up (core.training.optim), `backward` is loss.backward()'s call into autograd's engine
(core.training.kernels.backward_), and the model's forward skips Module.__call__'s hook
bookkeeping (no hooks are registered). An injected bug (core.course.bugs) leaves out or changes
one of those lines for real, and PyTorch then does what it does.

Around the loop, only what a run must decide as it steps: PyTorch refusing the loss (a symptom,
not a crash), a value gone non-finite, a blown-up run halted (the doctor's verdict, every
SATURATION_CHECK_EVERY steps), the losses read back. Everything a run shows (snapshots,
metrics, the views' pictures) is read between steps by core.training.observe.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from neurotui.core.doctor.diagnosis import SATURATION_CHECK_EVERY, diagnose
from neurotui.core.doctor.symptoms import first_line
from neurotui.core.model.config import XorConfig, build_model, is_linear, xor_tensors
from neurotui.core.model.task import evaluate_loss, loss_targets
from neurotui.core.training import kernels, observe, threads
from neurotui.core.training.early_stop import CHECK_EVERY as EARLY_STOP_EVERY
from neurotui.core.training.early_stop import EarlyStop
from neurotui.core.training.fit import Batches, TrainingForward, curve_every, halts, l1_penalty, loss_function
from neurotui.core.training.kernel_check import verified
from neurotui.core.training.optim import make_step_optimizer
from neurotui.core.training.resolved import Resolved, resolve
from neurotui.core.training.series import SpanTracker
from neurotui.core.training.snapshot import Snapshot


class Trainer:
    def __init__(self, config: XorConfig | Resolved, halt_on_saturation: bool = True):
        """`config`, or its facts already resolved (core.training.resolved): the data, task, loss,
        inputs, device and the bug's mistakes are decided there, once; nothing here asks again."""
        import torch

        self.facts = facts = resolve(config)
        self.config = config = facts.config
        self.task = facts.task
        self.device = facts.device
        self._sync_free = self.device.type != "cpu"  # on CUDA a loss stays there until a snapshot reads it
        generator = torch.Generator().manual_seed(config.seed)
        self.model = build_model(config, generator, facts).to(self.device)
        self.model.eval()  # only a training step drops units (fit.TrainingForward)
        self.x, self.y = xor_tensors(self.device)  # the lesson's four rows: probs, preds, rows()
        self.lesson_data = facts.lesson_data
        self.data = facts.data.to(self.device)
        threads.use_for(threads.run_size(config, self.data.n_train))  # one, for a small run (the why there)
        if hasattr(self.model[0], "hold"):  # layers.PlaneSlice: a picture holds the other inputs at their mean
            self.model[0].hold.copy_(self.data.train_x.mean(0))
        self._setup_fit(config, generator)
        self.mistakes = m = facts.mistakes
        self.loss_fn = facts.loss_module()
        self.optimizer = make_step_optimizer(config.with_(lr=m.lr), self.model.parameters())
        # What the step calls by the lesson's names. `train_model`: the model as a training step
        # calls it (dropout on, the inputs featurized once, no hook bookkeeping); `_loss_of`: the
        # loss module's functional call, for the same reason; `backward`: autograd's engine called directly
        # where this torch passed the kernels' check, else the public loss.backward().
        self.train_model = TrainingForward(self.model, skip_features=True)
        self._measure_model = TrainingForward(self.model, skip_features=False, training=False)  # the curve, the halt
        self._loss_of = loss_function(self.loss_fn)
        self.backward = kernels.backward_ if verified(self.device).ok else _public_backward
        self.early = self._early_stop(facts)  # None: every step trains, the last weights are kept
        # CUDA's BCELoss checks its input range with a device-side assert that ruins the
        # whole CUDA context; raw scores are checked here instead, raising CPU's own error.
        self._range_check = (self.task.binary and not m.output_sigmoid and not m.mse_loss
                             and self.device.type != "cpu")
        self.error: str | None = None  # PyTorch refused a step: a symptom, not a crash
        self.mismatch: tuple | None = None  # (output shape, target shape) when they differ: a symptom
        self.start_weights = [p.detach().clone() for p in self.model.parameters()]  # has anything moved?
        self.step_count = 0
        self.losses: list[float] = []  # append-only: snapshots share it (core.training.series)
        self.loss_span = SpanTracker()
        self._pending: list = []  # device loss tensors not yet read back (CUDA)
        self.nonfinite_where: str | None = None
        self.halted = False  # stopped early on purpose (e.g. a saturated, blown-up run)
        # BCELoss's clamp keeps a blown-up run's loss finite (e.g. 50.0), so without this
        # it would "train" to the end. The app, lab and the card all stop it at the same
        # step and say why: one run, one result (the script's loop stops there too).
        self.halt_on_saturation = halt_on_saturation
        # The gradients found already held just before a backward() (checked once every
        # SATURATION_CHECK_EVERY steps): zero_grad() leaves none, so any means they pile up.
        self.leftover = None
        self.linear_model = is_linear(config)

    def _setup_fit(self, config: XorConfig, generator) -> None:
        """Data, minibatches, L1 and the train/val curve; all None/off for the lesson's run."""
        import torch

        from neurotui.core.model.layers import Features, SeededDropout
        feats = next((m for m in self.model if isinstance(m, Features)), None)  # after a file's PlaneSlice
        x, y = self.data.train_x, self.data.train_y
        rows = self.facts.stop_rows
        if rows is not None:  # early stopping's slice is never trained on (core.training.early_stop)
            fit = rows.fit.to(self.device)
            x, y = x[fit], y[fit]
        self._fx = feats(x) if feats is not None else x
        self._fy = loss_targets(self.task, y)  # class indices for CrossEntropyLoss
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

    def _early_stop(self, facts: Resolved) -> EarlyStop | None:
        rows = facts.stop_rows
        if rows is None:
            return None
        stop = rows.stop.to(self.device)
        return EarlyStop(self.model, self._measure_model, self._loss_of, self.data.train_x[stop],
                         loss_targets(self.task, self.data.train_y[stop]), self.data.n_train)

    @property
    def finished(self) -> bool:
        return (self.step_count >= self.config.steps or self.nonfinite_where is not None or self.halted
                or self.error is not None or (self.early is not None and self.early.stopped))

    # ----- stepping -----------------------------------------------------------------------------
    def step(self) -> None:
        """One pass of the lesson's loop, each bug's mistake made where the bug makes it."""
        x, y = self._batch()
        pred = self.train_model(x)
        loss = self.compute_loss(pred, y)
        if loss is None:
            return  # PyTorch refused the loss, or the model went non-finite: the run stops here
        if self.mistakes.zero_grad:
            self.optimizer.zero_grad()
        self._watch_leftover()
        self.backward(self.objective(loss))  # loss.backward()
        if self.mistakes.step:
            self.optimizer.step()
        self._stepped(loss)

    def run(self, n: int | None = None, should_stop: Callable[[], bool] | None = None) -> int:
        """Train up to n steps (default: to the end); returns the steps taken."""
        remaining = self.config.steps - self.step_count
        n = remaining if n is None else min(n, remaining)
        start = self.step_count
        while self.step_count - start < n and not self.finished:
            if should_stop is not None and should_stop():
                break
            self.step()
            # on CUDA the check would wait for the device every 50 steps: settle() does it there
            if self.halt_on_saturation and not self._sync_free and self.step_count % SATURATION_CHECK_EVERY == 0:
                self._check_saturation()
            if self.early is not None and self.step_count % EARLY_STOP_EVERY == 0 and self._trains_on():
                self.early.look(self.step_count)
        self._flush()
        if self.early is not None and self.finished:
            self._keep_best()
        return self.step_count - start

    def _trains_on(self) -> bool:
        """No refusal, no non-finite value, no halt: the steps taken were training, not a symptom."""
        return self.error is None and self.nonfinite_where is None and not self.halted

    def _keep_best(self) -> None:
        """At the run's end, early stopping's best weights replace the last (the script does the same);
        not after a refusal or a non-finite value, which the doctor reads off the model as it is."""
        if (self.early.stopped or self.step_count >= self.config.steps) and self.error is None \
                and self.nonfinite_where is None:
            self.early.restore()

    def _batch(self):
        x, y = (self._fx, self._fy) if self._batches is None else self._batches.next()
        if self.mistakes.flat_target:
            y = y.reshape(-1)  # the mistake: shape [batch], not [batch, 1]
        return x, y

    def compute_loss(self, pred, y):
        """loss_fn(pred, y), or None where PyTorch refuses it: the refusal becomes the run's `error`
        (a symptom the doctor reads) or, for a non-finite output, `nonfinite_where`."""
        try:
            if self._range_check and not bool(((pred >= 0) & (pred <= 1)).all()):
                raise RuntimeError("all elements of input should be between 0 and 1")
            # BCE/MSE want the target shaped like the output: else PyTorch broadcasts (MSELoss, with a
            # warning) or raises. CrossEntropyLoss takes class indices [n] for [n, K] logits by design.
            if not self.step_count and pred.shape != y.shape and self.task.kind != "classes":
                self.mismatch = (tuple(pred.shape), tuple(y.shape))
            return self._loss_of(pred, y)
        except (RuntimeError, ValueError) as exc:
            # BCELoss rejects probabilities outside [0, 1]; after a Sigmoid only NaN gets
            # there, so a model that went non-finite raises here instead of giving a nan loss.
            if _all_finite(pred):
                # A finite output PyTorch refused (a wrong target shape, raw scores into
                # BCELoss): the run stops here and the doctor reads the message. Decided on
                # the output alone, as the run's script decides it.
                self.error = first_line(exc)
            else:
                self.nonfinite_where = self.find_nonfinite() or "the model output"
            return None

    def objective(self, loss):
        """What backward() differentiates: the loss, plus the L1 term when the run has one."""
        return loss if self._penalty is None else loss + self._penalty()

    def _watch_leftover(self) -> None:
        if self.step_count % SATURATION_CHECK_EVERY == SATURATION_CHECK_EVERY - 1:
            self.leftover = self._held_gradient()  # what backward() is about to add to

    def _stepped(self, loss) -> None:
        """Count the step, keep its loss, and the train/validation curve when it is due."""
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

    def _check_saturation(self) -> None:
        self._flush()
        if self.lesson_data:
            self.halted = diagnose(self.losses, self.probabilities(), finished=False,
                                   **observe.model_kind(self)).kind == "saturated"
        else:  # unfinished, the doctor reads the train loss alone (fit.halts)
            self.halted = halts(self.losses, self._measure_model, self.data.train_x, self.data.train_y, self.task,
                                self.nonfinite_where)

    def _record_curve(self) -> None:
        import torch

        d = self.data  # a scaled regression target's losses, in the file's units (as metrics)
        pair = torch.stack([evaluate_loss(self._measure_model, x, y, self.task)
                            for x, y in ((d.train_x, d.train_y), (d.val_x, d.val_y))])
        if d.scaling is not None:  # (x 1.0 changes no number: the op is left out, ~20k instructions)
            pair = pair * d.scaling.loss_factor
        if self._sync_free:
            self._curve_pending.append((self.step_count, pair))  # read back with the losses
        else:
            self.curve.append((self.step_count, *pair.tolist()))

    def settle(self) -> None:
        """Everything the steps so far decided, read back: the losses, the curve and, on CUDA, the
        halt check, done here where the losses are read back anyway (no extra sync)."""
        if self._sync_free and self.halt_on_saturation and not self.finished:
            self._check_saturation()
        self._flush()

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

    def _mark_nonfinite(self) -> None:
        self.nonfinite_where = self.find_nonfinite() or "the loss"

    def find_nonfinite(self) -> str | None:
        """Name the first layer whose weights or gradients are not finite."""
        import torch

        linears = [m for m in self.model if isinstance(m, torch.nn.Linear)]
        for i, layer in enumerate(linears, start=1):
            for pname in ("weight", "bias"):
                p = getattr(layer, pname)
                if not _all_finite(p):
                    return f"layer {i} {'biases' if pname == 'bias' else 'weights'}"
                if p.grad is not None and not _all_finite(p.grad):
                    return f"layer {i} {pname} gradients"
        return None

    def _held_gradient(self):
        """The norm of the gradients the parameters hold now (a tensor: no device sync), 0 for none."""
        import torch

        grads = [p.grad.reshape(-1) for p in self.model.parameters() if p.grad is not None]
        return torch.cat(grads).norm() if grads else torch.zeros(())

    # ----- observing: what the run shows, read between steps (core.training.observe) ---------------
    def snapshot(self, boundary_size: tuple[int, int] | None = None, edited_loss: float | None = None,
                 frames: tuple = (), edits: tuple = ()) -> Snapshot:
        return observe.snapshot(self, boundary_size, edited_loss, frames, edits)

    def metrics(self) -> dict:
        return observe.metrics(self)

    def score(self, m: dict) -> float:
        return observe.score(self, m)

    def probabilities(self) -> list[float]:
        return observe.probabilities(self)

    def confusion(self) -> list[list[int]]:
        return observe.confusion(self)

    def symptoms(self) -> dict:
        return observe.symptoms(self)

    def gradients_now(self) -> dict | None:
        return observe.gradients_now(self)

    def look_inside(self, layer: int = 1, feature_grid: tuple[int, int] | None = None):
        return observe.look_inside(self, layer, feature_grid)


def _all_finite(t) -> bool:
    import torch

    return bool(torch.isfinite(t).all())


def _public_backward(loss) -> None:
    loss.backward()
