"""The generated sets beyond two classes: CS231n's spiral, K arms or K blobs, and Playground's
two regression surfaces. Each draws from the run's data generator `g`, in float64; the caller
(datasets.generate) shuffles and rounds to float32.
"""

from __future__ import annotations

import math

# reg-gauss: six cones (centre x, centre y, sign) on Playground's [-6, 6] plane, each falling from
# |1| at its centre to 0 at distance 2; a point takes the cone largest in absolute value.
BUMPS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))
PLAYGROUND_RADIUS = 6.0  # Playground's plane is [-6, 6]^2; ours is that divided by 6, [-1, 1]^2
GAUSS_RADIUS = 0.6 * math.sqrt(2)  # K blobs on the circle through the two-class blobs' centres


def _sizes(n: int, k: int) -> list[int]:
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def cs231n_spiral(samples: int, noise: float, g):
    """The case study's K = 3 arms: per class, r = linspace(0, 1, N) and
    t = linspace(4k, 4(k+1), N) + noise * randn; the point is (r sin t, r cos t)."""
    import torch

    xs, ys = [], []
    for k, n in enumerate(_sizes(samples, 3)):
        r = torch.linspace(0.0, 1.0, n, dtype=torch.float64)
        t = torch.linspace(4.0 * k, 4.0 * (k + 1), n, dtype=torch.float64)
        t = t + noise * torch.randn(n, generator=g, dtype=torch.float64)
        xs.append(torch.stack([r * t.sin(), r * t.cos()], 1))
        ys.append(torch.full((n,), float(k), dtype=torch.float64))
    return torch.cat(xs), torch.cat(ys)


def k_class_set(name: str, samples: int, noise: float, k: int, g):
    """K >= 3 classes of `spiral` (K arms, each turned 2 pi / K from the last, as the two-arm
    spiral's) or `gauss` (K blobs evenly round a circle, blob 0 where the two-class set's 0 is)."""
    import torch

    xs, ys = [], []
    for label, n in enumerate(_sizes(samples, k)):
        if name == "spiral":
            t = (torch.arange(n, dtype=torch.float64) + 0.5) / n
            r = 0.05 + 0.95 * t
            theta = 3 * math.pi * t + 2 * math.pi * label / k
            pts = torch.stack([r * theta.cos(), r * theta.sin()], 1)
        else:  # gauss
            angle = 1.25 * math.pi + 2 * math.pi * label / k
            pts = torch.tensor([[GAUSS_RADIUS * math.cos(angle), GAUSS_RADIUS * math.sin(angle)]],
                               dtype=torch.float64).expand(n, 2)
        xs.append(pts + noise * torch.randn(n, 2, generator=g, dtype=torch.float64))
        ys.append(torch.full((n,), float(label), dtype=torch.float64))
    return torch.cat(xs), torch.cat(ys)


def regression_set(name: str, samples: int, noise: float, g):
    """Playground's reg-plane / reg-gauss: points uniform on the plane; the label is computed at the
    point moved by a uniform shift of up to `noise` x the half-width (Playground's noise), the
    plane scaled to [-1, 1]^2 like our other sets. Returns float32 (x [n, 2], y [n]), shuffled already
    (every point is drawn alike)."""
    import torch

    u = torch.rand(samples, 4, generator=g, dtype=torch.float64) * 2 - 1  # x1, x2, shift1, shift2
    x = u[:, :2]
    at = (x + noise * u[:, 2:]) * PLAYGROUND_RADIUS  # where the label is read, in Playground's units
    if name == "reg-plane":
        y = (at[:, 0] + at[:, 1]) / 10  # Playground's scale: x + y in [-10, 10] -> [-1, 1]
    else:
        centres = torch.tensor([(cx, cy) for cx, cy, _ in BUMPS], dtype=torch.float64)
        signs = torch.tensor([s for _, _, s in BUMPS], dtype=torch.float64)
        dist = torch.cdist(at, centres)
        values = signs * (1 - dist / 2).clamp(0, 1)
        pick = values.abs().argmax(1, keepdim=True)  # the first largest, as Playground keeps it
        y = values.gather(1, pick).squeeze(1)
    return x.float(), y.float()
