"""The optimizer the trainer steps: torch.optim's own update, without torch.optim's start-up.

torch.optim wraps Optimizer.add_param_group, zero_grad and step for torch.compile, and the
first call of each imports torch._dynamo: 0.9-1.7 s here, more than `import torch` itself,
all of it before the first training step can run. We never compile, so that import buys
nothing. `KernelOptimizer` makes the calls torch.optim.Adam(fused=True) and torch.optim.SGD
make for our parameter groups (the same kernels, called through core.training.kernels, the
same arguments, the same state), so a run's numbers are torch.optim's bit for bit;
tests/test_optim.py compares whole runs, every optimizer and bug. Where a torch build lacks
Adam's kernel, calls it differently (the first step finds out), or computes something else
(core.training.kernel_check finds out, once per torch version), torch.optim itself takes
over: slower to start, same numbers.
"""

from __future__ import annotations

from neurotui.core.training import kernels


def param_groups(config, params) -> list[dict]:
    """The optimizer's parameter groups. L2 goes on weights only, as the usual recipe: a
    penalty on biases shifts the boundary for nothing."""
    params = list(params)
    l2 = getattr(config, "l2", 0)
    if not l2:
        return [{"params": params, "weight_decay": 0.0}]
    return [
        {"params": [p for p in params if p.dim() > 1], "weight_decay": l2},
        {"params": [p for p in params if p.dim() <= 1], "weight_decay": 0.0},
    ]


def make_torch_optimizer(config, params):
    """torch.optim itself (the reference, and what a run's script shows)."""
    import torch

    groups = param_groups(config, params)
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr)
    # fused Adam does the whole update in one kernel: same numbers, fewer ops.
    return torch.optim.Adam(groups, lr=config.lr, fused=True)


def make_step_optimizer(config, params):
    """What the trainer steps: the kernels directly where this torch has them and they pass
    their check against torch.optim (core.training.kernel_check); torch.optim itself otherwise."""
    from neurotui.core.training.kernel_check import verified

    params = list(params)
    if config.optimizer == "adam" and not kernels.has_fused_adam():
        return make_torch_optimizer(config, params)
    if params and not verified(params[0].device).ok:
        return make_torch_optimizer(config, params)
    return KernelOptimizer(config.optimizer, param_groups(config, params), config.lr)


class KernelOptimizer:
    """zero_grad() and step() as torch.optim does them for plain Adam(fused=True) and SGD (no
    momentum): per group, only parameters with a gradient, Adam's state made on first use."""

    def __init__(self, kind: str, groups: list[dict], lr: float):
        self.adam = kind == "adam"
        self.lr = lr
        self.param_groups = [dict(g, lr=lr) for g in groups]
        self.state: dict = {}  # parameter -> {"step", "exp_avg", "exp_avg_sq"}, as torch.optim.Adam keeps it
        # Per group, while all its parameters step together (they always do here: backward() reaches
        # every one): (their one step count, exp_avgs, exp_avg_sqs), the kernel's lists made once.
        self._shared: list[tuple | None] = [None] * len(self.param_groups)
        self.fallback = None  # torch.optim.Adam, where this torch's kernel takes other arguments
        self._stepped = False
        import torch

        self._grad_enabled = torch.is_grad_enabled
        self._set_grad = kernels.grad_mode_setter()

    def zero_grad(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None  # torch.optim's default, set_to_none=True

    def step(self) -> None:
        if self.fallback is not None:
            self.fallback.step()
            return
        grad_was = self._grad_enabled()
        self._set_grad(False)  # as torch.no_grad(), without the context manager's ~3 us
        try:
            for i, group in enumerate(self.param_groups):
                grads = [p.grad for p in group["params"]]
                if self.adam and self._shared[i] is not None and all(g is not None for g in grads):
                    self._shared_adam(self._shared[i], group, grads)  # every step of a run, after its first
                    continue
                params = [p for p in group["params"] if p.grad is not None]
                if params and self.adam:
                    self._adam(i, group, params)
                elif params:
                    self._sgd(group, params)
        except kernels.KernelUnavailable:
            if self._stepped:
                raise
            # The first call failed before any parameter moved (Adam's kernel is called first
            # thing): hand the run to torch.optim from a fresh state.
            self.state.clear()
            self._shared = [None] * len(self.param_groups)
            groups = [{"params": g["params"], "weight_decay": g["weight_decay"]} for g in self.param_groups]
            self.fallback = torch_adam(groups, self.lr)
            self.fallback.step()
        finally:
            self._set_grad(grad_was)
        self._stepped = True

    def _shared_adam(self, shared: tuple, group: dict, grads: list) -> None:
        """Adam over a group whose parameters all hold a gradient and share one step count."""
        _, exp_avgs, exp_avg_sqs, steps, count = shared
        count()
        kernels.fused_adam_(group["params"], grads, exp_avgs, exp_avg_sqs, steps, lr=group["lr"],
                            weight_decay=group["weight_decay"])

    def _sgd(self, group: dict, params: list) -> None:
        grads = [p.grad for p in params]
        if group["weight_decay"]:
            grads = kernels.added(grads, params, alpha=group["weight_decay"])
        kernels.add_(params, grads, alpha=-group["lr"])

    def _adam(self, i: int, group: dict, params: list) -> None:
        every = len(params) == len(group["params"])
        if every and self._shared[i] is None and not any(p in self.state for p in params):
            self._shared[i] = self._new_shared(params)
        elif not every and self._shared[i] is not None:
            self._unshare(i)  # some parameter sits this step out: each keeps its own count from now on
        shared = self._shared[i]
        if shared is not None:
            # torch.optim counts each parameter's steps in its own tensor (a foreach add over all of
            # them, ~5 us here); parameters that always step together can share one: the same values.
            _, exp_avgs, exp_avg_sqs, steps, count = shared
            count()
        else:
            states = [self.state.get(p) or self._new_state(p) for p in params]
            steps = [s["step"] for s in states]
            kernels.add_scalar_(steps, 1)
            exp_avgs, exp_avg_sqs = [s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states]
        kernels.fused_adam_(params, [p.grad for p in params], exp_avgs, exp_avg_sqs, steps,
                            lr=group["lr"], weight_decay=group["weight_decay"])

    def _new_shared(self, params: list) -> tuple:
        """(the one step count, exp_avgs, exp_avg_sqs, the count once per parameter as the kernel
        takes it, the function that counts a step)."""
        states = [self._new_state(p) for p in params]
        step = states[0]["step"]
        for s in states:
            s["step"] = step
        return (step, [s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states], [step] * len(params),
                step_counter(step))

    def _unshare(self, i: int) -> None:
        for p in self.param_groups[i]["params"]:
            if p in self.state:
                self.state[p]["step"] = self.state[p]["step"].clone()
        self._shared[i] = None

    def _new_state(self, p) -> dict:
        import torch

        # fused Adam keeps its step count as a float32 scalar beside the parameter
        s = {"step": torch.zeros((), dtype=torch.float32, device=p.device),
             "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
             "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}
        self.state[p] = s
        return s


def torch_adam(groups: list, lr: float):
    import torch

    return torch.optim.Adam(groups, lr=lr, fused=True)


def step_counter(step):
    """A function that adds 1 to Adam's float32 step count in place, as `step.add_(1)` does.

    On the CPU it writes the tensor's 4 bytes itself: the float32 read, plus 1 in float64 (exact:
    a float32 has 24 bits), packed back as float32 (rounded to nearest even, as float32's own add
    rounds the exact sum), so every count is add_'s, bit for bit, past 2^24 too; 0.3 us a step
    against add_'s 4.1 (its TensorIterator), ~1% of the peer bench's step. Elsewhere, add_."""
    if step.device.type == "cpu" and step.dtype == torch_float32() and not step.requires_grad and step.numel() == 1:
        try:
            buf = memoryview(step.numpy()).cast("B")
        except (ImportError, RuntimeError, TypeError, ValueError):
            pass
        else:
            import struct

            f32 = struct.Struct("=f")
            unpack, pack = f32.unpack_from, f32.pack_into

            def count() -> None:
                pack(buf, 0, unpack(buf)[0] + 1.0)

            return count
    from functools import partial

    return partial(step.add_, 1)


def torch_float32():
    import torch

    return torch.float32
