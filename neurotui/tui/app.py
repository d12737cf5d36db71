"""NeuroApp: three panes, the keys, and the training worker's orchestration."""

from __future__ import annotations

import asyncio
import functools
import signal
from typing import Iterable

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from neurotui.core.activations import next_activation
from neurotui.core.errors import ConfigError
from neurotui.core.xor import HIDDEN_MAX, HIDDEN_MIN, XorConfig
from neurotui.tui.glyphs import ASCII, UNICODE
from neurotui.tui.help import HelpScreen
from neurotui.tui.messages import TrainFailed, TrainProgress, TrainStarted
from neurotui.tui.panes.activations import ActivationsPane
from neurotui.tui.panes.neuron import NeuronPane
from neurotui.tui.panes.reliability import (
    DEFAULT_SEEDS, GRID_ACTIVATIONS, GRID_HIDDEN, GRID_LAYERS, ReliabilityPane,
)
from neurotui.tui.panes.xor import XorPane
from neurotui.tui.messages import CardWritten, SweepCell, SweepDone, SweepUpdate
from neurotui.tui.panes.xor import VIEWS
from neurotui.tui.training import DEFAULT_SPEED, SPEEDS, RunControl, speed_label, train_loop

# learning rates `<` and `>` step through
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 50.0, 100.0)


def probe_of(config: XorConfig) -> XorConfig:
    """Compare mode's default second network: the lesson's failure probe (or Tanh, for a probe)."""
    return config.with_(activation="tanh" if config.activation == "identity" else "identity")

# Below this the three panes do not fit: show one at a time.
FULL_MIN_WIDTH, FULL_MIN_HEIGHT = 100, 32
# Below this nothing is readable: say so and wait for the window to grow.
TINY_WIDTH, TINY_HEIGHT = 40, 12

PANE_IDS = ("neuron", "activations", "xor", "reliability")


def _until_teardown(handler):
    """Worker messages can still be queued while the app quits and its panes are taken
    down; drawing them then has nowhere to go and must not turn a quit into a crash."""

    @functools.wraps(handler)
    def wrapper(self, message):
        try:
            return handler(self, message)
        except NoMatches:
            if self.is_running and not self._exit:
                raise

    return wrapper


class NeuroApp(App[XorConfig]):
    CSS_PATH = "neurotui.tcss"
    TITLE = "neurotui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("a", "cycle_activation", "Activation"),
        Binding("plus,equals_sign", "hidden(1)", "+Units", key_display="+"),
        Binding("minus,underscore", "hidden(-1)", "-Units", key_display="-"),
        Binding("r", "restart", "Restart"),
        Binding("s", "new_seed", "Seed"),
        Binding("space", "pause", "Pause"),
        Binding("full_stop", "step_once", "Step", key_display="."),
        Binding("l", "toggle_log", "Log"),
        Binding("left_square_bracket", "speed(-1)", "Slower", key_display="["),
        Binding("right_square_bracket", "speed(1)", "Faster", key_display="]"),
        Binding("d", "toggle_slopes", "Slopes"),
        Binding("v", "next_view", "View"),
        Binding("c", "toggle_compare", "Compare"),
        Binding("b", "cycle_other_activation", "B act.", show=False),
        Binding("p", "next_pair", "Pair", show=False),
        Binding("k", "next_inside_layer", "Inspect layer", show=False),
        Binding("n", "cycle_layers", "Layers"),
        Binding("o", "toggle_optimizer", "Optim."),
        Binding("less_than_sign", "lr(-1)", "LR-", key_display="<"),
        Binding("greater_than_sign", "lr(1)", "LR+", key_display=">"),
        Binding("e", "write_card", "Card"),
        Binding("g", "toggle_device", "CPU/GPU", show=False),
        Binding("1", "focus_pane(0)", "Neuron", show=False),
        Binding("2", "focus_pane(1)", "Activ.", show=False),
        Binding("3", "focus_pane(2)", "XOR", show=False),
        Binding("4", "focus_pane(3)", "Reliability"),
        Binding("z", "zoom", "Zoom"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        config: XorConfig | None = None,
        autostart: bool = True,
        ascii: bool = False,
        speed: int | None | str = "default",
        pause_at: int | None = None,
        sweep_seeds: int = DEFAULT_SEEDS,
    ) -> None:
        super().__init__()
        self.config = (config or XorConfig()).validated()
        self.autostart = autostart
        self.glyphs = ASCII if ascii else UNICODE
        self.speed_index = DEFAULT_SPEED if speed == "default" else SPEEDS.index(speed)
        self.pause_at = pause_at
        self.run_id = 0
        self.control: RunControl | None = None
        self.device_text = "loading torch..."
        self.current_pane = 2
        self.zoomed = False
        self.steps_per_s: float | None = None
        self.compare = False
        self.other_config = probe_of(self.config)
        self.inside_layer = 1
        self.sweep_seeds = sweep_seeds
        self.sweep_id = 0
        self.sweep_state = "idle"  # idle | running | done | stopped | error
        self._auto_zoom = False

    # ----- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with Container(id="panes"):
            yield NeuronPane(self.glyphs, id="neuron", classes="pane")
            yield XorPane(self.glyphs, id="xor", classes="pane")
            yield ActivationsPane(self.glyphs, id="activations", classes="pane")
            yield ReliabilityPane(self.glyphs, id="reliability", classes="pane")
        yield Static(id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        if self.glyphs.ascii:
            self.screen.add_class("-ascii")
        self.query_one(ActivationsPane).set_training_activation(self.config.activation)
        self._install_signal_handlers()
        self._apply_layout()
        self.query_one(XorPane).focus()
        self._update_topbar()
        if self.autostart:
            self.start_run()
        else:
            xor = self.query_one(XorPane)
            xor.set_state("waiting", "press space to start training")
            self._refresh_xor_text()

    def _install_signal_handlers(self) -> None:
        # SIGTERM / SIGHUP (an SSH link dropping) must leave through Textual's own exit,
        # which restores the terminal; the default action would kill us mid-screen.
        # Exit code 128+signal, as a shell expects. Writes to a hung-up terminal can block
        # that exit, so the process also ends a few seconds later whatever happens.
        from neurotui.tui.launch import exit_soon

        def on_signal(sig: int) -> None:
            if self.control is not None:
                self.control.poke()
            self.exit(self.config, return_code=128 + sig)
            exit_soon(128 + sig)

        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, on_signal, int(sig))
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            pass

    def on_resize(self, event) -> None:
        # This runs before App._on_resize stores the new size: use the event's, or the
        # layout lags one resize behind (blank or clipped screens after resizing).
        self._apply_layout(event.size)

    def _apply_layout(self, size=None) -> None:
        w, h = size or self.size
        screen = self.screen
        tiny = w < TINY_WIDTH or h < TINY_HEIGHT
        screen.set_class(tiny, "-too-small")
        if tiny:
            self.query_one("#too-small", Static).update(
                f"terminal too small ({w}x{h}); neurotui needs at least {TINY_WIDTH}x{TINY_HEIGHT}"
            )
        single = self.zoomed or w < FULL_MIN_WIDTH or h < FULL_MIN_HEIGHT
        panes = self.query_one("#panes")
        panes.set_class(single, "-single")
        for i, pid in enumerate(PANE_IDS):
            self.query_one(f"#{pid}").set_class(i == self.current_pane, "-current")
        self.call_after_refresh(self._sync_grid_size)

    def _sync_grid_size(self) -> None:
        if self.control is not None:
            size = self.query_one(XorPane).grid_size()
            if size != self.control.grid_size:
                self.control.grid_size = size
                self.control.poke()

    def _update_topbar(self) -> None:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("neurotui", "bold")
        t.append(f"  one neuron {self.glyphs.arrow} a multilayer perceptron", "dim")
        t.append("   device: ")
        t.append(self.device_text, "bold")
        t.append("   ? help", "dim")
        self.query_one("#topbar", Static).update(t)

    # ----- the training run ---------------------------------------------------------------
    @property
    def speed(self) -> int | None:
        return SPEEDS[self.speed_index]

    def start_run(self) -> None:
        """Cancel the running worker (if any) and train the current config from step 0."""
        if self.control is not None:
            self.control.poke()
        self.run_id += 1
        xor = self.query_one(XorPane)
        self.control = RunControl(
            speed=self.speed, grid_size=xor.grid_size(), pause_at=self.pause_at,
            layer=min(self.inside_layer, self.config.layers), feature_grid=xor.feature_grid(),
        )
        self.steps_per_s = None
        xor.snapshot = None
        xor.other = None
        xor.set_configs(self.config, self.other_config if self.compare else None)
        xor.set_state("loading", "")
        self.query_one(ActivationsPane).set_training_activation(self.config.activation)
        self._refresh_xor_text()
        configs = [self.config] + ([self.other_config] if self.compare else [])
        self._train(self.run_id, configs, self.control)

    @work(thread=True, exclusive=True, group="train", exit_on_error=False)
    def _train(self, run_id: int, config: list[XorConfig], control: RunControl) -> None:
        worker = get_current_worker()
        try:
            train_loop(
                config,
                control,
                post_started=lambda device: self.post_message(TrainStarted(run_id, device)),
                post_snapshot=lambda snaps, rate: self.post_message(
                    TrainProgress(run_id, snaps[0], rate, snaps[1] if len(snaps) > 1 else None)
                ),
                is_cancelled=lambda: worker.is_cancelled,
            )
        except ConfigError as exc:
            self.post_message(TrainFailed(run_id, str(exc)))
        except Exception as exc:  # shown in the pane; the app stays up
            self.post_message(TrainFailed(run_id, f"training failed: {type(exc).__name__}: {exc}"))

    @_until_teardown
    def on_train_started(self, message: TrainStarted) -> None:
        if message.run_id != self.run_id:
            return
        self.device_text = message.device
        self._update_topbar()
        self.query_one(XorPane).set_state("paused" if self.control.paused else "running")
        self._refresh_xor_text()

    @_until_teardown
    def on_train_progress(self, message: TrainProgress) -> None:
        if message.run_id != self.run_id:
            return  # a message from a run that was replaced: never mix two runs on screen
        self._show_progress(message)

    def _show_progress(self, message: TrainProgress) -> None:
        xor = self.query_one(XorPane)
        snap = message.snapshot
        xor.show_snapshot(snap, settled=snap.finished or self.control.paused, other=message.other)
        if message.steps_per_s is not None:
            self.steps_per_s = message.steps_per_s
        if snap.finished:
            xor.set_state("diverged" if snap.diagnosis.kind in ("nonfinite", "saturated") else "done")
        elif self.control.paused:
            xor.set_state("paused")
        else:
            xor.set_state("running")
        self._refresh_xor_text()

    @_until_teardown
    def on_train_failed(self, message: TrainFailed) -> None:
        if message.run_id != self.run_id:
            return
        self.query_one(XorPane).set_state("error", message.error)
        self._refresh_xor_text()

    def _refresh_xor_text(self) -> None:
        xor = self.query_one(XorPane)
        xor.show_status(self.config, self.speed, self.steps_per_s)
        xor.show_diagnosis()

    @property
    def run_finished(self) -> bool:
        """True once the current run has ended (done, diverged or failed)."""
        return self.query_one(XorPane).state in ("done", "diverged", "error")

    @property
    def run_settled(self) -> bool:
        """Finished, or paused with a snapshot on screen: nothing will change without a key."""
        xor = self.query_one(XorPane)
        return self.run_finished or (xor.state == "paused" and xor.snapshot is not None)

    def _reconfigure(self, **changes) -> None:
        self.config = self.config.with_(**changes).validated()
        # B shares everything but its activation (and its own hidden units once edited)
        keep = {k: v for k, v in changes.items() if k != "activation"}
        if keep:
            self.other_config = self.other_config.with_(**keep).validated()
        self.start_run()

    # ----- actions --------------------------------------------------------------------------
    def on_neuron_pane_z_changed(self, message: NeuronPane.ZChanged) -> None:
        self.query_one(ActivationsPane).set_z(message.z)

    def action_cycle_activation(self) -> None:
        nxt = next_activation(self.config.activation)
        self.notify(f"hidden activation: {nxt}", timeout=2)
        self._reconfigure(activation=nxt)

    def action_hidden(self, delta: int) -> None:
        new = self.config.hidden + delta
        if not HIDDEN_MIN <= new <= HIDDEN_MAX:
            self.notify(f"hidden units stay within {HIDDEN_MIN}-{HIDDEN_MAX}", severity="warning", timeout=2)
            return
        self._reconfigure(hidden=new)

    def action_restart(self) -> None:
        self.start_run()

    def action_new_seed(self) -> None:
        self._reconfigure(seed=self.config.seed + 1)

    def action_pause(self) -> None:
        if self.control is None:  # --no-autostart: space starts
            self.start_run()
            return
        if self.run_finished:
            self.notify("the run is over: r restarts it", timeout=2)
            return
        self.control.paused = not self.control.paused
        self.control.poke()
        self.query_one(XorPane).set_state("paused" if self.control.paused else "running")
        self._refresh_xor_text()

    def action_step_once(self) -> None:
        if self.control is None or not self.control.paused:
            self.notify("pause first (space), then . steps once", timeout=2)
            return
        self.control.step_requests += 1
        self.control.poke()

    def action_toggle_log(self) -> None:
        self.query_one(XorPane).toggle_log()

    def action_speed(self, delta: int) -> None:
        self.speed_index = max(0, min(len(SPEEDS) - 1, self.speed_index + delta))
        if self.control is not None:
            self.control.speed = self.speed
            self.control.poke()
        self._refresh_xor_text()

    def action_toggle_slopes(self) -> None:
        self.query_one(ActivationsPane).toggle_slopes()

    def action_focus_pane(self, index: int) -> None:
        if index == 3:
            # the reliability table needs the whole screen: it is always shown zoomed
            self._auto_zoom = self._auto_zoom or not self.zoomed
            self.zoomed = True
            if self.sweep_state == "idle":
                self.start_sweep()
        elif self._auto_zoom:
            self.zoomed = self._auto_zoom = False
        self.current_pane = index
        self.query_one(f"#{PANE_IDS[index]}").focus()
        self._apply_layout()

    def action_zoom(self) -> None:
        focused = self.focused
        for i, pid in enumerate(PANE_IDS):
            pane = self.query_one(f"#{pid}")
            if focused is not None and (focused is pane or pane in focused.ancestors):
                self.current_pane = i
        self.zoomed = not self.zoomed
        self._apply_layout()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _view_changed(self) -> None:
        xor = self.query_one(XorPane)
        if self.control is not None:
            self.control.feature_grid = xor.feature_grid()
            self.control.layer = min(self.inside_layer, self.config.layers)
            self.control.poke()
        self.call_after_refresh(self._sync_grid_size)

    def action_next_view(self) -> None:
        xor = self.query_one(XorPane)
        if xor.compare:
            self.notify("compare mode shows both boundaries; c leaves it", timeout=2)
            return
        xor.set_view(VIEWS[(VIEWS.index(xor.view) + 1) % len(VIEWS)])
        self._view_changed()

    def action_next_pair(self) -> None:
        self.query_one(XorPane).next_pair()

    def action_next_inside_layer(self) -> None:
        self.inside_layer = self.inside_layer % self.config.layers + 1
        self.notify(f"looking inside hidden layer {self.inside_layer} of {self.config.layers}", timeout=2)
        self._view_changed()

    def action_toggle_compare(self) -> None:
        self.compare = not self.compare
        self.query_one(XorPane).set_view(compare=self.compare)
        self.call_after_refresh(self.start_run)

    def action_cycle_other_activation(self) -> None:
        if not self.compare:
            self.notify("b changes network B in compare mode (c)", timeout=2)
            return
        self.other_config = self.other_config.with_(activation=next_activation(self.other_config.activation))
        self.start_run()

    def action_cycle_layers(self) -> None:
        self._reconfigure(layers=self.config.layers % 3 + 1)

    def action_toggle_optimizer(self) -> None:
        self._reconfigure(optimizer="sgd" if self.config.optimizer == "adam" else "adam")

    def action_lr(self, direction: int) -> None:
        lr = self.config.lr
        if direction > 0:
            nxt = next((v for v in LEARNING_RATES if v > lr * 1.0001), None)
        else:
            nxt = next((v for v in reversed(LEARNING_RATES) if v < lr * 0.9999), None)
        if nxt is None:
            self.notify(f"learning rate stays within {LEARNING_RATES[0]:g}-{LEARNING_RATES[-1]:g}", timeout=2)
            return
        self._reconfigure(lr=nxt)

    def action_toggle_device(self) -> None:
        import sys

        if "torch" not in sys.modules:  # never import torch on the UI thread: it blocks for seconds
            self.notify("still loading PyTorch; try again in a moment", timeout=2)
            return
        import torch

        if not torch.cuda.is_available():
            self.notify("no CUDA GPU is available here; training stays on the CPU", timeout=3)
            return
        on_gpu = self.config.device.startswith("cuda") or (
            self.config.device == "auto" and self.device_text.startswith("cuda"))
        self._reconfigure(device="cpu" if on_gpu else "cuda")

    def action_write_card(self) -> None:
        snap = self.query_one(XorPane).snapshot
        if snap is None:
            self.notify("no run to describe yet", severity="warning", timeout=3)
            return
        self.notify("writing the result card (training the failure probe beside it)...", timeout=2)
        self._write_card(self.config, snap)

    @work(thread=True, group="card", exit_on_error=False)
    def _write_card(self, config: XorConfig, snap) -> None:
        from neurotui.core.card import DEFAULT_CARD_NAME, failure_probe, save_card
        from neurotui.core.errors import ConfigError as CardProblem

        worker = get_current_worker()
        try:
            probe = failure_probe(config, steps=snap.step or None, should_stop=lambda: worker.is_cancelled)
            path = save_card(config, snap, DEFAULT_CARD_NAME, probe=probe, ascii=self.glyphs.ascii, fresh=True)
        except (CardProblem, OSError) as exc:
            self.post_message(CardWritten(None, str(exc)))
            return
        self.post_message(CardWritten(str(path), None))

    def on_card_written(self, message: CardWritten) -> None:
        if message.path:
            self.notify(f"result card written to {message.path}", timeout=6)
        else:
            self.notify(f"card not written: {message.error}", severity="error", timeout=8)

    # ----- the reliability sweep ---------------------------------------------------------------
    def start_sweep(self) -> None:
        self.sweep_id += 1
        pane = self.query_one(ReliabilityPane)
        pane.reset()
        self.sweep_state = "running"
        pane.show_status("starting: loading PyTorch...", 0.0)
        self._sweep(self.sweep_id, self.config)

    @work(thread=True, exclusive=True, group="sweep", exit_on_error=False)
    def _sweep(self, sweep_id: int, config: XorConfig) -> None:
        from neurotui.core.sweep import SweepCancelled, SweepConfig, run_grid

        worker = get_current_worker()
        base = SweepConfig.from_model_config(config, seeds=self.sweep_seeds, seed_start=0)

        def progress(p) -> None:
            c = p.config
            label = (f"config {p.config_index + 1}/{p.config_count}: 2-{c.hidden}x{c.layers}-1 {c.activation}, "
                     f"{c.seeds} seeds, step {p.step}/{p.steps}")
            self.post_message(SweepUpdate(sweep_id, p.fraction, label))

        try:
            for result in run_grid(base, GRID_HIDDEN, GRID_LAYERS, GRID_ACTIVATIONS, progress=progress,
                                   should_stop=lambda: worker.is_cancelled):
                self.post_message(SweepCell(sweep_id, result))
        except SweepCancelled:
            self.post_message(SweepDone(sweep_id, "stopped"))
            return
        except Exception as exc:  # shown in the pane; the app stays up
            self.post_message(SweepDone(sweep_id, f"sweep failed: {type(exc).__name__}: {exc}"))
            return
        self.post_message(SweepDone(sweep_id))

    @_until_teardown
    def on_sweep_update(self, message: SweepUpdate) -> None:
        if message.run_id == self.sweep_id and self.sweep_state == "running":
            self.query_one(ReliabilityPane).show_status(message.label, message.fraction)

    @_until_teardown
    def on_sweep_cell(self, message: SweepCell) -> None:
        if message.run_id == self.sweep_id:
            self.query_one(ReliabilityPane).add_result(message.result)

    @_until_teardown
    def on_sweep_done(self, message: SweepDone) -> None:
        if message.run_id != self.sweep_id:
            return
        pane = self.query_one(ReliabilityPane)
        n = len(pane.results)
        if message.error is None:
            self.sweep_state = "done"
            pane.show_status(f"done: {n} networks x {self.sweep_seeds} seeds. r reruns; "
                             "f / w train a failed / working seed of the selected row live", 1.0)
        else:
            self.sweep_state = "stopped" if message.error == "stopped" else "error"
            pane.show_status(f"{message.error} after {n} networks; r reruns")

    def on_reliability_pane_rerun(self, message: ReliabilityPane.Rerun) -> None:
        self.start_sweep()

    def on_reliability_pane_stop(self, message: ReliabilityPane.Stop) -> None:
        if self.sweep_state == "running":
            for w in self.workers:
                if w.group == "sweep":
                    w.cancel()

    def on_reliability_pane_pick(self, message: ReliabilityPane.Pick) -> None:
        picked = message.config.with_(device=self.config.device)
        self.notify(f"training seed {picked.seed} of this network live", timeout=3)
        self.config = picked.validated()
        self.other_config = probe_of(self.config)
        self.action_focus_pane(2)
        self.start_run()

    def action_quit(self) -> None:
        if self.control is not None:
            self.control.poke()
        self.exit(self.config)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if binding.action in ("quit",) and binding.key == "ctrl+c":
                continue
            desc = COMMAND_HELP.get(binding.action)
            if desc:
                yield SystemCommand(desc[0], desc[1], lambda a=binding.action: self.run_action(a))


COMMAND_HELP = {
    "cycle_activation": ("Cycle hidden activation", "tanh -> relu -> sigmoid -> identity (key a)"),
    "hidden(1)": ("More hidden units", "up to 32 (key +)"),
    "hidden(-1)": ("Fewer hidden units", "down to 1 (key -)"),
    "restart": ("Restart run", "same seed (key r)"),
    "new_seed": ("New seed", "seed + 1 and restart (key s)"),
    "pause": ("Pause / resume training", "key space"),
    "step_once": ("Step once", "one step while paused (key .)"),
    "toggle_log": ("Toggle log loss", "linear / log scale (key l)"),
    "speed(-1)": ("Slower training", "key ["),
    "speed(1)": ("Faster training", "key ]"),
    "toggle_slopes": ("Toggle activation slopes", "values / derivatives (key d)"),
    "focus_pane(0)": ("Focus Neuron pane", "key 1"),
    "focus_pane(1)": ("Focus Activations pane", "key 2"),
    "focus_pane(2)": ("Focus XOR pane", "key 3"),
    "focus_pane(3)": ("Reliability: many seeds at once", "how often each network learns XOR (key 4)"),
    "zoom": ("Zoom pane", "focused pane full screen and back (key z)"),
    "help": ("Help", "all keys (key ?)"),
    "next_view": ("Next XOR view", "boundary / hidden features / hidden space / weights (key v)"),
    "toggle_compare": ("Toggle compare mode", "train A and B side by side on the same seed (key c)"),
    "cycle_other_activation": ("Cycle network B's activation", "compare mode (key b)"),
    "next_pair": ("Next hidden-unit pair", "hidden space view (key p)"),
    "next_inside_layer": ("Inspect next hidden layer", "features / hidden space (key k)"),
    "cycle_layers": ("Cycle hidden layers", "1 -> 2 -> 3 (key n)"),
    "toggle_optimizer": ("Toggle optimizer", "Adam <-> SGD (key o)"),
    "lr(-1)": ("Lower learning rate", "key <"),
    "lr(1)": ("Raise learning rate", "key >"),
    "toggle_device": ("Switch CPU / GPU", "restart the run on the other device when CUDA is available (key g)"),
    "write_card": ("Write result card", "Markdown evidence card in the current folder (key e)"),
}
