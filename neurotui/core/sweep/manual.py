"""The batched program with its forward and backward written out by hand: no autograd graph.

Per step, for S nets of 2-H-...-H-1 (BCE on a Sigmoid output, mean over the four rows):

    z1 = [x, 1] @ [W1; b1]          one mm for all nets (see K below)
    h  = act(z)                     for every hidden layer; deeper layers: z = h @ W + b (baddbmm)
    p  = sigmoid(h @ Wo + bo)
    dz_out = (p - y) / 4            BCE through the Sigmoid: the gradient of each net's mean loss
                                    (computed as autograd computes it, see backward())
    dWo = h^T dz_out, dbo = sum(dz_out), dh = dz_out Wo^T, dz = act'(dh, h) ... back to layer 1
    Adam (the kernel torch.optim's fused Adam runs, core.training.kernels) or SGD on the lists

Layer 1 of every net is one matrix product: the inputs are the four XOR rows for every
net, so z1 = P1 @ K with P1 = [W1; b1] viewed [S, 3H] and K = kron([x, 1]^T, I_H) [3H, 4H],
and its gradient is dz1 @ K^T. K's entries are 0 or 1, so the products are exact.

Nets in one program may differ in activation (contiguous groups of nets) and in hidden size
(smaller nets padded with units whose weights are zero and stay zero: their activation is
masked to 0, so their gradients are exactly 0 and Adam's update of them is exactly 0). That
is how the Reliability grid trains as (nearly) one program; see grid.py.

Autograd (stacked.py) stays as the reference; tests compare the two over thousands of seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from neurotui.core.lesson import XOR_X, XOR_Y
from neurotui.core.sweep.record import SolveRecorder, per_net_bce
from neurotui.core.training import kernels

DEFAULT_CHECK_EVERY = 20


def _tanh_into(z, out):
    # torch.tanh is ~5x slower than torch.sigmoid on this CPU (measured 42 us vs 8 us for
    # 16k floats); tanh(z) = 2 sigmoid(2z) - 1 costs three cheap ops more and differs by
    # float rounding only (tests hold it to the autograd reference's solve rates).
    import torch

    torch.mul(z, 2.0, out=out)
    torch.sigmoid(out, out=out)
    return out.mul_(2.0).sub_(1.0)


def _activation_fns(name: str):
    """(forward into `out`, backward into `out`) for one activation; identity forward copies."""
    import torch

    if name == "tanh":
        return _tanh_into, kernels.tanh_backward_into
    if name == "sigmoid":
        return (lambda z, out: torch.sigmoid(z, out=out)), kernels.sigmoid_backward_into
    if name == "relu":
        # relu's slope from its output: h > 0 exactly where z > 0 (autograd does the same)
        return (lambda z, out: torch.clamp_min(z, 0.0, out=out)), kernels.relu_backward_into
    if name == "identity":
        return (lambda z, out: out.copy_(z)), (lambda dh, h, out: out.copy_(dh))
    raise ValueError(f"no hand-written activation {name!r}")


class HandNets:
    """S nets trained together with a hand-written forward/backward (same interface as StackedNets).

    layers: [(W [S, in, out], b [S, 1, out])] float32 NumPy, the nets' initial weights (all
    nets already padded to the same hidden size). groups: [(activation, lo, hi)] contiguous
    ranges of nets (default: the config's activation for all). mask: [S, 1, H] float32 NumPy
    (1: a real unit, 0: padding) or None.

    Tensors are kept seeds-last ([rows, units, S]): every element-wise op and every
    broadcast then runs along one long contiguous axis. With seeds first the per-net
    broadcasts ([S, 4, 1] * [S, 1, H]) ran 10x slower here (measured 31 us vs 2.6 us, S=1024).
    """

    def __init__(self, config, layers, device, groups: Sequence[tuple[str, int, int]] | None = None, mask=None):
        import numpy as np
        import torch

        self.config = config
        self.device = device
        S, n_in, H = layers[0][0].shape
        self.S, self.H, self.n_in = S, H, n_in
        f32 = dict(dtype=torch.float32, device=device)

        def last(a):  # [S, i, o] NumPy -> [i, o, S] tensor, always a copy: training writes to it
            return torch.tensor(np.ascontiguousarray(a.transpose(1, 2, 0)), device=device)

        W1, b1 = layers[0]
        self.P1 = torch.cat([last(W1), last(b1)], 0).contiguous()  # [3, H, S]: W1 rows x1, x2, then b1
        self.n = self._set_rows(f32)  # the rows every net trains on (self.K, self.KT, self.y, self.y_bool)
        self.middle = [(last(W), last(b)) for W, b in layers[1:-1]]  # [H, H, S], [1, H, S]
        Wo, bo = layers[-1]
        self.Wo = last(Wo).view(1, H, S)  # [H, 1, S] and [1, H, S] share a memory order
        self.bo = last(bo)  # [1, 1, S]
        self.params = [self.P1] + [t for pair in self.middle for t in pair] + [self.Wo, self.bo]
        self.grads = [torch.zeros_like(p) for p in self.params]
        groups = list(groups) if groups else [(config.activation, 0, S)]
        self.groups = [(lo, hi, *_activation_fns(name), name) for name, lo, hi in groups]
        self.whole = len(self.groups) == 1
        # Only where act(0) != 0 (sigmoid) does a padded unit need its output masked to 0.
        self.mask = None
        if mask is not None and any(name == "sigmoid" for name, _, _ in groups):
            self.mask = last(mask)  # [1, H, S]
        self.adam = config.optimizer == "adam"
        if self.adam:
            self.exp_avg = [torch.zeros_like(p) for p in self.params]
            self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
            # float32 step counts on the device, as torch.optim's fused Adam keeps them
            self.state_steps = [torch.zeros((), **f32) for _ in self.params]
        self.lr = float(config.lr)
        n_hidden, n = 1 + len(self.middle), self.n
        self.z = [torch.empty((n, H, S), **f32) for _ in range(n_hidden)]
        self.h = [torch.empty((n, H, S), **f32) for _ in range(n_hidden)]
        self.dz = [torch.empty((n, H, S), **f32) for _ in range(n_hidden)]
        self.tmp = torch.empty((n, H, S), **f32)
        self.tmp4 = torch.empty((n, H, H, S), **f32) if self.middle else None
        self.zo = torch.empty((n, 1, S), **f32)

    def _set_rows(self, f32) -> int:
        """The lesson's four rows: K [4, 3] = [x1, x2, 1] per row, y [4, 1, S]; returns the row count."""
        import torch

        if self.n_in != 2:
            raise ValueError("the hand-written program trains the two XOR inputs only")
        self.K = torch.tensor([list(r) + [1.0] for r in XOR_X], **f32)  # [4, 3]: the rows [x1, x2, 1]
        self.KT = self.K.T.contiguous()
        y = torch.tensor(XOR_Y, **f32).view(4, 1, 1)
        self.y = y.expand(4, 1, self.S)
        self.y_bool = y.view(4).bool()
        self.quarter = torch.tensor(0.25, **f32)  # d(mean over 4 rows)/d(each row)
        return 4

    def _output_grad(self, p):
        """d(each net's mean BCE)/d(its output layer's pre-activation), [4, 1, S]."""
        # the sum over a net's rows, scaled by 1/4: that net's mean (the batch holds every net)
        return kernels.sigmoid_backward(kernels.bce_backward_sum(self.quarter, p, self.y), p)

    # ----- the maths -------------------------------------------------------------------------
    def _act(self, i: int):
        z, h = self.z[i], self.h[i]
        for lo, hi, fwd, _, name in self.groups:
            if self.whole:
                fwd(z, h)
            else:
                fwd(z[..., lo:hi], h[..., lo:hi])
            if name == "sigmoid" and self.mask is not None:
                h[..., lo:hi].mul_(self.mask[..., lo:hi])
        return h

    def _act_backward(self, i: int, dh):
        h, dz = self.h[i], self.dz[i]
        for lo, hi, _, bwd, _ in self.groups:
            if self.whole:
                bwd(dh, h, dz)
            else:
                bwd(dh[..., lo:hi], h[..., lo:hi], dz[..., lo:hi])
        return dz

    def forward(self):
        """p [4, 1, S]: each net's probability of class 1 on the four rows."""
        import torch

        S, H = self.S, self.H
        torch.mm(self.K, self.P1.view(self.n_in + 1, H * S), out=self.z[0].view(self.n, H * S))
        h = self._act(0)
        for i, (W, b) in enumerate(self.middle, start=1):
            # z[r, k] = sum_j h[r, j] W[j, k] + b[k], per net
            torch.sum(torch.mul(h.unsqueeze(2), W, out=self.tmp4), 1, out=self.z[i])
            self.z[i].add_(b)
            h = self._act(i)
        zo = torch.sum(torch.mul(h, self.Wo, out=self.tmp), 1, keepdim=True, out=self.zo)
        return torch.sigmoid(zo.add_(self.bo))

    def backward(self, p) -> None:
        import torch

        S, H = self.S, self.H
        # (p - y) / 4 in exact arithmetic, computed as autograd does (BCELoss's backward, then the
        # Sigmoid's): p (1 - p) / max(p (1 - p), 1e-12). That differs where p rounds to exactly 0
        # or 1: there the lesson's net gets no gradient at all, and so must this one (ReLU nets
        # get there; with the plain formula 0.3% of 4096 relu nets ended up otherwise).
        g = self._output_grad(p)  # [4, 1, S]
        last = len(self.h) - 1
        gP1, *g_mid, gWo, gbo = self.grads
        torch.sum(torch.mul(self.h[last], g, out=self.tmp), 0, keepdim=True, out=gWo)
        torch.sum(g, 0, keepdim=True, out=gbo)
        dz = self._act_backward(last, torch.mul(g, self.Wo, out=self.tmp))
        for i in range(last, 0, -1):
            W, _ = self.middle[i - 1]
            gW, gb = g_mid[2 * (i - 1)], g_mid[2 * (i - 1) + 1]
            h_prev = self.h[i - 1]
            torch.sum(torch.mul(h_prev.unsqueeze(2), dz.unsqueeze(1), out=self.tmp4), 0, out=gW)
            torch.sum(dz, 0, keepdim=True, out=gb)
            dh = torch.sum(torch.mul(dz.unsqueeze(1), W, out=self.tmp4), 2, out=self.tmp)
            dz = self._act_backward(i - 1, dh)
        torch.mm(self.KT, dz.view(self.n, H * S), out=gP1.view(self.n_in + 1, H * S))

    def update(self) -> None:

        if self.adam:
            kernels.add_scalar_(self.state_steps, 1)
            kernels.fused_adam_(self.params, self.grads, self.exp_avg, self.exp_avg_sq, self.state_steps,
                                lr=self.lr, weight_decay=0.0)
        else:
            kernels.add_(self.params, self.grads, alpha=-self.lr)

    def probabilities(self):
        """[S, 4]"""
        return self.forward().view(4, self.S).T

    def weights(self):
        """[(W [S, in, out], b [S, 1, out])] views, in build_model's layer order (for tests)."""
        return self._as_layers(self.params)

    def gradients(self):
        """The last backward()'s gradients, laid out as weights() (for tests)."""
        return self._as_layers(self.grads)

    def _as_layers(self, tensors):
        P1, *mid, Wo, bo = tensors
        out = [(P1[: self.n_in], P1[self.n_in :])] + list(zip(mid[0::2], mid[1::2])) + [(Wo.view(self.H, 1, self.S), bo)]
        return [(W.permute(2, 0, 1), b.permute(2, 0, 1)) for W, b in out]

    # ----- training --------------------------------------------------------------------------
    def train(self, steps: int, on_check: Callable[[int], None] | None = None,
              check_every: int = DEFAULT_CHECK_EVERY, record_budget: int = 8 * 2**20,
              threads: int | None | str = "auto", losses_every: int = 0) -> dict:
        """Run all steps; NumPy arrays first_loss, final_loss, probs, first_solved (-1: never).

        losses_every > 0 also returns "losses" [steps // losses_every, S] (tests).
        """
        from neurotui.core.sweep.stacked import auto_threads, intra_op_threads

        if self.device.type != "cpu":
            threads = None
        elif threads == "auto":
            threads = auto_threads(self.config, self.S, self.n)
        with intra_op_threads(threads):
            return self._train(steps, on_check, check_every, record_budget, losses_every)

    def _steps(self, steps, on_check, check_every, losses_every, see=None):
        """The training loop itself: (first losses, final losses, every `losses_every`-th step's)."""
        forward, backward, update = self.forward, self.backward, self.update
        first_loss = final_loss = None
        losses = []
        last = steps - 1
        for t in range(steps):
            p = forward()
            if see is not None:
                see(p)
            if t == 0:
                first_loss = per_net_bce(p, self.y, seeds_last=True)
            if t == last:
                final_loss = per_net_bce(p, self.y, seeds_last=True)
            if losses_every and t % losses_every == 0:
                losses.append(per_net_bce(p, self.y, seeds_last=True))
            backward(p)
            update()
            if on_check is not None and ((t + 1) % check_every == 0 or t == last):
                on_check(t + 1)
        return first_loss, final_loss, losses

    def _train(self, steps, on_check, check_every, record_budget, losses_every) -> dict:
        import torch

        rec = SolveRecorder(self.S, steps, self.y_bool, self.device, record_budget, seeds_last=True)
        first_loss, final_loss, losses = self._steps(steps, on_check, check_every, losses_every, see=rec.see)
        p = self.forward()
        rec.see(p)
        rec.flush()
        out = {
            "first_loss": first_loss.cpu().numpy(),
            "final_loss": final_loss.cpu().numpy(),
            "probs": p.view(4, self.S).T.cpu().numpy(),
            "first_solved": rec.first.cpu().numpy(),
        }
        if losses_every:
            out["losses"] = torch.stack(losses).cpu().numpy()
        return out
