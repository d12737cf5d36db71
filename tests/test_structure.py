"""The layers hold: core and session import no UI library, and no neurotui module imports
itself back through others (lazy imports inside functions count too)."""

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "neurotui"
UI = ("textual", "rich", "plotext")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(path: Path) -> set[str]:
    """Every neurotui module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("neurotui")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("neurotui"):
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if sub in MODULES else node.module)
    return {m for m in found if m in MODULES}


def test_no_import_cycles_between_neurotui_modules():
    graph = {name: imports_of(path) - {name} for name, path in MODULES.items()}
    # A package's __init__ that only re-exports its own submodules is not a cycle a reader meets.
    for name in graph:
        graph[name] = {m for m in graph[name] if not (MODULES[m].name == "__init__.py" and name.startswith(m + "."))}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_core_and_session_import_without_any_ui_package():
    layers = sorted(m for m in MODULES if m.startswith(("neurotui.core", "neurotui.session")))
    code = (
        "import sys\n"
        f"for m in {layers!r}:\n"
        "    __import__(m)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {UI!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"UI packages loaded by core/session: {out.stdout.strip()}"
    assert len(layers) > 20  # the check really covered the layers


def test_only_the_command_line_imports_the_benchmarks():
    users = {name for name, path in MODULES.items() if any(m.startswith("neurotui.bench") for m in imports_of(path))}
    outside = {u for u in users if not u.startswith("neurotui.bench")}
    assert outside and all(u.startswith("neurotui.cli") for u in outside), outside


def test_serve_never_imports_the_command_line():
    """One direction: cli starts serve (and owns the app's parser); serve runs the app by its
    module name, as `python -m neurotui` would, so it needs nothing of cli's code."""
    serve = {name for name in MODULES if name.startswith("neurotui.serve")}
    assert len(serve) > 8  # the rule really covered the package
    back = {name: sorted(m for m in imports_of(MODULES[name]) if m.startswith("neurotui.cli")) for name in serve}
    assert not {k: v for k, v in back.items() if v}, back


def test_core_has_at_most_twelve_entries_at_its_top_level():
    """A reader finds core's concerns at a glance: its packages and a few one-idea modules."""
    entries = sorted(p.name for p in (PACKAGE / "core").iterdir() if p.name not in ("__init__.py", "__pycache__"))
    assert len(entries) <= 12, entries


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {a.asname or a.name for node in tree.body if isinstance(node, ast.ImportFrom)
            and node.module != "__future__" for a in node.names}


def test_no_module_hands_on_names_it_imports():
    """No re-exports: `from neurotui.x import name` names the module that defines `name`, so a reader
    (and grep) finds it at once and a module's imports are its own business."""
    imported = {name: _imported_names(path) for name, path in MODULES.items()}
    handed_on = []
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in MODULES:
                handed_on += [f"{path.relative_to(ROOT)}: {node.module}.{a.name}" for a in node.names
                              if a.name in imported[node.module] and f"{node.module}.{a.name}" not in MODULES]
    assert not handed_on, "imported from a module that only imports it:\n" + "\n".join(handed_on)


def test_ci_runs_the_readmes_own_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = readme.split("Install the test extra", 1)[1].split("```sh\n", 1)[1].split("\n", 1)[0]
    assert "ruff check" in command and "pytest" in command
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


TUI = sorted(m for m in MODULES if m.startswith("neurotui.tui"))


def test_every_key_binding_comes_from_the_key_table():
    import importlib
    import inspect

    from neurotui.tui import keys

    table = {(k.keys, k.action, k.binding_id) for group in vars(keys).values()
             if isinstance(group, tuple) and group and all(isinstance(k, keys.Key) for k in group) for k in group}
    checked = 0
    for name in TUI:
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and cls.__module__ == name and "BINDINGS" in vars(cls):
                for b in cls.BINDINGS:
                    assert (b.key, b.action, b.id) in table, f"{name}.{cls.__name__} binds {b.key!r} outside keys.py"
                    checked += 1
    assert checked >= 60  # the app's, the XOR pane's, Reliability's, the fields', the pickers', help's
    # and nobody builds a Binding by hand
    for name in TUI:
        if name != "neurotui.tui.keys":
            source = MODULES[name].read_text(encoding="utf-8")
            assert "Binding(" not in source, f"{name} builds a Binding; add a Key to tui/keys.py"



# The text of the doctor's verdicts, the cards and lab: every number in it is written by a named
# function of core/numbers.py, so two places never give a loss different digits.
# Every module writes its numbers through core/numbers.py, the developer bench included; only
# numbers.py itself (the one place format specs live) is exempt. The generated script, and the child
# scripts the bench runs (the lesson's, scikit-learn's), need no exemption: the format strings in them
# are string constants, not specs of the module's own numbers.
NUMBER_EXEMPT = ("core/numbers.py",)
NUMBER_SPEC = re.compile(r"[eEfFgGn%d]$|^[+\- ]|[,_]|\.\d")  # a type, a sign, grouping or a precision


def number_specs(path: Path) -> list[str]:
    """'line: spec' of each number format in `path`: an f-string `{x:.4g}`, format(x, '.4g'), '{:.4g}'.format."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        spec = None
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.format_spec.values)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "format"
              and len(node.args) == 2 and isinstance(node.args[1], ast.Constant)):
            spec = str(node.args[1].value)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
              and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)):
            spec = ":".join(re.findall(r"\{[^{}]*:([^{}]*)\}", node.func.value.value)) or None
        if spec and NUMBER_SPEC.search(spec):
            found.append(f"{node.lineno}: {spec}")
    return found


def test_every_number_a_user_sees_is_written_by_core_numbers(tmp_path):
    sample = tmp_path / "sample.py"  # the check sees each way of formatting a number, and not alignment
    sample.write_text('a = f"{x:.4g} {y:+.1%} {n:,}"\nb = format(x, ".2f")\nc = "{:g}".format(x)\nd = f"{s:>6}"\n')
    assert sorted(number_specs(sample)) == ["1: +.1%", "1: ,", "1: .4g", "2: .2f", "3: g"]
    exempt = {p for pattern in NUMBER_EXEMPT for p in PACKAGE.glob(pattern)}
    assert len(exempt) == len(NUMBER_EXEMPT)  # the exemption still names the module it exempts, and no more
    files = sorted(set(PACKAGE.rglob("*.py")) - exempt)
    assert len(files) > 100  # the whole package, not a corner of it
    found = {str(p.relative_to(PACKAGE)): specs for p in files if (specs := number_specs(p))}
    assert found == {}, "format these numbers with a function of neurotui/core/numbers.py"
