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
from neurotui.tui.widgets.network import Item, NetworkView

PAGE_ROWS = 10  # the batch rows listed at once; p steps through the rest
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
    return f"{'-':>{width}}" if v is None else f"{v:>+{width}.4g}"


def chain_text(look, row: int, height: int, width: int, ascii: bool = False) -> Text:
    """The selected parameter's chain in at most `height` lines of `width`, rows windowed around `row`."""
    lines: list[Text] = []

    def say(*parts: tuple[str, str]) -> None:
        lines.append(Text.assemble(*parts, no_wrap=True, overflow="ellipsis", end=""))

    if look is None or isinstance(look, str):
        say(("computing the backward pass..." if look is None else f"backward: {look}", "dim" if look is None else "bold"))
        return _joined(lines, width)
    p, chain = look.selected, look.chain
    names = [n for n, _ in chain.rows[0].factors]
    say((f"{p.name} = {p.value:+.5g}", "bold"),
        (f"   step {look.step}, {LOSS_NAMES.get(look.loss_kind, look.loss_kind)} loss {look.loss:.5g}", "dim"))
    say((chain.formula, ""))
    n_rows = len(chain.rows)
    room = max(1, height - FIXED_LINES)
    if n_rows > room:
        room = max(1, room - 1)  # a line says where the window is
    first = min(max(0, row - room // 2), max(0, n_rows - room))
    shown = chain.rows[first:first + room]
    say((f"{'row':>4} {'x':<9}{'y':>3} " + "   ".join(f"{n:>8}" for n in names) + f"   {'product':>9}", "dim"))
    mark = ">" if ascii else "\u25b8"
    for r in shown:
        here = r.row == row
        x = " ".join(f"{v:.2f}" for v in look.inputs[r.row][:2])  # the first two inputs: x1 x2
        say((f"{mark if here else ' '}{r.row:>3} {x:<9}{look.targets[r.row]:>3.3g} "
             + " * ".join(f"{v:>+8.3g}" for _, v in r.factors) + f" = {r.product:>+9.3g}", "reverse" if here else ""))
    if n_rows > len(shown):
        say((f"     rows {first}-{first + len(shown) - 1} of {n_rows} (p: the next); the sum is over all", "dim"))
    plus = f" (with L1's {chain.penalty:+.3g})" if chain.penalty else ""
    say(("sum" + plus, "bold"), (f" {p.chain:+.8g}  autograd {p.autograd:+.8g}  finite diff {_n(p.numeric, 0).strip()}", ""))
    update = p.adam_update if look.optimizer == "adam" else p.sgd_update
    say((f". steps ({'Adam' if look.optimizer == 'adam' else 'SGD'}):", "bold"),
        (f" {p.name} {p.value:+.5g} {'+' if update >= 0 else '-'} {abs(update):.4g} -> {p.value + update:+.5g}", ""))
    state = "no state yet: its first step" if look.adam_fresh else f"m {p.adam_m:+.3g}, v {p.adam_v:.3g}"
    say((f"  Adam {p.adam_update:+.4g} ({state});  SGD -lr*g {p.sgd_update:+.4g}", "dim"))
    return _joined(lines, width)


def _joined(lines: list[Text], width: int) -> Text:
    for line in lines:
        line.truncate(max(1, width), overflow="ellipsis")
    return Text("\n", no_wrap=True, end="").join(lines)


class BackwardView(Vertical):
    DEFAULT_CSS = """
    BackwardView { height: 1fr; }
    BackwardView > BackwardNet { height: 1fr; min-height: 6; }
    BackwardView > #backward-chain { height: auto; max-height: 16; }
    """

    def __init__(self, ascii: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii
        self.row = 0  # the batch row whose factors are marked (p steps)
        self.look = None

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

    def show(self, snap, activation: str) -> None:
        if (net := snap.picture("network")) is not None:
            self.net.show(net, activation)
        self.look = snap.picture("backward")
        self._draw()

    def next_row(self) -> None:
        self.row += 1
        self._draw()

    def _draw(self) -> None:
        look = self.look
        if look is not None and not isinstance(look, str):
            self.row %= len(look.chain.rows)
        rows = 4 if look is None or isinstance(look, str) else len(look.chain.rows)
        room = FIXED_LINES + min(rows, PAGE_ROWS) + (rows > PAGE_ROWS)
        if self.size.height:  # the picture keeps at least its header and four units
            room = max(FIXED_LINES + 1, min(room, self.size.height - 6))
        self.query_one("#backward-chain", Static).update(
            chain_text(look, self.row, room, self.size.width, self.ascii))
