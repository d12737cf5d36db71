"""`neurotui learn`: the lesson as guided steps, in the lesson's order.

Each step says what it is about in a few lines (our words, not the lesson's), sets the app
up (a config or preset, a pane, a view), asks its question *before* anything runs, then
says what runs to reveal the answer (`reveal`) and which measure (core.course.measure) reads
it. The UI (tui/lesson.py) does the setting up and the running; nothing here imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from neurotui.core.course import measure as M
from neurotui.core.course.measure import Answer, Measured, Question
from neurotui.core.course.presets import get_preset
from neurotui.core.errors import ConfigError
from neurotui.core.model.config import XorConfig

# What runs after the prediction: the XOR pane's run, one training step (`.`), a sweep, the failure
# probe, the neuron's fields being set, or nothing (the answer is already on screen, e.g. the script).
REVEALS = ("run", "step", "sweep", "probe", "neuron", "none")


@dataclass(frozen=True)
class Step:
    key: str  # stable id: progress is saved by it
    title: str
    text: str
    pane: str = "xor"  # "neuron", "activations" or "xor": the pane the step looks at
    preset: str | None = None  # a core.course.presets name; None: the lesson's run
    changes: tuple[tuple[str, object], ...] = ()  # XorConfig fields over the preset
    view: str = "boundary"  # the XOR pane's view, or "code"
    question: Question | None = None
    reveal: str = "none"
    measure: Callable[[Measured], Answer] | None = None
    neuron: tuple[tuple[str, float], ...] = ()  # fields the reveal sets ("b", or "z": b chosen for that z)
    sweep: tuple[tuple[str, object], ...] = ()  # the networks swept: ("hidden", (2, 4)) ...
    seeds: int = 64
    # One line shown with the measured answer: what it means. A tuple: one line per measured choice
    # (the line for what was measured), so a takeaway never says what the numbers contradict.
    after: str | tuple[str, ...] = ""
    tall_loss: bool = False  # the loss plot is the evidence (train and validation): it gets the pane's rows
    full_title: str = ""  # the title once answered; `title` says nothing the question asks (default: title)
    hides: tuple[str, ...] = ()  # text that would answer the question: never on screen before the prediction
    shows: tuple[str, ...] = ()  # text of the element asked about: on screen while the question waits

    @property
    def answered_title(self) -> str:
        return self.full_title or self.title

    def takeaway(self, measured: float) -> str:
        if isinstance(self.after, str):
            return self.after
        index = int(measured)
        return self.after[index] if 0 <= index < len(self.after) else ""

    def config(self, seed: int = 42) -> XorConfig:
        base = get_preset(self.preset).apply(XorConfig(seed=seed)) if self.preset else XorConfig(seed=seed)
        return base.with_(**dict(self.changes))


def _q(prompt: str, *choices: str, tol: float = 0.0) -> Question:
    return Question(prompt, tuple(choices), tol)


STEPS: tuple[Step, ...] = (
    Step("neuron", "One neuron: z = x @ w + b",
         "A neuron multiplies each input by its weight, adds them up and adds a bias: z. With the lesson's "
         "x, w and b the Neuron pane shows z = 0.44, sigmoid(z) = 0.608, relu(z) = 0.44. Edit any field live.",
         pane="neuron", reveal="neuron", neuron=(("b", -0.3),),
         question=_q("If the bias b drops from 0.1 to -0.3, what is z? (type a number)", tol=0.005),
         measure=M.measure_neuron_z, after="z moves one for one with b: the bias shifts the weighted sum.",
         hides=("= 0.04",), shows=("b", "z =")),
    Step("activations", "Activations: the table",
         "An activation bends z before it goes on: Sigmoid squeezes it into 0..1 (a probability at the output), "
         "Tanh into -1..1, ReLU keeps positives and turns negatives into 0 (the usual hidden default).",
         pane="activations", reveal="neuron", neuron=(("z", -2.0),),
         question=_q("The neuron's z becomes -2. Which activation's output lands furthest from 0?", "Sigmoid", "Tanh",
                     "ReLU"),
         measure=M.measure_furthest, after="Tanh keeps the sign (-1..1); Sigmoid stays in 0..1; ReLU cuts negatives to 0.",
         hides=("-0.964", "−0.964"), shows=("(0, 1)", "[0, inf)", "(−1, 1)")),  # the table's three rows
    Step("stacked-linear", "Stacked linear layers",
         "Take away the hidden activation and a 2-4-1 network is two Linear layers in a row with nothing between "
         "them. The weights view shows both layers' numbers.",
         full_title="Stacked linear layers stay linear",
         changes=(("activation", "identity"),), view="weights", reveal="run",
         question=_q("With no activation between them, the two Linear layers are really how many?", "one", "two",
                     "four (one per hidden unit)"),
         measure=M.measure_collapse, after=("Folded into one layer, it can only draw one straight line.",
                                            "Measured: the two layers do not fold into one here.", ""),
         hides=("stay linear", "W2 W1"), shows=("layer 1", "output")),
    Step("perceptron", "XOR and the single-layer perceptron",
         "XOR is 1 when exactly one input is 1. No straight line puts (0,1) and (1,0) on one side and (0,0), (1,1) "
         "on the other. A 2-1 perceptron (inputs straight into the output sigmoid) draws exactly one line.",
         full_title="XOR vs one line: the single-layer perceptron",
         changes=(("layers", 0),), reveal="run",
         question=_q("The 2-1 perceptron trains 2000 steps. Its final loss? (ln 2 = 0.693 is a coin flip, 0 is "
                     "perfect)", tol=0.05),
         measure=M.measure_final_loss, after="One line cannot split XOR: its best is 0.5 on every row, a loss of ln 2.",
         hides=("final_loss", "cannot separate"), shows=("x=[1.0, 1.0]", "step 0/")),
    Step("mlp", "The 2-4-1 MLP: hidden features",
         "Put 4 Tanh units between inputs and output. Each hidden unit draws its own line and bends it: a new "
         "feature of (x1, x2). The hidden features view shows each unit's map over the plane.",
         full_title="The 2-4-1 MLP solves it: hidden features",
         view="features", reveal="run",
         question=_q("The lesson's 2-4-1 Tanh MLP trains 2000 steps. How many of the 4 rows will it get right?"),
         measure=M.measure_rows_right, after="The output combines the hidden maps: curved regions one line could not make.",
         hides=("solves it", "final_loss", "solved"), shows=("h1", "step 0/")),
    Step("hidden-space", "Hidden space",
         "The hidden space plots the four points by two hidden units' values instead of by x1, x2. The output "
         "layer is still just one straight line, drawn in this space.",
         full_title="Hidden space: where XOR becomes a line",
         view="space", reveal="run",
         question=_q("After training, can one straight line split the 0s from the 1s in the hidden space?",
                     "yes", "no"),
         measure=M.measure_hidden_split, after=("The hidden layer re-maps the inputs so a linear output is enough.",
                                                "Measured: this run's output line does not split them yet.", ""),
         hides=("after training it can", "becomes a line"), shows=("hidden space", "step 0/")),
    Step("training-loop", "The training loop, in code",
         "PyTorch training is a few lines: an nn.Module model, a loss (BCELoss), an optimizer (Adam) and a loop "
         "of five calls. The code view shows this run's own script: scroll down to the loop.",
         view="code",
         question=_q("In the loop the code view shows, which line comes right before optimizer.step()?",
                     *M.LOOP_CHOICES),
         measure=M.measure_before_step, after="backward() fills the gradients that step() then uses.",
         hides=("     loss.backward()",), shows=("# ???  which line goes here?", "     optimizer.step()")),
    Step("backward-step", "backward(), then step(): one weight",
         "loss.backward() fills each weight's gradient by the chain rule. The backward view writes it out for "
         "w2[0,0], the first weight into the output: on each row dL/dp * dp/dz * dz/dw, then their sum, beside "
         "autograd's .grad and a finite difference. optimizer.step() then moves the weight. Adam divides its "
         "running mean of g by the root of its running mean of g squared (m-hat / sqrt(v-hat)), times lr.",
         full_title="Adam's first step is lr, whatever the gradient's size",
         view="backward", reveal="step",
         # Determined by the setup: at step 1 Adam's m-hat is g and v-hat is g squared, so its step is
         # lr * g / |g| (eps aside): lr for any weight with a nonzero gradient, whatever the seed.
         question=_q("Adam (lr 0.1) takes its first step. How far does it move w2[0,0]? (its size; the sign "
                     "aside)", tol=0.005),
         measure=M.measure_first_step,
         after="At its first step m-hat / sqrt(v-hat) is g / |g|: Adam moves every weight by lr. backward() "
               "gives the direction; later steps scale with the gradient's history.",
         hides=("no state yet", "SGD -lr*g", "Adam +", "Adam -", "whatever the gradient"),
         shows=("dL/dw2[0,0] = sum over rows", "autograd", "-> ?", "step 0/")),
    Step("evidence-card", "The evidence card",
         "Keep a small card: the neuron's numbers, XOR solved, the reason (nonlinear hidden layers make features) "
         "and the failure probe: the same network without the hidden activation. e writes it.",
         reveal="probe",
         question=_q("The failure probe retrains your network with no hidden activation. Its final loss?", tol=0.05),
         measure=M.measure_probe_loss, after="The gap between the two losses is the card's evidence: press e to keep it.",
         hides=("final_loss", "probe final"), shows=("step 0/",)),
    Step("check-not-decreasing", "Checklist row 1: watch the loss",
         "First row of the debugging checklist. This run leaves optimizer.step() out of the loop (bug no-step).",
         full_title="Checklist: the loss does not decrease",
         preset="bug-no-step", reveal="run",
         question=_q("What does the loss do?", *M.LOSS_CHOICES),
         measure=M.measure_loss_trend, after=("", "Flat loss: check the learning rate, the loss pair, and that step() runs.",
                                              ""),
         hides=("final_loss", "does not decrease"), shows=("bug no-step", "step 0/")),
    Step("check-near-half", "Checklist row 2: watch the probabilities",
         "Second row. Here the target has shape [4] and MSELoss broadcasts it against "
         "the [4, 1] prediction (bug broadcast-target).",
         preset="bug-broadcast-target", reveal="run",
         question=_q("Where do the four probabilities end? (a number from 0 to 1)", tol=0.05),
         measure=M.measure_mean_prob, after="The fix here is the target shape: [batch, 1], as the prediction.",
         full_title="Checklist: probabilities all near 0.5",
         hides=("final_loss", "near 0.5", "not learning"), shows=("prob=", "step 0/")),
    Step("check-shape", "Checklist row 3: the target's shape",
         "Third row. The prediction is [batch, 1]; this time BCELoss gets a target of shape [4] (bug target-shape).",
         full_title="Checklist: output shape error",
         preset="bug-target-shape", reveal="run",
         question=_q("What happens when training starts?", *M.ERROR_CHOICES),
         measure=M.measure_error, after="Keep the target [batch, 1], the same shape as the prediction.",
         hides=("final_loss", "shape error", "error:"), shows=("bug target-shape", "step 0/")),
    Step("check-nan", "Checklist row 4: a learning rate of 100",
         "Fourth row. This run's learning rate is 100 instead of 0.1 (bug lr-high).",
         full_title="Checklist: values become nan",
         preset="bug-lr-high", reveal="run",
         question=_q("What happens?", *M.BLOWUP_CHOICES),
         measure=M.measure_blowup, after=("", "BCELoss clamps the loss, so it may read 50 rather than nan: lower the "
                                               "learning rate.", ""),
         hides=("final_loss", "become nan", "blown up"), shows=("lr 100", "step 0/")),
    Step("check-memorization", "Checklist row 5: a big network, little data",
         "Last row. A big 2-32-32-1 network trains on 40 noisy XOR points and is tested on 160 "
         "points it never saw (the validation set). This run is bigger: it takes longer.",
         preset="memorization", reveal="run", tall_loss=True,
         question=_q("Training accuracy reaches 100%. Validation accuracy, in percent?", tol=10),
         measure=M.measure_val_accuracy, after="The gap is memorization: split off validation data, regularize (preset regularized).",
         full_title="Checklist: solves training, not new data",
         hides=("memoriz", "not new data", "val acc"), shows=("step 0/",)),
    Step("practice-hidden-2", "Practice 1: 2 hidden units, over many seeds",
         "With 2 hidden units instead of 4 the network has little room for features. One seed proves little: the "
         "lesson asks whether it trains reliably, so 64 seeds are trained at once (the sweep of the Reliability pane).",
         preset="hidden-2", reveal="sweep", sweep=(("hidden", (2, 4)),),
         question=_q("Of 64 seeds, how many will the 2-2-1 solve? (0-64)", tol=6),
         measure=M.measure_seeds_solved, after="One seed can mislead either way: judge a network by how many seeds it solves.",
         hides=(" of 64",), shows=("2-2-1", "step 0/")),
    Step("practice-relu", "Practice 2: ReLU instead of Tanh",
         "Swap the hidden Tanh for ReLU, everything else the same. ReLU often works but leans more on the "
         "starting weights and the learning rate.",
         preset="relu", reveal="run",
         question=_q("With seed 42, does the ReLU network solve XOR?", "yes", "no"),
         measure=M.relu_solves, after="Try s (new seed) or 4 (Reliability) to see how often ReLU works.",
         hides=("final_loss", "solved"), shows=("ReLU", "step 0/")),
    Step("practice-log", "Practice 3: the loss every 200 steps",
         "Print the loss every 200 steps and you see the curve: a healthy one trends down with small noise. The "
         "loss plot draws every step; the panel lists every 200th.",
         preset="loss-curve", reveal="run",
         question=_q("The loss starts around 0.7 at step 1. What is it at step 200?", tol=0.05),
         measure=M.measure_loss_at_200, after="A flat curve means: check the LR, the activation, the target shape, step().",
         hides=("final_loss", "step 200:"), shows=("step 0/",)),
    Step("practice-no-activation", "Practice 4: no hidden activation",
         "Remove the hidden activation: the failure probe, the same 2-4-1 with None between its layers. "
         "Watch the rows on the right.",
         preset="no-activation", reveal="run",
         question=_q("Its final loss after 2000 steps? (ln 2 = 0.693 is a coin flip, 0 is perfect)", tol=0.05),
         measure=M.measure_final_loss, after="With no activation it is one line, whatever its size: no line gets XOR.",
         hides=("final_loss", "cannot separate"), shows=("None", "step 0/")),
    Step("practice-deeper", "Practice 5: one more hidden layer",
         "Add a second hidden layer of 4 (2-4-4-1). More depth can help, but it is not automatically better: "
         "compare final loss and stability over 64 seeds.",
         preset="deeper", reveal="sweep", sweep=(("layers", (2, 1)),),
         question=_q("Over 64 seeds, compared with 2-4-1 the 2-4-4-1...", *M.DEPTH_CHOICES),
         measure=M.measure_depth, after=("Measured: the extra layer solved more seeds here.",
                                         "Measured: about the same; depth neither helped nor hurt here.",
                                         "Measured: the extra layer solved fewer seeds here: depth can cost "
                                         "optimization effort."),
         hides=(" of 64",), shows=("2-4-4-1", "step 0/")),
    Step("pass-check", "Pass check",
         "You are done when you can explain the five points below; each one lists what you predicted and what "
         "the app measured. e writes the card with your predictions beside the measurements."),
)

# The five pass-check items, each with the step whose measurement backs it.
PASS_CHECK: tuple[tuple[str, str], ...] = (
    ("a neuron computes x @ w + b, then an activation", "neuron"),
    ("activation functions add nonlinearity", "stacked-linear"),
    ("a single-layer perceptron cannot solve XOR", "perceptron"),
    ("an MLP stacks layers to build intermediate features", "mlp"),
    ("PyTorch: nn.Module, loss, optimizer, backward(), step()", "backward-step"),
)

KEYS = tuple(s.key for s in STEPS)
assert len(set(KEYS)) == len(KEYS)
assert all(s.reveal in REVEALS and (s.question is None) == (s.measure is None) for s in STEPS)


def step_count() -> int:
    return len(STEPS)


def get_step(number: int) -> Step:
    """Step `number`, 1-based; ConfigError (one line) outside 1..N."""
    if not 1 <= number <= len(STEPS):
        raise ConfigError(f"step must be 1-{len(STEPS)}, got {number}")
    return STEPS[number - 1]


def step_lines() -> list[str]:
    """`neurotui learn --list`: 'K. title' per step."""
    return [f"{i}. {s.title}" for i, s in enumerate(STEPS, 1)]


def verdict_word(got: dict) -> str:
    return "not predicted" if not got.get("predicted", True) else "right" if got["right"] else "off"


def said_cell(got: dict) -> str:
    """The first prediction, and any later ones beside it (the first is the one judged)."""
    later = [g["said"] for g in got.get("later", ())]
    return got["said"] + (f" (later: {', '.join(later)})" if later else "")


def pass_check_lines(answers: dict, dash: str = "—", mark: tuple[str, str] = ("✓", "·")) -> list[str]:
    """The pass check: each item, and what the learner predicted and the app measured for it.
    `mark[0]` only where the first prediction was right; `mark[1]` otherwise."""
    out = []
    for item, key in PASS_CHECK:
        number = KEYS.index(key) + 1
        got = answers.get(key)
        if got:
            measured = got["measured"].split(" (")[0].split(";")[0]  # its first clause; the card has it all
            sign = mark[0] if got["right"] and got.get("predicted", True) else mark[1]
            out.append(f"{sign} {item}: step {number}, you said {said_cell(got)} {dash} measured {measured} "
                       f"({verdict_word(got)})")
        else:
            out.append(f"{mark[1]} {item}: step {number} not answered yet")
    return out


def keep_first(answers: dict, key: str, verdict: dict) -> None:
    """Record a prediction: the first is kept as it was; a later one goes beside it."""
    if key in answers:
        answers[key].setdefault("later", []).append(verdict)
    else:
        answers[key] = dict(verdict)


# The lesson's parts, each from its first step to the next part's first: a step inserted later
# belongs to the part it is inserted in.
PARTS: tuple[tuple[str, str], ...] = (
    ("neuron and activations", "neuron"),
    ("XOR and the MLP", "stacked-linear"),
    ("PyTorch and the card", "training-loop"),
    ("debugging checklist", "check-not-decreasing"),
    ("practice", "practice-hidden-2"),
)
NEXT_TRIES = (
    "presets: P picks one (memorization vs regularized, the spiral, regression sets)",
    "bugs: B injects one; the doctor names it and the code view marks its line",
    "the loss landscape: v until 'loss landscape', p for another plane",
    "your own data: neurotui --data FILE.csv (neurotui --help says the columns)",
)


def summary_lines(answers: dict) -> list[str]:
    """After the pass check: the score per part, the steps to revisit, what to try next."""
    starts = [KEYS.index(first) for _, first in PARTS]
    out, revisit = [], []
    for p, (name, _) in enumerate(PARTS):
        end = starts[p + 1] if p + 1 < len(PARTS) else len(STEPS)
        asked = [(i + 1, STEPS[i]) for i in range(starts[p], end) if STEPS[i].question is not None]
        right = sum(1 for _, s in asked if (g := answers.get(s.key)) and g["right"] and g.get("predicted", True))
        out.append(f"{name}: {right} of {len(asked)} right")
        for number, s in asked:
            got = answers.get(s.key)
            if not got or not got["right"] or not got.get("predicted", True):
                revisit.append(f"{number} ({verdict_word(got) if got else 'not answered'})")
    out.append("revisit: " + (", ".join(f"step {r}" for r in revisit) if revisit else "nothing: every prediction right"))
    out += ["try next:"] + [f"  {t}" for t in NEXT_TRIES]
    return out


def predictions_markdown(answers: dict) -> str:
    """The card's section: every prediction beside its measurement, then the pass check."""
    lines = ["## Your predictions (neurotui learn)", "", "| step | you said | measured | |", "|---|---|---|---|"]
    for i, s in enumerate(STEPS, 1):
        got = answers.get(s.key)
        if got:
            cell = verdict_word(got)
            lines.append(f"| {i}. {s.answered_title} | {said_cell(got)} | {got['measured']} | {cell} |")
    lines += ["", "### Pass check", ""]
    lines += [f"- {line}" for line in pass_check_lines(answers, dash="-", mark=("[x]", "[ ]"))]
    return "\n".join(lines) + "\n"
