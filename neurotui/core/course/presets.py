"""The lesson as experiments: named sets of options, each with the question it answers.

A preset only fills options: anything given explicitly on the command line (or
changed in the app) overrides it. `lesson` is the default run itself.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from neurotui.core.course.bugs import BUGS, TASK_BUGS
from neurotui.core.errors import ConfigError
from neurotui.core.model.config import XorConfig


@dataclass(frozen=True)
class Preset:
    name: str
    question: str  # one line, shown at the top of the XOR pane and by `neurotui presets`
    options: tuple[tuple[str, object], ...]  # XorConfig field -> value

    def apply(self, config: XorConfig | None = None) -> XorConfig:
        """`config` (default: the lesson's) with this preset's options set."""
        return (config or XorConfig()).with_(**dict(self.options))

    def cli_args(self) -> str:
        """The flags this preset stands for ('' for the lesson)."""
        return self.apply().cli_args()


# The memorization pair: 40 training points of a noisy XOR cloud (160 held out to measure),
# a 2-32-32-1 network that can carve a region around every one of them; then the same with L2.
_NOISY_SMALL = (
    ("dataset", "xor-noisy"), ("samples", 200), ("noise", 0.3), ("val_split", 0.8),
    ("hidden", 32), ("layers", 2), ("lr", 0.01),
)

# CS231n's "Minimal neural network case study": three spiral arms, 100 ReLU units, SGD at step size 1
# with L2 1e-3 (for SGD our --l2 is the case study's 0.5 * reg * |W|^2), 10,000 full-batch steps.
_CS231N = (
    ("dataset", "spiral3"), ("hidden", 100), ("activation", "relu"), ("optimizer", "sgd"), ("lr", 1.0),
    ("l2", 0.001), ("steps", 10_000), ("val_split", 0.0),
)
# Playground's reg-gauss: six signed bumps, two tanh layers of 8, a linear output and MSELoss.
_REGRESSION = (("dataset", "reg-gauss"), ("hidden", 8), ("layers", 2), ("lr", 0.03))
_TASK_BUG_OPTIONS = {"softmax-before-ce": _CS231N[:-2] + (("steps", 2000), ("val_split", 0.0)),
                     "sigmoid-for-regression": _REGRESSION}

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        # "exactly" names the seed too: after `s` or a seed picked in Reliability, this is seed 42 again
        Preset("lesson", "Does a 2-4-1 Tanh MLP learn XOR? The lesson's run, exactly.",
               (("seed", XorConfig().seed),)),
        # one seed cannot answer "reliably": the question says where the count of seeds is
        Preset("hidden-2", "Practice 1: with 2 hidden units instead of 4, does XOR still train reliably? "
               "One seed cannot say: press 4 to train hundreds.", (("hidden", 2),)),
        # seed 1 of 2-2-1 ends on a plateau with one row wrong; seed 2 (press s) solves it
        Preset("two-units-stuck", "Why do 2 units sometimes fail? This seed gets stuck: press v until the loss "
               "landscape, then s for a seed that solves it.", (("hidden", 2), ("seed", 1))),
        Preset("relu", "Practice 2: replace Tanh with ReLU. Does the result change?", (("activation", "relu"),)),
        Preset("loss-curve", "Practice 3: print the loss every 200 steps to see the training curve: the plot "
               "below draws every step (lab --log-every 200 prints them).", ()),
        Preset("no-activation", "Practice 4: remove the hidden activation. Why does the model become weaker?",
               (("activation", "identity"),)),
        Preset("deeper", "Practice 5: add one more hidden layer. Compare the final loss.", (("layers", 2),)),
        Preset("features", "No hidden activation, but x1*x2 as an input: can a linear model now solve XOR?",
               (("activation", "identity"), ("features", ("x1", "x2", "x1x2")))),
        Preset("memorization", "Solves training but not new data? A big network on 40 noisy points.",
               _NOISY_SMALL),
        Preset("regularized", "The same network and data with L2: does validation accuracy catch up?",
               _NOISY_SMALL + (("l2", 0.01),)),
        Preset("cs231n-spiral", "CS231n's case study: three spiral arms and 100 ReLU units. Does training "
               "accuracy reach the case study's 98%?", _CS231N),
        Preset("linear-spiral", "The same network with no hidden activation: a linear classifier. Why does it "
               "stop near the case study's 49%?", _CS231N + (("activation", "identity"),)),
        Preset("regression", "Regression: can two tanh layers of 8, a linear output and MSELoss fit six "
               "signed bumps (validation R² at least 0.9)?", _REGRESSION),
        # Break it on purpose: one preset per classic mistake (core.course.bugs), e.g. bug-no-step.
        *(Preset(f"bug-{b.name}", f"Break it on purpose: {b.mistake}. What does the doctor see?",
                 (("bug", b.name),)) for b in BUGS.values()),
        *(Preset(f"bug-{b.name}", f"Break it on purpose: {b.mistake}. What does the doctor see?",
                 _TASK_BUG_OPTIONS[b.name] + (("bug", b.name),)) for b in TASK_BUGS.values()),
    )
}
DEFAULT_PRESET = "lesson"

_FIELDS = {f.name for f in fields(XorConfig)}
assert all(k in _FIELDS for p in PRESETS.values() for k, _ in p.options)


def get_preset(name: str) -> Preset:
    key = str(name).strip().lower()
    if key not in PRESETS:
        raise ConfigError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)}; see `neurotui presets`)")
    return PRESETS[key]


def preset_lines() -> list[str]:
    """`neurotui presets`: one line each: the name, its question, and the options it sets."""
    width = max(len(n) for n in PRESETS)
    return [f"{p.name:<{width}}  {p.question}  [{p.cli_args() or 'the defaults'}]" for p in PRESETS.values()]
