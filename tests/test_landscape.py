"""Issue 25: the loss landscape. The batched evaluation is the model's own loss, the plane goes
through the current weights, the path ends there, and `lab --landscape --json` says all of it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from neurotui.core.model.config import XorConfig
from neurotui.core.model.landscape import (
    PathRecorder,
    batched_loss,
    flat_weights,
    landscape,
    render_text,
    weight_names,
)
from neurotui.core.training.fit import evaluate
from neurotui.core.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]


def trained(config: XorConfig):
    t = Trainer(config)
    path = PathRecorder(config.steps)
    while not t.finished:
        if path.due(t.step_count):
            path.record(t.model, t.step_count)
        t.run(max(1, path.next_step() - t.step_count))
    return t, path


@pytest.mark.parametrize("config", [XorConfig(steps=300), XorConfig(steps=200, hidden=3, layers=2, activation="relu"),
                                    XorConfig(steps=200, features=("x1", "x2", "x1x2"), dataset="circle")],
                         ids=["lesson", "two-layers", "features-circle"])
def test_the_batched_loss_is_the_models_own_loss_at_each_weight_set(config):
    t, _ = trained(config)
    x, y = t.data.train_x, t.data.train_y
    centre = flat_weights(t.model)
    moved = centre + 0.3 * torch.randn(centre.shape, generator=torch.Generator().manual_seed(1))
    got = batched_loss(t.model, x, y, torch.stack([centre, moved]))
    assert got[0].item() == pytest.approx(evaluate(t.model, x, y)[0].item(), rel=1e-5)
    with torch.no_grad():  # the second row, checked by loading it into a copy of the model
        copy = Trainer(config).model
        torch.nn.utils.vector_to_parameters(moved, copy.parameters())
    assert got[1].item() == pytest.approx(evaluate(copy, x, y)[0].item(), rel=1e-5)


def test_each_plane_goes_through_the_final_weights_and_leaves_the_model_alone():
    t, path = trained(XorConfig())
    before = flat_weights(t.model)
    x, y = t.data.train_x, t.data.train_y
    for plane in ("pca", "random", "weights"):
        land = landscape(t.model, x, y, path.tensor(), path.steps, t.step_count, plane)
        n = len(land.grid)
        assert n == len(land.grid[0]) == 41 and n % 2 == 1
        assert land.grid[n // 2][n // 2] == land.centre_loss == pytest.approx(evaluate(t.model, x, y)[0].item(), rel=1e-5)
        assert land.path[-1] == (0.0, 0.0) and land.path_steps[-1] == t.step_count
        assert len(land.path) == len(land.path_loss) == len(land.path_steps)
    assert torch.equal(flat_weights(t.model), before)  # evaluated on copies, never the live weights


def test_pca_holds_the_lessons_path_and_the_path_runs_downhill():
    t, path = trained(XorConfig())
    land = landscape(t.model, t.data.train_x, t.data.train_y, path.tensor(), path.steps, t.step_count, "pca")
    assert sum(land.explained) > 0.95 and land.explained[0] >= land.explained[1]
    assert land.path_loss[0] > 0.6 > 0.01 > land.path_loss[-1]
    rows = render_text(land)
    assert len(rows) == 21 and all(len(r) == 41 for r in rows)
    assert sum(r.count("S") for r in rows) == 1 and sum(r.count("E") for r in rows) == 1
    assert rows[10][20] == "E"  # the centre of the map is now


def test_the_weights_plane_moves_exactly_those_two_weights():
    t, path = trained(XorConfig(steps=300))
    land = landscape(t.model, t.data.train_x, t.data.train_y, path.tensor(), path.steps, t.step_count, "weights")
    assert land.axes == ("w2[0,0]", "b2[0]")
    names = weight_names(t.model)
    j = 3
    with torch.no_grad():
        copy = Trainer(XorConfig(steps=300)).model
        moved = flat_weights(t.model)
        moved[names.index("w2[0,0]")] += land.alphas[j]
        torch.nn.utils.vector_to_parameters(moved, copy.parameters())
    assert land.grid[20][j] == pytest.approx(evaluate(copy, t.data.train_x, t.data.train_y)[0].item(), rel=1e-5)


def lab(*args):
    return subprocess.run([sys.executable, "-m", "neurotui", "lab", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_lab_landscape_json_and_text():
    out = lab("--landscape", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    land = result["landscape"]
    grid = land["grid"]
    n = len(grid)
    assert n >= 21 and n % 2 == 1 and all(len(row) == n for row in grid)
    assert grid[n // 2][n // 2] == pytest.approx(result["final_loss"], abs=1e-6)  # the final weights, centred
    assert land["path"][-1] == [0, 0] and land["path_loss"][0] > land["path_loss"][-1]
    assert land["axes"] == ["PCA 1 of the path", "PCA 2 of the path"] and 0.9 < sum(land["explained"]) <= 1.0
    text = lab("--landscape", "random", "--steps", "300")
    assert text.returncode == 0 and "loss landscape (random plane" in text.stdout and "|" in text.stdout
    assert "S start (step 0" in text.stdout and "2D slice" in text.stdout
    bad = lab("--landscape", "diagonal")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) <= 2 and "Traceback" not in bad.stderr


# ----- the view in the app ----------------------------------------------------------------------------
def test_the_landscape_view_draws_the_workers_plane_and_p_chooses_another():
    import asyncio

    from neurotui.tui.app import NeuroApp
    from neurotui.tui.screenshots import settle
    from neurotui.tui.widgets.landscape import LandscapeView

    async def go():
        app = NeuroApp(XorConfig(steps=300), speed=None)
        seen = []
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            assert app.xor.snapshot.picture("landscape") is None  # nothing computed while no view shows it
            await pilot.press("v", "v", "v", "v", "v")
            for plane in ("pca", "random", "weights"):
                for _ in range(100):
                    land = app.xor.snapshot.picture("landscape")
                    if land is not None and land.plane == plane:
                        break
                    await pilot.pause(0.05)
                await pilot.pause(0.2)
                seen.append((app.xor.view, land.plane, land.centre_loss, str(app.query_one(LandscapeView).render())))
                await pilot.press("p")
            await pilot.press("home")  # replay its first frame: marked on the path
            await pilot.pause(0.3)
            seen.append(str(app.query_one(LandscapeView).render()))
            return seen, app.xor.snapshot.loss

    seen, loss = asyncio.run(go())
    assert [s[:2] for s in seen[:3]] == [("landscape", "pca"), ("landscape", "random"), ("landscape", "weights")]
    for _, _plane, centre, text in seen[:3]:
        assert centre == pytest.approx(loss, abs=1e-4)
        assert "S start" in text and "E step 300" in text and "2D slice" in text
    assert "PCA of the path" in seen[0][3] and "w2[0,0]" in seen[2][3]
    assert "R the replayed frame" in seen[3]


def test_between_refreshes_the_map_stays_and_the_point_moves_on_it():
    from neurotui.tui.widgets.landscape import path_marks

    t, path = Trainer(XorConfig(steps=400)), PathRecorder(400)
    while t.step_count < 300:  # the map is drawn at step 300 of 400
        if path.due(t.step_count):
            path.record(t.model, t.step_count)
        t.run(min(300, max(t.step_count + 1, path.next_step())) - t.step_count)
    land = landscape(t.model, t.data.train_x, t.data.train_y, path.tensor(), path.steps, t.step_count, "weights")
    w_before = flat_weights(t.model)
    t.run(40)  # training goes on before the next refresh of the map
    moved = land.moved_to(t.model, t.step_count)
    assert moved.grid == land.grid and moved.path == land.path and moved.now_step == 340
    # the weights plane is exact: the point's coordinates are the two weights' own changes
    names = weight_names(t.model)
    i, j = names.index(land.axes[0]), names.index(land.axes[1])
    delta = flat_weights(t.model) - w_before
    assert moved.now == pytest.approx((delta[i].item(), delta[j].item()), abs=1e-6)
    assert moved.now != (0.0, 0.0)
    marks = path_marks(moved, 41, 41, None)
    assert list(marks.values()).count("*") == 1 and list(marks.values()).count("E") == 1
    assert "*" not in path_marks(land, 41, 41, None).values()  # a fresh map: the point is E itself


def test_compare_from_the_landscape_view_shows_both_runs_landscapes():
    import asyncio

    from neurotui.tui.app import NeuroApp
    from neurotui.tui.screenshots import settle

    async def go():
        app = NeuroApp(XorConfig(steps=300), speed=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("c")  # from the boundary: two boundaries, no landscape computed
            await settle(app, pilot)
            plain = (app.query_one("#cmp-a").display, app.query_one("#cmp-a-land").display, app.xor.other.picture("landscape"))
            await pilot.press("c", "v", "v", "v", "v", "v", "c")  # from the landscape view
            await settle(app, pilot)
            a, b = app.xor.snapshot, app.xor.other
            shown = [app.query_one(f"#cmp-{s}-land").display for s in "ab"], app.query_one("#cmp-a").display
            texts = [str(app.query_one(f"#cmp-{s}-land").render()) for s in "ab"]
            return plain, shown, a, b, texts

    plain, (lands_shown, boundary_shown), a, b, texts = asyncio.run(go())
    assert plain == (True, False, None)
    assert lands_shown == [True, True] and not boundary_shown
    assert a.picture("landscape").centre_loss == pytest.approx(a.loss, abs=1e-4)  # each map is its own run's
    assert b.picture("landscape").centre_loss == pytest.approx(b.loss, abs=1e-4) == pytest.approx(0.6931, abs=1e-3)
    assert all("S start" in t and "E step 300" in t for t in texts)


# ----- issue 33: the start does not depend on the plane ----------------------------------------------------
@pytest.mark.parametrize("plane", ["pca", "random", "weights"])
def test_the_start_shows_its_own_loss_on_any_plane_and_how_far_off_it_lies(plane):
    # lr 100 (blown up at step 50): far from the start, every plane through the end reads ~50 where S
    # falls, while the start's own loss is the lesson's first loss (0.7598)
    config = XorConfig(lr=100.0)
    t, path = trained(config)
    first = Trainer(config)
    start = float(evaluate(first.model, first.data.train_x, first.data.train_y)[0])
    path.record(t.model, t.step_count)
    land = landscape(t.model, t.data.train_x, t.data.train_y, path.tensor(), path.steps, t.step_count, plane)
    assert land.start_loss == pytest.approx(start, abs=1e-5)
    off = float((path.tensor()[0] - (land.basis[0] + land.path[0][0] * land.basis[1]
                                     + land.path[0][1] * land.basis[2])).norm())
    assert land.start_off == pytest.approx(off, rel=1e-4, abs=1e-6)
    words = land.start_words()
    assert words.startswith(f"{start:.4g}")
    if plane != "pca":  # two random directions or two weights: the start is far off them
        assert land.start_off > 1 and "off this plane" in words


def test_a_run_keeps_the_landscapes_path_only_when_the_views_declare_it():
    """Run.paths is the landscape provider's history: kept at each replay frame while Pictures.keeps
    names it (the app's views declare it, as the landscape may be opened after the run), else nothing."""
    from neurotui.core.pictures import Pictures, computed
    from neurotui.core.run import Run

    plain, kept = Run([XorConfig(steps=300)]), Run([XorConfig(steps=300)])
    for run, pictures in ((plain, Pictures((4, 6))), (kept, Pictures.of((4, 6), {}, ("landscape",)))):
        run.record(pictures, force=True)
        while not run.finished:
            run.train(300, pictures, lambda: False)
        run.record(pictures, force=True)
    assert plain.paths == {}
    steps = kept.paths[0].steps
    assert steps[0] == 0 and steps[-1] == 300 and steps == [f.step for f in kept.history.frames]
    land = computed(kept, 0, Pictures.of((4, 6), {"landscape": ("pca", 0)}))["landscape"]
    assert land.path_steps == tuple(steps)
    alone = computed(plain, 0, Pictures.of((4, 6), {"landscape": ("weights", 0)}))["landscape"]
    assert alone.path_steps == (300,) and alone.centre_loss == pytest.approx(land.centre_loss)
