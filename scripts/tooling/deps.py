"""Will Windmill install what a script needs? Its dependency inference vs the code.

Windmill builds a script's lock from imports it can see: the top-level
``import``/``from`` statements of the script and of the workspace scripts it
imports, followed through windmill-parser-wasm-py-imports' reading (top-level
only; ``from f.a import b`` and ``from . import b`` are read as a dependency
on the *package* ``f/a``, which is not a script). An import inside a
function, ``try`` or ``if`` is invisible to it (windmill-labs/windmill#4476
and the lock failures users report). Python then imports it at run time on a
worker where it was never installed.

These findings are warnings (``check --strict`` makes them fatal): a lazy
import is often on purpose (optional backends), and the fix — a
``#extra_requirements:`` header in the entry script, or a top-level import —
is the script owner's call.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from . import windmill_tools
from .tree import PackageTree, flow_folder

HEADER = re.compile(r"^#\s*(extra_)?requirements:\s*$")
REQUIREMENT_LINE = re.compile(r"^#\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
PIN = re.compile(r"#\s*pin:\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# Import names whose PyPI distribution is named differently.
DISTRIBUTIONS = {"yaml": "pyyaml", "llama_cpp": "llama-cpp-python", "huggingface_hub": "huggingface-hub",
                 "pydantic_core": "pydantic-core", "dateutil": "python-dateutil", "PIL": "pillow",
                 "sklearn": "scikit-learn", "bs4": "beautifulsoup4", "dotenv": "python-dotenv"}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class FileImports:
    rel: str
    workspace: list[tuple[str, int, bool]]     # (windmill path guess, line, top-level)
    third_party: list[tuple[str, int, bool]]   # (top module name, line, top-level)
    declared: set[str]                         # normalized distribution names from headers / pins
    has_main: bool


def read_imports(root: Path, rel: str) -> FileImports | None:
    source = (root / rel).read_text(encoding="utf-8")
    try:
        module = ast.parse(source)
    except SyntaxError:
        return None  # check reports it
    top = {id(node) for node in module.body}
    imports = FileImports(rel, [], [], _declared(source), any(
        isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "main" for n in module.body))
    package = rel.split("/")[:-1]
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                _classify(imports, alias.name, node.lineno, id(node) in top)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package[: len(package) - (node.level - 1)] if node.level - 1 <= len(package) else []
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # `from pkg import mod` may import a module: keep both readings, edges
            # are later kept only where a script exists.
            _classify(imports, base, node.lineno, id(node) in top)
            if base.split(".", 1)[0] in ("f", "u"):
                for alias in node.names:
                    _classify(imports, f"{base}.{alias.name}", node.lineno, id(node) in top)
    return imports


def _classify(imports: FileImports, dotted: str, line: int, top_level: bool) -> None:
    head = dotted.split(".", 1)[0]
    if head in ("f", "u"):
        imports.workspace.append((dotted.replace(".", "/"), line, top_level))
    elif head and head not in sys.stdlib_module_names and head != "__future__":
        imports.third_party.append((head, line, top_level))


def _declared(source: str) -> set[str]:
    names, in_header = set(), False
    for line in source.splitlines():
        stripped = line.strip()
        if HEADER.match(stripped):
            in_header = True
            continue
        if in_header:
            match = REQUIREMENT_LINE.match(stripped)
            if stripped.startswith("#") and match:
                names.add(normalize(match.group(1)))
                continue
            in_header = False
        for pin in PIN.finditer(line):
            names.add(normalize(pin.group(1)))
    return names


def _provides(declared: set[str], module: str) -> bool:
    return normalize(module) in declared or normalize(DISTRIBUTIONS.get(module, module)) in declared


def _pip_name(module: str) -> str:
    return f" [pip: {DISTRIBUTIONS[module]}]" if module in DISTRIBUTIONS else ""


def dependency_warnings(tree: PackageTree):
    """Problems (used as warnings) where Windmill's inference misses what the code imports."""
    from .check import Problem

    scripts = {path: rel for path, rel in tree.scripts.items() if not flow_folder(rel)}
    files = {path: read_imports(tree.root, rel) for path, rel in scripts.items()}
    files = {path: found for path, found in files.items() if found is not None}
    sources = {path: (tree.root / scripts[path]).read_text(encoding="utf-8").split("\ndef main(")[0]
               for path in files}
    windmill_reads = windmill_tools.windmill_relative_imports(sources)
    warnings = []
    for path, deps in sorted(windmill_reads.items()):
        for dep in deps if isinstance(deps, list) else []:
            if dep not in scripts:
                warnings.append(Problem(scripts[path], "imports", (
                    f"Windmill reads an import here as a dependency on {dep}, which is not a script, so it does "
                    f"not follow it when it resolves requirements: import the module itself "
                    f"(`from {dep.replace('/', '.')}.<module> import name`)")))
    for path, found in sorted(files.items()):
        if found.has_main:
            warnings += _entry_warnings(path, scripts, files, windmill_reads, Problem)
    return warnings


def _closure(start: str, edges) -> list[str]:
    seen, stack = [], [start]
    while stack:
        path = stack.pop()
        if path in seen:
            continue
        seen.append(path)
        stack.extend(edges(path))
    return seen


def _entry_warnings(entry, scripts, files, windmill_reads, Problem):
    def code_edges(path):
        found = files.get(path)
        return [p for p, _, _ in found.workspace if p in files] if found else []

    def windmill_edges(path):
        deps = windmill_reads.get(path)
        return [d for d in deps if d in files] if isinstance(deps, list) else []

    visible = {module for path in _closure(entry, windmill_edges)
               for module, _, top in files[path].third_party if top}
    declared = set().union(*(files[path].declared for path in _closure(entry, windmill_edges)))
    missing: dict[str, str] = {}
    for path in _closure(entry, code_edges):
        for module, line, top in files[path].third_party:
            if module in visible or _provides(declared, module) or module in missing:
                continue
            how = "inside a function/try/if" if not top else "in a module Windmill does not follow from here"
            missing[module] = f"{scripts[path]}:{line} {how}"
    if not missing:
        return []
    listed = "; ".join(f"{module}{_pip_name(module)} ({where})" for module, where in sorted(missing.items()))
    return [Problem(scripts[entry], "requirements", (
        f"Windmill infers requirements from top-level imports of the scripts it follows, so a worker will not "
        f"have: {listed}. Declare them under `#extra_requirements:` at the top of this script (or import them "
        f"at module top level)"))]
