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

# What runs after the prediction: the XOR pane's run, a sweep, the failure probe, the neuron's
# fields being set, or nothing (the answer is already on screen, e.g. the script).
REVEALS = ("run", "sweep", "probe", "neuron", "none")


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
    after: str = ""  # one line shown with the measured answer: what it means

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
         measure=M.measure_neuron_z, after="z moves one for one with b: the bias shifts the weighted sum."),
    Step("activations", "Activations: the table",
         "An activation bends z before it goes on: Sigmoid squeezes it into 0..1 (a probability at the output), "
         "Tanh into -1..1, ReLU keeps positives and turns negatives into 0 (the usual hidden default).",
         pane="activations", reveal="neuron", neuron=(("z", -2.0),),
         question=_q("The neuron's z becomes -2. Which activation's output lands furthest from 0?", "Sigmoid", "Tanh",
                     "ReLU"),
         measure=M.measure_furthest, after="Tanh keeps the sign (-1..1); Sigmoid stays in 0..1; ReLU cuts negatives to 0."),
    Step("stacked-linear", "Stacked linear layers stay linear",
         "Take away the hidden activation and a 2-4-1 network is two Linear layers in a row with nothing between "
         "them. The weights view shows both layers' numbers.",
         changes=(("activation", "identity"),), view="weights", reveal="run",
         question=_q("With no activation between them, the two Linear layers are really how many?", "one", "two",
                     "four (one per hidden unit)"),
         measure=M.measure_collapse, after="Folded into one layer, it can only draw one straight line."),
    Step("perceptron", "XOR vs one line: the single-layer perceptron",
         "XOR is 1 when exactly one input is 1. No straight line puts (0,1) and (1,0) on one side and (0,0), (1,1) "
         "on the other. A 2-1 perceptron (inputs straight into the output sigmoid) draws exactly one line.",
         changes=(("layers", 0),), reveal="run",
         question=_q("The 2-1 perceptron trains 2000 steps. Its final loss? (ln 2 = 0.693 is a coin flip, 0 is "
                     "perfect)", tol=0.05),
         measure=M.measure_final_loss, after="One line cannot split XOR: its best is 0.5 on every row, a loss of ln 2."),
    Step("mlp", "The 2-4-1 MLP solves it: hidden features",
         "Put 4 Tanh units between inputs and output. Each hidden unit draws its own line and bends it: a new "
         "feature of (x1, x2). The hidden features view shows each unit's map over the plane.",
         view="features", reveal="run",
         question=_q("The lesson's 2-4-1 Tanh MLP trains 2000 steps. How many of the 4 rows will it get right?"),
         measure=M.measure_rows_right, after="The output combines the hidden maps: curved regions one line could not make."),
    Step("hidden-space", "Hidden space: where XOR becomes a line",
         "The hidden space plots the four points by two hidden units' values instead of by x1, x2. The output "
         "layer is still just one straight line, drawn in this space.",
         view="space", reveal="run",
         question=_q("After training, can one straight line split the 0s from the 1s in the hidden space?",
                     "yes", "no"),
         measure=M.measure_hidden_split, after="The hidden layer re-maps the inputs so a linear output is enough."),
    Step("training-loop", "The training loop, in code",
         "PyTorch training is a few lines: an nn.Module model, a loss (BCELoss), an optimizer (Adam) and a loop "
         "of five calls. The code view shows this run's own script: scroll down to the loop.",
         view="code",
         question=_q("In the loop the code view shows, which line comes right before optimizer.step()?",
                     *M.LOOP_CHOICES),
         measure=M.measure_before_step, after="backward() fills the gradients that step() then uses."),
    Step("evidence-card", "The evidence card",
         "Keep a small card: the neuron's numbers, XOR solved, the reason (nonlinear hidden layers make features) "
         "and the failure probe: the same network without the hidden activation. e writes it.",
         reveal="probe",
         question=_q("The failure probe retrains your network with no hidden activation. Its final loss?", tol=0.05),
         measure=M.measure_probe_loss, after="The gap between the two losses is the card's evidence: press e to keep it."),
    Step("check-not-decreasing", "Checklist: the loss does not decrease",
         "First row of the debugging checklist. This run leaves optimizer.step() out of the loop (bug no-step).",
         preset="bug-no-step", reveal="run",
         question=_q("What does the loss do?", *M.LOSS_CHOICES),
         measure=M.measure_loss_trend, after="Flat loss: check the learning rate, the loss pair, and that step() runs."),
    Step("check-near-half", "Checklist: probabilities all near 0.5",
         "Second row: the model is not learning. Here the target has shape [4] and MSELoss broadcasts it against "
         "the [4, 1] prediction (bug broadcast-target).",
         preset="bug-broadcast-target", reveal="run",
         question=_q("Where do the four probabilities end? (a number from 0 to 1)", tol=0.05),
         measure=M.measure_mean_prob, after="All near 0.5: the model learned nothing useful; the fix here is the target shape."),
    Step("check-shape", "Checklist: output shape error",
         "Third row. The prediction is [batch, 1]; this time BCELoss gets a target of shape [4] (bug target-shape).",
         preset="bug-target-shape", reveal="run",
         question=_q("What happens when training starts?", *M.ERROR_CHOICES),
         measure=M.measure_error, after="Keep the target [batch, 1], the same shape as the prediction."),
    Step("check-nan", "Checklist: values become nan",
         "Fourth row: unstable training. This run's learning rate is 100 instead of 0.1 (bug lr-high).",
         preset="bug-lr-high", reveal="run",
         question=_q("What happens?", *M.BLOWUP_CHOICES),
         measure=M.measure_blowup, after="BCELoss clamps the loss, so it may read 50 rather than nan: lower the learning rate."),
    Step("check-memorization", "Checklist: solves training, not new data",
         "Last row: memorization. A big 2-32-32-1 network trains on 40 noisy XOR points and is tested on 160 "
         "points it never saw (the validation set). This run is bigger: it takes longer.",
         preset="memorization", reveal="run",
         question=_q("Training accuracy reaches 100%. Validation accuracy, in percent?", tol=10),
         measure=M.measure_val_accuracy, after="The gap is memorization: split off validation data, regularize (preset regularized)."),
    Step("practice-hidden-2", "Practice 1: 2 hidden units, over many seeds",
         "With 2 hidden units instead of 4 the network has little room for features. One seed proves little: the "
         "lesson asks whether it trains reliably, so 64 seeds are trained at once (the sweep of the Reliability pane).",
         preset="hidden-2", reveal="sweep", sweep=(("hidden", (2, 4)),),
         question=_q("Of 64 seeds, how many will the 2-2-1 solve? (0-64)", tol=6),
         measure=M.measure_seeds_solved, after="One seed can mislead either way: judge a network by how many seeds it solves."),
    Step("practice-relu", "Practice 2: ReLU instead of Tanh",
         "Swap the hidden Tanh for ReLU, everything else the same. ReLU often works but leans more on the "
         "starting weights and the learning rate.",
         preset="relu", reveal="run",
         question=_q("With seed 42, does the ReLU network solve XOR?", "yes", "no"),
         measure=M.relu_solves, after="Try s (new seed) or 4 (Reliability) to see how often ReLU works."),
    Step("practice-log", "Practice 3: the loss every 200 steps",
         "Print the loss every 200 steps and you see the curve: a healthy one trends down with small noise. The "
         "loss plot draws every step; the panel lists every 200th.",
         preset="loss-curve", reveal="run",
         question=_q("The loss starts around 0.7 at step 1. What is it at step 200?", tol=0.05),
         measure=M.measure_loss_at_200, after="A flat curve means: check the LR, the activation, the target shape, step()."),
    Step("practice-no-activation", "Practice 4: no hidden activation",
         "Remove the hidden activation: the failure probe, the same 2-4-1 with None between its layers. "
         "Watch the rows on the right.",
         preset="no-activation", reveal="run",
         question=_q("How many of the 4 rows will it get right?"),
         measure=M.measure_rows_right, after="Near 0.5 on every row, which side each row lands on is luck: no single line gets XOR."),
    Step("practice-deeper", "Practice 5: one more hidden layer",
         "Add a second hidden layer of 4 (2-4-4-1). More depth can help, but it is not automatically better: "
         "compare final loss and stability over 64 seeds.",
         preset="deeper", reveal="sweep", sweep=(("layers", (2, 1)),),
         question=_q("Over 64 seeds, compared with 2-4-1 the 2-4-4-1...", *M.DEPTH_CHOICES),
         measure=M.measure_depth, after="Deeper costs optimization effort; measure before believing it helps."),
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
    ("PyTorch: nn.Module, loss, optimizer, backward(), step()", "training-loop"),
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


def pass_check_lines(answers: dict, dash: str = "—", mark: tuple[str, str] = ("✓", "·")) -> list[str]:
    """The pass check: each item, and what the learner predicted and the app measured for it."""
    out = []
    for item, key in PASS_CHECK:
        number = KEYS.index(key) + 1
        got = answers.get(key)
        if got:
            measured = got["measured"].split(" (")[0].split(";")[0]  # its first clause; the card has it all
            verdict = "right" if got["right"] else "off"
            out.append(f"{mark[0]} {item}: step {number}, you said {got['said']} {dash} measured {measured} ({verdict})")
        else:
            out.append(f"{mark[1]} {item}: step {number} not answered yet")
    return out


def predictions_markdown(answers: dict) -> str:
    """The card's section: every prediction beside its measurement, then the pass check."""
    lines = ["## Your predictions (neurotui learn)", "", "| step | you said | measured | |", "|---|---|---|---|"]
    for i, s in enumerate(STEPS, 1):
        got = answers.get(s.key)
        if got:
            cell = "right" if got["right"] else "off"
            lines.append(f"| {i}. {s.title} | {got['said']} | {got['measured']} | {cell} |")
    lines += ["", "### Pass check", ""]
    lines += [f"- {line}" for line in pass_check_lines(answers, dash="-", mark=("[x]", "[ ]"))]
    return "\n".join(lines) + "\n"
