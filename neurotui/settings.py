"""The config file: the app's defaults and your own keys, in `$XDG_CONFIG_HOME/neurotui/config.toml`.

    speed = 250            # steps/s, or "max"
    theme = "nord"         # any Textual theme (the palette's "Change theme" lists them)
    device = "auto"        # auto, cpu, cuda or cuda:N
    ascii = false
    preset = "..."
    [keys]                 # binding id = Textual key name(s), comma-separated
    cycle_activation = "A"

The command line wins over the file, and the file only sets the app's defaults: `lab`,
`sweep` and `bench` ignore it, so their output stays reproducible from the command alone.
A bad file is never fatal: one warning line names the file and the problem, and the
built-in defaults are used for everything (half a file is harder to reason about than none).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from neurotui.core.numbers import thousands

SPEED_MAX = 1_000_000
_BINDING_ID = re.compile(r"^[a-z_][a-z0-9_]*$")
_KEY = re.compile(r"^[A-Za-z0-9_+\-]+$|^.$")  # a Textual key name ("ctrl+a", "full_stop") or one character


@dataclass(frozen=True)
class Settings:
    """None: not set in the file (the app's own default applies)."""

    speed: int | str | None = None  # steps/s, or "max"
    theme: str | None = None
    device: str | None = None
    ascii: bool | None = None
    preset: str | None = None
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> Textual key names, e.g. "A" or "ctrl+a,A"

    def cli_defaults(self) -> dict:
        """argparse defaults for the app: what the file sets (the command line still overrides it).

        `keymap` is always there (maybe empty), so the app can pass it to `App.set_keymap`.
        """
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "keys"}
        out = {name: value for name, value in out.items() if value is not None}
        out["keymap"] = dict(self.keys)
        return out


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or ""
    # The XDG spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
    root = Path(base) if base and os.path.isabs(base) else Path(env.get("HOME") or Path.home()) / ".config"
    return root / "neurotui" / "config.toml"


class _Bad(Exception):
    """One problem with the file; its message is the warning's second half."""


def load_settings(path: Path | None = None, bindings: Mapping[str, str] | None = None) -> tuple[Settings, list[str]]:
    """The file's settings and the warnings to show (at most one line; then the settings are the defaults).

    `bindings` (binding id -> its default keys), when given, also catches unknown ids and a
    remapped key that another binding still uses.
    """
    path = config_path() if path is None else Path(path)
    try:
        raw = _read(path)
        if raw is None:
            return Settings(), []
        return _settings_from(raw, bindings), []
    except _Bad as bad:
        return Settings(), [f"neurotui: warning: {path}: {bad}; using the built-in defaults"]


def _read(path: Path) -> dict | None:
    try:  # the file first: with no file there is nothing to parse, and nothing to warn about
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _Bad(f"cannot read it ({exc.strerror or exc})") from None
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: tomli, a dependency there (pyproject.toml)
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise _Bad("reading it needs Python 3.11+ (or `pip install tomli`)") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Bad("not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise _Bad(f"not valid TOML: {exc}") from None


def _settings_from(raw: dict, bindings: Mapping[str, str] | None) -> Settings:
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _Bad(f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})")
    values = {}
    if "speed" in raw:
        values["speed"] = _speed(raw["speed"])
    for name in ("theme", "preset"):
        if name in raw:
            values[name] = _text(name, raw[name])
    if "theme" in values and (problem := theme_problem(values["theme"])):
        raise _Bad(problem)
    if "device" in raw:
        from neurotui.core.errors import ConfigError
        from neurotui.core.model.device import check_spec

        try:
            values["device"] = check_spec(_text("device", raw["device"]))
        except ConfigError as exc:
            raise _Bad(str(exc)) from None
    if "ascii" in raw:
        if not isinstance(raw["ascii"], bool):
            raise _Bad(f"ascii must be true or false, got {_shown(raw['ascii'])}")
        values["ascii"] = raw["ascii"]
    if "keys" in raw:
        values["keys"] = _keys(raw["keys"], bindings)
    return Settings(**values)


def _shown(value) -> str:
    """A value as TOML would write it, for the warning."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return repr(value) if not isinstance(value, str) else f'"{value}"'


def _speed(value) -> int | str:
    if value == "max":
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= SPEED_MAX:
        raise _Bad(f'speed must be a whole number of steps/s (1-{thousands(SPEED_MAX)}) or "max", got {_shown(value)}')
    return value


def _text(name: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"{name} must be a non-empty string, got {_shown(value)}")
    return value.strip()


def theme_problem(name: str) -> str | None:
    """Why `name` is not a Textual theme, or None. Shared with --theme so both say the same."""
    from textual.theme import BUILTIN_THEMES

    if name in BUILTIN_THEMES:
        return None
    return f"unknown theme {name!r} (try one of: {', '.join(sorted(BUILTIN_THEMES))})"


def _keys(table, bindings: Mapping[str, str] | None) -> dict[str, str]:
    if not isinstance(table, dict):
        raise _Bad(f"keys must be a table ([keys]), got {_shown(table)}")
    owner: dict[str, str] = {}  # key name -> the binding id it now belongs to
    for binding_id, keys in table.items():
        if not _BINDING_ID.match(binding_id):
            raise _Bad(f"[keys] {binding_id!r} is not a binding id (e.g. cycle_activation)")
        if bindings is not None and binding_id not in bindings:
            raise _Bad(f"[keys] unknown binding id {binding_id!r} (`neurotui config` lists them)")
        if not isinstance(keys, str):
            raise _Bad(f"[keys] {binding_id} must be a string of key names, got {_shown(keys)}")
        names = [k.strip() for k in keys.split(",")]
        if not all(names) or not all(_KEY.match(k) for k in names):
            raise _Bad(f"[keys] {binding_id} = {_shown(keys)} is not a key name or a comma-separated list of them")
        for name in names:
            if name in owner and owner[name] != binding_id:
                raise _Bad(f"[keys] key {name!r} is bound twice: to {owner[name]} and to {binding_id}")
            owner[name] = binding_id
    if bindings is not None:  # a key taken from a binding the file leaves alone
        for binding_id, keys in bindings.items():
            if binding_id in table:
                continue
            for name in (k.strip() for k in keys.split(",")):
                if name in owner:
                    raise _Bad(f"[keys] key {name!r} is bound twice: to {owner[name]} and (by default) to {binding_id}")
    return {binding_id: ",".join(k.strip() for k in keys.split(",")) for binding_id, keys in table.items()}


def app_bindings() -> dict[str, str] | None:
    """The app's binding ids and their default keys, from its key table."""
    try:
        from neurotui.tui.keys import APP_KEYS, LESSON_KEYS
    except ImportError:  # an app without the key table still gets its file read
        return None
    return {key.binding_id: key.keys for key in APP_KEYS + LESSON_KEYS}


def app_defaults(stderr=None) -> dict:
    """The file's defaults for the app's argparse parser; a bad file's warning goes to stderr,
    and as `config_warnings` to the app, which shows it too: the screen covers stderr at once."""
    settings, warnings = load_settings(bindings=app_bindings())
    for line in warnings:
        print(line, file=stderr or sys.stderr, flush=True)
    return {**settings.cli_defaults(), "config_warnings": tuple(warnings)}


def describe(path: Path | None = None, out=None) -> int:
    """`neurotui config`: where the file is, and the settings in effect, written as TOML."""
    out = out or sys.stdout
    path = config_path() if path is None else Path(path)
    bindings = app_bindings()
    settings, warnings = load_settings(path, bindings)
    for line in warnings:
        print(line, file=sys.stderr, flush=True)
    state = "found" if path.is_file() else "not there: built-in defaults"
    lines = [f"# config file: {path} ({state})", "# the command line wins over these"]
    for name, default in (("speed", "the app's starting speed"), ("theme", "textual-dark"), ("device", "cpu"),
                          ("ascii", "automatic: on when the locale is not UTF-8"), ("preset", "none")):
        value = getattr(settings, name)
        lines.append(f"{name} = {_shown(value)}" if value is not None else f"# {name}: not set ({default})")
    lines.append("[keys]")
    if bindings is None:
        lines += [f"{binding_id} = {_shown(keys)}" for binding_id, keys in settings.keys.items()]
    else:
        for binding_id, keys in bindings.items():
            mine = settings.keys.get(binding_id)
            lines.append(f"{binding_id} = {_shown(mine)}" if mine else f"# {binding_id} = {_shown(keys)}  (default)")
    print("\n".join(lines), file=out)
    return 0
