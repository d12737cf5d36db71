"""What a view may ask a run to compute besides the numbers: one provider per kind of picture.

A view of the XOR pane names the pictures it needs as {provider name: argument} (its `asks` in
tui/panes/xor_views.py); the UI hands them to the worker as one `Pictures` value, and
`core.run.Run.snapshot` calls each provider asked for and puts what it returns in the snapshot's
`pictures`, under the same name. A picture no view on screen asks for is never computed: each
costs forward passes. A new kind of picture is one `Provider` in `PROVIDERS` here; nothing between
the view and this table knows its name. A picture drawn from the run's history (the landscape's
path) has a `keep` too, which the run calls at each replay frame, and only for the providers the
views declare they may ask (`Pictures.keeps`): a run no such view can show keeps nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Pictures:
    """The pictures the views on screen need. `grid_size` (rows, cols) is the boundary's grid, which
    every look carries (the replay's frames are kept at it); `asks` is (provider name, argument)
    for each picture asked for, sorted by name, so two requests compare equal when they ask the same."""

    grid_size: tuple[int, int] = (12, 24)
    asks: tuple[tuple[str, object], ...] = ()
    keeps: tuple[str, ...] = ()  # providers whose history the run keeps from its first frame (a view may ask later)

    @classmethod
    def of(cls, grid_size: tuple[int, int], asks: Mapping[str, object], keeps=()) -> Pictures:
        unknown = (set(asks) | set(keeps)) - set(PROVIDERS)
        if unknown:  # a view asking for what no provider computes would wait for it forever
            raise KeyError(f"no picture provider named {', '.join(sorted(unknown))}")
        return cls(tuple(grid_size), tuple(sorted(asks.items())), tuple(sorted(keeps)))

    def wants(self, name: str) -> object | None:
        """The argument `name` is asked for with; None when no view asks for it."""
        return dict(self.asks).get(name)


@dataclass(frozen=True)
class Provider:
    """`compute(run, which, argument)`: the picture of trainer `which` (0: A, 1: B) of a `core.run.Run`.
    `each_run`: B's snapshot gets one too (compare mode draws both); else A's alone. `keep(run, which)`:
    what the picture needs of the run's past, kept at each replay frame while `Pictures.keeps` names it."""

    compute: Callable[[object, int, object], object]
    each_run: bool = False
    keep: Callable[[object, int], None] | None = None


# ----- the providers --------------------------------------------------------------------------------
def inside(run, which: int, asked: tuple[int, tuple[int, int] | None]):
    """(hidden layer, per-unit grid or None): the hidden values of the points (core.model.inside)."""
    layer, feature_grid = asked
    return run.trainers[which].look_inside(layer, feature_grid)


def network(run, which: int, asked: tuple[tuple[int, int] | None, tuple[float, float] | None]):
    """(each unit's map tile or None, a probed point or None): the network drawn as units and links."""
    from neurotui.core.model.network import look_network

    tile, probe = asked
    if tile is None and probe is None:
        return None
    a = run.trainers[which]
    d = a.data
    # After an edit .grad still holds the old weights' gradients: show where the next step pushes.
    return look_network(a.model, a.x, a.facts.inputs, tile, probe, device=a.device, low=d.low, high=d.high,
                        grads=(a.gradients_now() or {}) if run.edited_now() else None)


LANDSCAPE_EVERY = 1.0  # seconds between refreshes while training: each costs ms of the run's time


def landscape(run, which: int, plane: tuple[str, int]):
    """(plane name, draw), the draw seeding the random plane's directions: the loss over a plane of
    weights through the current ones (core.model.landscape), with the path the run took.
    While training it is refreshed at most once every LANDSCAPE_EVERY seconds (a snapshot in
    between carries the last one, its point moved); a new plane or a run that stopped gets it at
    once. None when PyTorch refused the run's loss or its weights are not finite."""
    from neurotui.core.model.landscape import PathRecorder
    from neurotui.core.model.landscape import landscape as compute

    a, path = run.trainers[which], run.paths.get(which)
    if path is None:  # no history kept (no view declared it): the path is where the run stands now
        path = PathRecorder(a.config.steps)
        path.record(a.model, a.step_count)
    if a.nonfinite_where is not None or a.error is not None:
        return None
    key = ("landscape", which)
    last = run.kept.get(key)  # (plane, step, when, Landscape)
    now = time.monotonic()
    if last is not None and last[0] == plane and last[1] == a.step_count:
        return last[3]  # nothing moved (paused, or finished): the same picture
    if last is not None and last[0] == plane and not a.finished and now - last[2] < LANDSCAPE_EVERY:
        return last[3].moved_to(a.model, a.step_count)  # the map stays; the point moves on it
    import torch

    name, draw = plane
    d = a.data
    land = compute(a.model, d.train_x, d.train_y, path.tensor(), path.steps, a.step_count, name,
                   generator=torch.Generator().manual_seed(draw), loss=a.facts.loss_kind)
    run.kept[key] = (plane, a.step_count, now, land)
    return land


def keep_path(run, which: int) -> None:
    """The landscape's path: the weights at each replay frame (17 numbers for the lesson's net), at
    the frames' steps, so the same run gives the same path however fast it was trained."""
    from neurotui.core.model.landscape import PathRecorder

    t = run.trainers[which]
    run.paths.setdefault(which, PathRecorder(t.config.steps)).record(t.model, t.step_count)


def backward(run, which: int, name: str):
    """A parameter's name ('w2[0,0]'): its gradient by the chain rule, beside autograd's
    (core.training.gradcheck.BackwardLook, or why not, a str)."""
    from neurotui.core.training.gradcheck import look

    return look(run.trainers[which], name)


PROVIDERS: dict[str, Provider] = {
    "inside": Provider(inside, each_run=True),
    "network": Provider(network),
    "landscape": Provider(landscape, each_run=True, keep=keep_path),
    "backward": Provider(backward),
}


def computed(run, which: int, pictures: Pictures) -> dict[str, object]:
    """Every picture `pictures` asks of trainer `which`, by provider name."""
    out = {}
    for name, asked in pictures.asks:
        provider = PROVIDERS[name]
        if which == 0 or provider.each_run:
            out[name] = provider.compute(run, which, asked)
    return out
