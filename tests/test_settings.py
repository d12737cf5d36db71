"""The config file: where it is, what a good one sets, and a bad one is one warning line, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurotui import cli
from neurotui.cli.parser import config_from_args
from neurotui.settings import Settings, config_path, load_settings

EXPECTED_LAB = (Path(__file__).parent / "data" / "expected_output.txt").read_text()
BINDINGS = {"cycle_activation": "a", "restart": "r", "hidden_more": "plus,equals_sign"}


@pytest.fixture
def config(tmp_path, monkeypatch):
    """Write $XDG_CONFIG_HOME/neurotui/config.toml (in a temporary home); returns its path."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = tmp_path / "neurotui" / "config.toml"
    path.parent.mkdir()

    def write(text: str | bytes) -> Path:
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
        return path

    return write


def test_the_path_follows_xdg_config_home(tmp_path):
    assert config_path({"XDG_CONFIG_HOME": str(tmp_path), "HOME": "/home/u"}) == tmp_path / "neurotui/config.toml"
    assert config_path({"HOME": "/home/u"}) == Path("/home/u/.config/neurotui/config.toml")
    # The XDG spec says a relative path is to be ignored.
    assert config_path({"XDG_CONFIG_HOME": "rel", "HOME": "/home/u"}) == Path("/home/u/.config/neurotui/config.toml")


def test_no_file_means_the_built_in_defaults(config):
    assert load_settings() == (Settings(), [])


def test_a_good_file_sets_every_default_and_the_keys(config):
    config('speed = 250\ntheme = "nord"\ndevice = "CPU"\nascii = true\npreset = "lesson"\n'
           '[keys]\ncycle_activation = "A"\nrestart = "ctrl+r, R"\n')
    settings, warnings = load_settings(bindings=BINDINGS)
    assert warnings == []
    assert settings == Settings(speed=250, theme="nord", device="cpu", ascii=True, preset="lesson",
                                keys={"cycle_activation": "A", "restart": "ctrl+r,R"})
    assert load_settings()[0].speed == 250
    config('speed = "max"\n')
    assert load_settings()[0].speed == "max"


@pytest.mark.parametrize("text, problem", [
    ('speed = 250\ntheme = "nord\n', "not valid TOML"),
    ("speed = = 3\n", "not valid TOML: "),
    ("sped = 250\n", "unknown setting 'sped'"),
    ('[keys]\ncycle_activation = "A"\n[colors]\nx = 1\n', "unknown setting 'colors'"),
    ('speed = "fast"\n', 'speed must be a whole number of steps/s (1-1,000,000) or "max", got "fast"'),
    ("speed = 0\n", "speed must be"),
    ("speed = 2.5\n", "got 2.5"),
    ("speed = true\n", "got true"),
    ('ascii = "yes"\n', 'ascii must be true or false, got "yes"'),
    ("theme = 3\n", "theme must be a non-empty string, got 3"),
    ('theme = "no-such-theme"\n', "unknown theme 'no-such-theme' (try one of: "),
    ('device = "tpu"\n', "unknown device 'tpu'"),
    ('preset = ""\n', "preset must be a non-empty string"),
    ('keys = "a"\n', "keys must be a table ([keys])"),
    ("[keys]\ncycle_activation = 1\n", "[keys] cycle_activation must be a string of key names, got 1"),
    ('[keys]\ncycle_activation = "a b"\n', "is not a key name"),
    ('[keys]\ncycle_activation = "x,"\n', "is not a key name"),
    ('[keys]\ncycle_activation = "x"\nrestart = "x"\n', "[keys] key 'x' is bound twice: to cycle_activation and to restart"),
    ('[keys]\ncycle_activation = "x,ctrl+x"\nrestart = "ctrl+x"\n', "key 'ctrl+x' is bound twice"),
])
def test_a_bad_file_is_one_warning_naming_the_file_and_the_defaults_are_used(config, text, problem):
    path = config(text)
    settings, warnings = load_settings(bindings=BINDINGS)
    assert settings == Settings()
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert warnings[0].startswith(f"neurotui: warning: {path}: ")
    assert problem in warnings[0]
    assert warnings[0].endswith("; using the built-in defaults")


def test_with_the_apps_key_table_unknown_ids_and_keys_still_in_use_are_caught(config):
    config('[keys]\ncycle_activaton = "A"\n')
    assert "unknown binding id 'cycle_activaton'" in load_settings(bindings=BINDINGS)[1][0]
    assert load_settings(bindings=None)[1] == []  # without the table, only the file itself is checked
    config('[keys]\nrestart = "a"\n')  # `a` still cycles the activation
    assert "key 'a' is bound twice: to restart and (by default) to cycle_activation" in load_settings(
        bindings=BINDINGS)[1][0]
    config('[keys]\nrestart = "a"\ncycle_activation = "A"\n')  # swapped out of the way: fine
    assert load_settings(bindings=BINDINGS)[1] == []


def test_a_file_that_cannot_be_read_is_a_warning_too(config, tmp_path):
    path = config(b"speed = 1\ntheme = '\xff'\n")
    assert "not UTF-8 text" in load_settings()[1][0]
    path.unlink()
    path.mkdir()  # a folder where the file should be
    settings, warnings = load_settings()
    assert settings == Settings() and "cannot read it" in warnings[0]


# ----- precedence, through the real command line --------------------------------------------------
@pytest.fixture
def app_args(monkeypatch):
    """What the app would be started with: main() runs, the app itself does not."""
    seen = []

    def fake_app(args):
        seen.append(args)
        return 0

    monkeypatch.setattr(cli, "cmd_app", fake_app)

    def run(*argv: str):
        assert cli.main(list(argv)) == 0
        return seen.pop()

    return run


def test_the_file_sets_the_apps_defaults_and_the_command_line_wins(config, app_args):
    config('device = "auto"\nascii = true\nspeed = "max"\ntheme = "nord"\n[keys]\ncycle_activation = "A"\n')
    args = app_args()
    assert (args.device, args.ascii, args.speed, args.theme) == ("auto", True, "max", "nord")
    assert args.keymap == {"cycle_activation": "A"}
    args = app_args("--device", "cpu", "--seed", "7")
    assert (args.device, args.seed, args.ascii) == ("cpu", 7, True)
    assert config_from_args(args).device == "cpu"


def test_without_a_file_the_app_gets_the_built_in_defaults(config, app_args):
    args = app_args()
    assert (args.device, args.ascii, args.keymap) == ("cpu", False, {})
    assert not hasattr(args, "theme") or args.theme is None


def test_a_bad_file_warns_once_and_the_app_still_starts(config, app_args, capsys):
    config('device = "cuda"\nspeed = "fast"\n')
    args = app_args("--seed", "3")
    assert (args.device, args.seed) == ("cpu", 3)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "speed must be" in err


def test_headless_commands_ignore_the_file(config, capsys):
    config('device = "tpu"\n')  # bad, and it would matter if lab read it
    assert cli.main(["lab"]) == 0
    out, err = capsys.readouterr()
    assert out == EXPECTED_LAB and err == ""


def test_neurotui_config_prints_the_path_and_the_settings_in_effect(config, capsys):
    path = config('speed = 250\n[keys]\ncycle_activation = "A"\n')
    assert cli.main(["config"]) == 0
    out = capsys.readouterr().out
    assert f"# config file: {path} (found)" in out
    assert "speed = 250" in out and '\ncycle_activation = "A"' in out
    assert "# theme: not set (textual-dark)" in out
    path.unlink()
    assert cli.main(["config"]) == 0
    assert "(not there: built-in defaults)" in capsys.readouterr().out


# ----- issue 20 item 10: remapped keys stay in the Footer and in `?`, as the keys in force ---------
def screen_text(svg: str) -> str:
    """The rows of text of a Textual screenshot (SVG), as a person reads them."""
    import html
    import re

    rows: dict[str, list[str]] = {}
    for attrs, text in re.findall(r"<text([^>]*)>(.*?)</text>", svg, re.S):
        y = re.search(r'\by="([\d.]+)"', attrs)
        rows.setdefault(float(y.group(1)) if y else -1.0, []).append(html.unescape(re.sub("<[^>]+>", "", text)))
    return "\n".join("".join(parts).replace("\xa0", " ") for _, parts in sorted(rows.items()))


def test_remapped_keys_show_in_the_footer_and_the_help_as_the_keys_in_force():
    import asyncio

    from textual.widgets._footer import FooterKey

    from neurotui.core.model.config import XorConfig
    from neurotui.tui.app import NeuroApp

    async def go():
        app = NeuroApp(XorConfig(steps=50), speed=None, keymap={"cycle_activation": "A", "restart": "ctrl+r"})
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):  # the Footer fills once the bindings are ready
                if len(app.query(FooterKey)) > 10:
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.1)
            width = app.size.width
            footer = {str(k.render()).strip(): k.region.right <= width and k.region.width > 0
                      for k in app.query(FooterKey)}
            await pilot.press("A")
            await pilot.pause(0.3)
            activation = app.config.activation
            await pilot.press("question_mark")
            await pilot.pause(0.3)
            rows = screen_text(app.export_screenshot())
            return footer, activation, rows

    footer, activation, rows = asyncio.run(go())
    assert footer.get("A Activation") and footer.get("^r Restart"), footer  # there, and on screen at 120 columns
    assert "a Activation" not in footer and "r Restart" not in footer
    assert activation == "relu"  # the remapped key works
    import re

    def key_of(what: str) -> str | None:
        m = re.search(r"([^\s│]+)\s{2,}" + re.escape(what), rows)
        return m.group(1) if m else None

    assert key_of("cycle the hidden activation") == "A", rows
    assert key_of("restart the run with the same seed") == "ctrl+r"


def test_a_bad_files_warning_is_also_a_toast_in_the_app(config, app_args):
    import asyncio

    from neurotui.tui.app import NeuroApp

    config('speed = "fast"\n')
    warnings = app_args().config_warnings
    assert len(warnings) == 1

    async def go():
        app = NeuroApp(autostart=False, warnings=warnings)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.3)
            return [f"{n.title}: {n.message}" for n in app._notifications]

    toasts = asyncio.run(go())
    assert any("config.toml" in t and "speed must be" in t for t in toasts), toasts
