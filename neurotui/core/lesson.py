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

# The lesson's neuron: three inputs, their weights and a bias (z = 0.44). The neuron pane starts here.
NEURON_X = (0.8, 0.3, 0.5)
NEURON_W = (0.2, -0.4, 0.6)
NEURON_B = 0.1

# The lesson's four rows: XOR. No single straight line separates the 1s from the 0s.
# Written once: the data, the model's checks, the pictures and the sweep all read them here.
XOR_X = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
XOR_Y = (0.0, 1.0, 1.0, 0.0)


def neuron(x, w, b):
    """One artificial neuron before its activation: z = x @ w + b."""
    return sum(xi * wi for xi, wi in zip(x, w)) + b


def xor_model(hidden: int = 4, layers: int = 1, activation=None):
    """The lesson's 2-4-1 network: a hidden layer with a nonlinearity (tanh), then a sigmoid output.
    `layers` hidden layers of `hidden` units each, with `activation` (a torch module class), build
    the larger ones the app trains the same way."""
    import torch.nn as nn

    act = activation or nn.Tanh
    mods = [nn.Linear(2, hidden), act()]
    for _ in range(layers - 1):
        mods += [nn.Linear(hidden, hidden), act()]
    return nn.Sequential(*mods, nn.Linear(hidden, 1), nn.Sigmoid())


def train_xor(steps: int = 2000, seed: int = 42, hidden: int = 4, on_step=None):
    """The lesson's loop, as the lesson runs it: global seed, BCE, default Adam, one step a pass.

    Returns the last loss and the four rows' probabilities. `on_step(loss, model)`, if given, sees
    each step's loss and the weights after it (tests hold the Trainer to this page with it).
    """
    import torch
    import torch.nn as nn

    torch.manual_seed(seed)
    x = torch.tensor(XOR_X)
    y = torch.tensor(XOR_Y).unsqueeze(1)
    model = xor_model(hidden)
    loss_fn = nn.BCELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(steps):
        pred = model(x)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if on_step is not None:
            on_step(loss, model)
    with torch.no_grad():
        prob = model(x)
    return float(loss.item()), prob.squeeze().tolist()
