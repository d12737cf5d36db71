"""Many seeds trained at once as one batched tensor program.

S independent XOR networks of one architecture are stacked along a leading
seed axis (W1: [S, 2, H], b1: [S, 1, H], ..., Wout: [S, H, 1], bout: [S, 1, 1])
and trained together: one batched forward (a matrix product for the first
layer, torch.baddbmm for the others), one BCE, one ``backward()``, one
``torch.optim`` step per training step.  The loss is the sum
over nets of each net's mean BCE, so every net's gradient is exactly its own;
Adam and SGD are element-wise, so one optimizer over the stacked tensors
updates every net as its own optimizer would.

Net ``i`` of a sweep starts from exactly the weights that
``build_model(XorConfig(seed=seed_start + i, ...))`` draws.  Those come from one
``torch.Generator`` per seed (Mersenne Twister MT19937, one 32-bit draw per
weight, mapped by ``uniform_``'s float formula), which this module reproduces
for all seeds at once with NumPy; every chunk is checked against
``build_model`` and falls back to a per-seed loop if the two ever disagree.

Nothing here imports a UI library; results are plain Python objects.
"""

from __future__ import annotations

import math
import time
from array import array
from dataclasses import dataclass, replace
from typing import Callable, Iterator, Sequence

from neurotui.core.activations import get_activation
from neurotui.core.errors import ConfigError
from neurotui.core.xor import SEED_MAX, XOR_X, XOR_Y, XorConfig, layer_sizes, linear_bounds

SEEDS_MAX = 1_000_000
DEFAULT_SEEDS = 256
# Working-set target per chunk of nets; bigger sweeps are trained chunk after chunk.
DEFAULT_MEMORY_BUDGET = 256 * 2**20
# Steps between should_stop()/progress calls.
DEFAULT_CHECK_EVERY = 20

# Diagnosis kinds a finished net can get (neurotui.core.diagnosis.diagnose, finished=True).
KINDS = ("solved", "stuck", "near_half", "not_decreasing", "saturated", "linear", "nonfinite")


class SweepCancelled(Exception):
    """should_stop() returned True; the sweep was abandoned between steps."""


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class SweepConfig:
    """One architecture trained from seeds seed_start .. seed_start + seeds - 1."""

    hidden: int = 4
    layers: int = 1
    activation: str = "tanh"
    lr: float = 0.1
    steps: int = 2000
    optimizer: str = "adam"
    device: str = "cpu"
    seeds: int = DEFAULT_SEEDS
    seed_start: int = 0

    def model_config(self, seed: int | None = None) -> XorConfig:
        """The single-network config of one seed (default: the first)."""
        return XorConfig(
            hidden=self.hidden, layers=self.layers, activation=self.activation, lr=self.lr,
            steps=self.steps, seed=self.seed_start if seed is None else seed,
            optimizer=self.optimizer, device=self.device,
        )

    def validated(self) -> "SweepConfig":
        """Return a normalised copy, or raise ConfigError with a one-line reason."""
        if not 1 <= self.seeds <= SEEDS_MAX:
            raise ConfigError(f"seeds must be 1-{SEEDS_MAX:,}, got {self.seeds}")
        if self.seed_start < 0 or self.seed_start + self.seeds - 1 > SEED_MAX:
            raise ConfigError(f"seeds must lie in 0-{SEED_MAX}, got start {self.seed_start}")
        m = self.model_config().validated()
        return replace(self, activation=m.activation, optimizer=m.optimizer, device=m.device)

    @property
    def seed_range(self) -> range:
        return range(self.seed_start, self.seed_start + self.seeds)

    @property
    def label(self) -> str:
        return f"hidden {self.hidden} x{self.layers} {self.activation}"

    @classmethod
    def from_model_config(cls, config: XorConfig, seeds: int = DEFAULT_SEEDS, seed_start: int = 0) -> "SweepConfig":
        return cls(
            hidden=config.hidden, layers=config.layers, activation=config.activation, lr=config.lr,
            steps=config.steps, optimizer=config.optimizer, device=config.device,
            seeds=seeds, seed_start=seed_start,
        )


def grid_configs(
    base: SweepConfig,
    hidden: Sequence[int] | None = None,
    layers: Sequence[int] | None = None,
    activations: Sequence[str] | None = None,
) -> list[SweepConfig]:
    """Every (hidden, layers, activation) combination, in that nesting order, validated."""
    hidden = list(hidden) if hidden else [base.hidden]
    layers = list(layers) if layers else [base.layers]
    activations = list(activations) if activations else [base.activation]
    configs = []
    for h in hidden:
        for n in layers:
            for a in activations:
                configs.append(replace(base, hidden=h, layers=n, activation=a).validated())
    return configs


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SweepProgress:
    """Posted every check_every steps; plain values only."""

    config_index: int  # 0-based position in the grid
    config_count: int
    config: SweepConfig
    nets_done: int  # nets of this config fully trained (earlier chunks)
    chunk_nets: int  # nets in the chunk now training
    step: int  # steps done in the current chunk
    steps: int
    fraction: float  # 0..1 over the whole grid, by net-steps

    @property
    def config_fraction(self) -> float:
        total = self.config.seeds * self.steps
        return (self.nets_done * self.steps + self.chunk_nets * self.step) / total if total else 1.0


@dataclass(frozen=True)
class SweepResult:
    """One architecture over many seeds.  Per-seed tuples are indexed by seed - seed_start."""

    config: SweepConfig
    final_losses: tuple[float, ...]  # loss at the last step (the lesson's final_loss); nan if blown up
    solved: tuple[bool, ...]  # all four rows right after training (prob >= 0.5 -> 1)
    # updates after which all four rows were first right (0: right from the start); None if
    # never.  A net can get there and lose it again, so unsolved nets may have a number too.
    steps_to_solve: tuple[int | None, ...]
    kinds: tuple[str, ...]  # diagnosis kind per net (see KINDS)
    final_probs: array  # float32, 4 per net (rows 00, 01, 10, 11) after training; see probs_of()
    solved_fraction: float
    median_final_loss: float  # non-finite losses count as +inf
    p90_final_loss: float  # nearest-rank 90th percentile
    median_steps_to_solve: float | None  # over solved nets; None when none solved
    kind_counts: dict[str, int]
    elapsed_s: float
    device: str
    init_method: str  # "vectorized" or "loop"
    chunks: int = 1

    @property
    def seeds(self) -> range:
        return self.config.seed_range

    @property
    def n(self) -> int:
        return len(self.final_losses)

    @property
    def solved_count(self) -> int:
        return sum(self.solved)

    @property
    def net_steps_per_s(self) -> float:
        return self.n * self.config.steps / self.elapsed_s if self.elapsed_s > 0 else math.inf

    def probs_of(self, index: int) -> tuple[float, float, float, float]:
        return tuple(self.final_probs[4 * index : 4 * index + 4])

    def index_of(self, seed: int) -> int:
        i = seed - self.config.seed_start
        if not 0 <= i < self.n:
            raise IndexError(f"seed {seed} is not in this sweep")
        return i

    def seed_of(self, index: int) -> int:
        return self.config.seed_start + index

    def example_seed(self, solved: bool | None = None, kind: str | None = None) -> int | None:
        """First seed that solved (True), failed (False) or got `kind`; None if there is none."""
        for i, (ok, k) in enumerate(zip(self.solved, self.kinds)):
            if (solved is None or ok == solved) and (kind is None or k == kind):
                return self.seed_of(i)
        return None

    def histogram(self, bins: int = 20, log10: bool = True) -> tuple[list[float], list[int]]:
        """Counts of final loss per bin (log10 scale by default); non-finite losses go in the last bin.

        Returns (edges, counts) with len(edges) == bins + 1.
        """
        vals = [v for v in self.final_losses if math.isfinite(v)]
        if log10:
            vals = [math.log10(max(v, 1e-12)) for v in vals]
        lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
        width = (hi - lo) / bins
        edges = [lo + i * width for i in range(bins + 1)]
        counts = [0] * bins
        for v in vals:
            counts[min(int((v - lo) / width), bins - 1)] += 1
        counts[-1] += self.n - len(vals)
        return edges, counts

    def summary(self) -> dict:
        """JSON-ready summary (non-finite floats become None)."""
        c = self.config
        return {
            "hidden": c.hidden, "layers": c.layers, "activation": c.activation,
            "optimizer": c.optimizer, "lr": c.lr, "steps": c.steps,
            "seeds": self.n, "seed_start": c.seed_start,
            "solved": self.solved_fraction, "solved_count": self.solved_count,
            "median_final_loss": _finite_or_none(self.median_final_loss),
            "p90_final_loss": _finite_or_none(self.p90_final_loss),
            "median_steps_to_solve": self.median_steps_to_solve,
            "diagnosis": dict(self.kind_counts),
            "device": self.device, "elapsed_s": self.elapsed_s,
            "net_steps_per_s": self.net_steps_per_s,
        }

    def as_dict(self, per_seed: bool = False) -> dict:
        d = self.summary()
        if per_seed:
            d["final_losses"] = [_finite_or_none(v) for v in self.final_losses]
            d["solved_per_seed"] = list(self.solved)
            d["steps_to_solve"] = list(self.steps_to_solve)
            d["kinds"] = list(self.kinds)
        return d


def _finite_or_none(v):
    return v if v is not None and math.isfinite(v) else None


# --------------------------------------------------------------------------- initial weights
#
# torch.Generator on the CPU is MT19937 seeded with the low 32 bits of the seed;
# uniform_(lo, hi) on a float32 tensor takes one 32-bit draw per element, in
# memory order, as  x = (r & (2**24 - 1)) * 2**-24;  value = x * (hi - lo) + lo,
# rounded once to float32 (computed here in float64, where x * (hi - lo) + lo is
# exact, so the one rounding to float32 is the kernel's).  build_model draws, per
# layer, the weight [out, in] (kaiming_uniform_, a = sqrt(5)) then the bias.

_MT_N, _MT_M = 624, 397
_SEED_BLOCK = 4096


def _mt_states(seeds):
    import numpy as np

    s = np.asarray(seeds, dtype=np.uint64)
    st = np.empty((_MT_N, s.size), np.uint32)
    st[0] = (s & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    tmp = np.empty(s.size, np.uint32)
    mul = np.uint32(1812433253)
    for j in range(1, _MT_N):
        prev = st[j - 1]
        np.right_shift(prev, np.uint32(30), out=tmp)
        np.bitwise_xor(tmp, prev, out=tmp)
        np.multiply(tmp, mul, out=tmp)
        np.add(tmp, np.uint32(j), out=st[j])
    return st


def _mt_twist(u, v, w):
    import numpy as np

    y = (u & np.uint32(0x80000000)) | (v & np.uint32(0x7FFFFFFF))
    out = w ^ (y >> np.uint32(1))
    out ^= (v & np.uint32(1)) * np.uint32(0x9908B0DF)
    return out


def _mt_next(st, rows: int = _MT_N):
    """The state after one regeneration; only the first `rows` rows when rows <= 227."""
    import numpy as np

    if rows <= _MT_N - _MT_M:
        return _mt_twist(st[:rows], st[1 : rows + 1], st[_MT_M : _MT_M + rows])
    new = np.empty_like(st)
    a = _MT_N - _MT_M  # 227
    new[:a] = _mt_twist(st[:a], st[1 : a + 1], st[_MT_M:])
    new[a : 2 * a] = _mt_twist(st[a : 2 * a], st[a + 1 : 2 * a + 1], new[:a])
    new[2 * a : _MT_N - 1] = _mt_twist(st[2 * a : _MT_N - 1], st[2 * a + 1 :], new[a : _MT_M - 1])
    new[_MT_N - 1] = _mt_twist(st[_MT_N - 1], new[0], new[_MT_M - 1])
    return new


def _mt_temper(y):
    import numpy as np

    y = y ^ (y >> np.uint32(11))
    y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
    y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
    y ^= y >> np.uint32(18)
    return y


def _mt_draws(seeds, n: int):
    """[n, len(seeds)] uint32: the first n outputs of each seed's generator."""
    import numpy as np

    st = _mt_states(seeds)
    parts, have = [], 0
    while have < n:
        need = n - have
        if need <= _MT_N - _MT_M and not parts:
            parts.append(_mt_temper(_mt_next(st, need)))
            have += need
            break
        st = _mt_next(st)
        parts.append(_mt_temper(st))
        have += _MT_N
    out = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return out[:n]


def _uniform_from_draws(u, bound: float):
    import numpy as np

    lo = np.float32(-bound)
    hi = np.float32(bound)
    x = (u & np.uint32(0xFFFFFF)).astype(np.float64) * (2.0**-24)
    return (x * np.float64(hi - lo) + np.float64(lo)).astype(np.float32)


def _kaiming_bound(fan_in: int) -> float:
    # the same double arithmetic as torch.nn.init.kaiming_uniform_(a=sqrt(5))
    from torch.nn import init

    gain = init.calculate_gain("leaky_relu", math.sqrt(5))
    return math.sqrt(3.0) * (gain / math.sqrt(fan_in))


def _init_vectorized(config: XorConfig, seeds: Sequence[int]):
    """[(W [S, in, out], b [S, 1, out]) float32 numpy] for every layer, all seeds at once."""
    import numpy as np

    sizes = layer_sizes(config)
    n = sum(i * o + o for i, o in sizes)
    S = len(seeds)
    out = [(np.empty((S, i, o), np.float32), np.empty((S, 1, o), np.float32)) for i, o in sizes]
    for lo in range(0, S, _SEED_BLOCK):
        block = seeds[lo : lo + _SEED_BLOCK]
        u = _mt_draws(block, n)  # [n, B]
        k = 0
        for (fan_in, fan_out), (W, b) in zip(sizes, out):
            w = _uniform_from_draws(u[k : k + fan_in * fan_out], _kaiming_bound(fan_in))
            k += fan_in * fan_out
            # w rows are nn.Linear's weight [out, in] flattened; we keep [in, out] per seed.
            W[lo : lo + len(block)] = w.T.reshape(len(block), fan_out, fan_in).transpose(0, 2, 1)
            bb = _uniform_from_draws(u[k : k + fan_out], linear_bounds(fan_in))
            k += fan_out
            b[lo : lo + len(block), 0] = bb.T
    return out


def _init_one(config: XorConfig, seed: int):
    """One seed through build_model itself: [(W [in, out], b [1, out])] as numpy."""
    import torch

    from neurotui.core.xor import build_model

    model = build_model(config.with_(seed=seed))
    return [
        (m.weight.detach().T.numpy().copy(), m.bias.detach().unsqueeze(0).numpy().copy())
        for m in model if isinstance(m, torch.nn.Linear)
    ]


def _init_loop(config: XorConfig, seeds: Sequence[int]):
    import numpy as np

    sizes = layer_sizes(config)
    S = len(seeds)
    out = [(np.empty((S, i, o), np.float32), np.empty((S, 1, o), np.float32)) for i, o in sizes]
    for j, seed in enumerate(seeds):
        for (W, b), (w, bb) in zip(out, _init_one(config, seed)):
            W[j] = w
            b[j] = bb
    return out


def initial_parameters(config: XorConfig, seeds: Sequence[int], method: str = "auto"):
    """Stacked initial weights of `seeds`, exactly as build_model draws them.

    Returns (layers, method_used) where layers is [(W [S, in, out], b [S, 1, out])] of
    float32 NumPy arrays.  method: "vectorized", "loop" (build_model per seed), or
    "auto": vectorized, checked against build_model on the first and last seed,
    with the loop as the fallback should the two ever differ.
    """
    import numpy as np

    seeds = list(seeds)
    if method == "loop":
        return _init_loop(config, seeds), "loop"
    layers = _init_vectorized(config, seeds)
    if method == "vectorized":
        return layers, "vectorized"
    for j in sorted({0, len(seeds) - 1}):
        for (W, b), (w, bb) in zip(layers, _init_one(config, seeds[j])):
            if not (np.array_equal(W[j], w) and np.array_equal(b[j], bb)):
                return _init_loop(config, seeds), "loop"
    return layers, "vectorized"


# --------------------------------------------------------------------------- diagnosis


def diagnose_kinds(first_losses, final_losses, probs, *, linear_model: bool, steps: int) -> list[str]:
    """Vectorised neurotui.core.diagnosis.diagnose(finished=True) over many nets: the `kind` strings.

    first_losses, final_losses: [S]; probs: [S, 4] (NumPy or lists).  Mirrors diagnose's
    order of checks and its float64 comparisons.
    """
    import numpy as np

    first = np.asarray(first_losses, dtype=np.float64)
    last = np.asarray(final_losses, dtype=np.float64)
    p = np.asarray(probs, dtype=np.float64).reshape(-1, 4)
    t = np.asarray(XOR_Y, dtype=np.float64)
    nonfinite = ~np.isfinite(last) | ~np.isfinite(p).all(1)
    pred = np.where(p >= 0.5, 1.0, 0.0)
    wrong = pred != t
    solved = ~wrong.any(1)
    certain = (p < 1e-6) | (p > 1 - 1e-6)
    saturated = (wrong & certain).any(1) & (last > 5.0)
    near_half = (np.abs(p - 0.5) < 0.1).all(1)
    not_decreasing = (last >= first * 0.99) if steps > 1 else np.zeros_like(solved)
    kinds = np.full(last.shape, "stuck", dtype=object)
    # assign from the last check to the first, so earlier checks win as in diagnose()
    kinds[not_decreasing] = "not_decreasing"
    kinds[near_half] = "near_half"
    if linear_model:
        kinds[:] = "linear"
    kinds[saturated] = "saturated"
    kinds[solved] = "solved"
    kinds[nonfinite] = "nonfinite"
    return kinds.tolist()


# --------------------------------------------------------------------------- training


def estimate_bytes_per_net(config: SweepConfig, record_steps: int = 0) -> int:
    """Rough working set of one net while training (float32), for chunking."""
    sizes = layer_sizes(config.model_config())
    params = sum(i * o + o for i, o in sizes)
    # parameter + gradient + two Adam moments, plus one transient copy in the update
    state = 5 * params
    # per layer: pre-activation, activation, their gradients and bmm temporaries, [4, out] each
    acts = sum(8 * 4 * o for _, o in sizes) + 4 * 2 * 8
    return 4 * (state + acts) + 4 * record_steps + 64


def chunk_size(config: SweepConfig, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> int:
    per_net = estimate_bytes_per_net(config)
    return max(1, min(config.seeds, memory_budget // per_net))


# Below this many elements in the largest activation tensor, intra-op threads cost more
# than they give: every step's fused Adam opens a parallel region, and on a busy 2-core
# machine waiting for the second thread can take longer than the whole step.
SINGLE_THREAD_BELOW = 2**18


def auto_threads(config: SweepConfig, nets: int) -> int | None:
    """1 for small batches on the CPU, None (torch's own setting) for big ones."""
    return 1 if nets * 4 * config.hidden < SINGLE_THREAD_BELOW else None


class _intra_op_threads:
    """torch.set_num_threads(n) for the block, restored after (n None: leave as is).

    With OpenMP the setting applies to parallel regions opened from the calling thread.
    """

    def __init__(self, n: int | None):
        self.n = n
        self.old = None

    def __enter__(self):
        import torch

        if self.n is not None and self.n != torch.get_num_threads():
            self.old = torch.get_num_threads()
            torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            import torch

            torch.set_num_threads(self.old)
        return False


class _StackedNets:
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
        self.act = None if act.linear else {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[act.name]
        self.linear_model = act.linear
        if config.optimizer == "sgd":
            self.optimizer = torch.optim.SGD(self.params, lr=config.lr)
        else:
            # fused: one kernel for all four moments/updates, as the single trainer does
            self.optimizer = torch.optim.Adam(self.params, lr=config.lr, fused=True)
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
        with _intra_op_threads(threads):
            return self._train(steps, on_check, check_every, record_budget)

    def _train(self, steps, on_check, check_every, record_budget) -> dict:
        import torch

        S = self.S
        dev = self.device
        opt_step = self.optimizer.step
        params = self.params
        bce = self._bce
        forward = self.forward
        ge = torch.ge
        y = self.y
        # Correctness is recorded on the device every step ((prob >= 0.5) into a preallocated
        # bool block: one small kernel, no host sync) and reduced to "first step with all four
        # right" once per block.
        block = max(1, min(steps + 1, record_budget // (S * 4)))
        rec = torch.empty((block, S, 4, 1), dtype=torch.bool, device=dev)
        # A net's four bools are 4 contiguous bytes: read as one int32, "all four right" is a
        # single comparison with the bytes of the targets (whatever the byte order).
        as_int = torch.uint8, torch.int32
        target = self.y_bool.view(4).to(torch.uint8).view(torch.int32)  # [1]
        never = -1
        first_solved = torch.full((S,), never, dtype=torch.int64, device=dev)
        rows = rec.unbind(0)
        quarter = torch.tensor(0.25, device=dev)

        def flush(base: int, used: int):
            nonlocal first_solved
            ok = rec[:used].view(as_int[0]).view(used, S, 4).view(as_int[1]).squeeze(2) == target  # [used, S]
            first = ok.to(torch.uint8).argmax(0) + base  # the first True (argmax returns the first maximum)
            first_solved = torch.where((first_solved == never) & ok.any(0), first, first_solved)

        first_loss = final_loss = None
        base = used = 0
        last = steps - 1
        for t in range(steps):
            p = forward()
            ge(p, 0.5, out=rows[used])
            used += 1
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
            if used == block:
                flush(base, used)
                base += used
                used = 0
            if on_check is not None and ((t + 1) % check_every == 0 or t == last):
                on_check(t + 1)
        with torch.no_grad():
            p = forward()
        ge(p, 0.5, out=rec[used])
        used += 1
        flush(base, used)
        return {
            "first_loss": first_loss.cpu().numpy(),
            "final_loss": final_loss.cpu().numpy(),
            "probs": p[:, :, 0].cpu().numpy(),
            "first_solved": first_solved.cpu().numpy(),
        }


_warmed = False


def _warm_up() -> None:
    """Pay one-off import costs before the clock starts: the first torch.optim optimizer
    of a process imports torch._dynamo (seconds), which is no part of any sweep's time."""
    global _warmed
    if not _warmed:
        import torch

        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        _warmed = True


def _median(values: list[float]) -> float:
    n = len(values)
    if n == 0:
        return math.nan
    s = sorted(values)
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def _nearest_rank(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def run_sweep(
    config: SweepConfig,
    *,
    progress: Callable[[SweepProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    check_every: int = DEFAULT_CHECK_EVERY,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    init: str = "auto",
    threads: int | None | str = "auto",
    _grid_position: tuple[int, int, int, int] = (0, 1, 0, 0),
) -> SweepResult:
    """Train config.seeds nets of one architecture; raise SweepCancelled if should_stop() says so.

    progress(SweepProgress) and should_stop() are called every `check_every` steps from
    the calling thread.  Nets are trained in chunks of at most `memory_budget` bytes
    (estimated), which changes nothing in the results: the nets never interact.
    threads: intra-op CPU threads while training ("auto": see auto_threads; None: torch's).
    """
    import numpy as np

    from neurotui.core.device import describe, resolve_device

    config = config.validated()
    device = resolve_device(config.device)
    model_config = config.model_config()
    seeds = config.seed_range
    per_chunk = chunk_size(config, memory_budget)
    config_index, config_count, grid_done, grid_total = _grid_position
    grid_total = grid_total or config.seeds * config.steps
    _warm_up()
    t0 = time.perf_counter()
    parts: list[dict] = []
    methods = set()
    nets_done = 0
    chunks = 0
    for lo in range(0, config.seeds, per_chunk):
        chunk = seeds[lo : lo + per_chunk]
        layers, method = initial_parameters(model_config, chunk, init)
        methods.add(method)
        nets = _StackedNets(config, layers, device)
        del layers

        def on_check(step: int, _n=len(chunk), _done=nets_done):
            if should_stop is not None and should_stop():
                raise SweepCancelled()
            if progress is not None:
                done = grid_done + _done * config.steps + _n * step
                progress(SweepProgress(
                    config_index=config_index, config_count=config_count, config=config,
                    nets_done=_done, chunk_nets=_n, step=step, steps=config.steps,
                    fraction=min(1.0, done / grid_total),
                ))

        wants_calls = progress is not None or should_stop is not None
        parts.append(nets.train(config.steps, on_check if wants_calls else None, check_every, threads=threads))
        del nets
        nets_done += len(chunk)
        chunks += 1
    elapsed = time.perf_counter() - t0

    first_loss = np.concatenate([p["first_loss"] for p in parts])
    final_loss = np.concatenate([p["final_loss"] for p in parts])
    probs = np.concatenate([p["probs"] for p in parts])
    first_solved = np.concatenate([p["first_solved"] for p in parts])
    kinds = diagnose_kinds(
        first_loss, final_loss, probs,
        linear_model=get_activation(config.activation).linear, steps=config.steps,
    )
    solved = [k == "solved" for k in kinds]
    losses = [float(v) for v in final_loss.tolist()]
    ranked = [v if math.isfinite(v) else math.inf for v in losses]
    solve_steps = [int(s) if s >= 0 else None for s in first_solved.tolist()]
    solved_steps = [s for s, ok in zip(solve_steps, solved) if ok and s is not None]
    counts = {k: 0 for k in KINDS}
    for k in kinds:
        counts[k] = counts.get(k, 0) + 1
    return SweepResult(
        config=config,
        final_losses=tuple(losses),
        solved=tuple(solved),
        steps_to_solve=tuple(solve_steps),
        kinds=tuple(kinds),
        final_probs=array("f", probs.astype("float32").ravel().tobytes()),
        solved_fraction=sum(solved) / len(solved),
        median_final_loss=_median(ranked),
        p90_final_loss=_nearest_rank(ranked, 0.9),
        median_steps_to_solve=_median(solved_steps) if solved_steps else None,
        kind_counts=counts,
        elapsed_s=elapsed,
        device=describe(device),
        init_method="vectorized" if methods == {"vectorized"} else "loop",
        chunks=chunks,
    )


def run_grid(
    base: SweepConfig,
    hidden: Sequence[int] | None = None,
    layers: Sequence[int] | None = None,
    activations: Sequence[str] | None = None,
    *,
    progress: Callable[[SweepProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    check_every: int = DEFAULT_CHECK_EVERY,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    threads: int | None | str = "auto",
) -> Iterator[SweepResult]:
    """Yield one SweepResult per (hidden, layers, activation) as each finishes.

    Every config is validated before the first is trained (ConfigError); SweepCancelled
    propagates out of the iteration when should_stop() returns True.
    """
    configs = grid_configs(base, hidden, layers, activations)
    total = sum(c.seeds * c.steps for c in configs)
    done = 0
    for i, config in enumerate(configs):
        yield run_sweep(
            config, progress=progress, should_stop=should_stop, check_every=check_every,
            memory_budget=memory_budget, threads=threads, _grid_position=(i, len(configs), done, total),
        )
        done += config.seeds * config.steps
