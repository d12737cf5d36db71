"""Training runs shared by several test modules, each trained once per session.

Cached on the (frozen, hashable) config; callers only read the results.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from neurotui.core.model.config import XorConfig

DATA = Path(__file__).parent / "data"
LESSON_OUTPUT = (DATA / "expected_output.txt").read_text()
LESSON_ROWS = [line for line in LESSON_OUTPUT.splitlines() if line.startswith("x=")]
GRID = (12, 28)


@cache
def trained(config: XorConfig = XorConfig()):
    """(trainer, snapshot with a 12x28 boundary) after a full run of `config`."""
    from neurotui.core.training.trainer import Trainer

    trainer = Trainer(config)
    trainer.run()
    return trainer, trainer.snapshot(boundary_size=GRID)


@cache
def probe(config: XorConfig = XorConfig()):
    """The failure probe's finished snapshot for `config`."""
    from neurotui.core.course.card import failure_probe

    return failure_probe(config)
