"""The batched program on any data (core.data): S nets sharing one set of rows, full batch.

Every net of a sweep trains on the same points (the data seed draws them, not the init
seed), so the first layer of all nets is still one matrix product: with K = [X, 1]
([n, f+1], X the input features of the n training rows, core.data.datasets.feature_columns) and
P1 = [W1; b1] ([f+1, H, S]), z1 = K @ P1 and its gradient is K^T @ dz1. That is the
lesson's program (manual.HandNets) with its four rows replaced, so HandNets does the rest;
this class adds what the single Trainer does off the lesson's rows:

- the loss is BCE averaged over the n rows, its gradient computed as BCELoss's backward
  computes it (per row, then divided by n);
- L2 is the optimizer's weight decay on weights (not biases), as core.training.optim.param_groups
  asks torch.optim for it; L1 adds l1 * sign(w) to each weight's gradient, as autograd
  differentiates the Trainer's penalty;
- after training, every net's train and validation loss and accuracy, measured as
  core.training.fit.evaluate measures them, and its probabilities on the lesson's four rows.

Dropout and minibatches are not done here (SweepConfig.validated refuses them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from neurotui.core.sweep.manual import HandNets
from neurotui.core.training import kernels


@dataclass(frozen=True, eq=False)
class SweepData:
    """The rows every net of a sweep shares, as the batched program reads them."""

    train_k: object  # [n, f+1] float32: the input features of each training row, then 1
    train_y: object  # [n, 1, 1] float32 labels 0/1
    val_k: object | None  # as train_k for the validation rows; None without a validation set
    val_y: object | None
    xor_k: object  # [4, f+1]: the lesson's four rows, for each net's final probabilities
    lesson: bool  # the lesson's four rows and no split: "solved" and the doctor are the lesson's

    @property
    def n_train(self) -> int:
        return len(self.train_k)

    @property
    def n_val(self) -> int:
        return 0 if self.val_k is None else len(self.val_k)


def sweep_data(model, device) -> SweepData:
    """The SweepData of an XorConfig or its resolved facts (core.training.resolved): the Trainer's data."""
    import torch

    from neurotui.core.data.datasets import DEFAULT_FEATURES, feature_columns, plotted_pair
    from neurotui.core.lesson import XOR_X
    from neurotui.core.training.resolved import resolve

    facts = resolve(model)
    model, data = facts.config, facts.data

    def rows(x):
        # a data file's K inputs as they are, or with --features its plotted pair's features and the rest
        plain = x.shape[1] > 2 and tuple(model.features) == DEFAULT_FEATURES
        f = x if plain else feature_columns(x, model.features, plotted_pair(model))
        return torch.cat([f, torch.ones(len(f), 1, dtype=f.dtype)], 1).contiguous().to(device)

    def labels(y):
        return y.reshape(-1, 1, 1).contiguous().to(device)

    return SweepData(
        train_k=rows(data.train_x), train_y=labels(data.train_y),
        val_k=rows(data.val_x) if data.has_val else None, val_y=labels(data.val_y) if data.has_val else None,
        xor_k=rows(torch.nn.functional.pad(torch.tensor(XOR_X), (0, data.train_x.shape[1] - 2))), lesson=facts.lesson_data,
    )


def bce_and_accuracy(p, y):
    """Per net (BCE, accuracy) of p [n, 1, S] against y [n, 1, 1], as core.training.fit.evaluate computes them."""
    import torch

    loss = -(y * p.log().clamp(min=-100) + (1 - y) * (1 - p).log().clamp(min=-100)).mean((0, 1))
    # counted, and divided on the host in float64 (core.model.task.accuracy_of): 114/120 is 0.95
    acc = ((p >= 0.5).to(y.dtype) == y).to(torch.float32).sum((0, 1)).cpu().double() / y.shape[0]
    return loss, acc


class FitNets(HandNets):
    """HandNets on the shared rows of `data` (a SweepData), with L1/L2 and the train/val numbers."""

    def __init__(self, config, layers, device, data: SweepData, groups=None, mask=None):
        import torch

        self.data = data
        super().__init__(config, layers, device, groups=groups, mask=mask)
        m = config.model
        self.l1, self.l2 = float(m.l1), float(m.l2)
        f = self.n_in
        # weights and biases apart (views: P1's rows are W1's f rows, then b1), for L1 and L2
        def split(ts):
            P1, *mid, Wo, bo = ts
            return [P1[:f], *mid[0::2], Wo], [P1[f:], *mid[1::2], bo]

        self.w_params, self.b_params = split(self.params)
        self.w_grads, self.b_grads = split(self.grads)
        if self.adam and self.l2:
            f32 = dict(dtype=torch.float32, device=device)
            self.w_avg, self.b_avg = split(self.exp_avg)
            self.w_avg_sq, self.b_avg_sq = split(self.exp_avg_sq)
            self.w_steps = [torch.zeros((), **f32) for _ in self.w_params]
            self.b_steps = [torch.zeros((), **f32) for _ in self.b_params]

    def _set_rows(self, f32) -> int:
        import torch

        d = self.data
        if d.train_k.shape[1] != self.n_in + 1:
            raise ValueError(f"the data has {d.train_k.shape[1] - 1} input features, the nets {self.n_in}")
        self.K = d.train_k
        self.KT = self.K.T.contiguous()
        n = len(self.K)
        self.y = d.train_y.expand(n, 1, self.S)
        self.y_bool = d.train_y.view(n).bool()
        self.one = torch.tensor(1.0, **f32)
        return n

    def _output_grad(self, p):
        # each net's mean BCE over its n rows: the sum's backward, then / n (aten's own mean would
        # divide by n times the number of nets)
        g = kernels.bce_backward_sum(self.one, p, self.y)
        g.div_(self.n)
        return kernels.sigmoid_backward(g, p)

    def update(self) -> None:

        if self.l1:
            # d(l1 * sum|w|)/dw = l1 * sign(w), added to the loss's gradient (weights only)
            kernels.add_(self.w_grads, kernels.signs(self.w_params), alpha=self.l1)
        if not self.l2:
            return super().update()
        if self.adam:
            # torch.optim's Adam with two parameter groups: weight decay on the weights only
            kernels.add_scalar_(self.w_steps, 1)
            kernels.add_scalar_(self.b_steps, 1)
            for params, grads, avg, avg_sq, steps, decay in (
                (self.w_params, self.w_grads, self.w_avg, self.w_avg_sq, self.w_steps, self.l2),
                (self.b_params, self.b_grads, self.b_avg, self.b_avg_sq, self.b_steps, 0.0),
            ):
                kernels.fused_adam_(params, grads, avg, avg_sq, steps, lr=self.lr, weight_decay=decay)
        else:
            # torch.optim.SGD's weight decay: grad + l2 * w, then the step
            kernels.add_(self.w_grads, self.w_params, alpha=self.l2)
            kernels.add_(self.params, self.grads, alpha=-self.lr)

    # ----- evaluation --------------------------------------------------------------------------
    def _act_new(self, z):
        import torch

        h = torch.empty_like(z)
        for lo, hi, fwd, _, name in self.groups:
            fwd(z[..., lo:hi], h[..., lo:hi])
            if name == "sigmoid" and self.mask is not None:
                h[..., lo:hi].mul_(self.mask[..., lo:hi])
        return h

    def predict(self, K):
        """p [m, 1, S]: every net's probability of class 1 on the rows K [m, f+1] (eval mode)."""
        import torch

        S, H = self.S, self.H
        z = torch.mm(K, self.P1.view(self.n_in + 1, H * S)).view(len(K), H, S)
        h = self._act_new(z)
        for W, b in self.middle:
            h = self._act_new(torch.sum(h.unsqueeze(2) * W, 1) + b)
        return torch.sigmoid(torch.sum(h * self.Wo, 1, keepdim=True) + self.bo)

    def _train(self, steps, on_check: Callable[[int], None] | None, check_every, record_budget, losses_every) -> dict:
        import numpy as np
        import torch

        first_loss, final_loss, losses = self._steps(steps, on_check, check_every, losses_every)
        d = self.data
        with torch.no_grad():
            train_loss, train_acc = bce_and_accuracy(self.forward(), d.train_y)
            if d.val_k is not None:
                val_loss, val_acc = bce_and_accuracy(self.predict(d.val_k), d.val_y)
            else:
                val_loss = val_acc = torch.full((self.S,), float("nan"))
            probs = self.predict(d.xor_k).view(4, self.S).T
        out = {
            "first_loss": first_loss.cpu().numpy(),
            "final_loss": final_loss.cpu().numpy(),
            "probs": probs.cpu().numpy(),
            "first_solved": np.full(self.S, -1, dtype=np.int64),
            "train_loss": train_loss.cpu().numpy(),
            "train_accuracy": train_acc.cpu().numpy(),
            "val_loss": val_loss.cpu().numpy(),
            "val_accuracy": val_acc.cpu().numpy(),
        }
        if losses_every:
            out["losses"] = torch.stack(losses).cpu().numpy()
        return out
