"""The package's shape: folders that show the architecture, imports that cost nothing.

Read from the source (every import, those inside functions included), so a
cycle or a layer crossed is found before anyone imports anything.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "forms_service"
TOP = "(top)"
# What each part may import besides itself and the shared top-level modules
# (each package's __init__ docstring says the same in words).
MAY_IMPORT = {
    "storage": set(),
    "matching": set(),
    "forms": set(),
    "mail": {"storage", "records"},
    "records": {"storage", "mail"},
    "exports": {"records", "mail"},
    "evaluation": {"records", "exports"},
    "web": {"storage", "mail", "records", "forms", "matching"},
    "coordination": {"storage", "mail", "records", "forms", "matching", "exports", "web",
                     "evaluation"},
    "cli": {"storage", "mail", "records", "forms", "matching", "exports", "web",
            "coordination", "evaluation"},
}
# Only these of ``mail`` sit below ``records`` and ``exports`` (the queue's table, the links).
RECORDS_FROM_MAIL = {"forms_service.mail.mailqueue", "forms_service.mail.links"}
# Top-level modules that wire the parts together: they may import any of them.
WIRING = {"forms_service", "forms_service.app", "forms_service.services", "forms_service.wsgi"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["forms_service", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path):
    """Yield (imported module, imported name or None) for every import of one module."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                yield (submodule, None) if submodule in MODULES else (source, alias.name)


def _graph() -> dict[str, set[str]]:
    return {name: {target for target, _ in _imports(name, path) if target in MODULES}
            for name, path in MODULES.items()}


def _part(module: str) -> str:
    parts = module.split(".")
    is_package = MODULES[module].name == "__init__.py"
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and is_package) else TOP


def test_no_import_cycle():
    graph, cycles = _graph(), []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_each_part_imports_only_the_parts_below_it():
    crossings = []
    for module, targets in _graph().items():
        part = _part(module)
        for target in targets:
            other = _part(target)
            if other in (part, TOP) or module in WIRING:
                continue
            allowed = MAY_IMPORT.get(part, set()) if part != TOP else set()
            if part in ("records", "exports") and other == "mail":
                allowed = allowed if target in RECORDS_FROM_MAIL else set()
            if other not in allowed:
                crossings.append(f"{module} -> {target}")
    assert crossings == []


def test_no_private_name_crosses_a_package():
    crossings = []
    for module, path in MODULES.items():
        for source, name in _imports(module, path):
            # ``_`` is gettext's conventional public name, not a private one.
            if name and name.startswith("_") and name != "_" and source in MODULES \
                    and _part(source) != _part(module):
                crossings.append(f"{module} imports {source}.{name}")
    assert crossings == []


def test_no_module_is_named_like_the_standard_library():
    shadowing = sorted(name for name in MODULES
                       if name.rsplit(".", 1)[-1] in sys.stdlib_module_names)
    assert shadowing == []


def test_no_module_is_longer_than_600_lines():
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 600}
    assert long == {}


def test_every_package_says_what_it_holds_and_may_import():
    for name, path in MODULES.items():
        if path.name == "__init__.py" and name.count(".") == 1:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            assert "import" in doc.lower(), name


@pytest.mark.parametrize("module", ["forms_service.vocabulary", "forms_service.storage",
                                    "forms_service.programme", "forms_service"])
def test_importing_a_light_module_loads_no_heavy_library(module):
    probe = (f"import sys, {module}; print(__import__('json').dumps(sorted(m for m in sys.modules "
             "if m.split('.')[0] in ('scipy', 'numpy', 'wtforms', 'flask') "
             "or m.startswith(('forms_service.web', 'forms_service.coordination')))))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, cwd=PACKAGE.parent).stdout
    assert json.loads(loaded) == []


def test_the_matching_loads_scipy_only_when_it_assigns():
    probe = ("import sys; from forms_service.matching import suggest; "
             "print('scipy' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, cwd=PACKAGE.parent).stdout
    assert loaded.strip() == "False"


# The stored codes of statuses, pair states and mail job states: written once, as enums.
CODES = {"nouveau", "en_attente", "apparie", "actif", "clos", "retire", "active", "closed",
         "non_demarre", "envoye", "echec", "sans_objet"}
# The same words meaning something else: a URL piece, a history event, a summary's keys.
OTHER_MEANINGS = {
    ("web/participant.py", "retire"),  # ?fait=retire, the confirmation shown after a withdrawal
    ("coordination/followup.py", "clos"),  # ?vue=clos, the follow-up's section
    ("records/pairs.py", "clos"),  # a pair history event's kind
    ("coordination/dashboard.py", "active"), ("coordination/dashboard.py", "closed"),
}
DEFINED_IN = {"vocabulary.py", "mail/mailqueue.py"}


def test_no_status_is_typed_as_a_bare_string_outside_its_enum():
    typed = []
    for path in PACKAGE.rglob("*.py"):
        name = path.relative_to(PACKAGE).as_posix()
        if name in DEFINED_IN:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in CODES \
                    and (name, node.value) not in OTHER_MEANINGS:
                typed.append(f"{name}:{node.lineno} {node.value!r}")
    assert typed == []
