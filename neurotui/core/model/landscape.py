"""The loss landscape: the training loss over a plane through the current weights, and the path
the optimizer took, projected onto that plane.

A 2-4-1 network has 17 weights, so a slice of its loss surface is cheap: every point of a
41x41 grid is a full set of weights, and all of them go through the network in one batched
forward pass (a batch of weight matrices, `torch.baddbmm`), on a copy of the weights, never the
live model. The plane is spanned by two directions from the current weights `c`:

- "pca": the two main directions of the run's own path (PCA of the kept weights minus `c`,
  as Li et al. 2018 project a trajectory); `explained` is the share of the path's variance
  they hold. On these tiny nets two directions usually hold nearly all of it.
- "random": two random directions, each unit's incoming weights scaled to that unit's own
  norm ("filter normalization", Li et al. 2018); biases are left out of the directions, as there.
- "weights": two of the network's own parameters (e.g. w2[0,0] and b2[0]), exactly: the axes are
  those weights' offsets, no projection.

A 2D slice is not the whole surface: a PCA plane through the path can make the path look
smoother than the surface it ran on (Antognini & Sohl-Dickstein 2018; Frankle 2020).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from neurotui.core.numbers import finite_or_none, percent, sig, signed, thousands

PLANES = ("pca", "random", "weights")
DEFAULT_SIZE = 41
MIN_SIZE = 21
MARGIN = 1.25  # the grid reaches this far past the path's farthest point
SHORT_CAVEAT = "a 2D slice; the surface off this plane is not shown"
CAVEAT = "a 2D slice of a surface in many dimensions: valleys and walls off the plane are not shown"


@dataclass(frozen=True)
class Landscape:
    grid: tuple[tuple[float, ...], ...]  # loss, rows top to bottom (beta from +span to -span) x columns (alpha)
    alphas: tuple[float, ...]  # the columns' coordinates along axis 1 (0 in the middle)
    betas: tuple[float, ...]  # the rows' coordinates along axis 2, top row first (0 in the middle)
    path: tuple[tuple[float, float], ...]  # the kept weights on the plane, oldest first; the last is (0, 0)
    path_steps: tuple[int, ...]
    path_loss: tuple[float, ...]  # the loss at each path point *on the plane*
    explained: tuple[float, float] | None  # PCA: each axis's share of the path's variance
    axes: tuple[str, str]
    plane: str
    centre_loss: float  # the loss at the current weights: the grid's middle cell
    # Between two refreshes of the map, the weights training has reached since, on the same plane:
    # the point moves at the snapshots' rate while the map stays (None: the map is this moment's).
    now: tuple[float, float] | None = None
    now_step: int | None = None
    basis: tuple | None = field(default=None, compare=False, repr=False)  # (centre, d1, d2): where `now` goes
    # The start's own loss, at its own weights, and its distance from the plane (weight units): a plane
    # the start is not in (random, weights, often PCA) shows at S the loss of its nearest point, not the start's.
    start_loss: float = math.nan
    start_off: float = 0.0

    @property
    def start_on_plane(self) -> bool:
        """The start lies in the plane (up to rounding): the map's shade at S is its own loss."""
        a, b = self.path[0]
        return self.start_off <= 1e-4 * max(1.0, math.hypot(a, b))

    def start_words(self) -> str:
        """'0.698' or '0.698, 12.3 off this plane': where the map at S is not the start's loss."""
        return sig(self.start_loss, 4) + ("" if self.start_on_plane else f", {self.off_words()} off this plane")

    def off_words(self) -> str:
        """The start's distance from the plane: '0.38', '2,166'."""
        return thousands(self.start_off) if self.start_off >= 100 else sig(self.start_off, 3)

    def moved_to(self, model, step: int) -> Landscape:
        """This map with `model`'s weights now placed on its plane (a projection: microseconds)."""
        if self.basis is None:
            return self
        centre, d1, d2 = self.basis
        (a, b), = project(flat_weights(model).unsqueeze(0).to(centre.device, centre.dtype), centre, d1, d2)
        return replace(self, now=(a, b), now_step=step)

    def as_dict(self) -> dict:
        return {
            "plane": self.plane,
            "axes": list(self.axes),
            "explained": None if self.explained is None else [round(e, 6) for e in self.explained],
            "alphas": [round(a, 6) for a in self.alphas],
            "betas": [round(b, 6) for b in self.betas],
            "grid": [[finite_or_none(v) for v in row] for row in self.grid],
            "centre_loss": finite_or_none(self.centre_loss),
            "path": [[round(a, 6), round(b, 6)] for a, b in self.path],
            "path_steps": list(self.path_steps),
            "path_loss": [finite_or_none(v) for v in self.path_loss],
            "start_loss": finite_or_none(self.start_loss),
            "start_off_plane": round(self.start_off, 6),
            "caveat": CAVEAT,
        }

    def cell_of(self, a: float, b: float) -> tuple[int, int]:
        """(row, column) of the grid cell nearest the plane point (a, b), clamped to the grid."""
        n, m = len(self.betas), len(self.alphas)
        col = round((a - self.alphas[0]) / (self.alphas[-1] - self.alphas[0]) * (m - 1)) if m > 1 else 0
        row = round((self.betas[0] - b) / (self.betas[0] - self.betas[-1]) * (n - 1)) if n > 1 else 0
        return min(max(row, 0), n - 1), min(max(col, 0), m - 1)


# ----- the weights as one vector -------------------------------------------------------------------
def flat_weights(model):
    """Every parameter of `model`, in `parameters()` order, as one detached vector (a copy)."""
    import torch

    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()


def weight_names(model) -> list[str]:
    """Each entry of flat_weights' name: 'w1[0,1]', 'b1[0]', ... (layer 1-based, as the network view)."""
    import torch.nn as nn

    from neurotui.core.model.network import name_of

    names = []
    for k, lin in enumerate((m for m in model if isinstance(m, nn.Linear)), start=1):
        out, inp = lin.weight.shape
        names += [name_of(k, u, s) for u in range(out) for s in range(inp)]
        names += [name_of(k, u, None) for u in range(out)]
    return names


# ----- the directions -------------------------------------------------------------------------------
def pca_directions(path, centre):
    """Two orthonormal directions holding most of `path - centre` ([K, P] and [P]), and the share of
    the variance each holds. A path that never moved gives zero directions and (0, 0)."""
    import torch

    moved = path - centre
    if moved.shape[0] < 2 or float(moved.abs().max()) == 0.0:
        zero = torch.zeros_like(centre)
        return zero, zero.clone(), (0.0, 0.0)
    _, s, vh = torch.linalg.svd(moved.double(), full_matrices=False)
    total = float((s ** 2).sum())
    d = [vh[i].to(centre.dtype) if i < len(s) else torch.zeros_like(centre) for i in (0, 1)]
    share = tuple(float(s[i] ** 2) / total if i < len(s) and total > 0 else 0.0 for i in (0, 1))
    return d[0], d[1], share


def random_directions(model, generator):
    """Two random directions, filter-normalized: each unit's incoming weights (a row of a weight
    matrix) scaled to that row's norm in the model; biases 0 (Li et al. 2018)."""
    import torch

    out = []
    for _ in range(2):
        parts = []
        for p in model.parameters():
            w = p.detach()
            if w.dim() == 2:
                d = torch.randn(w.shape, generator=generator, dtype=w.dtype).to(w.device)
                d = d / d.norm(dim=1, keepdim=True).clamp_min(1e-12) * w.norm(dim=1, keepdim=True)
            else:
                d = torch.zeros_like(w)
            parts.append(d.reshape(-1))
        out.append(torch.cat(parts))
    return out[0], out[1]


def weight_directions(model, first: str, second: str):
    """Unit vectors along two named parameters ('w2[0,0]', 'b2[0]')."""
    import torch

    names = weight_names(model)
    for name in (first, second):
        if name not in names:
            raise ValueError(f"no weight named {name!r} in this network (e.g. {names[0]}, {names[-1]})")
    centre = flat_weights(model)
    d1, d2 = torch.zeros_like(centre), torch.zeros_like(centre)
    d1[names.index(first)] = 1.0
    d2[names.index(second)] = 1.0
    return d1, d2


def default_weights(model) -> tuple[str, str]:
    """The two weights the 'weights' plane shows unless told: the output's first weight and its bias."""
    names = weight_names(model)
    last = max(int(n[1:n.index("[")]) for n in names)
    return f"w{last}[0,0]", f"b{last}[0]"


def project(points, centre, d1, d2):
    """Coordinates (a, b) of each of `points` [K, P] on the plane centre + a d1 + b d2 (least squares:
    the nearest point of the plane; exact for points in it)."""
    import torch

    basis = torch.stack([d1, d2], dim=1).double()  # [P, 2]
    if float(basis.abs().sum()) == 0.0:
        return [(0.0, 0.0)] * points.shape[0]
    rhs = (points - centre).double().T  # [P, K]
    coords = torch.linalg.lstsq(basis, rhs).solution.T  # [K, 2]
    return [(float(a), float(b)) for a, b in coords.tolist()]


# ----- the loss at many weights at once ------------------------------------------------------------
def batched_loss(model, x, y, thetas, loss: str = "bce", chunk_elements: int = 1 << 22):
    """The training loss of `model`'s architecture at each row of `thetas` [G, P], all in batched
    forward passes (chunks of at most `chunk_elements` activations). Dropout is off, as in evaluation;
    `loss` (core.training.resolved.Resolved.loss_kind): BCELoss's formula with its log clamp, cross-entropy over K scores, or MSE."""
    import torch
    import torch.nn as nn

    from neurotui.core.model.layers import Features, SeededDropout

    widest = max([x.shape[1]] + [m.out_features for m in model if isinstance(m, nn.Linear)])
    step = max(1, chunk_elements // max(1, x.shape[0] * widest))
    out = []
    with torch.no_grad():
        for start in range(0, thetas.shape[0], step):
            th = thetas[start:start + step]
            g = th.shape[0]
            h = x
            offset = 0
            expanded = False
            for m in model:
                if isinstance(m, Features):
                    h = m(h)
                    continue
                if isinstance(m, SeededDropout):
                    continue
                if not expanded:
                    h = h.unsqueeze(0).expand(g, *h.shape)
                    expanded = True
                if isinstance(m, nn.Linear):
                    o, i = m.weight.shape
                    w = th[:, offset:offset + o * i].reshape(g, o, i)
                    offset += o * i
                    b = th[:, offset:offset + o]
                    offset += o
                    h = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))
                else:
                    h = m(h)  # an activation or the output's Sigmoid: elementwise
            p = h
            target = y.unsqueeze(0)
            if loss == "mse":
                value = ((p - target) ** 2).mean(dim=(1, 2))
            elif loss == "ce":
                labels = y.reshape(-1).long()
                value = -torch.log_softmax(p, dim=2)[:, torch.arange(len(labels)), labels].mean(dim=1)
            else:
                value = -(target * p.log().clamp(min=-100)
                          + (1 - target) * (1 - p).log().clamp(min=-100)).mean(dim=(1, 2))
            out.append(value)
    return torch.cat(out)


def span_of(coords: list[tuple[float, float]], axis: int) -> float:
    """Half the width of the grid along an axis: the path's farthest point with a margin; 1 if it never left."""
    far = max((abs(c[axis]) for c in coords), default=0.0)
    return far * MARGIN if far > 0 else 1.0


def landscape(model, x, y, path, path_steps, step: int, plane: str = "pca", size: int = DEFAULT_SIZE, *,
              generator=None, weights: tuple[str, str] | None = None, loss: str = "bce") -> Landscape:
    """The loss over a size x size grid of the plane through `model`'s weights now, and the path.

    `path`: the kept weights [K, P] (flat_weights at each of `path_steps`, oldest first) or None; the
    model's own weights (at `step`) are the centre and the path's last point.
    """
    import torch

    if plane not in PLANES:
        raise ValueError(f"plane must be one of {', '.join(PLANES)}")
    if size < MIN_SIZE or size % 2 == 0:
        raise ValueError(f"the grid must be odd-sized and at least {MIN_SIZE} (got {size})")
    centre = flat_weights(model)
    kept = [] if path is None else [path.to(centre.device, centre.dtype)]
    path = torch.cat([*kept, centre.unsqueeze(0)])
    steps = tuple(path_steps) + (step,)
    if len(steps) > 1 and steps[-1] == steps[-2] and torch.equal(path[-1], path[-2]):
        path, steps = path[:-1], steps[:-1]  # the last kept weights are the current ones already
    explained = None
    if plane == "pca":
        d1, d2, explained = pca_directions(path, centre)
        axes = ("PCA 1 of the path", "PCA 2 of the path")
    elif plane == "random":
        d1, d2 = random_directions(model, generator or torch.Generator().manual_seed(0))
        axes = ("random direction 1 (filter-normalized)", "random direction 2 (filter-normalized)")
    else:
        first, second = weights or default_weights(model)
        d1, d2 = weight_directions(model, first, second)
        axes = (first, second)
    coords = project(path, centre, d1, d2)
    coords[-1] = (0.0, 0.0)  # the current weights are the centre, exactly
    sa, sb = span_of(coords, 0), span_of(coords, 1)
    half = size // 2
    alphas = [sa * (j - half) / half for j in range(size)]
    betas = [sb * (half - i) / half for i in range(size)]  # top row first: up is +beta
    a = torch.tensor(alphas, dtype=centre.dtype, device=centre.device)
    b = torch.tensor(betas, dtype=centre.dtype, device=centre.device)
    on_grid = centre + a.repeat(size)[:, None] * d1 + b.repeat_interleave(size)[:, None] * d2
    on_path = centre + torch.tensor([c[0] for c in coords], dtype=centre.dtype, device=centre.device)[:, None] * d1 \
        + torch.tensor([c[1] for c in coords], dtype=centre.dtype, device=centre.device)[:, None] * d2
    losses = batched_loss(model, x, y, torch.cat([on_grid, on_path, path[:1]]), loss=loss).tolist()
    flat, along, start_loss = losses[:size * size], losses[size * size:-1], losses[-1]
    grid = tuple(tuple(flat[i * size:(i + 1) * size]) for i in range(size))
    start_off = float((path[0] - on_path[0]).double().norm())
    return Landscape(grid, tuple(alphas), tuple(betas), tuple(coords), steps, tuple(along), explained, axes,
                     plane, grid[half][half], basis=(centre, d1, d2), start_loss=start_loss, start_off=start_off)


class PathRecorder:
    """The weights at evenly spaced steps of a run (at most `capacity`, the first and the last kept)."""

    def __init__(self, total_steps: int, capacity: int = 100):
        self.stride = max(1, math.ceil(total_steps / (capacity - 1)))
        self.steps: list[int] = []
        self.weights: list = []

    def due(self, step: int) -> bool:
        return not self.steps or step - self.steps[-1] >= self.stride

    def next_step(self) -> int:
        return self.steps[-1] + self.stride if self.steps else 0

    def record(self, model, step: int) -> None:
        if self.steps and self.steps[-1] == step:
            return
        self.steps.append(step)
        self.weights.append(flat_weights(model))

    def tensor(self):
        import torch

        return torch.stack(self.weights) if self.weights else None


# ----- as text (lab --landscape) ------------------------------------------------------------------
TEXT_RAMP = " .:-=+*#%@"
FLOOR = 1e-6  # losses below this are all "solved" to the eye: the scale does not spend decades on them  # low loss light, high loss dark; ASCII so every terminal shows it


def log_levels(grid) -> tuple[float, float]:
    """(lowest, highest) finite loss of the grid, for a log colour scale."""
    finite = [v for row in grid for v in row if math.isfinite(v)]
    if not finite:
        return 1.0, 1.0
    hi = max(max(finite), FLOOR)
    return min(max(min(finite), FLOOR), hi), hi


def level(v: float, lo: float, hi: float) -> float:
    """0 (the lowest loss on the map) to 1 (the highest), on a log scale; NaN is 1."""
    if not math.isfinite(v):
        return 1.0
    if hi <= lo:
        return 0.0
    return min(max((math.log10(max(v, FLOOR)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)), 0.0), 1.0)


def render_text(land: Landscape) -> list[str]:
    """The map as ASCII rows (two grid rows per text row), the path marked: S start, E end (now), o between."""
    lo, hi = log_levels(land.grid)
    rows = [[TEXT_RAMP[min(int(level(v, lo, hi) * len(TEXT_RAMP)), len(TEXT_RAMP) - 1)] for v in row]
            for row in land.grid[::2]]
    marks = [land.cell_of(a, b) for a, b in land.path]
    for r, c in marks[1:-1]:
        rows[r // 2][c] = "o"
    for (r, c), mark in ((marks[0], "S"), (marks[-1], "E")):
        rows[r // 2][c] = mark
    return ["".join(row) for row in rows]


def describe(land: Landscape) -> list[str]:
    """The lines printed around the map: what the axes are, the scale, the path's ends, the caveat."""
    lo, hi = log_levels(land.grid)
    lines = [f"loss landscape ({land.plane} plane; x: {land.axes[0]} "
             f"{signed(land.alphas[0], 3)}..{signed(land.alphas[-1], 3)}, y: {land.axes[1]} {signed(land.betas[-1], 3)}..{signed(land.betas[0], 3)})"]
    if land.explained is not None:
        lines.append(f"the two axes hold {percent(land.explained[0], 1)} and {percent(land.explained[1], 1)} of the path's variance")
    lines.append(f"shade: log loss, ' ' {sig(lo, 3)} .. '@' {sig(hi, 3)}; S start (step {land.path_steps[0]}, loss "
                 f"{land.start_words()}), o the path, E now (step {land.path_steps[-1]}, loss {sig(land.centre_loss, 4)})")
    return lines
