"""Early stopping: a slice of the training rows held out of the gradient, watched every few steps,
its best weights kept and put back at the end.

Why: full-batch Adam on a small noisy file fits the noise. Diabetes (309 training rows, 10 inputs)
peaks at validation R² ~0.45 within 50 steps and falls to 0.42 (L2 0.01) or 0.12 (no L2) by step
2000 (issue 32's note). The 30% validation split cannot pick the step: it is what the run reports,
so choosing by it would report a number tuned on it. A slice of the *training* rows can (as
scikit-learn's `early_stopping=True, validation_fraction=0.1` does): those rows are not trained on,
their loss is read every CHECK_EVERY steps, the weights at its lowest are copied, and when it has
not gone lower for PATIENCE steps the run stops; either way the best weights are restored.

The slice is a data fact, decided once (core.training.resolved: `Resolved.stop_rows`) from the
training rows alone, drawn from the data seed as the split is drawn (stratified for classes). The
Trainer consults an `EarlyStop` between steps (`Trainer.run`); a step itself is unchanged. The run's
script does the same arithmetic (core.course.script).
"""

from __future__ import annotations

from dataclasses import dataclass

from neurotui.core.numbers import short

STOP_FRACTION = 0.1  # of the training rows: scikit-learn's validation_fraction
CHECK_EVERY = 10  # steps between two looks at the slice: a look is a forward pass, not free
PATIENCE = 200  # steps without a lower slice loss before the run stops (20 looks)
# Measured on the comparison's four regression files (issue 32's note, 5 init seeds): patience 100
# stopped friedman1 too soon on some seeds (0.848-0.878 where 200 gave up to 0.896); 400 changed nothing else.


@dataclass(frozen=True)
class StopRows:
    """The training rows split for early stopping: `fit` (trained on) and `stop` (watched), as indices
    into the training split, sorted."""

    fit: object  # torch.Tensor [n_fit] of int64
    stop: object  # torch.Tensor [n_stop]

    @property
    def n_stop(self) -> int:
        return len(self.stop)

    @property
    def n_fit(self) -> int:
        return len(self.fit)


def stop_rows(train_y, task, data_seed: int) -> StopRows:
    """STOP_FRACTION of the training rows, drawn by a generator of the data seed (stratified by class as
    the split is: core.data.split); ConfigError when too few rows leave none to watch."""
    import torch

    from neurotui.core.data.split import stratified_split
    from neurotui.core.errors import ConfigError

    g = torch.Generator().manual_seed(data_seed)
    try:
        fit, stop = stratified_split(train_y.flatten(), STOP_FRACTION, g, task.classes)
    except ConfigError:
        raise ConfigError(f"early stopping holds out {short(STOP_FRACTION)} of the training rows, and "
                          f"{len(train_y)} leave none: use more rows or --no-early-stop") from None
    return StopRows(fit, stop)


@dataclass(frozen=True)
class StopReport:
    """What early stopping did, as plain values (a Snapshot carries it): the step whose weights are
    kept (None: no look yet), the step it stopped at (None: not stopped early), the slice's size."""

    best_step: int | None
    stopped_at: int | None
    stop_rows: int
    train_rows: int
    restored: bool = False  # the best weights are the model's now (the run ended)

    def as_dict(self) -> dict:
        return {"best_step": self.best_step, "stopped_at": self.stopped_at, "stop_rows": self.stop_rows,
                "fit_rows": self.train_rows - self.stop_rows, "check_every": CHECK_EVERY, "patience": PATIENCE}

    def line(self) -> str:
        """lab's and the script's line: 'early_stop= stopped at step 420: ...; the weights of step 220 kept'."""
        watched = (f"{self.stop_rows} of the {self.train_rows} training rows held out of training, "
                   f"their loss read every {CHECK_EVERY} steps")
        if self.best_step is None:
            return f"early_stop= no look before the run ended ({watched}); the last weights kept"
        end = (f"stopped at step {self.stopped_at}: no lower loss for {PATIENCE} steps"
               if self.stopped_at is not None else "ran every step")
        return f"early_stop= {end} ({watched}); the weights of step {self.best_step} kept"

    def short(self) -> str:
        """The app's status line, after 'step 220/2000': 'early stop: kept 20' (stopped, or ran every step
        and kept its best), 'early stop: best 20' while it runs."""
        if self.best_step is None:
            return "early stop: no look yet"
        return f"early stop: {'kept' if self.restored or self.stopped_at is not None else 'best'} {self.best_step}"


class EarlyStop:
    """The watch over one run's stop slice. `look(step)` every CHECK_EVERY steps (Trainer.run calls it):
    the slice's loss, the best weights copied when it is lower; `stopped` once PATIENCE steps passed
    without. `restore()` puts the best weights back (once, at the run's end)."""

    def __init__(self, model, measure, loss_of, x, y, n_train: int):
        self.params = list(model.parameters())
        self._measure, self._loss_of, self._x, self._y = measure, loss_of, x, y
        self.n_train = n_train
        self.best_loss = float("inf")
        self.best_step: int | None = None
        self.best: list | None = None
        self.stopped_at: int | None = None
        self.restored = False

    def look(self, step: int) -> None:
        import torch

        with torch.no_grad():
            loss = self._loss_of(self._measure(self._x), self._y).item()
        if loss < self.best_loss:  # strictly lower: a tie keeps the earlier weights (as the script does)
            self.best_loss, self.best_step = loss, step
            if self.best is None:
                self.best = [p.detach().clone() for p in self.params]
            else:
                for b, p in zip(self.best, self.params):
                    b.copy_(p.detach())
        elif self.best_step is not None and step - self.best_step >= PATIENCE:
            self.stopped_at = step

    @property
    def stopped(self) -> bool:
        return self.stopped_at is not None

    def restore(self) -> None:
        if self.best is None or self.restored:
            return
        import torch

        with torch.no_grad():
            for p, b in zip(self.params, self.best):
                p.copy_(b)
        self.restored = True

    def report(self) -> StopReport:
        return StopReport(self.best_step, self.stopped_at, len(self._y), self.n_train, self.restored)
