"""core.training.kernel_check: the private kernels check themselves against torch.optim and
autograd once per torch version; a kernel that disagrees sends the run through the public API,
with one line saying so, and the numbers stay torch.optim's."""

import json

import pytest
import torch
from lab_runs import LESSON_OUTPUT

from neurotui.cli import main
from neurotui.core.training import kernel_check, kernels, optim


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    kernel_check.forget()
    yield tmp_path / "neurotui" / "kernels.json"
    kernel_check.forget()


def drift_fused_adam(monkeypatch) -> None:
    """A torch whose fused Adam kernel keeps its name and arguments but moves weights a little
    differently: exactly what a version bound could not see coming."""
    real = kernels.fused_adam_

    def drifted(params, *args, **kwargs):
        real(params, *args, **kwargs)
        for p in params:
            p.add_(1e-3)

    monkeypatch.setattr(kernels, "fused_adam_", drifted)


@pytest.fixture
def wrong_fused_adam(monkeypatch, fresh_cache):
    drift_fused_adam(monkeypatch)
    return fresh_cache


def test_this_torchs_kernels_pass_and_the_verdict_is_cached(fresh_cache):
    verdict = kernel_check.verified("cpu")
    assert verdict.ok and verdict.reason == ""
    cached = json.loads(fresh_cache.read_text())
    (key,) = cached
    assert torch.__version__ in key and "cpu" in key
    assert cached[key] == {"ok": True, "reason": ""}


def test_a_cached_verdict_is_used_without_checking_again(fresh_cache, monkeypatch):
    kernel_check.verified("cpu")
    kernel_check.forget()
    key = next(iter(json.loads(fresh_cache.read_text())))
    fresh_cache.write_text(json.dumps({key: {"ok": False, "reason": "fused Adam: recorded earlier"}}))
    monkeypatch.setattr(kernel_check, "run_checks", lambda device: pytest.fail("checked again despite the cache"))
    verdict = kernel_check.verified("cpu")
    assert not verdict.ok and verdict.reason == "fused Adam: recorded earlier"
    model = torch.nn.Linear(2, 1)
    assert isinstance(optim.make_step_optimizer(_adam_config(), model.parameters()), torch.optim.Adam)


def test_a_drifting_kernel_is_caught_and_said(wrong_fused_adam):
    verdict = kernel_check.verified("cpu")
    assert not verdict.ok
    assert "fused Adam" in verdict.reason and "differently from torch.optim.Adam" in verdict.reason
    assert verdict.note.startswith(f"neurotui: note: torch {torch.__version__}'s private kernels differ")


SHORT = ["lab", "--steps", "20", "--json"]  # early enough that a drift shows in every digit


@pytest.fixture(scope="module")
def short_run_reference():
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(SHORT) == 0
    return json.loads(out.getvalue())


def test_lab_falls_back_to_torch_optim_with_one_line_and_the_lessons_numbers(short_run_reference, wrong_fused_adam,
                                                                             capsys):
    assert main(["lab"]) == 0
    out, err = capsys.readouterr()
    assert out == LESSON_OUTPUT  # torch.optim's numbers: the lesson's, byte for byte
    notes = [line for line in err.splitlines() if "private kernels" in line]
    assert len(notes) == 1 and "training through torch.optim" in notes[0]
    assert main(SHORT) == 0
    assert json.loads(capsys.readouterr().out)["final_loss"] == short_run_reference["final_loss"]


def test_without_the_check_the_drifted_kernel_would_have_changed_the_run(short_run_reference, monkeypatch,
                                                                        fresh_cache, capsys):
    """The test above can fail: the same drift with the check passing changes lab's output."""
    monkeypatch.setattr(kernel_check, "run_checks", lambda device: kernel_check.KernelCheck(True))
    drift_fused_adam(monkeypatch)
    assert main(SHORT) == 0
    assert json.loads(capsys.readouterr().out)["final_loss"] != short_run_reference["final_loss"]


def test_the_sweep_trains_seed_by_seed_instead_of_stopping(fresh_cache, monkeypatch, capsys):
    args = ["sweep", "--seeds", "3", "--steps", "300", "--json"]
    assert main(args) == 0
    batched = json.loads(capsys.readouterr().out)[0]
    drift_fused_adam(monkeypatch)
    kernel_check.forget()
    fresh_cache.unlink()
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "private kernels (they differ from its public API here)" in err  # why it is seed by seed
    fallen_back = json.loads(out)[0]
    assert fallen_back["solved"] == batched["solved"]
    assert fallen_back["median_final_loss"] == pytest.approx(batched["median_final_loss"], abs=1e-5)


def _adam_config():
    from neurotui.core.model.config import XorConfig

    return XorConfig()
