"""The stacked parameters of S nets and the batched training step."""

from __future__ import annotations

from collections.abc import Callable

from neurotui.core.lesson import XOR_X, XOR_Y
from neurotui.core.model.activations import get_activation
from neurotui.core.sweep.config import SweepConfig
from neurotui.core.sweep.record import SolveRecorder
from neurotui.core.training.optim import make_torch_optimizer

# Steps between should_stop()/progress calls.
DEFAULT_CHECK_EVERY = 20

def auto_threads(config: SweepConfig, nets: int, rows: int = 4) -> int:
    """Intra-op threads for `nets` nets on `rows` training rows: the run's choice (core.training.threads).

    Every step's fused Adam opens a parallel region, and on a busy 2-core machine waiting for the
    second thread can take longer than the whole step.
    """
    from neurotui.core.training import threads

    return threads.choose(threads.work(config.hidden, rows, config.layers, nets))


class intra_op_threads:
    """torch's intra-op threads set to n for the block, restored after (n None: leave as is).

    With OpenMP the setting applies to parallel regions opened from the calling thread.
    """

    def __init__(self, n: int | None):
        self.n = n
        self.old = None

    def __enter__(self):
        import torch

        from neurotui.core.training import threads

        if self.n is not None and self.n != torch.get_num_threads():
            self.old = torch.get_num_threads()
            threads.use(self.n)
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            from neurotui.core.training import threads

            threads.use(self.old)
        return False


class StackedNets:
    """The stacked parameters of S nets and the batched training step.

    The first layer's inputs are the four XOR points, the same for every net, so
    X @ W1 for all nets is one matrix product: W1 viewed as [S, 2H] times the
    constant kron(X^T, I_H) [2H, 4H].  Its inputs are 0 or 1, so every product is
    exact and each output is w0 + w1 rounded once, then + b: bit for bit what
    nn.Linear gives (tests check this against the single Trainer).  Deeper layers
    are per-net products: torch.baddbmm.
    """

    def __init__(self, config: SweepConfig, layers, device):
        import torch
        import torch.nn.functional as F

        self.config = config
        self.device = device
        S = layers[0][0].shape[0]
        H = config.hidden
        self.S, self.H = S, H
        self.params = []
        for W, b in layers:
            self.params.append(torch.from_numpy(W).to(device).requires_grad_())
            self.params.append(torch.from_numpy(b).to(device).requires_grad_())
        self.weights = self.params[0::2]
        self.biases = self.params[1::2]
        self._middle = list(zip(self.weights[1:-1], self.biases[1:-1]))
        x = torch.tensor(XOR_X, device=device)
        y = torch.tensor(XOR_Y, device=device).view(4, 1)
        self.kron_x = torch.kron(x.T.contiguous(), torch.eye(H, device=device))  # [2H, 4H]
        self.y = y.expand(S, 4, 1)
        self.y_bool = y.bool()
        act = get_activation(config.activation)
        self.act = act.functional()
        self.linear_model = act.linear
        # Adam and SGD are element-wise: one optimizer over the stacked tensors updates each
        # net as its own would, and it is the single trainer's (fused Adam included).
        self.optimizer = make_torch_optimizer(config.model, self.params)
        self._bce = F.binary_cross_entropy
        self._baddbmm = torch.baddbmm
        self._mm = torch.mm
        self._sigmoid = torch.sigmoid

    def forward(self):
        S, H, act = self.S, self.H, self.act
        W1, b1 = self.weights[0], self.biases[0]
        h = self._mm(W1.view(S, 2 * H), self.kron_x).view(S, 4, H) + b1
        if act is not None:
            h = act(h)
        for W, b in self._middle:
            h = self._baddbmm(b, h, W)
            if act is not None:
                h = act(h)
        return self._sigmoid(self._baddbmm(self.biases[-1], h, self.weights[-1]))  # [S, 4, 1]

    def probabilities(self):
        import torch

        with torch.no_grad():
            return self.forward()[:, :, 0]

    def train(
        self,
        steps: int,
        on_check: Callable[[int], None] | None = None,
        check_every: int = DEFAULT_CHECK_EVERY,
        record_budget: int = 8 * 2**20,
        threads: int | None | str = "auto",
    ) -> dict:
        """Run all steps; returns NumPy arrays first_loss, final_loss, probs, first_solved (-1: never).

        threads: intra-op CPU threads while training ("auto": see auto_threads; None: torch's).
        """
        if self.device.type != "cpu":
            threads = None
        elif threads == "auto":
            threads = auto_threads(self.config, self.S)
        with intra_op_threads(threads):
            return self._train(steps, on_check, check_every, record_budget)

    def _train(self, steps, on_check, check_every, record_budget) -> dict:
        import torch

        opt_step = self.optimizer.step
        params = self.params
        bce = self._bce
        forward = self.forward
        y = self.y
        rec = SolveRecorder(self.S, steps, self.y_bool, self.device, record_budget)
        quarter = torch.tensor(0.25, device=self.device)
        first_loss = final_loss = None
        last = steps - 1
        for t in range(steps):
            p = forward()
            rec.see(p)
            if t == 0 or t == last:
                # per-net mean BCE (the lesson's loss value), summed over nets
                per_net = bce(p, y, reduction="none").mean((1, 2))
                loss = per_net.sum()
                if t == 0:
                    first_loss = per_net.detach()
                if t == last:
                    final_loss = per_net.detach()
            else:
                # The same sum of per-net means, with bit for bit the same gradient, without
                # the per-net losses: backward() seeds the summed BCE with 0.25 (exact).
                loss = None
                total = bce(p, y, reduction="sum")
            for param in params:  # what optimizer.zero_grad() does, minus its Python overhead
                param.grad = None
            if loss is None:
                total.backward(quarter)
            else:
                loss.backward()
            opt_step()
            if on_check is not None and ((t + 1) % check_every == 0 or t == last):
                on_check(t + 1)
        with torch.no_grad():
            p = forward()
        rec.see(p)
        rec.flush()
        first_solved = rec.first
        return {
            "first_loss": first_loss.cpu().numpy(),
            "final_loss": final_loss.cpu().numpy(),
            "probs": p[:, :, 0].cpu().numpy(),
            "first_solved": first_solved.cpu().numpy(),
        }


_warmed = False