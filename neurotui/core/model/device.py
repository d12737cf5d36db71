"""Turn "auto" | "cpu" | "cuda" | "cuda:N" into a torch.device, with errors a person can read.

On a CPU build of torch, `.to("cuda")` raises an AssertionError deep inside torch;
we check first so the user sees one clear line instead.
"""

from __future__ import annotations

import re

from neurotui.core.errors import ConfigError

_SPEC = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def check_spec(spec: str) -> str:
    """Validate the spelling only (no torch import), so the CLI can fail fast."""
    s = spec.strip().lower()
    if not _SPEC.match(s):
        raise ConfigError(f"unknown device {spec!r} (use auto, cpu, cuda or cuda:N)")
    return s


def resolve_device(spec: str = "auto"):
    import torch

    s = check_spec(spec)
    if s == "auto":
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    if s == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        why = "this torch build has no CUDA" if torch.version.cuda is None else "no CUDA GPU is visible"
        raise ConfigError(f"device {spec!r} asked for, but {why}; use --device cpu")
    index = int(s.split(":")[1]) if ":" in s else 0
    count = torch.cuda.device_count()
    if index >= count:
        raise ConfigError(f"device {spec!r} asked for, but only {count} CUDA device(s) exist")
    return torch.device("cuda", index)


def describe(device) -> str:
    """'cpu' or 'cuda:0 NVIDIA H200' for headers and reports."""
    import torch

    if device.type == "cuda":
        index = device.index or 0
        return f"cuda:{index} {torch.cuda.get_device_name(index)}"
    return str(device)
