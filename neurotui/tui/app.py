"""NeuroApp: the wiring. Compose the panes, lay them out for the terminal, and turn each
key into one call on the Session and one on the pane that shows the result."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from neurotui.core.xor import XorConfig
from neurotui.session.control import SPEEDS
from neurotui.session.state import Refused, Session
from neurotui.tui.glyphs import ASCII, UNICODE
from neurotui.tui.help import HelpScreen
from neurotui.tui.keys import APP_KEYS, bindings, palette_entries
from neurotui.tui.messages import CardWritten, TrainStarted
from neurotui.tui.panes.activations import ActivationsPane
from neurotui.tui.panes.neuron import NeuronPane
from neurotui.tui.panes.reliability import DEFAULT_SEEDS, ReliabilityPane
from neurotui.tui.panes.xor import XorPane
from neurotui.tui.picker import MultiPicker, Picker
from neurotui.tui.process import exit_soon

# Below this the three panes do not fit: show one at a time. At 100-119 columns the XOR
# pane's boundary would shrink to a few rows beside its rows text: one pane reads better.
FULL_MIN_WIDTH, FULL_MIN_HEIGHT = 120, 32
# Below this nothing is readable: say so and wait for the window to grow.
TINY_WIDTH, TINY_HEIGHT = 40, 12

PANE_IDS = ("neuron", "activations", "xor", "reliability")
RELIABILITY = 3
# Keys that steer the XOR run: on the Reliability screen they would act on a run out of sight.
RUN_ACTIONS = {
    "session", "restart", "pause", "step_once", "speed", "toggle_log", "next_view", "next_pair",
    "next_inside_layer", "toggle_compare", "toggle_device", "write_card", "toggle_slopes", "zoom",
    "pick_preset", "pick_bug", "pick_features", "toggle_code", "write_script",
}
# Actions on printable keys: an Input being edited takes those keys as text.
TYPED_ACTIONS = {k.action_name for k in APP_KEYS if not k.keys.startswith("ctrl")} - {"quit"}


class NeuroApp(App[XorConfig]):
    CSS_PATH = "neurotui.tcss"
    TITLE = "neurotui"
    BINDINGS = bindings(APP_KEYS)

    def __init__(self, config: XorConfig | None = None, autostart: bool = True, ascii: bool = False,
                 speed: int | None | str = "default", pause_at: int | None = None,
                 sweep_seeds: int = DEFAULT_SEEDS, ascii_bytes: bool = False, question: str = "") -> None:
        self.glyphs = ASCII if ascii else UNICODE
        self.ascii_bytes = ascii and ascii_bytes  # read by get_driver_class, called by App.__init__
        super().__init__()
        self.session = Session(config or XorConfig(), question=question)
        if speed != "default":
            self.session.speed_index = SPEEDS.index(speed)
        self.autostart = autostart
        self.pause_at = pause_at
        self.sweep_seeds = sweep_seeds
        self.current_pane = 2
        self.zoomed = False
        self._auto_zoom = False
        self._no_color_filter = None

    # ----- Textual hooks -----------------------------------------------------------------------
    def get_driver_class(self):
        from neurotui.tui.ascii import ascii_driver

        base = super().get_driver_class()
        return ascii_driver(base) if self.ascii_bytes else base

    def get_line_filters(self):
        """NO_COLOR means no colour codes at all (no-color.org); Textual's default turns every
        colour into a grey, which still sends 256-colour codes and a near-black background."""
        filters = super().get_line_filters()
        if not self.no_color:
            return filters
        from textual.filter import Monochrome, NoColor

        self._no_color_filter = self._no_color_filter or NoColor()
        return [self._no_color_filter if isinstance(f, Monochrome) else f for f in filters]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Maximize":  # `z` zooms; Textual's own maximize would leave z dead
                yield command
        for title, help_text, action in palette_entries():
            yield SystemCommand(title, help_text, lambda a=action: self.run_action(a))

    def check_action(self, action: str, parameters) -> bool | None:
        if self.current_pane == RELIABILITY and self.zoomed and action in RUN_ACTIONS:
            return False  # hidden from the Footer and inert while the XOR run is out of sight
        if isinstance(self.focused, Input) and action in TYPED_ACTIONS:
            return False  # a neuron field is being edited: these keys type into it
        return True

    def _mark_focused_pane(self, _focused=None) -> None:
        # Colour alone marks the focused pane's border; without colour (NO_COLOR, --ascii) it
        # also says so in words on its bottom border.
        plain = self.no_color or self.glyphs.ascii
        focused = self.focused
        for pid in PANE_IDS:
            pane = self.query_one(f"#{pid}")
            here = focused is not None and (focused is pane or pane in focused.ancestors)
            pane.border_subtitle = "(focused)" if plain and here else ""

    # ----- layout ------------------------------------------------------------------------------
    @property
    def xor(self) -> XorPane:
        return self.query_one(XorPane)

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with Container(id="panes"):
            yield NeuronPane(self.glyphs, id="neuron", classes="pane")
            yield XorPane(self.glyphs, id="xor", classes="pane")
            yield ActivationsPane(self.glyphs, id="activations", classes="pane")
            yield ReliabilityPane(self.glyphs, seeds=self.sweep_seeds, id="reliability", classes="pane")
        yield Static(id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        import warnings

        # broadcast-target's own warning would be written over the screen from the worker thread;
        # the doctor reports that run's symptom (every probability at 0.5) instead.
        warnings.filterwarnings("ignore", message="Using a target size")
        if self.glyphs.ascii:
            self.screen.add_class("-ascii")
        self.query_one(ActivationsPane).set_training_activation(self.session.config.activation)
        self._install_signal_handlers()
        self.watch(self.screen, "focused", self._mark_focused_pane)
        self._apply_layout()
        self.xor.focus()
        if self.autostart:
            self._device_text = "loading torch..."
            self.start_run()
        else:
            self._device_text = "starts with the first run"
            self.xor.show_config(self.session.config)
            self.xor.wait("press space to start training (. takes one step)")
        self._update_topbar()

    def _install_signal_handlers(self) -> None:
        # SIGTERM / SIGHUP (an SSH link dropping) must leave through Textual's own exit,
        # which restores the terminal; the default action would kill us mid-screen.
        # Exit code 128+signal, as a shell expects. Writes to a hung-up terminal can block
        # that exit, so the process also ends a few seconds later whatever happens.
        def on_signal(sig: int) -> None:
            if self.xor.control is not None:
                self.xor.control.poke()
            self.exit(self.session.config, return_code=128 + sig)
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

    @property
    def single(self) -> bool:
        w, h = self.size
        return self.zoomed or w < FULL_MIN_WIDTH or h < FULL_MIN_HEIGHT

    def _apply_layout(self, size=None) -> None:
        w, h = size or self.size
        tiny = w < TINY_WIDTH or h < TINY_HEIGHT
        self.screen.set_class(tiny, "-too-small")
        if tiny:
            self.query_one("#too-small", Static).update(
                f"terminal too small ({w}x{h}); neurotui needs at least {TINY_WIDTH}x{TINY_HEIGHT}")
        single = self.zoomed or w < FULL_MIN_WIDTH or h < FULL_MIN_HEIGHT
        self.query_one("#panes").set_class(single, "-single")
        for i, pid in enumerate(PANE_IDS):
            self.query_one(f"#{pid}").set_class(i == self.current_pane, "-current")
        self._single = single
        if hasattr(self, "_device_text"):
            self._update_topbar()
        self.call_after_refresh(self.xor.sync_grid_size)

    def _update_topbar(self) -> None:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("neurotui", "bold")
        if not getattr(self, "_single", False) or self.zoomed:
            t.append(f"  one neuron {self.glyphs.arrow} a multilayer perceptron", "dim")
        t.append("   device: ")
        t.append(self._device_text, "bold")
        t.append("   ? help", "dim")
        if getattr(self, "_single", False) and not self.zoomed:
            t.append("   1 2 3: switch pane", "dim")
        self.query_one("#topbar", Static).update(t)

    # ----- the run -------------------------------------------------------------------------------
    def start_run(self, paused: bool = False) -> None:
        """Train the session's configs from step 0 in the XOR pane."""
        s = self.session
        self.xor.train(s.configs(), speed=s.speed, layer=s.layer, pause_at=self.pause_at, paused=paused,
                       previous=s.previous, question=s.question)
        self.query_one(ActivationsPane).set_training_activation(s.config.activation)

    def _change(self, change, *args) -> None:
        """Apply one Session change and retrain; a refused change is said, and nothing restarts."""
        try:
            said = change(*args)
        except Refused as exc:
            self.notify(str(exc), severity="warning", timeout=2)
            return
        if isinstance(said, str):
            self.notify(said, timeout=2)
        if self.xor.control is None:  # --no-autostart: nothing runs until space
            self.xor.show_config(self.session.config)
            return
        self.start_run(paused=self.xor.paused)  # a change while paused stays paused

    @on(TrainStarted)
    def _device_known(self, message: TrainStarted) -> None:
        self._device_text = message.device
        self._update_topbar()

    @on(NeuronPane.ZChanged)
    def _z_changed(self, message: NeuronPane.ZChanged) -> None:
        self.query_one(ActivationsPane).set_z(message.z)

    # ----- actions: one line each where they can be ----------------------------------------------
    def action_session(self, method: str, *args) -> None:
        """Every key that changes what is trained: one Session method, then retrain."""
        self._change(getattr(self.session, method), *args)

    def action_restart(self) -> None:
        self.start_run(paused=self.xor.paused)

    def action_toggle_compare(self) -> None:
        self.session.toggle_compare()
        self.xor.set_view(compare=self.session.compare)
        self.call_after_refresh(self._change, lambda: None)

    def action_pick_preset(self) -> None:
        from neurotui.core.presets import PRESETS

        choices = [(p.name, f"{p.name:<22} {p.question}") for p in PRESETS.values()]
        self.push_screen(Picker("Presets: the lesson as experiments", choices),
                         lambda name: name and self._change(self.session.apply_preset, name))

    def action_pick_bug(self) -> None:
        if self.session.config.bug:  # B again clears it
            self._change(self.session.set_bug, None)
            return
        from neurotui.core.bugs import BUGS

        choices = [(b.name, f"{b.name:<18} {b.mistake}") for b in BUGS.values()]
        self.push_screen(Picker("Break it on purpose: one classic PyTorch mistake", choices),
                         lambda name: name and self._change(self.session.set_bug, name))

    def action_pick_features(self) -> None:
        from neurotui.core.data import FEATURES

        choices = [(f, f) for f in FEATURES]
        self.push_screen(MultiPicker("Input features", choices, tuple(self.session.config.features)),
                         lambda picked: picked and self._change(self.session.set_features, picked))

    def action_toggle_code(self) -> None:
        self.xor.toggle_code()

    def action_write_script(self) -> None:
        from neurotui.tui.card_writer import write_script

        write_script(self, self.session.config)

    def action_pause(self) -> None:
        xor = self.xor
        if xor.control is None:  # --no-autostart: space starts
            self.start_run()
        elif xor.finished:
            self.notify("the run is over: r restarts it", timeout=2)
        else:
            xor.set_paused(not xor.control.holding(xor.snapshot.step if xor.snapshot else 0))

    def action_step_once(self) -> None:
        xor = self.xor
        if xor.control is None:  # --no-autostart: start held at step 0, then take the step
            self.start_run(paused=True)
        elif xor.finished:
            self.notify("the run is over: r restarts it", timeout=2)
            return
        elif not xor.paused:
            self.notify("training is running: space pauses it, then . steps once", timeout=2)
            return
        xor.control.request_step()

    def action_speed(self, delta: int) -> None:
        self.xor.set_speed(self.session.change_speed(delta))

    def action_toggle_log(self) -> None:
        self.xor.toggle_log()

    def action_toggle_slopes(self) -> None:
        self.query_one(ActivationsPane).toggle_slopes()

    def action_next_view(self) -> None:
        if self.session.compare:
            self.notify("compare mode shows both boundaries; c leaves it", timeout=2)
            return
        self.xor.next_view()
        self.xor.look_at(self.session.layer)

    def action_next_pair(self) -> None:
        self.xor.next_pair()

    def action_next_inside_layer(self) -> None:
        layer = self.session.next_inside_layer()
        self.notify(f"looking inside hidden layer {layer} of {self.session.config.layers}", timeout=2)
        self.xor.look_at(self.session.layer)

    def action_toggle_device(self) -> None:
        import sys

        if "torch" not in sys.modules:  # never import torch on the UI thread: it blocks for seconds
            self.notify("still loading PyTorch; try again in a moment", timeout=2)
            return
        import torch

        if not torch.cuda.is_available():
            self.notify("no CUDA GPU is available here; training stays on the CPU", timeout=3)
            return
        self._change(self.session.switch_device, self.xor.device_text)

    def action_focus_pane(self, index: int) -> None:
        if index == RELIABILITY:
            # the reliability table needs the whole screen: it is always shown zoomed
            self._auto_zoom = self._auto_zoom or not self.zoomed
            self.zoomed = True
            pane = self.query_one(ReliabilityPane)
            if pane.state == "idle":
                pane.start(device=self.session.config.device)
        elif self._auto_zoom:
            self.zoomed = self._auto_zoom = False
        self.current_pane = index
        self.query_one(f"#{PANE_IDS[index]}").focus()
        self._apply_layout()
        self.refresh_bindings()

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

    def action_write_card(self) -> None:
        from neurotui.tui.card_writer import write_card

        snap = self.xor.snapshot
        if snap is None or not snap.losses:
            self.notify("no run to describe yet", severity="warning", timeout=3)
            return
        self.notify("writing the result card (training the failure probe beside it)...", timeout=2)
        write_card(self, self.session.config, snap)

    def on_card_written(self, message: CardWritten) -> None:
        if message.path:
            self.notify(f"result card written to {message.path}", timeout=6)
        else:
            self.notify(f"card not written: {message.error}", severity="error", timeout=8)

    @on(ReliabilityPane.Pick)
    def _train_picked(self, message: ReliabilityPane.Pick) -> None:
        self.session.pick(message.config)
        self.notify(f"training seed {message.config.seed} of this network live", timeout=3)
        self.action_focus_pane(2)
        self.start_run()

    @on(ReliabilityPane.Leave)
    def _leave_reliability(self) -> None:
        self.action_focus_pane(2)

    def action_quit(self) -> None:
        if self.xor.control is not None:
            self.xor.control.poke()
        self.exit(self.session.config)

    # ----- for tests and screenshots --------------------------------------------------------------
    @property
    def config(self) -> XorConfig:
        return self.session.config

    @property
    def run_settled(self) -> bool:
        return self.xor.settled
