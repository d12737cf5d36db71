"""The views of the XOR pane's middle, one entry each: a new view is one `View` here plus its widget.

An entry says what the view is called, the widget it shows (built once, in the pane's
ContentSwitcher, with the id `view-NAME`), what it asks the training worker to compute while it
is on screen (`asks`: {provider name: argument}, core.pictures' providers; nothing is computed for a
view out of sight), how it draws a snapshot (from `snap.picture(name)`), its line on the `?` screen,
and what its keys do (`p`, the arrows, home/end, page up/down). `v` cycles the entries with
`cycle=True` in order; compare and code are toggled apart (`c`, `y`).

A view keeps its own state in its widget (hidden space's pair, the landscape's plane, the weights'
row, the network's selection). `draw`, `asks` and the keys take the pane (tui/panes/xor.py) and read
its public state: `glyphs`, `configs`, `state`, `message`, `compact`, `hidden_layer`, `hide_answers`,
`snapshot`, `other`, `run` (the probe), `query_one`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from neurotui.core.data.datasets import xor_labelled  # the lesson's rows mean something only on XOR labels
from neurotui.tui.panes import xor_text
from neurotui.tui.widgets.backward import BackwardView
from neurotui.tui.widgets.boundary import BoundaryView
from neurotui.tui.widgets.code import CodeView
from neurotui.tui.widgets.inside import MAX_UNITS, FeaturesView, SpaceView, WeightsView
from neurotui.tui.widgets.landscape import LandscapeView
from neurotui.tui.widgets.network import NetworkView


def _nothing(pane) -> None:
    return None


@dataclass(frozen=True)
class View:
    name: str
    title: str  # the pane's border title: "3 XOR training - TITLE"; also `v`'s help line
    help: str  # what the view shows, on the `?` screen
    widget: Callable[[bool], Widget]  # ascii -> the widget, with id f"view-{name}"
    draw: Callable[[object, object], None]  # (pane, snapshot) -> draws it on the widget
    asks: Callable[[object], dict] = lambda pane: {}  # pane -> {core.pictures provider: argument}
    keeps: tuple[str, ...] = ()  # providers whose history every run keeps, as this view may be opened late
    cycle: bool = True  # one of `v`'s views
    replays: bool = False  # draws the frame replayed (left/right on a paused run); else replay shows boundary
    next: Callable[[object], None] = _nothing  # `p` here
    arrow: Callable[[object, int, int], None] | None = None  # the arrows here; None: left/right replay
    jump: Callable[[object, str], str | None] | None = None  # home/end here ('home', 'end'); None: replay's
    page: Callable[[object, int], str | None] | None = None  # page up/down here; None: a reason they do nothing
    enter: Callable[[object], None] = _nothing  # on being shown (the backward view pauses the run)
    edits_weights: bool = False  # Enter opens the selected weight's field (core.model.network.apply_edit)
    hides_loss: bool = False  # takes the loss plot's rows too
    holds_run: bool = False  # a run started while it is shown starts paused (`.` steps it)


def _probe(pane):
    """The point of the plane clicked in this run (the boundary's side text and the network show it)."""
    return pane.run.probe_at


# ----- boundary -----------------------------------------------------------------------------------
def _boundary_widget(ascii: bool) -> Widget:
    return Horizontal(BoundaryView(ascii=ascii, id="xor-boundary"), Static(id="xor-rows"), id="view-boundary")


def show_task(view: BoundaryView, snap) -> None:
    """Tell a boundary view what its grid holds: p(class 1), K-class codes, or a regression's values
    (coloured over +-the largest |target|, so the map reads against the data)."""
    scale = max((abs(p[2]) for p in view.points or ()), default=1.0) if snap.task.regress else 1.0
    view.set_task(snap.task.kind, snap.task.classes, scale)


def _draw_boundary(pane, snap) -> None:
    view = pane.query_one("#xor-boundary", BoundaryView)
    show_task(view, snap)
    view.show(snap.boundary)
    legend = view.legend_text(short=True) if pane.compact else None
    labelled = xor_labelled(pane.configs[0]) if pane.configs else True
    config = pane.configs[0] if pane.configs else None
    side = xor_text.boundary_side(pane.glyphs, snap, pane.state, pane.message, labelled, legend,
                                  config=config, key=pane.key_in_force)
    probe = xor_text.probe_text(pane.snapshot, view.file_target, view.class_names)
    if probe.plain and side.plain and not side.plain.endswith("\n"):  # a fit's rows end on their loss line
        side.append("\n")
    pane.set_text("xor-rows", side + probe + _cut_axes(view, pane.compact))


def _cut_axes(view: BoundaryView, compact: bool) -> Text:
    """The axes' ranges in the file's units, beside a picture too narrow for them in its legend."""
    cut = None if compact else view.axes_cut()
    return Text(f"\naxes: {cut}", "dim") if cut else Text()


def _asks_probe(pane) -> dict:
    return {"network": (None, _probe(pane))} if _probe(pane) is not None else {}


# ----- inside the network -------------------------------------------------------------------------
def _asks_layer(pane) -> dict:
    return {"inside": (pane.hidden_layer, None)}


def _asks_features(pane) -> dict:
    hidden = min(pane.configs[0].hidden, MAX_UNITS) if pane.configs else 4
    return {"inside": (pane.hidden_layer, pane.query_one(FeaturesView).wanted_tile(hidden + 1))}  # the units and the output


def _asks_network(pane) -> dict:
    if not pane.configs:
        return {}
    return {"network": (pane.query_one("#view-network", NetworkView).wanted_tile(_shape(pane)), _probe(pane))}


def _network_arrow(pane, dx: int, dy: int) -> None:
    pane.query_one("#view-network", NetworkView).arrow(dx, dy)


# ----- loss.backward(), written out ----------------------------------------------------------------
def _shape(pane) -> tuple[int, ...]:
    from neurotui.core.data.datasets import input_names

    c = pane.configs[0]  # a data file's K inputs, or its features and other columns
    return (len(input_names(c)), *([c.hidden] * c.layers), 1)


def _asks_backward(pane) -> dict:
    if not pane.configs:
        return {}
    view = pane.query_one(BackwardView)
    return {"network": (view.net.wanted_tile(_shape(pane)), _probe(pane)),
            "backward": view.selected_name(len(_shape(pane)) - 1)}


def _enter_backward(pane) -> None:
    """One backward pass is read at one step: the run holds still (. steps it) while this view is shown."""
    if pane.configs:
        pane.query_one(BackwardView).start_at(pane.query_one("#view-network", NetworkView).selected, len(_shape(pane)) - 1)
    if pane.control is not None and not pane.finished and not pane.paused:
        pane.set_paused(True)


def _backward_arrow(pane, dx: int, dy: int) -> None:
    """Pick another weight: the network view keeps the same selection, and the worker works its chain out."""
    view = pane.query_one(BackwardView)
    view.net.arrow(dx, dy)
    pane.query_one("#view-network", NetworkView).select(view.net.selected)
    pane.sync_grid_size()


# ----- the loss landscape -------------------------------------------------------------------------
def _draw_landscape(pane, snap) -> None:
    frame = pane.replay_frame()
    pane.query_one("#view-landscape", LandscapeView).show(snap.picture("landscape"), frame.step if frame is not None else None)


def _asks_landscape(pane) -> dict:
    return {"landscape": pane.query_one("#view-landscape", LandscapeView).wanted()}


def _next_plane(pane) -> None:
    """The landscape's next plane: PCA of the path -> random (a new draw each visit) -> two weights."""
    pane.query_one("#view-landscape", LandscapeView).next_plane()
    pane.sync_grid_size()  # the worker computes the new plane


# ----- compare -------------------------------------------------------------------------------------
def _compare_widget(ascii: bool) -> Widget:
    # each side: its boundary, or its loss landscape when compare was entered from the landscape view
    def side(name: str) -> Vertical:
        return Vertical(Static(id=f"cmp-{name}-title", classes="cmp-title"), BoundaryView(ascii=ascii, id=f"cmp-{name}"),
                        LandscapeView(ascii=ascii, id=f"cmp-{name}-land"), classes="cmp-side")

    return Horizontal(side("a"), side("b"), id="view-compare")


def _compares_landscapes(pane) -> bool:
    return pane.view == "landscape"


def _draw_compare(pane, snap) -> None:
    lands = _compares_landscapes(pane)
    for name, run in (("a", snap), ("b", pane.other)):
        pane.query_one(f"#cmp-{name}", BoundaryView).display = not lands
        pane.query_one(f"#cmp-{name}-land", LandscapeView).display = lands
        if lands and run is not None:
            pane.query_one(f"#cmp-{name}-land", LandscapeView).show(run.picture("landscape"))
    if lands:
        pane.set_text("cmp-a-title", xor_text.side_title("A", pane.label(0), snap))
        if pane.other is not None:
            pane.set_text("cmp-b-title", xor_text.side_title("B", pane.label(1), pane.other))
        return
    show_task(pane.query_one("#cmp-a", BoundaryView), snap)
    pane.query_one("#cmp-a", BoundaryView).show(snap.boundary)
    pane.set_text("cmp-a-title", xor_text.side_title("A", pane.label(0), snap))
    if pane.other is not None:
        show_task(pane.query_one("#cmp-b", BoundaryView), pane.other)
        pane.query_one("#cmp-b", BoundaryView).show(pane.other.boundary)
        pane.set_text("cmp-b-title", xor_text.side_title("B", pane.label(1), pane.other))


def _code(pane) -> CodeView:
    return pane.query_one(CodeView)


VIEWS: dict[str, View] = {v.name: v for v in (
    View("boundary", "decision boundary",
         "the network's p(y=1) over the input plane, with the data on top; click a point to probe it",
         _boundary_widget, _draw_boundary, asks=_asks_probe, replays=True),
    View("features", "hidden features", "each hidden unit's output over the input plane, and the output's",
         lambda ascii: FeaturesView(ascii=ascii, id="view-features"),
         lambda pane, snap: pane.query_one(FeaturesView).show(snap.picture("inside"), pane.configs[0].activation),
         asks=_asks_features),
    View("space", "hidden space", "the data placed by two hidden units' values (p: the next pair)",
         lambda ascii: SpaceView(ascii=ascii, id="view-space"),
         lambda pane, snap: pane.query_one(SpaceView).show_space(snap.picture("inside"), hint=not pane.hide_answers),
         asks=_asks_layer, next=lambda pane: pane.query_one(SpaceView).next_pair()),
    View("weights", "weights and gradients", "every weight and its gradient (p: a row's exact numbers)",
         lambda ascii: WeightsView(ascii=ascii, id="view-weights"),
         lambda pane, snap: pane.query_one(WeightsView).show(snap.picture("inside")), asks=_asks_layer,
         next=lambda pane: pane.query_one(WeightsView).next_row()),
    View("code", "the run's PyTorch code", "the run's own PyTorch script (y)",
         lambda ascii: CodeView(ascii=ascii, id="view-code"), lambda pane, snap: None, cycle=False, hides_loss=True,
         # the code never takes the focus: its keys come through the pane
         arrow=lambda pane, dx, dy: _code(pane).scroll_by(dx, dy), jump=lambda pane, where: _code(pane).jump(where),
         page=lambda pane, pages: _code(pane).page(pages)),
    View("network", "the network",
         "units and links drawn as the network; arrows select, Enter edits a weight by hand",
         lambda ascii: NetworkView(ascii=ascii, id="view-network"),
         lambda pane, snap: pane.query_one("#view-network", NetworkView).show(snap.picture("network"),
                                                                              pane.configs[0].activation),
         asks=_asks_network, arrow=_network_arrow, edits_weights=True),
    View("landscape", "loss landscape",
         "the loss over a plane of weights through the current ones, the path training took on it "
         "(p: the next plane: the path's PCA, random directions, two real weights)",
         lambda ascii: LandscapeView(ascii=ascii, id="view-landscape"), _draw_landscape,
         asks=_asks_landscape, keeps=("landscape",), replays=True, next=_next_plane),
    View("backward", "loss.backward()",
         "pick a weight with the arrows: its gradient by the chain rule, row by row, beside autograd's and a "
         "finite difference, and what the optimizer's step does with it (the run pauses; . steps, p: the next row)",
         lambda ascii: BackwardView(ascii=ascii, id="view-backward"),
         lambda pane, snap: pane.query_one(BackwardView).show(snap, pane.configs[0].activation, pane.hide_answers),
         asks=_asks_backward, next=lambda pane: pane.query_one(BackwardView).next_row(), arrow=_backward_arrow,
         enter=_enter_backward, hides_loss=True, holds_run=True),
    View("compare", "compare", "A beside B, trained in lockstep on the same seed (c): their boundaries, or their "
         "loss landscapes when c is pressed in the landscape view",
         _compare_widget, _draw_compare, cycle=False,
         asks=lambda pane: _asks_landscape(pane) if _compares_landscapes(pane) else {}, keeps=("landscape",)),
)}

CYCLE = tuple(name for name, v in VIEWS.items() if v.cycle)
KEEPS = tuple(sorted({name for v in VIEWS.values() for name in v.keeps}))  # kept from each run's first frame


def cycle_help() -> str:
    """`v`'s line on the `?` screen and in the palette, from the views themselves."""
    return "XOR view: " + " -> ".join(VIEWS[name].title for name in CYCLE)
