"""Initial weights of many seeds at once, bit for bit what build_model draws for each.

torch.Generator on the CPU is MT19937, so this module replays it for a whole block of
seeds with NumPy. Measured by `neurotui bench`: for 4096 seeds the per-seed loop
(build_model each) costs ~2 s, about half of the whole 2000-step sweep, while this takes
~0.02 s; that is why a replica of the generator is kept here at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from neurotui.core.model.config import XorConfig, layer_sizes, linear_bounds

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

    from neurotui.core.model.config import build_model

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
