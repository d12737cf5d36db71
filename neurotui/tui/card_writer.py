"""The result card (key `e`), written by a thread worker: the failure probe beside the run
takes as long as the run itself. In a browser tab (neurotui serve) the card is delivered
to the browser as a download, never written on the server."""

from __future__ import annotations

import io

from textual.app import App
from textual.worker import get_current_worker

from neurotui.core.model.config import XorConfig
from neurotui.tui.messages import CardWritten


def write_card(app: App, config: XorConfig, snap, lesson: dict | None = None) -> None:
    """lesson: the guided lesson's answers (`neurotui learn`): the card then lists each prediction
    beside its measurement, and the pass check."""
    from neurotui.tui.process import under_web_driver

    if snap is None or not snap.losses:
        app.notify("no run to describe yet", severity="warning", timeout=3)
        return
    app.notify("writing the result card (training the failure probe beside it)...", timeout=2)

    web = under_web_driver()

    def work() -> None:
        from neurotui.core.course.card import DEFAULT_CARD_NAME, card_markdown, failure_probe, save_card
        from neurotui.core.errors import ConfigError

        worker = get_current_worker()
        extra = ""
        if lesson is not None:
            from neurotui.core.course.steps import predictions_markdown

            extra = predictions_markdown(lesson)
        try:
            probe = failure_probe(config, steps=snap.step or None, should_stop=lambda: worker.is_cancelled)
            if web:
                text = card_markdown(config, snap, probe=probe, ascii=app.glyphs.ascii, extra=extra)
                app.call_from_thread(app.deliver_text, io.StringIO(text), save_filename=DEFAULT_CARD_NAME,
                                     mime_type="text/markdown")
                app.post_message(CardWritten(f"{DEFAULT_CARD_NAME} (sent to your browser)", None))
                return
            path = save_card(config, snap, DEFAULT_CARD_NAME, probe=probe, ascii=app.glyphs.ascii, fresh=True,
                             extra=extra)
        except (ConfigError, OSError) as exc:
            app.post_message(CardWritten(None, str(exc)))
            return
        app.post_message(CardWritten(str(path), None))

    app.run_worker(work, thread=True, group="card", exit_on_error=False)


def write_script(app: App, config: XorConfig, edits=()) -> None:
    """`Y`: the run's script to ./neurotui-lab.py (never over a file), or to the browser when served;
    `edits` (weights set by hand) are listed in a comment block, since the script does not make them."""
    from neurotui.core.course.script import DEFAULT_SCRIPT_NAME, ScriptError, script_for
    from neurotui.core.course.script import write_script as save
    from neurotui.tui.process import under_web_driver

    try:
        if under_web_driver():
            app.deliver_text(io.StringIO(script_for(config, edits=edits)), save_filename=DEFAULT_SCRIPT_NAME,
                             mime_type="text/x-python")
            app.notify(f"{DEFAULT_SCRIPT_NAME} sent to your browser", timeout=6)
            return
        path = save(config, DEFAULT_SCRIPT_NAME, fresh=True, edits=edits)
    except (ScriptError, OSError) as exc:
        app.notify(f"script not written: {exc}", severity="error", timeout=8)
        return
    app.notify(f"script written to {path}: run it with python", timeout=6)
