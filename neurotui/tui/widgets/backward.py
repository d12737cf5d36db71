"""The backward view: the network's picture to pick a weight on, and that weight's gradient written out.

Beside the picture: the chain of factors row by row of the batch (dL/dp * dp/dz * dz/dw, or
through a hidden unit dL/da * da/dz * dz/dw), their sum, the same gradient by autograd and by a
finite difference, and what the optimizer's next step does with it. The numbers come from the
worker (core.training.gradcheck.look, in the snapshot); this only lays them out.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from neurotui.core.model.network import name_of
from neurotui.core.numbers import fixed, short, sig, signed
from neurotui.tui.widgets.network import Item, NetworkView

PAGE_ROWS = 10  # the batch rows listed at once; p steps through the rest
PICTURE_ROWS = 6  # the network's picture at its smallest: its header and four units
LOSS_NAMES = {"bce": "BCE", "ce": "CrossEntropy", "mse": "MSE"}
FIXED_LINES = 6  # the header, the formula, the table's head, the sum and its checks, two for the step: the rest are rows


class BackwardNet(NetworkView):
    """The network's picture without the selection's own lines: the chain below says more."""

    info_rows = 0

    def info(self) -> Text:
        return Text("arrows pick a weight or a bias, p the next row, . takes the step", "dim", end="")


def default_item(layers: int) -> Item:
    """w{last}[0,0]: the first weight into the output, the lesson's question."""
    return Item(layers, 0, 0)


def item_name(item: Item) -> str:
    return name_of(item.col, item.unit, item.source)


def _n(v: float | None, width: int = 10) -> str:
    return f"{'-':>{width}}" if v is None else f"{signed(v + 0.0, 4):>{width}}"


FACTOR = 8  # a factor's width: 3 significant digits, or 2 where 3 would not fit ('-0.00078', '+7.4e-05')


def _signed(v: float, width: int = FACTOR) -> str:
    """A factor or a product, signed. An exact zero is '0': x = 0 times a negative factor is -0.0 in
    floating point, which read as a negative contribution."""
    if v == 0:
        return f"{'0':>{width}}"
    text = signed(v, 3)
    return f"{text if len(text) <= width else signed(v, 2):>{width}}"


def _target(y: float) -> str:
    """A class index as an integer, a regression target with 3 digits."""
    return fixed(y, 0) if float(y).is_integer() else sig(y, 3)


def _inputs(look, row: int) -> str:
    """The row's first two inputs (x1 x2): as integers where every row's are (the lesson's 0s and 1s),
    else each in 5 characters with its sign, so a negative x1 keeps the columns in line."""
    return " ".join(f"{fixed(v, 0 if _x_width(look) == 2 else 2):>{_x_width(look)}}" for v in look.inputs[row][:2])


def _x_width(look) -> int:
    whole = all(float(v).is_integer() and 0 <= v < 10 for x in look.inputs for v in x[:2])
    return 2 if whole else 5


def _x_head(look) -> str:
    k = min(2, len(look.inputs[0])) if look.inputs else 2
    return " ".join(f"{f'x{i + 1}':>{_x_width(look)}}" for i in range(k))


def _columns(look) -> tuple[int, int]:
    """The x and y columns' widths: the widest row's x1 x2 and the widest target."""
    rows = range(len(look.inputs))
    return (max(len(_x_head(look)), *(len(_inputs(look, r)) for r in rows)),
            max(1, *(len(_target(y)) for y in look.targets)))


def chain_text(look, row: int, height: int, width: int, ascii: bool = False, masked: bool = False) -> Text:
    """The selected parameter's chain in at most `height` lines of `width`, rows windowed around `row`;
    `masked`: the step's size left out (the lesson asks it)."""
    lines: list[Text] = []

    def say(*parts: tuple[str, str]) -> None:
        lines.append(Text.assemble(*parts, no_wrap=True, overflow="ellipsis", end=""))

    if look is None or isinstance(look, str):
        say(("computing the backward pass..." if look is None else f"backward: {look}", "dim" if look is None else "bold"))
        return _joined(lines, width)
    p, chain = look.selected, look.chain
    names = [n for n, _ in chain.rows[0].factors]
    say((f"{p.name} = {signed(p.value, 5)}", "bold"),
        (f"   step {look.step}, {LOSS_NAMES.get(look.loss_kind, look.loss_kind)} loss {sig(look.loss, 5)}", "dim"))
    say((chain.formula, ""))
    n_rows = len(chain.rows)
    room = max(1, height - FIXED_LINES)
    if n_rows > room:
        room = max(1, room - 1)  # a line says where the window is
    first = min(max(0, row - room // 2), max(0, n_rows - room))
    shown = chain.rows[first:first + room]
    x_width, y_width = _columns(look)
    say((f"{'row':>4} {_x_head(look):>{x_width}}  {'y':>{y_width}} " + "   ".join(f"{n:>{FACTOR}}" for n in names)
         + f"   {'product':>9}", "dim"))
    mark = ">" if ascii else "\u25b8"
    for r in shown:
        here = r.row == row
        x = _inputs(look, r.row)
        say((f"{mark if here else ' '}{r.row:>3} {x:>{x_width}}  {_target(look.targets[r.row]):>{y_width}} "
             + " * ".join(_signed(v) for _, v in r.factors) + f" = {_signed(r.product, 9)}",
             "reverse" if here else ""))
    if n_rows > len(shown):
        say((f"     rows {first}-{first + len(shown) - 1} of {n_rows} (p: the next); the sum is over all", "dim"))
    plus = f" (with L1's {signed(chain.penalty, 3)})" if chain.penalty else ""
    say(("sum" + plus, "bold"), (f" {signed(p.chain + 0.0, 8)}  autograd {signed(p.autograd + 0.0, 8)}  finite diff {_n(p.numeric, 0).strip()}", ""))
    optimizer = "Adam" if look.optimizer == "adam" else "SGD"
    if masked:  # the guided lesson asks how far the step moves it: nothing here answers that first
        say((f". steps ({optimizer}, lr {short(look.lr)}):", "bold"), (f" {p.name} {signed(p.value, 5)} -> ?", ""))
        say(("  how far it moves is the lesson's question: predict it first", "dim"))
        return _joined(lines, width)
    update = p.adam_update if look.optimizer == "adam" else p.sgd_update
    say((f". steps ({optimizer}):", "bold"),
        (f" {p.name} {signed(p.value, 5)} {'+' if update >= 0 else '-'} {sig(abs(update), 4)} -> {signed(p.value + update, 5)}", ""))
    state = "no state yet: its first step" if look.adam_fresh else f"m {signed(p.adam_m, 3)}, v {sig(p.adam_v, 3)}"
    say((f"  Adam {signed(p.adam_update, 4)} ({state});  SGD -lr*g {signed(p.sgd_update, 4)}", "dim"))
    return _joined(lines, width)


def _joined(lines: list[Text], width: int) -> Text:
    for line in lines:
        line.truncate(max(1, width), overflow="ellipsis")
    return Text("\n", no_wrap=True, end="").join(lines)


class BackwardView(Vertical):
    DEFAULT_CSS = """
    BackwardView { height: 1fr; }
    BackwardView > BackwardNet { height: 1fr; min-height: 6; }  /* PICTURE_ROWS */
    BackwardView > #backward-chain { height: auto; max-height: 16; }
    """

    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii
        self.row = 0  # the batch row whose factors are marked (p steps)
        self.look = None
        self.masked = False  # the optimizer's step left out while the guided lesson asks about it

    def compose(self) -> ComposeResult:
        yield BackwardNet(ascii=self.ascii, id="backward-net")
        yield Static(id="backward-chain")

    @property
    def net(self) -> BackwardNet:
        return self.query_one(BackwardNet)

    def start_at(self, item: Item | None, layers: int) -> None:
        """Entering the view: the network view's selection, or the first weight into the output."""
        self.net.select(item if item is not None else (self.net.selected or default_item(layers)))

    def selected_name(self, layers: int) -> str:
        return item_name(self.net.selected or default_item(layers))

    def show(self, snap, activation: str, masked: bool = False) -> None:
        if (net := snap.picture("network")) is not None:
            self.net.show(net, activation)
        self.look, self.masked = snap.picture("backward"), masked
        self._draw()

    def next_row(self) -> None:
        self.row += 1
        self._draw()

    def on_resize(self) -> None:
        # whether the network's picture fits beside the chain is decided by the height: a resized
        # terminal (80x24 -> 120x40) over a paused or finished run gets no new snapshot to redraw it
        self._draw()

    def _draw(self) -> None:
        look = self.look
        if look is not None and not isinstance(look, str):
            self.row %= len(look.chain.rows)
        rows = 4 if look is None or isinstance(look, str) else len(look.chain.rows)
        room = FIXED_LINES + min(rows, PAGE_ROWS) + (rows > PAGE_ROWS)
        height = self.size.height
        if height:
            # The picture keeps at least its header and four units (6 rows) where the chain still gets
            # four of its rows and its sum beside it; shorter (the guided lesson at 80x24) the chain
            # comes first: the header line names the weight, and the arrows still pick another.
            picture = height - PICTURE_ROWS >= FIXED_LINES + min(rows, 4) + (rows > 4)
            self.net.display = picture
            room = max(1, min(room, height - (PICTURE_ROWS if picture else 0)))
        self.query_one("#backward-chain", Static).update(
            chain_text(look, self.row, room, self.size.width, self.ascii, self.masked))
