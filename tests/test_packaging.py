"""What an install gets: every import declared in the extra that needs it, a torch bounded from
below only, a test lock that pins what the snapshots were accepted with, release metadata."""

import ast
import re
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]

# import name -> distribution name, where they differ or where the distribution is not installed here
DISTRIBUTION = {"aiohttp_jinja2": "aiohttp-jinja2", "textual_serve": "textual-serve", "sklearn": "scikit-learn",
                "yaml": "pyyaml"}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _declared(extra: str | None) -> set[str]:
    reqs = PROJECT["dependencies"] if extra is None else PROJECT["optional-dependencies"][extra]
    return {_name(r) for r in reqs}


def _third_party_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            # tomllib: the standard library from 3.11, which 3.10's stdlib_module_names cannot know
            if top not in ("neurotui", "__future__", "tomllib") and top not in sys.stdlib_module_names:
                found.add(top)
    return found


def _imports_by_package() -> dict[str, set[str]]:
    by_package: dict[str, set[str]] = {}
    for path in (ROOT / "neurotui").rglob("*.py"):
        package = path.relative_to(ROOT / "neurotui").parts[0]
        by_package.setdefault(package, set()).update(_third_party_imports(path))
    return by_package


def test_every_import_is_declared_where_it_is_needed():
    base = _declared(None)
    extras = PROJECT["optional-dependencies"]
    # bench measures serve too, so it may use web's packages; its own (a peer to compare with) are its extra's
    allowed = {"serve": base | _declared("web"),
               "bench": base | _declared("web") | (_declared("bench") if "bench" in extras else set())}
    missing = {}
    for package, imports in _imports_by_package().items():
        need = {DISTRIBUTION.get(name, name).lower().replace("_", "-") for name in imports}
        lacking = need - allowed.get(package, base)
        if lacking:
            missing[package] = sorted(lacking)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_serve_declares_what_it_imports_itself():
    """aiohttp, yarl and jinja2 came in only through textual-serve; serve imports them directly."""
    assert {"aiohttp", "aiohttp-jinja2", "jinja2", "yarl", "textual-serve"} <= _declared("web")
    assert {"aiohttp", "yarl", "jinja2"} <= {DISTRIBUTION.get(n, n) for n in _imports_by_package()["serve"]}


def test_tomli_is_declared_for_python_310_only():
    (tomli,) = [r for r in PROJECT["dependencies"] if _name(r) == "tomli"]
    assert "python_version < '3.11'" in tomli.replace('"', "'")


def test_torch_has_a_lower_bound_only_and_the_rest_have_upper_ones():
    deps = {_name(r): r for r in PROJECT["dependencies"]}
    assert re.fullmatch(r"torch>=2\.\d+", deps.pop("torch")), "a GPU box keeps its own newer torch"
    for name, req in deps.items():
        assert "<" in req, f"{name} has no upper bound: a major release could break the app"


def test_no_private_module_of_a_library_is_imported():
    private = []
    for path in (ROOT / "neurotui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                parts = node.module.split(".")
                if parts[0] not in ("neurotui", "torch") and any(p.startswith("_") and p != "__future__"
                                                                 for p in parts[1:]):
                    private.append(f"{path.relative_to(ROOT)}: {node.module}")
    assert not private


def test_release_metadata_is_pep_639():
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    (setuptools,) = PYPROJECT["build-system"]["requires"]
    low, high = re.fullmatch(r"setuptools>=(\d+),<(\d+)", setuptools).groups()
    assert int(low) >= 77 and int(high) > int(low)
    assert PROJECT["authors"] and any("Python :: 3.13" in c for c in PROJECT["classifiers"])
    assert (ROOT / "CHANGELOG.md").is_file()


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "test.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            name, version = line.split(";")[0].strip().split("==")
            pins.setdefault(name.lower(), version)
    return pins


def test_the_test_lock_pins_every_test_dependency_but_torch():
    pins = _lock()
    assert "torch" not in pins and not any(n.startswith("nvidia-") or n == "triton" for n in pins)
    wanted = (_declared(None) | _declared("test") | _declared("web")) - {"torch", "neurotui"}
    assert wanted <= set(pins), f"not in the lock: {sorted(wanted - set(pins))}"
    for name in ("pygments", "rich", "textual"):  # what draws the snapshots
        assert re.fullmatch(r"\d+(\.\d+)+", pins[name])


def test_the_readme_and_ci_install_with_the_lock():
    command = "pip install -e '.[test]' -c requirements/test.txt && ruff check && pytest"
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")
    ci = ROOT / ".ci" / "run"
    if ci.exists():  # a checkout (the sdist carries no CI script)
        assert command in ci.read_text(encoding="utf-8")


@pytest.mark.parametrize("has_file", [False, True])
def test_without_a_toml_reader_only_an_existing_config_file_warns(tmp_path, monkeypatch, has_file):
    """Python 3.10 without tomli: no config file, nothing to say (it warned at every start)."""
    from neurotui.settings import load_settings

    monkeypatch.setitem(sys.modules, "tomllib", None)
    monkeypatch.setitem(sys.modules, "tomli", None)
    path = tmp_path / "config.toml"
    if has_file:
        path.write_text("[app]\n", encoding="utf-8")
    _, warnings = load_settings(path)
    assert (warnings != []) == has_file
    if has_file:
        assert "needs Python 3.11+ (or `pip install tomli`)" in warnings[0]
