"""The package tree as Windmill sees it: which files are pushed, which items they make.

`wmill sync push` uploads ``f/`` and ``u/`` filtered by wmill.yaml's
``includes``/``excludes``; an item's Windmill path is its file path cut at the
first dot, and a non-dotted flow is a ``<name>__flow/`` folder. Check, plan
and the tests all need the same answers, so they live here once.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

SYNCED_TOPS = ("f", "u")
FLOW_SUFFIX = "__flow"
TRIGGER_KINDS = ("http", "websocket", "kafka", "nats", "postgres", "mqtt", "sqs", "gcp", "email")
TRIGGER_FILE = re.compile(rf"\.({'|'.join(TRIGGER_KINDS)})_trigger\.ya?ml$")


def read_wmill_yaml(root: Path) -> dict:
    path = root / "wmill.yaml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern:
    """wmill.yaml globs: `**` any string (also across `/`), `*` any string but `/`."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def is_pushed(rel: str, config: dict) -> bool:
    """Whether `wmill sync push` would consider this repo-relative file."""
    if rel.split("/", 1)[0] not in SYNCED_TOPS:
        return False
    includes = config.get("includes") or ["f/**"]
    excludes = config.get("excludes") or []
    return (any(glob_regex(p).match(rel) for p in includes)
            and not any(glob_regex(p).match(rel) for p in excludes))


def all_files(root: Path) -> list[str]:
    """Every file under f/ and u/ (repo-relative, posix), caches included."""
    found = []
    for top in SYNCED_TOPS:
        base = root / top
        if base.is_dir():
            found += [p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file()]
    return sorted(found)


def item_path(rel: str) -> str:
    """Windmill path of a file: cut at the first dot of the file name."""
    folder, _, name = rel.rpartition("/")
    return f"{folder}/{name.split('.', 1)[0]}" if folder else name.split(".", 1)[0]


def defines_main(module: ast.Module) -> bool:
    """A top-level ``def main``: a runnable script, whose arguments are its form."""
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "main" for n in module.body)


def file_defines_main(path: Path) -> bool:
    """``defines_main`` of a file; False when it cannot be read or parsed (check reports that)."""
    try:
        return defines_main(ast.parse(path.read_text(encoding="utf-8")))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return False


def is_library_module(source: str) -> bool:
    """Python that parses and has no ``main()``: shared code, which Windmill records as ``no_main_func``.

    The server decides it from the code the same way (a file it cannot parse is not marked).
    """
    try:
        return not defines_main(ast.parse(source))
    except SyntaxError:
        return False


def flow_folder(rel: str) -> str | None:
    """The `...__flow` folder a file sits in, if any."""
    parts = rel.split("/")
    for i, part in enumerate(parts[:-1]):
        if part.endswith(FLOW_SUFFIX):
            return "/".join(parts[: i + 1])
    return None


@dataclass
class PackageTree:
    """Items of the package, keyed by Windmill path, valued by their main file."""

    root: Path
    config: dict
    files: list[str]
    scripts: dict[str, str] = field(default_factory=dict)
    script_metadata: dict[str, str] = field(default_factory=dict)
    flows: dict[str, str] = field(default_factory=dict)
    schedules: dict[str, str] = field(default_factory=dict)
    triggers: dict[str, str] = field(default_factory=dict)
    folders: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def pushed(self) -> list[str]:
        return [rel for rel in self.files if is_pushed(rel, self.config)]

    def python_files(self) -> list[str]:
        """Every pushed .py file: scripts and flow inline steps."""
        return [rel for rel in self.pushed if rel.endswith(".py")]


def load_tree(root: Path) -> PackageTree:
    root = Path(root)
    config = read_wmill_yaml(root)
    tree = PackageTree(root=root, config=config, files=all_files(root))
    for rel in tree.pushed:
        name = rel.rsplit("/", 1)[-1]
        folder = flow_folder(rel)
        if folder:
            if name in ("flow.yaml", "flow.json") and rel == f"{folder}/{name}":
                tree.flows[folder[: -len(FLOW_SUFFIX)]] = rel
            continue
        if "__pycache__" in rel.split("/"):
            continue
        if name.endswith(".py"):
            tree.scripts[item_path(rel)] = rel
        elif name.endswith(".script.yaml"):
            tree.script_metadata[item_path(rel)] = rel
        elif name.endswith(".schedule.yaml"):
            tree.schedules[item_path(rel)] = rel
        elif TRIGGER_FILE.search(name):
            tree.triggers[item_path(rel)] = rel
        elif name == "folder.meta.yaml":
            tree.folders[rel.rsplit("/", 1)[0]] = rel
        elif name.endswith(".resource.yaml"):
            tree.resources[item_path(rel)] = rel
        elif name.endswith(".variable.yaml"):
            tree.variables[item_path(rel)] = rel
    return tree
