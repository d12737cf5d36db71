"""The private APIs of Textual, textual-serve and argparse we rely on are still there and still
behave as we use them. A failure names the library's version and the shim module to fix."""

import argparse
import asyncio

import pytest

from neurotui.cli import argparse_shims
from neurotui.tui import textual_shims


def test_textual_private_names_are_there():
    textual_shims.check()


def test_textual_shims_resolve_a_key_as_textual_does():
    from textual.app import App
    from textual.widgets import Input, Static

    from neurotui.tui.workspace import MainScreen

    ran = []

    class Probe(App):
        BINDINGS = [("x", "mark", "mark")]

        def get_default_screen(self):
            return MainScreen()

        def compose(self):
            yield Input(id="field")
            yield Static("plain")

        def action_mark(self):
            ran.append("x")

    async def drive():
        app = Probe()
        async with app.run_test() as pilot:
            field = app.query_one(Input)
            plain = app.query_one(Static)
            assert textual_shims.reads_keys(field) and not textual_shims.reads_keys(plain)
            app.set_focus(None)  # a focused Input would take the printable key before the app's bindings
            assert await textual_shims.check_bindings(app, "x") is True and ran == ["x"]
            assert await textual_shims.check_bindings(app, "x", priority=True) is False
            assert await textual_shims.check_bindings(app, "y") is False
            field.focus()
            await pilot.pause()
            from textual import events

            key = events.Key("q", "q")
            textual_shims.mark_forwarded(key)
            assert key.is_forwarded and not textual_shims.propagation_stopped(key)
            await textual_shims.handle_key_in_widget(field, key)
            await pilot.pause()
            assert field.value == "q"  # the Input typed it
            textual_shims.clear_tooltip(app.screen)
            assert not textual_shims.is_exiting(app)
            app.exit()
            assert textual_shims.is_exiting(app)

    asyncio.run(drive())


def test_textual_shim_failure_names_the_version(monkeypatch):
    from textual.app import App

    monkeypatch.delattr(App, "_check_bindings")
    with pytest.raises(textual_shims.ShimBroken, match=r"Textual \d+\.\d+.*App\._check_bindings"):
        textual_shims.check()


def test_textual_serve_private_names_are_there():
    shims = pytest.importorskip("neurotui.serve.textual_serve_shims")
    shims.check()


def test_textual_serve_shims_hold_a_tab_process():
    shims = pytest.importorskip("neurotui.serve.textual_serve_shims")
    from textual_serve.app_service import AppService

    async def nothing(*_):
        return None

    class Manager:
        cancelled = []

        async def cancel_app_downloads(self, app_service_id):
            self.cancelled.append(app_service_id)

    tab = AppService("true", write_bytes=nothing, write_str=nothing, close=nothing, download_manager=Manager())
    process = argparse.Namespace(stdin=object())
    shims.adopt_process(tab, process)
    assert shims.process_of(tab) is process and tab._stdin is process.stdin
    assert shims.take_reader(tab) is None
    asyncio.run(shims.cancel_downloads(tab))
    assert Manager.cancelled == [tab.app_service_id]
    env = shims.served_environment(False, 100, 30)
    assert env["COLUMNS"] == "100" and env["ROWS"] == "30" and "TEXTUAL_DRIVER" in env


def test_textual_serve_shim_failure_names_the_version(monkeypatch):
    shims = pytest.importorskip("neurotui.serve.textual_serve_shims")
    from textual_serve.server import Server

    monkeypatch.delattr(Server, "_process_messages")
    with pytest.raises(shims.ShimBroken, match=r"textual-serve \d+\.\d+.*_process_messages"):
        shims.check()


def test_argparse_options_are_listed():
    argparse_shims.check()
    from neurotui.cli.parser import build_parser

    flags = {s for a in argparse_shims.options_of(build_parser()) for s in a.option_strings}
    assert {"--seed", "--hidden", "--ascii"} <= flags


def test_argparse_shim_failure_names_the_version(monkeypatch):
    monkeypatch.setattr(argparse_shims, "options_of", lambda parser: [])
    with pytest.raises(AssertionError, match=r"Python \d+\.\d+.*_actions"):
        argparse_shims.check()


def test_no_rule_styles_a_panes_insides_by_the_panes_focus():
    """The panes restyle only themselves when focus moves (textual_shims.restyle_itself): a rule such
    as `#xor:focus-within Static` or `.pane:focus > Label` would then go stale. The focused border is
    set inline (workspace.mark_focused), so no such rule is needed."""
    import re
    from pathlib import Path

    import neurotui.tui as tui
    from neurotui.tui.panes.activations import ActivationsPane
    from neurotui.tui.panes.neuron import NeuronPane
    from neurotui.tui.panes.xor import XorPane

    css = (Path(tui.__file__).parent / "neurotui.tcss").read_text(encoding="utf-8")
    css += "".join(getattr(cls, "DEFAULT_CSS", "") for cls in (XorPane, NeuronPane, ActivationsPane))
    pane = r"(#(neuron|xor|activations|reliability)|\.pane|(Xor|Neuron|Activations|Reliability)Pane)"
    stale = re.compile(pane + r"[^\s>,{]*:focus(-within)?[^\s,{]*\s*[>\s]\s*[#.\w&]")
    selectors = [s.strip() for block in re.findall(r"([^{}]+)\{", css) for s in block.split(",")]
    assert [s for s in selectors if stale.search(s)] == []
    for cls in (XorPane, NeuronPane, ActivationsPane):
        assert cls.watch_has_focus is textual_shims.restyle_itself
