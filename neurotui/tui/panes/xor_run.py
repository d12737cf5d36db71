"""The run the XOR pane shows: its RunControl, its id, its worker, and pause, step and replay.

`XorRun` holds no widget. The pane owns one, starts runs through it, hands it what the worker
posts, and draws what it holds; what it cannot do it answers with a reason for a toast.
Replay steps through the kept frames of a paused or finished run (the frames come in the
snapshot: session/loop.py keeps them); `replay` is the index of the frame on screen, None: live.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.dom import DOMNode
from textual.worker import get_current_worker

from neurotui.core.data.datasets import xor_labelled
from neurotui.core.errors import ConfigError
from neurotui.core.model.config import XorConfig
from neurotui.core.numbers import loss_text, sig
from neurotui.core.training.snapshot import Snapshot
from neurotui.session.control import RunControl
from neurotui.session.loop import train_loop
from neurotui.tui.glyphs import Glyphs
from neurotui.tui.messages import TrainFailed, TrainProgress, TrainStarted
from neurotui.tui.panes import xor_text

FINISHED = ("done", "diverged", "error")


class XorRun:
    """The run on screen, one at a time: a new `start` replaces the old run (and its worker)."""

    def __init__(self) -> None:
        self.run_id = 0  # messages of a replaced run carry an older id and are dropped
        self.control: RunControl | None = None
        self.configs: list[XorConfig] = []
        self.snapshot: Snapshot | None = None
        self.other: Snapshot | None = None  # compare mode: B
        self.state = "loading"
        self.message = ""  # an error, or what starts a run (--no-autostart)
        self.steps_per_s: float | None = None
        self.device_text = ""
        self.replay: int | None = None
        self.probe_at: tuple[float, float] | None = None  # a point of this run's plane the user clicked

    # ----- starting and hearing from the worker ----------------------------------------------------
    def start(self, owner: DOMNode, configs: list[XorConfig], control: RunControl) -> None:
        """Train `configs` from step 0 in a thread worker of `owner`, which gets its messages."""
        if self.control is not None:
            self.control.poke()  # wake the old worker so it sees its cancellation at once
        self.run_id += 1
        self.configs, self.control = list(configs), control
        self.replay = None
        self.snapshot = self.other = self.steps_per_s = None
        self.state, self.message = "loading", ""
        run_id = self.run_id

        def work() -> None:
            worker = get_current_worker()
            try:
                train_loop(
                    configs, control,
                    post_started=lambda device, points, span, units=None: owner.post_message(
                        TrainStarted(run_id, device, points, span, units)),
                    post_snapshot=lambda snaps, rate: owner.post_message(
                        TrainProgress(run_id, snaps[0], rate, snaps[1] if len(snaps) > 1 else None)),
                    is_cancelled=lambda: worker.is_cancelled,
                )
            except ConfigError as exc:
                owner.post_message(TrainFailed(run_id, str(exc)))
            except Exception as exc:  # shown in the pane; the app stays up
                owner.post_message(TrainFailed(run_id, f"training failed: {type(exc).__name__}: {exc}"))

        # exclusive: Textual cancels the old run's worker
        owner.run_worker(work, name="_train", group="train", thread=True, exclusive=True, exit_on_error=False)

    def wait(self, message: str) -> None:
        self.state, self.message = "waiting", message

    def started(self, message: TrainStarted) -> bool:
        """The worker built its model: False for a replaced run's message."""
        if message.run_id != self.run_id:
            return False
        self.device_text = message.device
        self.state = "paused" if self.control.holding(0) else "running"
        return True

    def progressed(self, message: TrainProgress) -> bool:
        """A snapshot: False for a replaced run's (never mix two runs on screen)."""
        if message.run_id != self.run_id:
            return False
        snap = message.snapshot
        healthy = snap.diagnosis.kind != "nonfinite"
        if healthy or self.snapshot is None:
            self.snapshot = snap
        else:
            # keep the last good pictures and numbers, but report the final step and diagnosis
            self.snapshot = replace(
                self.snapshot, step=snap.step, total=snap.total, diagnosis=snap.diagnosis, finished=snap.finished,
            )
        other = message.other
        if other is not None and (other.diagnosis.kind != "nonfinite" or self.other is None):
            self.other = other
        if message.steps_per_s is not None:
            self.steps_per_s = message.steps_per_s
        if snap.finished:
            self.state = xor_text.end_state(snap)
        else:
            self.state = "paused" if self.control.holding(snap.step) else "running"
        return True

    def failed(self, message: TrainFailed) -> bool:
        if message.run_id != self.run_id:
            return False
        self.state, self.message = "error", message.error
        return True

    # ----- pause and step ----------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """True once the run has ended (done, diverged or failed)."""
        return self.state in FINISHED

    @property
    def settled(self) -> bool:
        """Finished, or held with a snapshot on screen: nothing changes without a key."""
        return self.finished or (self.state == "paused" and self.snapshot is not None)

    @property
    def paused(self) -> bool:
        return self.control is not None and self.snapshot is not None and self.control.holding(self.snapshot.step)

    def holding(self) -> bool:
        return self.control.holding(self.snapshot.step if self.snapshot else 0)

    def set_paused(self, paused: bool) -> None:
        self.control.set_paused(paused)
        self.state = "paused" if paused else "running"

    def set_speed(self, speed: int | None) -> None:
        if self.control is not None:
            self.control.speed = speed
            self.control.poke()

    def toggle_pause(self) -> str | None:
        """Space: pause or resume (the caller leaves replay first); what to say, if anything."""
        if self.finished:
            return "the run is over: r restarts it"
        self.set_paused(not self.holding())
        return None

    def step_once(self) -> str | None:
        """`.`: one step while paused; what to say when it cannot (the caller leaves replay)."""
        if self.finished:
            return "the run is over: r restarts it"
        if not self.holding():
            return "training is running: space pauses it, then . steps once"
        self.control.request_step()
        return None

    # ----- replay ------------------------------------------------------------------------------------
    def frames(self) -> tuple:
        return self.snapshot.frames if self.snapshot is not None else ()

    def replay_move(self, delta: int | None = None, jump: str | None = None) -> str | None:
        """Step (delta) or jump ('home', 'end') through the frames; a reason when it cannot."""
        frames = self.frames()
        if not frames:
            return "no frames to replay yet"
        if not self.settled:
            return "replay works on a paused or finished run: space pauses"
        last = len(frames) - 1
        if jump is not None:
            index = 0 if jump == "home" else last
        else:
            start = last if self.replay is None else self.replay
            index = min(max(start + delta, 0), last)
        self.replay = index
        return None

    def replay_frame(self):
        frames = self.frames()
        if self.replay is None or not frames:
            return None
        return frames[min(self.replay, len(frames) - 1)]

    def frame_snapshot(self) -> Snapshot | None:
        """The snapshot to draw in a view that replays: the live one, or the frame dressed as one."""
        snap, frame = self.snapshot, self.replay_frame()
        if frame is None or snap is None:
            return snap
        losses = snap.losses[:frame.loss_index]
        return replace(snap, step=frame.step, probs=frame.probs, preds=tuple(int(p >= 0.5) for p in frame.probs),
                       losses=losses, boundary=frame.grid(), finished=False,
                       diagnosis=self.frame_diagnosis(losses, frame.probs))

    def frame_diagnosis(self, losses, probs):
        """The doctor's mid-run verdict at a replayed frame: on the lesson's four rows it reads
        the frame's own probabilities; elsewhere a frame keeps no accuracies, so no verdict."""
        from neurotui.core.doctor.diagnosis import Diagnosis, diagnose

        if self.configs and xor_labelled(self.configs[0]):
            return diagnose(losses, probs, finished=False)
        return Diagnosis("training", "training", f"loss {sig(losses[-1], 4)}" if losses else "", "")

    def replay_status(self, g: Glyphs) -> Text | None:
        frame = self.replay_frame()
        if frame is None or self.snapshot is None:
            return None
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f"{g.dot} replay", "bold magenta")
        t.append(f" step {frame.step}/{self.snapshot.total}")
        if frame.loss_index:
            t.append(f" loss {g.num(loss_text(self.snapshot.losses[frame.loss_index - 1]))}")
        t.append(f"  frame {self.replay + 1}/{len(self.frames())}", "dim")
        t.append("  left/right, home/end; space leaves", "dim")
        return t

    def replay_vline(self) -> float | None:
        frame = self.replay_frame()
        return None if frame is None else float(max(frame.step, 1))
