"""What both batched programs record while training: the first step each net had all four
rows right, and the per-net loss the lesson prints."""

from __future__ import annotations


def per_net_bce(p, y, seeds_last: bool = False):
    """Mean BCE of each net over its four rows (the lesson's loss value), as BCELoss computes it.

    p, y: [S, 4, 1], or [4, 1, S] when seeds_last."""
    import torch.nn.functional as F

    return F.binary_cross_entropy(p, y, reduction="none").mean((0, 1) if seeds_last else (1, 2)).detach()


class SolveRecorder:
    """(prob >= 0.5) of every net written into a preallocated bool block each step, on the
    device (one small kernel, no host sync), reduced to "first step with all four right"
    once per block."""

    never = -1

    def __init__(self, nets: int, steps: int, y_bool, device, record_budget: int = 8 * 2**20,
                 seeds_last: bool = False):
        import torch

        self.S = nets
        self.seeds_last = seeds_last
        self.block = max(1, min(steps + 1, record_budget // (nets * 4)))
        shape = (self.block, 4, 1, nets) if seeds_last else (self.block, nets, 4, 1)
        self.rec = torch.empty(shape, dtype=torch.bool, device=device)
        self.rows = self.rec.unbind(0)
        self.y_bool = y_bool.reshape(4, 1).to(device)
        # A net's four bools are 4 contiguous bytes: read as one int32, "all four right" is a
        # single comparison with the bytes of the targets (whatever the byte order).
        self.target = y_bool.reshape(4).to(torch.uint8).view(torch.int32)  # [1]
        self.first = torch.full((nets,), self.never, dtype=torch.int64, device=device)
        self.base = self.used = 0
        self._ge = torch.ge

    def see(self, p) -> None:
        """p: [S, 4, 1] (or [4, 1, S]) probabilities after `base + used` updates."""
        self._ge(p, 0.5, out=self.rows[self.used])
        self.used += 1
        if self.used == self.block:
            self.flush()

    def flush(self) -> None:
        import torch

        used, S = self.used, self.S
        if not used:
            return
        if self.seeds_last:
            ok = (self.rec[:used].view(used, 4, S) == self.y_bool).all(1)  # [used, S]
        else:
            ok = self.rec[:used].view(torch.uint8).view(used, S, 4).view(torch.int32).squeeze(2) == self.target
        first = ok.to(torch.uint8).argmax(0) + self.base  # the first True (argmax returns the first maximum)
        self.first = torch.where((self.first == self.never) & ok.any(0), first, self.first)
        self.base += used
        self.used = 0
