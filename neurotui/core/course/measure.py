"""What the app measured for a lesson step, and the learner's prediction judged against it.

A guided step asks its question before anything runs; the answer is then read from the
numbers the app produced (the XOR run's last snapshot, the neuron's fields, a sweep, the
failure probe, the script the code view shows), never from text written in advance. Each
`measure_*` below takes a `Measured` (plain values the UI collected) and returns an `Answer`.
Pure Python apart from the sweep and probe a step may ask for (core.sweep, core.course.card).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from neurotui.core.lesson import XOR_X, XOR_Y
from neurotui.core.model import neuron as neuron_mod
from neurotui.core.model.activations import ACTIVATIONS
from neurotui.core.model.config import XorConfig
from neurotui.core.numbers import fixed, percent, sci, short, sig, signed
from neurotui.core.training.snapshot import is_tie


@dataclass(frozen=True)
class Question:
    prompt: str
    choices: tuple[str, ...] = ()  # empty: the learner types a number
    tolerance: float = 0.0  # a typed number this close to the measured one counts as right

    @property
    def typed(self) -> bool:
        return not self.choices


@dataclass(frozen=True)
class Answer:
    """The measured answer: `value` is a choice's index or a number; `text` says what was measured."""

    value: float
    text: str


@dataclass
class Measured:
    """What the UI hands a step's measure function; a field is None when the step did not need it."""

    config: XorConfig | None = None  # the run the XOR pane trained (the learner may have changed it)
    snapshot: object | None = None  # that run's last core.training.trainer.Snapshot
    neuron: tuple | None = None  # (x, w, b) as the Neuron pane holds them
    sweep: tuple = ()  # core.sweep.SweepResult per network the step swept
    probe: object | None = None  # the failure probe's Snapshot
    script: str = ""  # the code view's script
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    said: str
    measured: str
    right: bool
    predicted: bool = True  # False: the run moved before the prediction (it was seen, not predicted)

    def line(self, dash: str = "—") -> str:
        return f"you said: {self.said} {dash} measured: {self.measured}"

    @property
    def word(self) -> str:
        return "not predicted" if not self.predicted else "right" if self.right else "off"

    def as_dict(self) -> dict:
        return {"said": self.said, "measured": self.measured, "right": self.right, "predicted": self.predicted}


def seen_first(verdict: Verdict) -> Verdict:
    """Acting before predicting (space, `.`, a run): the answer was on screen, so never "right"."""
    return Verdict(verdict.said, verdict.measured, False, predicted=False)


def tolerance_text(question: Question) -> str:
    """' (within ±0.05)': how close a typed number must be to count; '' for a choice."""
    if not question.typed:
        return ""
    return f" (within ±{short(question.tolerance)})" if question.tolerance else " (exactly)"


def parse_number(text: str) -> float | None:
    """A typed prediction: '0.7', '-.36', '5', '73%' (percent sign dropped); None if not a number."""
    t = text.strip().rstrip("%").strip()
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def number_text(v: float) -> str:
    return sig(v, 4)


def judge(question: Question, said: float, answer: Answer) -> Verdict:
    """The learner's prediction (a choice's index or a typed number) beside the measured answer."""
    if question.typed:
        right = math.isfinite(answer.value) and abs(said - answer.value) <= question.tolerance + 1e-12
        return Verdict(number_text(said), answer.text, right)
    index = int(said)
    return Verdict(question.choices[index], answer.text, index == int(answer.value))


# ---------------------------------------------------------------- reading a run


def rows_right(snap) -> int:
    """The lesson's rows predicted right; a row at a tie (p = 0.5 to float32's noise) is not a prediction."""
    return sum(int(p) == int(y) and not is_tie(q) for p, q, y in zip(snap.preds, snap.probs, XOR_Y))


def rows_words(snap) -> str:
    """'3 of 4 rows right', saying how many sit at a tie (where pred is the last bit's, not the model's)."""
    ties = sum(map(is_tie, snap.probs))
    if ties == len(snap.probs):
        return "all 4 rows at 0.5: no prediction"
    return f"{rows_right(snap)} of 4 rows right" + (f", {ties} at p = 0.5" if ties else "")


def _run(m: Measured):
    if m.snapshot is None or not getattr(m.snapshot, "losses", None) and not getattr(m.snapshot, "error", None):
        raise NotMeasured("the run has not trained yet")
    return m.snapshot


def _on(m: Measured) -> str:
    """' (2-1 perceptron, seed 42)': which run the numbers came from."""
    c = m.config
    if c is None:
        return ""
    what = "perceptron" if c.layers == 0 else ACTIVATIONS[c.activation].label
    bug = f", bug {c.bug}" if c.bug else ""
    return f" ({c.shape} {what}{bug}, seed {c.seed})"


class NotMeasured(Exception):
    """The numbers a step needs are not there (yet); str says what is missing."""


# ---------------------------------------------------------------- the measures


def measure_neuron_z(m: Measured) -> Answer:
    if m.neuron is None:
        raise NotMeasured("the neuron's fields were not read")
    r = neuron_mod.compute(*m.neuron)
    sigmoid, relu = r.activations["sigmoid"], r.activations["relu"]
    return Answer(r.z, f"z = {sig(r.z, 3)}, sigmoid {fixed(sigmoid, 3)}, relu {sig(relu, 3)}  ({r.arithmetic(ascii=True)})")


TABLE = ("sigmoid", "tanh", "relu")


def measure_furthest(m: Measured) -> Answer:
    """Which activation's output is furthest from 0 at the neuron's z (an index into TABLE)."""
    if m.neuron is None:
        raise NotMeasured("the neuron's fields were not read")
    z = neuron_mod.compute(*m.neuron).z
    values = [ACTIVATIONS[n].fn(z) for n in TABLE]
    far = max(range(len(TABLE)), key=lambda i: abs(values[i]))
    shown = ", ".join(f"{ACTIVATIONS[n].label} {sig(v, 3)}" for n, v in zip(TABLE, values))
    return Answer(far, f"at z = {sig(z, 3)}: {shown}")


def _inside(snap):
    """The hidden values a snapshot carries (the inside views' picture, core.pictures); None without one."""
    return snap.picture("inside") if snap is not None else None


def measure_collapse(m: Measured) -> Answer:
    """Two Linear layers with no activation between them: is W2(W1 x + b1) + b2 one Linear? (0: yes)."""
    snap = _run(m)
    # Trained on XOR, both layers shrink toward 0 (a line's best is p = 0.5): the untrained weights
    # the question was asked about show the folding with numbers that are not all near zero.
    start = m.extra.get("start")
    inside = _inside(start) or _inside(snap)
    if inside is None or len(inside.weights) != 2:
        raise NotMeasured("the weights were not read: show the weights view (t sets the step up again)")
    (w1, w2), (b1, b2) = inside.weights, inside.biases
    merged_w = [sum(w2[0][k] * w1[k][i] for k in range(len(w1))) for i in range(len(w1[0]))]
    merged_b = sum(w2[0][k] * b1[k] for k in range(len(w1))) + b2[0]
    act = ACTIVATIONS[m.config.activation if m.config else "identity"].fn
    worst = 0.0
    for x in XOR_X:
        h = [act(sum(w1[k][i] * x[i] for i in range(len(x))) + b1[k]) for k in range(len(w1))]
        two = sum(w2[0][k] * h[k] for k in range(len(h))) + b2[0]
        one = sum(merged_w[i] * x[i] for i in range(len(x))) + merged_b
        worst = max(worst, abs(two - one))
    one_layer = worst < 1e-4
    ws = ", ".join(sig(v, 3) for v in merged_w)
    when = "at step 0" if inside is _inside(start) else f"at step {snap.step}"
    text = (f"{'one' if one_layer else 'not one'}: {when} W2 W1 = [{ws}], b = {sig(merged_b, 3)} gives the two layers' "
            f"z within {sci(worst, 1)} on all four rows; trained, loss {fixed(snap.loss, 4)}{_on(m)}")
    return Answer(0 if one_layer else 1, text)


def measure_final_loss(m: Measured) -> Answer:
    snap = _run(m)
    return Answer(snap.loss, f"final loss {fixed(snap.loss, 4)} after {snap.step} steps, {rows_words(snap)} "
                             f"({snap.diagnosis.title}){_on(m)}")


def measure_rows_right(m: Measured) -> Answer:
    snap = _run(m)
    return Answer(rows_right(snap), f"{rows_words(snap)}, final loss {fixed(snap.loss, 4)}{_on(m)}")


def measure_hidden_split(m: Measured) -> Answer:
    """Can one line split the four points where the last hidden layer puts them? The output layer's
    own line is one; count the points on their label's side of it (0: yes, all four)."""
    snap = _run(m)
    inside = _inside(snap)
    if inside is None or not inside.hidden_points or not inside.hidden_points[0]:
        raise NotMeasured("the hidden space was not read: show it with v (t sets the step up again)")
    if inside.layer != len(inside.weights) - 1:
        raise NotMeasured("looking at an earlier hidden layer: k until the last one")
    w, b = inside.weights[-1][0], inside.biases[-1][0]
    sides = [sum(wi * hi for wi, hi in zip(w, h)) + b >= 0 for h in inside.hidden_points]
    good = sum(s == bool(y) for s, y in zip(sides, XOR_Y))
    return Answer(0 if good == 4 else 1, f"{'yes' if good == 4 else 'no'}: the output layer's line puts {good} of 4 "
                                         f"points on their label's side{_on(m)}")


LOOP_CHOICES = ("optimizer.zero_grad()", "loss.backward()", "pred = model(xor_x)", "loss = loss_fn(pred, xor_y)")


def measure_before_step(m: Measured) -> Answer:
    """The line right before optimizer.step() in the loop of the script the code view shows."""
    lines = [ln.strip() for ln in m.script.splitlines()]
    if "optimizer.step()" not in lines:
        return Answer(len(LOOP_CHOICES), f"this script never calls optimizer.step(){_on(m)}")
    i = lines.index("optimizer.step()")
    j = next(k for k in range(i - 1, -1, -1) if lines[k] and not lines[k].startswith("#"))
    before = lines[j]
    index = next((k for k, c in enumerate(LOOP_CHOICES) if before.startswith(c)), len(LOOP_CHOICES))
    return Answer(index, f"line {j + 1}: {before}, line {i + 1}: optimizer.step(){_on(m)}")


def _backward_of(snap):
    """The backward view's numbers in a snapshot (its `backward` picture), None where none was read."""
    return None if snap is None else snap.picture("backward")


def measure_first_step(m: Measured) -> Answer:
    """How far the run's first optimizer step moved the weight the backward view writes out: its value
    at step 1 minus its value at step 0, both as the view read them (core.training.gradcheck.look)."""
    before = _backward_of(m.extra.get("start"))
    after = _backward_of(m.snapshot)
    for look in (before, after):
        if isinstance(look, str):
            raise NotMeasured(f"backward: {look}")
        if look is None:
            raise NotMeasured("the backward view's numbers were not read (t sets the step up again)")
    if before.step != 0 or after.step != 1:
        raise NotMeasured(f"the run is at step {after.step}, not 1: t sets the step up again")
    b, a = before.selected, after.selected
    if a.name != b.name:
        raise NotMeasured(f"the view shows {a.name} now: the question is about {b.name} (arrows back to it)")
    moved = a.value - b.value
    optimizer = "Adam" if before.optimizer == "adam" else "SGD"
    numeric = f", finite diff {signed(b.numeric, 4)}" if b.numeric is not None else ""
    return Answer(abs(moved), f"{optimizer}'s step 1 moved {b.name} {signed(moved, 4)} ({signed(b.value, 5)} -> {signed(a.value, 5)}); "
                              f"its gradient {signed(b.chain, 4)} (chain rule; autograd {signed(b.autograd, 4)}{numeric}); "
                              f"SGD's -lr*g would be {signed(b.sgd_update, 2)}{_on(m)}")


def measure_probe_loss(m: Measured) -> Answer:
    if m.probe is None:
        raise NotMeasured("the failure probe has not been trained")
    own = f", yours {fixed(m.snapshot.loss, 4)}" if m.snapshot is not None and m.snapshot.losses else ""
    return Answer(m.probe.loss, f"probe final_loss {fixed(m.probe.loss, 4)} without a hidden activation{own}{_on(m)}")


LOSS_CHOICES = ("falls toward 0", "stays flat", "becomes nan")


def measure_loss_trend(m: Measured) -> Answer:
    snap = _run(m)
    losses = list(snap.losses)
    first, last = losses[0], losses[-1]
    index = 2 if not math.isfinite(last) else 1 if last >= first * 0.99 else 0
    return Answer(index, f"loss {fixed(first, 4)} at step 1, {fixed(last, 4)} at step {snap.step} ({snap.diagnosis.title}){_on(m)}")


def measure_mean_prob(m: Measured) -> Answer:
    snap = _run(m)
    mean = sum(snap.probs) / len(snap.probs)
    probs = " ".join(fixed(p, 3) for p in snap.probs)
    return Answer(mean, f"probabilities {probs} (mean {fixed(mean, 3)}; {snap.diagnosis.title}){_on(m)}")


ERROR_CHOICES = ("it trains anyway", "PyTorch raises an error at once", "the loss becomes nan")


def measure_error(m: Measured) -> Answer:
    snap = _run(m)
    if snap.error:
        said = snap.error if len(snap.error) <= 90 else snap.error[:87] + "..."
        return Answer(1, f"PyTorch raised at step {snap.step + 1}: {said}{_on(m)}")
    if snap.diagnosis.kind == "nonfinite":
        return Answer(2, f"nan at step {snap.step}{_on(m)}")
    return Answer(0, f"trained {snap.step} steps, loss {fixed(snap.loss, 4)}{_on(m)}")


BLOWUP_CHOICES = ("it learns faster", "it becomes unstable", "nothing changes")


def measure_blowup(m: Measured) -> Answer:
    snap = _run(m)
    kind = snap.diagnosis.kind
    index = 1 if kind in ("nonfinite", "saturated") else 0 if snap.solved else 2
    return Answer(index, f"{snap.diagnosis.title} at step {snap.step}, loss {sig(snap.loss, 4)}{_on(m)}")


def measure_val_accuracy(m: Measured) -> Answer:
    snap = _run(m)
    if snap.val_accuracy is None:
        raise NotMeasured("this run has no validation set")
    return Answer(100 * snap.val_accuracy, f"train {percent(snap.train_accuracy)}, validation {percent(snap.val_accuracy)} "
                                          f"({snap.diagnosis.title}){_on(m)}")


def _solved_count(r) -> int:
    return sum(bool(s) for s in r.solved)


def _seeds_text(r) -> str:
    c = r.config
    return f"seeds {c.seed_start}-{c.seed_start + c.seeds - 1}"


def measure_seeds_solved(m: Measured) -> Answer:
    """The first swept network's solved count, beside the others'."""
    if not m.sweep:
        raise NotMeasured("the sweep has not run")
    first = m.sweep[0]
    parts = [f"{_solved_count(r)} of {r.n} with {r.config.model.shape}" for r in m.sweep]
    return Answer(_solved_count(first), f"{'; '.join(parts)} ({_seeds_text(first)})")


DEPTH_CHOICES = ("more seeds solve", "about the same (within 5%)", "fewer seeds solve")


def measure_depth(m: Measured) -> Answer:
    """Sweep of [deeper, lesson]: does the deeper network solve more seeds?"""
    if len(m.sweep) < 2:
        raise NotMeasured("the sweep has not run")
    deep, base = m.sweep[0], m.sweep[1]
    diff = deep.solved_fraction - base.solved_fraction
    index = 1 if abs(diff) <= 0.05 else 0 if diff > 0 else 2
    parts = [f"{r.config.model.shape}: {_solved_count(r)} of {r.n} solved, median loss {sig(r.median_final_loss, 2)}"
             for r in (deep, base)]
    return Answer(index, f"{'; '.join(parts)} ({_seeds_text(deep)})")


def loss_every(losses, every: int = 200) -> list[tuple[int, float]]:
    """(step, loss) every `every` steps, as `neurotui lab --log-every` counts them."""
    return [(s, losses[s - 1]) for s in range(every, len(losses) + 1, every)]


def measure_loss_at_200(m: Measured) -> Answer:
    snap = _run(m)
    losses = list(snap.losses)
    if len(losses) < 200:
        raise NotMeasured("the run stopped before step 200")
    log = "  ".join(f"{s}:{sig(v, 3)}" for s, v in loss_every(losses)[:10])
    return Answer(losses[199], f"step 200: {fixed(losses[199], 4)}; every 200 steps: {log}{_on(m)}")


def relu_solves(m: Measured) -> Answer:
    snap = _run(m)
    return Answer(0 if snap.solved else 1, f"{'solved' if snap.solved else 'not solved'}: {rows_right(snap)} of 4 rows, "
                                           f"loss {fixed(snap.loss, 4)}{_on(m)}")
