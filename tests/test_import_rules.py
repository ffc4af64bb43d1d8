"""Phoenix imports itself one way: at the top of a module, from a repository root an entry point put on sys.path.

Two rules, read from the code (AST), over every Python file of the repository:

- no function imports a Phoenix module (``lib``, ``scripts``, ``tests``,
  ``benchmarks``, ``f``, or any relative import) unless ``ALLOWED_LAZY`` names
  it with its reason. A function-level import hides a cycle instead of
  removing it. Test modules (``test_*.py``) are not scanned: nothing imports
  them, so they close no cycle. Lazy imports of optional third-party packages
  (llama_cpp, huggingface_hub, wmill, litellm) are intended and not Phoenix's.
- only entry points edit ``sys.path``: ``tests/conftest.py`` and the files of
  ``scripts/`` that are run (a ``__main__`` guard at the top level; benchmarks run
  through ``scripts/bench.py``). A module that edits it makes its importers'
  layout depend on import order.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PHOENIX_TOPS = {"lib", "scripts", "tests", "benchmarks", "f"}
SKIPPED_DIRS = {"node_modules", "__pycache__", ".git", ".pytest_cache", ".venv", "venv"}
GENERATED_COPY = "f/phoenix/lib/"  # byte copy of lib/ (tests/test_vendor.py): scanned as lib/
ENTRY_FOLDERS = ("scripts",)
SYS_PATH_EDITORS_ALLOWED = {"tests/conftest.py"}

# (file, imported module) -> why this one import runs inside a function.
ALLOWED_LAZY = {
    ("scripts/setup.py", "lib.backends.embedded.backend"): "set-up runs before requirements.txt is installed; "
                                                           "lib imports pinned packages, so it is imported once "
                                                           "they are there",
    ("scripts/setup.py", "scripts.tooling.windmill_tools"): "after requirements.txt is installed (it imports lib)",
    ("scripts/setup.py", "tests.support.n8n_server"): "after requirements.txt is installed (requests, lib), and "
                                                      "only with --for-tests",
    ("scripts/setup.py", "scripts.tooling.step_tools"): "after requirements.txt is installed (it imports lib and "
                                                        "the npm tools)",
    ("tests/support/route_once.py", "lib.router.core"): "the child process times its own start: process_s "
                                                        "includes importing Phoenix, route_s does not",
    ("tests/support/route_once.py", "lib.backends.ollama.backend"): "as lib.router.core: imported after the "
                                                                    "clock starts",
    ("tests/support/route_once.py", "lib.backends.openai_compat.backend"): "as lib.router.core",
}


def python_files() -> list[str]:
    found = []
    for path in REPO.rglob("*.py"):
        rel = path.relative_to(REPO).as_posix()
        if SKIPPED_DIRS.intersection(rel.split("/")) or rel.startswith(GENERATED_COPY):
            continue
        found.append(rel)
    return sorted(found)


def parse(rel: str) -> ast.Module:
    return ast.parse((REPO / rel).read_text(encoding="utf-8"), filename=rel)


def imported_module(node: ast.Import | ast.ImportFrom, rel: str) -> list[str]:
    """Dotted Phoenix modules an import statement names (relative imports made absolute)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] in PHOENIX_TOPS]
    if node.level:
        package = rel.split("/")[:-1]
        anchor = package[: len(package) - (node.level - 1)]
        return [".".join(anchor + ([node.module] if node.module else []))]
    module = node.module or ""
    return [module] if module.split(".")[0] in PHOENIX_TOPS else []


def function_level_imports(module: ast.Module, rel: str) -> list[tuple[int, str]]:
    """(line, Phoenix module) for every import inside a function body, however deep."""
    found = []
    for function in ast.walk(module):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found += [(node.lineno, name) for name in imported_module(node, rel)]
    return sorted(set(found))


def sys_path_edits(module: ast.Module) -> list[int]:
    """Lines that change sys.path: insert/append/extend/..., assignment to it or an item, site.addsitedir."""
    def is_sys_path(node) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "path"
                and isinstance(node.value, ast.Name) and node.value.id == "sys")

    lines = []
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if is_sys_path(node.func.value) or (node.func.attr == "addsitedir" and
                                                isinstance(node.func.value, ast.Name) and node.func.value.id == "site"):
                lines.append(node.lineno)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if is_sys_path(target) or (isinstance(target, ast.Subscript) and is_sys_path(target.value)):
                    lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "sys" and any(a.name == "path" for a in node.names):
            lines.append(node.lineno)  # `from sys import path` exists only to edit it
    return sorted(set(lines))


def is_entry_point(module: ast.Module, rel: str) -> bool:
    """A file of scripts/ (not of a package under it) that runs as __main__."""
    folder, _, name = rel.partition("/")
    if folder not in ENTRY_FOLDERS or "/" in name:
        return False
    return any(isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) and "__name__" in ast.unparse(node.test)
               for node in module.body)


def lazy_import_findings(rel: str, module: ast.Module) -> list[str]:
    if rel.rsplit("/", 1)[-1].startswith("test_"):
        return []
    return [f"{rel}:{line} imports {name} inside a function: import it at the top (a cycle it avoided "
            f"is a cycle to remove), or add it to ALLOWED_LAZY with the reason"
            for line, name in function_level_imports(module, rel) if (rel, name) not in ALLOWED_LAZY]


def sys_path_findings(rel: str, module: ast.Module) -> list[str]:
    if rel in SYS_PATH_EDITORS_ALLOWED or is_entry_point(module, rel):
        return []
    return [f"{rel}:{line} edits sys.path: only entry points (scripts/*.py run as __main__) "
            f"and tests/conftest.py may; import the library from the root they put there"
            for line in sys_path_edits(module)]


def test_no_function_imports_a_phoenix_module_unless_allowed():
    findings = [f for rel in python_files() for f in lazy_import_findings(rel, parse(rel))]
    assert findings == []


def test_only_entry_points_edit_sys_path():
    findings = [f for rel in python_files() for f in sys_path_findings(rel, parse(rel))]
    assert findings == []


def test_every_allowed_lazy_import_still_exists():
    # An entry left behind after its import moved would allow the next one silently.
    present = {(rel, name) for rel, _ in ALLOWED_LAZY for _, name in function_level_imports(parse(rel), rel)}
    assert set(ALLOWED_LAZY) - present == set()


# --- the scanners catch what they must, and nothing else ---------------------------------------

def scanned(source: str) -> ast.Module:
    return ast.parse(textwrap.dedent(source))


@pytest.mark.parametrize("source, expected", [
    ("def f():\n    from ..stack import load_stack\n", [(2, "lib.stack")]),
    ("def f():\n    from . import classify\n", [(2, "lib.router")]),
    ("async def f():\n    import lib.store as s\n", [(2, "lib.store")]),
    ("class A:\n    def m(self):\n        if True:\n            from scripts.tooling import check\n",
     [(4, "scripts.tooling")]),
    ("def f():\n    def g():\n        from tests.support.tiny_gguf import write_tiny_gguf\n",
     [(3, "tests.support.tiny_gguf")]),
    ("def f():\n    import llama_cpp\n    from wmill import get_state\n    import json\n", []),
    ("from ..stack import load_stack\ntry:\n    from .x import y\nexcept ImportError:\n    pass\n", []),
])
def test_function_level_imports_are_found(source, expected):
    assert function_level_imports(scanned(source), "lib/router/core.py") == expected


def test_a_test_module_is_not_held_to_the_lazy_rule_but_a_helper_is():
    module = scanned("def helper():\n    from lib.stack import load_stack\n")
    assert lazy_import_findings("tests/x/test_thing.py", module) == []
    assert lazy_import_findings("tests/x/helpers.py", module)


@pytest.mark.parametrize("source, lines", [
    ("import sys\nsys.path.insert(0, '.')\n", [2]),
    ("import sys\nif True:\n    sys.path.append('x')\n", [3]),
    ("import sys\nsys.path[:0] = ['x']\n", [2]),
    ("import sys\nsys.path = ['x']\n", [2]),
    ("import sys\nsys.path += ['x']\n", [2]),
    ("import site\nsite.addsitedir('x')\n", [2]),
    ("from sys import path\npath.insert(0, 'x')\n", [1]),
    ("import sys\nif str(p) in sys.path:\n    pass\nprint(sys.path[0])\n", []),
    ("code = 'import sys; sys.path.insert(0, r\"x\")'\n", []),
])
def test_sys_path_edits_are_found(source, lines):
    assert sys_path_edits(scanned(source)) == lines


def test_only_a_run_file_of_scripts_is_an_entry_point():
    runnable = scanned("import sys\nsys.path.insert(0, '.')\nif __name__ == '__main__':\n    main()\n")
    library = scanned("import sys\nsys.path.insert(0, '.')\n")
    assert sys_path_findings("scripts/deploy.py", runnable) == []
    assert sys_path_findings("benchmarks/router_vs_bare.py", runnable)  # run by scripts/bench.py, which puts the root
    assert sys_path_findings("scripts/tooling/windmill_tools.py", runnable)  # a module, even with a __main__
    assert sys_path_findings("scripts/helper.py", library)
    assert sys_path_findings("tests/support/n8n_server.py", runnable)
    assert sys_path_findings("tests/conftest.py", library) == []
