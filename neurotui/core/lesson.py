"""The lesson's program in one page: a neuron, the XOR network, the training loop.

Start reading here. This is the lesson's own code, written out plainly; everything else
in `core/` is this page grown up:

- `model/`    the neuron with plain floats (for the screen), the activations, the run's
              config and `build_model` (the network below, for any size, seeded per run);
- `data/`     the four rows below, and generated 2-D sets or a CSV file;
- `training/` the loop below as an object a worker thread can drive, with snapshots;
- `doctor/`   what went wrong, in the words of the lesson's debugging checklist;
- `course/`   the run as a script, the bugs to inject, the presets and the evidence card;
- `sweep/`    the same loop for thousands of seeds at once;
- `run.py`    one run as the app steers it (one or two trainers, edits, snapshots).

`neurotui bench` times `train_xor` below as the baseline every speed figure is a ratio of.
"""

from __future__ import annotations

# The lesson's four rows: XOR. No single straight line separates the 1s from the 0s.
XOR_ROWS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_LABELS = [[0.0], [1.0], [1.0], [0.0]]


def neuron(x, w, b):
    """One artificial neuron before its activation: z = x @ w + b."""
    return sum(xi * wi for xi, wi in zip(x, w)) + b


def xor_model(hidden: int = 4):
    """The lesson's 2-4-1 network: a hidden layer with a nonlinearity, then a sigmoid output."""
    import torch.nn as nn

    return nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1), nn.Sigmoid())


def train_xor(steps: int = 2000, seed: int = 42, hidden: int = 4):
    """The lesson's loop, as the lesson runs it: global seed, BCE, default Adam, one step a pass.

    Returns the last loss and the four rows' probabilities.
    """
    import torch
    import torch.nn as nn

    torch.manual_seed(seed)
    x = torch.tensor(XOR_ROWS)
    y = torch.tensor(XOR_LABELS)
    model = xor_model(hidden)
    loss_fn = nn.BCELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(steps):
        pred = model(x)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        prob = model(x)
    return float(loss.item()), prob.squeeze().tolist()
