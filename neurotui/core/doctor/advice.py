"""Where the doctor's fix is applied: the option on the command line, the key in the app.

A verdict's `fix` says in words what to change; its `remedies` name the settings those words are
about, so each place that shows the verdict can say how to change them there: lab and the card
name the option (`--activation tanh`), the app the key (tui.panes.xor_text). The doctor chooses
remedies from the run's own settings, so it never suggests what is already on.
"""

from __future__ import annotations

from dataclasses import dataclass

from neurotui.core.data.datasets import DEFAULT_FEATURES, FEATURES
from neurotui.core.numbers import short

STRONGER_L2 = 10  # a stronger L2 than the run's: a decade up, as R's ladder steps (session.state.REGULARIZATION)


@dataclass(frozen=True)
class Remedy:
    binding: str  # the app's key for it (a binding id of tui.keys)
    key_words: str  # after "press K" in the app
    option: str  # the command line's option


REMEDIES = {
    "lr_lower": Remedy("lr_lower", "to lower it", "a lower --lr"),
    "lr_raise": Remedy("lr_raise", "to raise it", "a higher --lr"),
    "activation": Remedy("cycle_activation", "for Tanh or ReLU", "--activation tanh"),
    "hidden_layer": Remedy("cycle_layers", "for a hidden layer", "--layers 1"),
    "features": Remedy("pick_features", "for input features", "--features"),
    "hidden_more": Remedy("hidden_more", "for more hidden units", "a larger --hidden"),
    "seed": Remedy("new_seed", "for another seed", "another --seed"),
    "regularize": Remedy("cycle_regularization", "for L2 or dropout", "--l2 1e-2 or --dropout 0.2"),
    "l2": Remedy("cycle_regularization", "for L2", "--l2 1e-2"),
    # the option's value is ten times the run's own L2 (command_line); R's ladder goes on to a stronger one
    "l2_stronger": Remedy("cycle_regularization", "for a stronger L2", "--l2"),
    # no key: the app's early stopping is what the run resolved (on for a file's regression)
    "early_stop": Remedy("", "", "--early-stop"),
    "samples": Remedy("cycle_samples", "for more samples", "a larger --samples"),
    "noise": Remedy("cycle_noise", "to change the noise", "a lower --noise"),
    "bug": Remedy("pick_bug", "to clear the bug", "no --bug"),
}

# The input features that are not straight lines in x1, x2: with one of them a linear model draws curves.
CURVED = tuple(f for f in FEATURES if f not in DEFAULT_FEATURES)


def curved(features) -> tuple[str, ...]:
    """The features in use that bend the boundary of a linear model."""
    return tuple(f for f in features if f in CURVED)


def features_to_add(features) -> tuple[str, ...]:
    """The curved features not yet in use, x1x2 (XOR's own) first."""
    return tuple(f for f in CURVED if f not in features)


def features_words(features) -> str:
    """'an input feature such as x1x2', or '' when a curved feature is already in use (then the
    model is judged by what it reaches, and more features are a guess, not a fix)."""
    missing = features_to_add(features)
    return f"an input feature such as {missing[0]}" if missing and not curved(features) else ""


def command_line(remedies, features=DEFAULT_FEATURES, l2: float = 0.0) -> str:
    """'--activation tanh or --features x1,x2,x1x2': the options that apply the fix in lab. `l2`: the
    run's own, which a stronger L2 multiplies by ten."""
    parts = []
    for r in remedies:
        if r == "l2_stronger":
            parts.append(f"--l2 {short(l2 * STRONGER_L2)}")
        elif r == "features":
            missing = features_to_add(features)
            if missing:
                parts.append("--features " + ",".join(f for f in FEATURES if f in (*features, missing[0])))
        elif r in REMEDIES:
            parts.append(REMEDIES[r].option)
    return " or ".join(parts)


def fix_line(diagnosis, config) -> str:
    """The fix as lab and the card print it: the words, then the options that apply it to `config`."""
    options = command_line(diagnosis.remedies, config.features, config.l2)
    return diagnosis.fix + (f"; use {options}" if options else "")
