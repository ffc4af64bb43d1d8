"""Will Windmill install what a script needs? Its dependency inference vs the code.

Windmill builds a script's lock from imports it can see: the top-level
``import``/``from`` statements of the script and of the workspace scripts it
imports, followed through windmill-parser-wasm-py-imports' reading (top-level
only; ``from f.a import b`` and ``from . import b`` are read as a dependency
on the *package* ``f/a``, which is not a script). An import inside a
function, ``try`` or ``if`` is invisible to it (windmill-labs/windmill#4476
and the lock failures users report). Python then imports it at run time on a
worker where it was never installed.

``analyse`` computes, for every entry (script or flow inline step with a
top-level ``main``), the third-party modules its code imports that this
inference will not see (modules a file imports by name through
``importlib.import_module``, like the backend registry, count as lazy
imports of that file); extra_requirements.py turns them into the generated
``#extra_requirements:`` header and its check. Imports Windmill reads as a
dependency on a folder stay warnings here.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from . import windmill_tools
from .problems import Problem
from .tree import PackageTree, defines_main, flow_folder

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
    has_main: bool


def read_imports(root: Path, rel: str) -> FileImports | None:
    source = (root / rel).read_text(encoding="utf-8")
    try:
        module = ast.parse(source)
    except SyntaxError:
        return None  # check reports it
    top = {id(node) for node in module.body}
    imports = FileImports(rel, [], [], defines_main(module))
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
    if _imports_by_name(module):
        _add_named_modules(imports, module, package)
    return imports


def _imports_by_name(module: ast.Module) -> bool:
    """Whether the file imports modules from strings (``importlib.import_module``, ``__import__``)."""
    return any(isinstance(node, ast.Call) and _called_name(node) in ("import_module", "__import__")
               for node in ast.walk(module))


def _called_name(call: ast.Call) -> str | None:
    """``f`` for ``f(...)`` and ``m.f(...)``."""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _add_named_modules(imports: FileImports, module: ast.Module, package: list[str]) -> None:
    """String constants naming a sibling or ``f.``/``u.`` module, and the modules a
    template names (``import_module(f"{__package__}.{kind}.backend")``: every
    ``<package>/*/backend``): lazy edges (e.g. the backend registry).

    Windmill never sees these; the code may import any of them at run time,
    so what they import is needed too. Names that are no module are dropped
    later, where edges are kept only to existing files.
    """
    for node in ast.walk(module):
        template = _module_template(node, package)
        if template:
            imports.workspace.append((template, node.lineno, False))
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        text = node.value
        if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", text):
            continue
        if text.split(".", 1)[0] in ("f", "u"):
            imports.workspace.append((text.replace(".", "/"), node.lineno, False))
        elif package:
            imports.workspace.append(("/".join(package + text.split(".")), node.lineno, False))


def _module_template(node: ast.AST, package: list[str]) -> str | None:
    """``import_module(f"{__package__}.{x}.backend")`` -> ``<package>/*/backend``: a placeholder is one name."""
    if not (isinstance(node, ast.Call) and _called_name(node) == "import_module" and node.args
            and isinstance(node.args[0], ast.JoinedStr)):
        return None
    values = list(node.args[0].values)
    from_package = bool(values) and isinstance(values[0], ast.FormattedValue) and \
        getattr(values[0].value, "id", None) == "__package__"
    if from_package:
        values[0] = ast.Constant(".".join(package))
    text = "".join(str(v.value) if isinstance(v, ast.Constant) else "*" for v in values)
    if "*" not in text or not re.fullmatch(r"(\*|[A-Za-z_]\w*)(\.(\*|[A-Za-z_]\w*))*", text):
        return None
    if from_package or text.split(".", 1)[0] in ("f", "u"):
        return text.replace(".", "/")
    return "/".join(package + text.split("."))


def _matching(template: str, paths) -> list[str]:
    """The paths a module template (``*`` for one name) names."""
    pattern = re.compile("[^/]+".join(re.escape(part) for part in template.split("*")) + "$")
    return [path for path in paths if pattern.match(path)]


def _classify(imports: FileImports, dotted: str, line: int, top_level: bool) -> None:
    head = dotted.split(".", 1)[0]
    if head in ("f", "u"):
        imports.workspace.append((dotted.replace(".", "/"), line, top_level))
    elif head and head not in sys.stdlib_module_names and head != "__future__":
        imports.third_party.append((head, line, top_level))


@dataclass
class Analysis:
    """Windmill's reading of the tree next to the code's: what every entry needs and will not get."""

    files: dict[str, FileImports]              # Windmill path (flow steps: file path without .py) -> imports
    rels: dict[str, str]                       # same keys -> repo-relative file
    windmill_reads: dict[str, list[str] | str]

    def entries(self) -> list[str]:
        """Keys of the files Windmill runs (a top-level main): scripts and flow inline steps."""
        return [path for path, found in sorted(self.files.items()) if found.has_main]

    def unseen(self, entry: str) -> dict[str, str]:
        """Third-party modules the entry's code imports that Windmill's inference will not install.

        Module name -> where it is imported (file:line and why Windmill misses
        it). Declarations in headers are deliberately ignored: this is what a
        generated ``#extra_requirements:`` block must list.
        """
        visible = {module for path in _closure(entry, self._windmill_edges)
                   for module, _, top in self.files[path].third_party if top}
        missing: dict[str, str] = {}
        for path in _closure(entry, self._code_edges):
            for module, line, top in self.files[path].third_party:
                if module in visible or module in missing:
                    continue
                how = "inside a function/try/if" if not top else "in a module Windmill does not follow from here"
                missing[module] = f"{self.rels[path]}:{line} {how}"
        return missing

    def _code_edges(self, path: str) -> list[str]:
        found = self.files.get(path)
        if not found:
            return []
        named = [p for p, _, _ in found.workspace if "*" not in p]
        templates = [p for p, _, _ in found.workspace if "*" in p]
        return [p for p in named if p in self.files] + [p for t in templates for p in _matching(t, self.files)]

    def _windmill_edges(self, path: str) -> list[str]:
        deps = self.windmill_reads.get(path)
        return [d for d in deps if d in self.files] if isinstance(deps, list) else []


def analyse(tree: PackageTree) -> Analysis:
    """Read every pushed Python file once, and ask Windmill's parser what it follows from each.

    Flow inline steps are entries too: Windmill locks each inline Python step
    of a flow with the same resolver (top-level imports, ``f.*`` imports
    followed, ``#extra_requirements:`` honoured) as a script. Nothing imports
    a step, so it is keyed by its file path without ``.py``.
    """
    rels = {path: rel for path, rel in tree.scripts.items() if not flow_folder(rel)}
    rels |= {rel[: -len(".py")]: rel for rel in tree.python_files()
             if flow_folder(rel) and "__pycache__" not in rel.split("/")}
    files = {path: read_imports(tree.root, rel) for path, rel in rels.items()}
    files = {path: found for path, found in files.items() if found is not None}
    sources = {path: (tree.root / rels[path]).read_text(encoding="utf-8").split("\ndef main(")[0]
               for path in files}
    return Analysis(files, rels, windmill_tools.windmill_relative_imports(sources))


def distribution(module: str) -> str:
    """The PyPI distribution (normalized) that provides a top-level import name."""
    return normalize(DISTRIBUTIONS.get(module, module))


def dependency_warnings(tree: PackageTree, analysis: Analysis | None = None) -> list[Problem]:
    """Imports Windmill reads as a dependency on a folder (not a script), so it follows nothing there.

    What entries need and Windmill will not install is a problem, not a
    warning: see extra_requirements.py.
    """
    analysis = analysis or analyse(tree)
    warnings = []
    for path, deps in sorted(analysis.windmill_reads.items()):
        for dep in deps if isinstance(deps, list) else []:
            if dep not in tree.scripts:
                warnings.append(Problem(analysis.rels[path], "imports", (
                    f"Windmill reads an import here as a dependency on {dep}, which is not a script, so it does "
                    f"not follow it when it resolves requirements: import the module itself "
                    f"(`from {dep.replace('/', '.')}.<module> import name`)")))
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
