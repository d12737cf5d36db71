"""RunControl: the one object the UI thread and the training worker share.

The UI writes it, the worker reads it. The worker writes back only to use up what it
was asked for: a step request (`take_step`), the edits (`take_edits`) and the wake-up
(`wake.clear()`); where it stopped shows in its snapshots. Step requests and edits are
changed by both sides, so they are taken under a lock; every other field is a single
attribute write, atomic under the GIL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from neurotui.core.pictures import Pictures

# The longest the worker stands aside for one key: the UI says when it is done before that.
MAKE_WAY_S = 0.3

# steps per second; None = flat out. The default lets a person watch 2000 steps in ~4 s.
SPEEDS: tuple[int | None, ...] = (1, 3, 10, 30, 100, 250, 500, 1000, 2500, None)
DEFAULT_SPEED = SPEEDS.index(500)


def speed_label(speed: int | None) -> str:
    return "max" if speed is None else f"{speed} step{'' if speed == 1 else 's'}/s"


@dataclass
class RunControl:
    """What the UI asks of the running worker."""

    paused: bool = False
    speed: int | None = SPEEDS[DEFAULT_SPEED]
    pause_at: int | None = None  # hold by itself at this step (screenshots, tests, lessons)
    # What the views on screen need computed besides the numbers (their `asks`, core.pictures'
    # providers by name): one value, replaced whole, so the worker never reads half a request.
    pictures: Pictures = field(default_factory=Pictures)
    # False until the screen is laid out: grid_size is a guess then (6x6), and frames kept at it
    # replay coarse; how many were kept so depended on the machine's speed. The worker waits a little.
    sized: bool = True
    wake: threading.Event = field(default_factory=threading.Event)
    # Until then (time.monotonic) the worker takes no steps: a key is being answered. Training beside
    # the UI thread takes the GIL from it every few ms, and a key took up to twice as long to show.
    way_until: float = 0.0
    _steps_wanted: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _edits: list = field(default_factory=list)

    def poke(self) -> None:
        self.wake.set()

    def make_way(self, seconds: float = MAKE_WAY_S) -> None:
        """Any thread (the terminal's reader): a key came; stand aside until made_way, or `seconds`."""
        self.way_until = time.monotonic() + seconds

    def made_way(self) -> None:
        """UI thread: the key's effect is on screen; train on."""
        self.way_until = 0.0
        self.poke()

    def making_way(self) -> float:
        """Worker: the seconds still to stand aside (0: train)."""
        return max(0.0, self.way_until - time.monotonic()) if self.way_until else 0.0

    def ask(self, **wanted) -> None:
        """UI thread: what the views on screen need (`pictures`, `sized`); the worker is woken only
        when one of them changed."""
        changed = False
        for name, value in wanted.items():
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed = True
        if changed:
            self.poke()

    def holding(self, step: int) -> bool:
        """Paused by the user, or standing at the pause_at step."""
        return self.paused or (self.pause_at is not None and step >= self.pause_at)

    def set_paused(self, paused: bool) -> None:
        """UI thread: pause or resume. Resuming also lets a run go on past pause_at."""
        self.paused = paused
        if not paused:
            self.pause_at = None
        self.poke()

    def request_step(self) -> None:
        """UI thread: one more single step while holding."""
        with self._lock:
            self._steps_wanted += 1
        self.poke()

    def take_step(self) -> bool:
        """Worker: True (and one request used up) if a single step is wanted."""
        with self._lock:
            if self._steps_wanted <= 0:
                return False
            self._steps_wanted -= 1
            return True

    def request_edit(self, layer: int, unit: int, source: int | None, value: float) -> None:
        """UI thread: set one weight (source None: the unit's bias); the worker applies it between steps."""
        with self._lock:
            self._edits.append((layer, unit, source, value))
        self.poke()

    def take_edits(self) -> list:
        """Worker: the weights asked for since the last call, oldest first."""
        with self._lock:
            edits, self._edits = self._edits, []
        return edits
