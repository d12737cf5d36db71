"""PyTorch's private kernels, each called by name in this one module.

torch.optim's fused Adam and SGD run `torch._fused_adam_` and `torch._foreach_*`; autograd
runs aten's backward ops. Calling them directly is what lets a run start without
torch.optim's start-up (core.training.optim) and lets a sweep train thousands of nets with
a hand-written backward (core.sweep.manual, fitnets). None of them is public API: a newer
torch may rename one or call it with other arguments. So:

- every call goes through a function here, and nothing else in neurotui touches `torch._*`
  or `torch.ops` (tests/test_kernels.py holds that rule, and compares these functions with
  torch.optim and autograd bit for bit);
- the `_foreach_*` calls fall back to the same public op on each tensor (on the CPU that is
  what they run anyway); `fused_adam_` has no public twin, so where this torch lacks it or
  calls it differently it raises `KernelUnavailable` before any tensor moved (the trainer
  then hands its run to torch.optim);
- the first run on each torch version checks these functions against torch.optim and
  autograd (core.training.kernel_check); where one differs, the trainer uses torch.optim and
  the sweep the trainer, so pyproject.toml needs no upper bound on torch.
"""

from __future__ import annotations

# aten's Reduction enum (torch.nn._reduction.get_enum): how a loss's backward scales its gradient.
REDUCTION_NONE = 0
REDUCTION_MEAN = 1
REDUCTION_SUM = 2

ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam's defaults, which the lesson uses
ADAM_EPS = 1e-8


class KernelUnavailable(RuntimeError):
    """This torch has no such private kernel, or calls it with other arguments."""


# ----- fused Adam: torch.optim.Adam(fused=True)'s one kernel ---------------------------------------
def has_fused_adam() -> bool:
    import torch

    return hasattr(torch, "_fused_adam_")


def fused_adam_(params, grads, exp_avgs, exp_avg_sqs, steps, *, lr: float, weight_decay: float) -> None:
    """One Adam update of every tensor in `params`, in place, as torch.optim.Adam(fused=True) makes it
    (no amsgrad, not maximizing, no grad scaling). `steps` must already count this step (float32
    scalars, see `add_scalar_`). Called with autograd off (`grad_enabled`), as torch.optim calls it."""
    import torch

    kernel = getattr(torch, "_fused_adam_", None)
    if kernel is None:
        raise KernelUnavailable(f"torch {torch.__version__} has no fused Adam kernel (torch._fused_adam_)")
    try:
        kernel(params, grads, exp_avgs, exp_avg_sqs, [], steps, amsgrad=False, lr=lr, beta1=ADAM_BETAS[0],
               beta2=ADAM_BETAS[1], weight_decay=weight_decay, eps=ADAM_EPS, maximize=False,
               grad_scale=None, found_inf=None)
    except TypeError as exc:  # the arguments are checked before any tensor is written
        raise KernelUnavailable(f"torch {torch.__version__} calls its fused Adam kernel differently: {exc}") from exc


def grad_mode_setter():
    """A function that turns autograd on or off for this thread, as `torch.no_grad()` does on entry
    and exit: torch's own setter where this torch has it (0.16 us a call here, against 3.3 us for
    entering and leaving the context manager, ~2% of a small step), else the public one."""
    import torch

    return getattr(torch._C, "_set_grad_enabled", torch.set_grad_enabled)


# ----- _foreach_*: one op over a list of tensors ---------------------------------------------------
def add_(tensors: list, others: list, alpha: float = 1.0) -> None:
    """tensors[i] += alpha * others[i], in place."""
    import torch

    kernel = getattr(torch, "_foreach_add_", None)
    if kernel is None:
        for t, o in zip(tensors, others, strict=True):
            t.add_(o, alpha=alpha)
        return
    kernel(tensors, others, alpha=alpha)


def added(tensors: list, others: list, alpha: float = 1.0) -> list:
    """[tensors[i] + alpha * others[i]], new tensors."""
    import torch

    kernel = getattr(torch, "_foreach_add", None)
    if kernel is None:
        return [t.add(o, alpha=alpha) for t, o in zip(tensors, others, strict=True)]
    return kernel(tensors, others, alpha=alpha)


def add_scalar_(tensors: list, value: float) -> None:
    """tensors[i] += value, in place (Adam's step counts)."""
    import torch

    kernel = getattr(torch, "_foreach_add_", None)
    if kernel is None:
        for t in tensors:
            t.add_(value)
        return
    kernel(tensors, value)


def signs(tensors: list) -> list:
    """[sign(tensors[i])], new tensors (the gradient of an L1 penalty)."""
    import torch

    kernel = getattr(torch, "_foreach_sign", None)
    if kernel is None:
        return [t.sign() for t in tensors]
    return kernel(tensors)


# ----- aten's backward ops: what autograd computes, without its graph -----------------------------
def _aten():
    import torch

    return torch.ops.aten


def _op(name: str, overload: str):
    """aten's `name.overload`, or KernelUnavailable before anything moved, as for the fused Adam: a
    torch that renamed or dropped the op (kernel_check then sends the sweep to the trainer)."""
    try:
        return getattr(getattr(_aten(), name), overload)
    except (AttributeError, RuntimeError) as exc:
        import torch

        raise KernelUnavailable(f"torch {torch.__version__} has no aten op {name}.{overload}") from exc


def bce_backward_sum(grad_out, p, y):
    """The gradient of BCELoss(reduction="sum") with respect to its input p, scaled by grad_out:
    grad_out * (p - y) / max(p (1 - p), 1e-12), each element on its own. A mean over each net's
    rows is this divided by the row count: aten's own mean would divide by every element of
    every net in the batch."""
    return _op("binary_cross_entropy_backward", "default")(grad_out, p, y, None, REDUCTION_SUM)


def sigmoid_backward(grad, out):
    """grad * out * (1 - out), where out = sigmoid(z): the gradient at z."""
    return _op("sigmoid_backward", "default")(grad, out)


def sigmoid_backward_into(grad, out, into):
    return _op("sigmoid_backward", "grad_input")(grad, out, grad_input=into)


def tanh_backward_into(grad, out, into):
    """grad * (1 - out^2), where out = tanh(z), written into `into`."""
    return _op("tanh_backward", "grad_input")(grad, out, grad_input=into)


def relu_backward_into(grad, out, into):
    """grad where out > 0, else 0 (ReLU's gradient, as autograd takes it: 0 at 0), into `into`."""
    return _op("threshold_backward", "grad_input")(grad, out, 0.0, grad_input=into)


# ----- autograd's engine: where loss.backward() ends ------------------------------------------------
def backward_(loss) -> None:
    """loss.backward(): the same call into autograd's engine that torch.autograd.backward ends in,
    without the Python on its way there (argument checks, the ones tensor's checks, the logging
    level, a copy of the context for device threads): ~50 of a small CPU step's ~210 us, measured
    on the peer bench's moons step. On the CPU only (there is no device thread to hand a context
    to); elsewhere, or where this torch's engine takes other arguments, loss.backward() itself.
    """
    import torch

    engine = getattr(torch.autograd.Variable, "_execution_engine", None)
    if engine is None or loss.device.type != "cpu" or torch.is_grad_enabled() is False:
        loss.backward()
        return
    try:
        engine.run_backward((loss,), (torch.ones_like(loss),), False, False, (), allow_unreachable=True,
                            accumulate_grad=True)
    except TypeError:  # the arguments are checked before anything runs
        loss.backward()
