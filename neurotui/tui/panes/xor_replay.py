"""Replay for the XOR pane: step through the run's kept frames while it is paused or done.

A mixin of XorPane: `replay` is the index of the frame on screen (None: live). The frames
come in the snapshot (session/loop.py keeps them); the boundary, the lesson's rows, the status
line and a mark on the loss plot show the frame.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text

from neurotui.core.data.datasets import xor_labelled


class ReplayMixin:
    replay: int | None = None

    def replay_frames(self) -> tuple:
        snap = self.snapshot
        return snap.frames if snap is not None else ()

    def replay_move(self, delta: int | None = None, jump: str | None = None) -> str | None:
        """Step (delta) or jump ('home', 'end') through the frames; a reason when it cannot."""
        frames = self.replay_frames()
        if self.compare or self.code:
            return "replay shows one network's boundary: c or y goes back to it"
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
        if self.view != "boundary":
            self.set_view("boundary")
        else:
            self._draw_middle()
            self._show_loss()
        self._refresh_text()
        return None

    def toggle_pause(self) -> str | None:
        """Space: pause or resume (a training key, so it leaves replay); what to say, if anything."""
        if self.replay is not None and self.finished:
            self.leave_replay()
            return None
        if self.finished:
            return "the run is over: r restarts it"
        self.leave_replay()
        self.set_paused(not self.control.holding(self.snapshot.step if self.snapshot else 0))
        return None

    def step_once(self) -> str | None:
        """`.`: one step while paused; what to say when it cannot."""
        if self.finished:
            return "the run is over: r restarts it"
        if not self.control.holding(self.snapshot.step if self.snapshot else 0):
            return "training is running: space pauses it, then . steps once"
        self.leave_replay()
        self.control.request_step()
        return None

    def leave_replay(self) -> None:
        if self.replay is not None:
            self.replay = None
            self._draw_middle()
            self._show_loss()
            self._refresh_text()

    def replay_frame(self):
        frames = self.replay_frames()
        if self.replay is None or not frames:
            return None
        return frames[min(self.replay, len(frames) - 1)]

    def view_snapshot(self):
        """The snapshot to draw: the live one, or the frame being replayed dressed as one."""
        snap, frame = self.snapshot, self.replay_frame()
        if frame is None or snap is None or self.shown != "boundary":
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
        return Diagnosis("training", "training", f"loss {losses[-1]:.4g}" if losses else "", "")

    def replay_status(self) -> Text | None:
        frame = self.replay_frame()
        if frame is None or self.snapshot is None:
            return None
        g = self.glyphs
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f"{g.dot} replay", "bold magenta")
        t.append(f" step {frame.step}/{self.snapshot.total}")
        if frame.loss_index:
            t.append(f" loss {g.num(f'{self.snapshot.losses[frame.loss_index - 1]:.4f}')}")
        t.append(f"  frame {self.replay + 1}/{len(self.replay_frames())}", "dim")
        t.append("  left/right, home/end; space leaves", "dim")
        return t

    def replay_vline(self) -> float | None:
        frame = self.replay_frame()
        return None if frame is None else float(max(frame.step, 1))
