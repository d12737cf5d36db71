"""The lesson's own training loop, verbatim in spirit, as the baseline for `neurotui bench`.

Kept apart from the trainer so the benchmark compares against exactly what the
lesson runs: global seed, default Adam, per-step Python loop.
"""

from __future__ import annotations


def run_lesson_loop(steps: int = 2000, seed: int = 42, hidden: int = 4):
    import torch
    import torch.nn as nn

    torch.manual_seed(seed)
    xor_x = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    xor_y = torch.tensor([[0.], [1.], [1.], [0.]])
    model = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1), nn.Sigmoid())
    loss_fn = nn.BCELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(steps):
        pred = model(xor_x)
        loss = loss_fn(pred, xor_y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        prob = model(xor_x)
    return float(loss.item()), prob.squeeze().tolist()
