"""`neurotui lab`: the lesson headless, printed exactly as the lesson prints it."""

from __future__ import annotations

import json
import sys

from neurotui.cli import backward
from neurotui.cli import data as cli_data
from neurotui.cli.parser import run_from_args
from neurotui.core.errors import ConfigError
from neurotui.core.numbers import finite_or_none, fixed
from neurotui.session.loop import import_torch


def cmd_lab(args) -> int:
    run = run_from_args(args)  # the run's facts, decided once: the Trainer, script and card all take `run`
    config = run.config
    if backward.wants(args):  # one backward pass instead of the lesson's output
        return backward.cmd_backward(args, config)
    if args.script:  # the run's PyTorch code instead of the run; ScriptError (exit 2) with --json etc.
        from neurotui.core.course.script import script_text

        print(script_text(run, args.log_every, others=args.json or args.boundary or args.card,
                          save=getattr(args, "save", None)), end="")
        return 0
    _check_outputs(args, config)
    import_torch()  # the collector off while torch loads, its objects frozen: no full pass rescans them mid-run
    from neurotui.core.model import neuron
    from neurotui.core.training.trainer import Trainer

    cell = neuron.compute()
    trainer = Trainer(run)
    if not args.json and config.data is None:  # the lesson's neuron belongs to the lesson, not to a file's run
        print("\n".join(["single_neuron", f"z= {round(cell.z, 3)}",
                         f"sigmoid= {round(cell.activations['sigmoid'], 3)}",
                         f"relu= {round(cell.activations['relu'], 3)}"]), flush=True)
    path = None
    if args.landscape:
        from neurotui.core.model.landscape import PathRecorder

        path = PathRecorder(config.steps)
    logged = _train(args, trainer, path)
    if getattr(args, "save", None):
        from neurotui.core.model.saved import save_model

        save_model(trainer, args.save)
    rows, cols = (12, 28)
    snap = trainer.snapshot(boundary_size=(rows, cols) if (args.boundary or args.json or args.card) else None)
    land = _landscape(trainer, path, args.landscape) if path is not None else None
    if args.json:
        return _print_json(args, run, cell, trainer, snap, logged, land)
    if not run.lesson_data:  # other data: the lesson's lines where they apply, then train/val
        code = cli_data.print_fit_lab(args, run, trainer, snap, _write_card, _stdout_takes)
        _print_landscape(land)
        return code
    return _print_lesson(args, run, snap, land)


def _check_outputs(args, config) -> None:
    """Refuse what cannot be written before any training: --save without a file, a taken card name."""
    if getattr(args, "save", None) and config.data is None:
        raise ConfigError("--save keeps a --data file's model")
    if args.card:
        from neurotui.core.course.card import check_card_path

        check_card_path(args.card)  # before training: a taken name fails at once


def _train(args, trainer, path) -> list[tuple[int, float]]:
    """Train to the end, printing the loss every --log-every steps (and keeping the landscape's
    path); returns the logged (step, loss) pairs."""
    logged: list[tuple[int, float]] = []
    every = args.log_every or trainer.config.steps
    while not trainer.finished:
        n = every - trainer.step_count % every
        if path is not None:  # the weights along the way, for the landscape's path
            if path.due(trainer.step_count):
                path.record(trainer.model, trainer.step_count)
            n = min(n, max(1, path.next_step() - trainer.step_count))
        trainer.run(n)
        if trainer.step_count % every and not trainer.finished:
            continue  # a stop for the path, not for the log
        # a run stopped right after a logged step logs nothing new (the script's loop does the same)
        if args.log_every and trainer.losses and (not logged or logged[-1][0] != trainer.step_count):
            logged.append((trainer.step_count, trainer.losses[-1]))
            if not args.json:
                print(f"step={trainer.step_count} loss={fixed(trainer.losses[-1], 4)}", flush=True)
    return logged


def _print_json(args, run, cell, trainer, snap, logged, land) -> int:
    """`lab --json`: the run as one JSON object (and the card, if asked for, named in it)."""
    from neurotui.core.model.boundary import render

    config = run.config
    result = {
        "config": config.as_dict(),
        "neuron": {"z": cell.z, "activations": cell.activations},
        "steps_done": snap.step,
        "final_loss": finite_or_none(snap.loss),
        "probs": [finite_or_none(p) for p in snap.probs],
        "preds": list(snap.preds),
        "solved": snap.solved,
        "rows": snap.rows(),
        "diagnosis": snap.diagnosis.as_dict(),
        "error": snap.error,
        "loss_log": [{"step": s, "loss": finite_or_none(v)} for s, v in logged],
        "boundary": render(snap.boundary, ascii=True),
    }
    result.update(cli_data.fit_json(trainer, snap))  # train/val losses and accuracies, the data
    if config.data is not None:  # a file's run: its own rows, never the lesson's neuron and four XOR rows
        from neurotui.cli.filerun import file_json

        file_json(result, trainer, snap)
    if land is not None:
        result["landscape"] = land.as_dict()
    if args.card:
        result["card"] = _write_card(args, run, snap)
    print(json.dumps(result, indent=2))
    return 0


def _print_lesson(args, run, snap, land) -> int:
    """The lesson's own output on its four rows, then what was asked for: boundary, landscape, card."""
    config = run.config
    print("xor_mlp")
    print("\n".join(snap.rows()))
    print("final_loss=", round(snap.loss, 4))
    if snap.error:  # PyTorch refused a step: its own first line, as the script prints it
        print(f"stopped at step {snap.step + 1}: {snap.error}")
    cli_data.print_diagnosis(snap, config)
    if args.boundary:
        from neurotui.core.model.boundary import UNICODE_RAMP, render
        from neurotui.tui.launch import wants_ascii  # stdlib only: no UI library is loaded

        plain = args.ascii or wants_ascii() or not _stdout_takes(UNICODE_RAMP)
        print("decision boundary (x1 across, x2 up; denser = closer to 1, blank = closer to 0; "
              "digits = the XOR points' true labels)")
        for line in render(snap.boundary, ascii=plain):
            print(f"|{line}|")
    _print_landscape(land)
    if args.card:
        print(f"card written to {_write_card(args, run, snap)}")
    return 0


def _landscape(trainer, path, plane: str):
    """The loss over the plane through the final weights, with the kept weights as its path."""
    from neurotui.core.model.landscape import landscape

    path.record(trainer.model, trainer.step_count)
    data = trainer.data
    return landscape(trainer.model, data.train_x, data.train_y, path.tensor(), path.steps, trainer.step_count,
                     plane, loss=trainer.facts.loss_kind)


def _print_landscape(land) -> None:
    if land is None:
        return
    from neurotui.core.model.landscape import CAVEAT, describe, render_text

    print("\n".join(describe(land)))
    for line in render_text(land):
        print(f"|{line}|")
    print(f"(note: {CAVEAT})")

def _write_card(args, run, snap) -> str:
    """Train the failure probe, then write the card; CardError (exit 2) if the name got taken."""
    from neurotui.core.course.card import card_markdown, failure_probe, write_card

    text = card_markdown(run, snap, failure_probe(run, steps=snap.step), ascii=args.ascii)
    return str(write_card(args.card, text))

def _stdout_takes(text: str) -> bool:
    """False when stdout cannot encode `text` (a non-UTF-8 locale or PYTHONIOENCODING=ascii)."""
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True
