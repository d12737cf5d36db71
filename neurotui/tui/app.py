"""NeuroApp: the wiring. Compose the panes, lay them out for the terminal, and turn each
key into one call on the Session and one on the pane that shows the result."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.screen import Screen
from textual.widgets import Input, Static

from neurotui.core.model.config import XorConfig
from neurotui.core.training.kernel_check import on_fallback
from neurotui.session.control import SPEEDS
from neurotui.session.state import Refused, Session
from neurotui.tui import picker
from neurotui.tui.footer import KeysFooter
from neurotui.tui.glyphs import ASCII, UNICODE
from neurotui.tui.help import HelpScreen
from neurotui.tui.keyorder import KeysInOrder, focus_now
from neurotui.tui.keys import APP_KEYS, LESSON_KEYS, RUN_ACTIONS, bindings, palette_entries, typed_actions
from neurotui.tui.messages import CardWritten, TrainStarted
from neurotui.tui.panes.activations import ActivationsPane
from neurotui.tui.panes.neuron import NeuronPane
from neurotui.tui.panes.reliability import DEFAULT_SEEDS, ReliabilityPane
from neurotui.tui.panes.xor import XorPane
from neurotui.tui.panes.xor_run import XorRun
from neurotui.tui.process import exit_on_signals, exit_soon
from neurotui.tui.widgets.boundary import BoundaryView, toggle_validation
from neurotui.tui.workspace import RELIABILITY, XOR, MainScreen, TopBar, Workspace


class NeuroApp(KeysInOrder, App[XorConfig]):
    CSS_PATH = "neurotui.tcss"
    TITLE = "neurotui"
    BINDINGS = bindings(LESSON_KEYS + APP_KEYS)  # the lesson's first: the Footer lists them first while it is on

    def __init__(self, config: XorConfig | None = None, autostart: bool = True, ascii: bool = False,
                 speed: int | None | str = "default", pause_at: int | None = None,
                 sweep_seeds: int = DEFAULT_SEEDS, ascii_bytes: bool = False, question: str = "",
                 keymap: dict[str, str] | None = None, lesson: dict | None = None,
                 warnings: tuple[str, ...] = ()) -> None:
        self.glyphs = ASCII if ascii else UNICODE
        self.ascii_bytes = ascii and ascii_bytes  # read by get_driver_class, called by App.__init__
        super().__init__()
        self.session = Session(config or XorConfig(), question=question)
        if speed != "default":
            self.session.speed_index = SPEEDS.index(speed)
        self.autostart = autostart
        self.pause_at = pause_at
        self.sweep_seeds = sweep_seeds
        self._no_color_filter = None
        # config.toml's [keys] (binding id -> Textual key names): the Footer, `?` and the palette show these
        self.keymap = dict(keymap or {})
        self.typed_actions = typed_actions(self.keymap)
        if self.keymap:
            self.set_keymap(self.keymap)
        self.farewell: list[str] = []  # lines printed after the reproduce line on quitting (the lesson's resume)
        self.lesson_options = lesson  # `neurotui learn`: {"start": step or None, "path": progress file or None}
        self.startup_warnings = warnings  # said before start (config.toml), on stderr: the screen covers that

    # ----- Textual hooks -----------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return MainScreen(id="_default")

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

    def get_key_display(self, binding) -> str:
        """A remapped key is written as itself, not as the table's display of the key it replaced."""
        if binding.id in self.keymap and binding.key_display:
            from dataclasses import replace

            binding = replace(binding, key_display=None)
        return super().get_key_display(binding)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Maximize":  # `z` zooms; Textual's own maximize would leave z dead
                yield command
        for title, help_text, action in palette_entries(self.keymap):
            yield SystemCommand(title, help_text, lambda a=action: self.run_action(a))

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "lesson" and self.lesson_options is None:
            return False  # not `neurotui learn`: the lesson's keys are neither shown nor live
        if self.current_pane == RELIABILITY and self.zoomed and action in RUN_ACTIONS:
            return False  # hidden from the Footer and inert while the XOR run is out of sight
        if isinstance(self.focused, Input) and action in self.typed_actions and self.focused.check_consume_key("a", "a"):
            return False  # a neuron field is being edited: these keys type into it (the lesson's number field
            #               takes digits only, so letter keys stay live there)
        return True

    # ----- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TopBar(self.glyphs, id="topbar")
        with Workspace(id="panes"):
            yield NeuronPane(self.glyphs, id="neuron", classes="pane")
            yield XorPane(self.glyphs, id="xor", classes="pane")
            yield ActivationsPane(self.glyphs, id="activations", classes="pane")
            yield ReliabilityPane(self.glyphs, seeds=self.sweep_seeds, id="reliability", classes="pane")
        yield Static(id="too-small")
        if self.lesson_options is not None:
            from neurotui.tui.lesson import LessonPanel

            yield LessonPanel(self.glyphs, id="lesson", **self.lesson_options)
        yield KeysFooter()

    @property
    def xor(self) -> XorPane:
        return self.query_one(XorPane)

    @property
    def workspace(self) -> Workspace:
        return self.query_one(Workspace)

    def _kernels_fell_back(self, line: str) -> None:
        """Said by the thread that ran the check (usually the worker's)."""
        say = partial(self.notify, line.removeprefix("neurotui: note: "), title="torch", severity="warning", timeout=15)
        try:
            self.call_from_thread(say)
        except RuntimeError:  # already on the app's thread (call_from_thread refuses it)
            say()

    def on_unmount(self) -> None:
        self._unsubscribe_kernels()

    def on_mount(self) -> None:
        import warnings

        self._run = self.xor.run

        # broadcast-target's own warning would be written over the screen from the worker thread;
        # the doctor reports that run's symptom (every probability at 0.5) instead.
        warnings.filterwarnings("ignore", message="Using a target size")
        self.screen.set_class(self.glyphs.ascii, "-ascii")
        exit_on_signals(self._on_signal)
        self.watch(self.screen, "focused", self._mark_focused_pane)
        self.theme_changed_signal.subscribe(self, lambda _theme: self._mark_focused_pane())  # colours set inline
        self._apply_layout()
        focus_now(self.xor)  # now: a key typed during start-up must not be undone by a late focus
        self._unsubscribe_kernels = on_fallback(self._kernels_fell_back)
        for line in self.startup_warnings:
            self.notify(line.removeprefix("neurotui: warning: "), title="config.toml", severity="warning", timeout=15)
        if self.autostart:
            # After the first frame: the worker's first act is `import torch` (seconds of Python, holding
            # the GIL most of the time), which painted beside it doubled the time to the first frame.
            self.xor.show_config(self.session.config)  # the first frame shows what is loading
            self.call_after_refresh(self._autostart)
        else:
            self.query_one(TopBar).show(device="starts with the first run")
            self.xor.show_config(self.session.config)
            self.xor.wait("press space to start training (. takes one step)")

    def _autostart(self) -> None:
        if self.xor.control is None:  # unless a key typed at the first frame started it already
            self.start_run()

    def _on_signal(self, sig: int) -> None:
        # Exit code 128+signal, as a shell expects. Writes to a hung-up terminal can block
        # that exit, so the process also ends a few seconds later whatever happens.
        if self.xor.control is not None:
            self.xor.control.poke()
        self.exit(self.session.config, return_code=128 + sig)
        exit_soon(128 + sig)

    def on_resize(self, event) -> None:
        # This runs before App._on_resize stores the new size: use the event's, or the
        # layout lags one resize behind (blank or clipped screens after resizing).
        self._apply_layout(event.size)

    def _apply_layout(self, size=None) -> None:
        size = size or self.size
        if self.lesson_options is not None:  # the lesson's panel takes rows from the panes
            from neurotui.tui.lesson import fit_panel

            size = fit_panel(self.query_one("#lesson"), size)
        self.query_one(TopBar).show(single=self.workspace.apply(size))
        self.xor.set_compact(self.workspace.has_class("-compact"))
        self.call_after_refresh(self.xor.sync_grid_size)

    def _mark_focused_pane(self, focused=None) -> None:
        self.workspace.mark_focused(self.focused, plain=self.no_color or self.glyphs.ascii, ascii=self.glyphs.ascii)

    # ----- the run -------------------------------------------------------------------------------
    def start_run(self, paused: bool = False) -> None:
        """Train the session's configs from step 0 in the XOR pane."""
        s = self.session
        self.xor.train(s.configs(), speed=s.speed, layer=s.layer, pause_at=self.pause_at, paused=paused,
                       previous=s.previous, question=s.banner)
        self.query_one(ActivationsPane).set_training_activation(s.config.activation)

    def change(self, change, *args) -> None:
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
        self.restart_soon()

    _restart_paused: bool | None = None  # a restart owed once the keys typed in a burst are handled

    def restart_soon(self) -> None:
        """Retrain from step 0, keeping a paused run paused. Keys typed in a burst (`+++`) restart
        once, after the last of them: each restart costs the UI thread a worker and a redraw."""
        if self._restart_paused is None:
            self._restart_paused = self.xor.paused
        if not self.keys_waiting:
            self.keys_drained()

    _run: XorRun | None = None  # the XOR pane's, for key_arrived: no DOM query off the UI thread

    def key_owner(self, event):
        lesson = self.query("#lesson") if self.lesson_options is not None else ()
        return lesson.first().key_owner(event) if lesson and self.screen is self.screen_stack[0] else None

    def key_arrived(self) -> None:
        if self._run is not None and (control := self._run.control) is not None:
            control.make_way()  # the worker stands aside until the key is drawn

    def keys_drained(self) -> None:
        if self._restart_paused is not None:
            paused, self._restart_paused = self._restart_paused, None
            self.start_run(paused=paused)
        if self._run is not None and (control := self._run.control) is not None:
            self.call_after_refresh(control.made_way)

    @on(TrainStarted)
    def _device_known(self, message: TrainStarted) -> None:
        self.query_one(TopBar).show(device=message.device)

    @on(NeuronPane.ZChanged)
    def _z_changed(self, message: NeuronPane.ZChanged) -> None:
        self.query_one(ActivationsPane).set_z(message.z)

    # ----- actions: one line each where they can be ----------------------------------------------
    def action_session(self, method: str, *args) -> None:
        """Every key that changes what is trained: one Session method, then retrain."""
        self.change(getattr(self.session, method), *args)

    def action_restart(self) -> None:
        self.restart_soon()

    def action_toggle_compare(self) -> None:
        self.change(self.session.toggle_compare)

    def action_pick_preset(self) -> None:
        picker.pick_preset(self)

    def action_pick_bug(self) -> None:
        picker.pick_bug(self)

    def action_pick_features(self) -> None:
        picker.pick_features(self)

    def action_toggle_code(self) -> None:
        self.xor.toggle_code()

    def action_write_script(self) -> None:
        from neurotui.tui.card_writer import write_script

        write_script(self, self.session.config, self.xor.hand_edits())

    def action_pause(self) -> None:
        if self.xor.control is None:  # --no-autostart: space starts
            self.start_run()
        else:
            self.xor.say(self.xor.toggle_pause())

    def action_step_once(self) -> None:
        if self.xor.control is None:  # --no-autostart: start held at step 0, then take the step
            self.start_run(paused=True)
        self.xor.say(self.xor.step_once())

    def action_speed(self, delta: int) -> None:
        self.xor.set_speed(self.session.change_speed(delta))

    def action_toggle_log(self) -> None:
        self.xor.toggle_log()

    def action_toggle_validation(self) -> None:
        self.notify(toggle_validation(self.xor.query(BoundaryView)), timeout=2)
        self.xor.draw_view()  # the compact legend beside the picture says which points are drawn

    def action_toggle_slopes(self) -> None:
        self.query_one(ActivationsPane).toggle_slopes()

    def action_next_view(self) -> None:
        if self.session.compare:
            self.notify("compare mode shows A and B in the view c was pressed in (boundary or landscape); c leaves it",
                        timeout=2)
            return
        self.xor.next_view()
        self.xor.look_at(self.session.layer)

    def action_show_backward(self) -> None:
        """G: from anywhere (the code view's loss.backward() line names it) to the backward view."""
        if self.session.compare:
            self.notify("compare mode shows A beside B; c leaves it, then G", timeout=2)
            return
        self.xor.code = False
        self.xor.set_view("backward")
        self.xor.look_at(self.session.layer)

    def action_next_pair(self) -> None:
        self.xor.next_pair()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            if not self.is_screen_installed("help"):  # built once: composing its table cost ~0.1 s a time
                self.install_screen(HelpScreen(), "help")
            self.push_screen("help")

    def action_next_inside_layer(self) -> None:
        layer = self.session.next_inside_layer()
        self.notify(f"looking inside hidden layer {layer} of {self.session.config.layers}", timeout=2)
        self.xor.look_at(self.session.layer)

    def action_toggle_device(self) -> None:
        self.change(self.session.switch_device, self.xor.device_text)

    def action_focus_pane(self, index: int) -> None:
        if index == RELIABILITY:
            pane = self.query_one(ReliabilityPane)
            if pane.state == "idle":
                pane.start(device=self.session.config.device, all_cores=self.xor.settled)
        self.workspace.show_pane(index)
        self._apply_layout()
        self.refresh_bindings()

    def action_zoom(self) -> None:
        self.workspace.toggle_zoom(self.focused)
        self._apply_layout()
        self.xor.zoomed_to(self.zoomed and self.current_pane == XOR)

    def action_lesson(self, where: str) -> None:
        self.query_one("#lesson").go(where)

    def action_write_card(self) -> None:
        from neurotui.tui.card_writer import write_card

        lesson = self.query("#lesson")
        write_card(self, self.session.config, self.xor.snapshot, lesson=lesson.first().answers if lesson else None)

    def on_card_written(self, message: CardWritten) -> None:
        self.notify(f"result card written to {message.path}" if message.path else f"card not written: {message.error}",
                    severity="information" if message.path else "error", timeout=6 if message.path else 8)

    @on(ReliabilityPane.Pick)
    def _train_picked(self, message: ReliabilityPane.Pick) -> None:
        self.session.pick(message.config)
        self.notify(f"training seed {message.config.seed} of this network live", timeout=3)
        self.action_focus_pane(XOR)
        self.start_run()

    @on(ReliabilityPane.Leave)
    def _leave_reliability(self) -> None:
        self.action_focus_pane(XOR)

    def action_quit(self) -> None:
        if self.xor.control is not None:
            self.xor.control.poke()
        self.hand_edits = tuple(getattr(self.xor.snapshot, "edits", ()) or ())  # for the quit line
        self.exit(self.session.config)

    # ----- read by tests, screenshots and benchmarks ------------------------------------------------
    config = property(lambda self: self.session.config)
    run_settled = property(lambda self: self.xor.settled)
    current_pane = property(lambda self: self.workspace.current)
    zoomed = property(lambda self: self.workspace.zoomed)
