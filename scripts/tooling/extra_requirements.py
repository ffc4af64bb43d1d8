"""The generated ``#extra_requirements:`` header of every entry script.

Windmill installs what it infers from top-level imports (deps.py); what an
entry's code imports lazily, or through a module Windmill does not follow, it
never installs. Each entry (a pushed ``.py`` with a top-level ``main``:
scripts and flow inline steps) therefore starts with a block that lists
exactly those distributions, pinned to the repo's requirements.txt, the one
pinned list of the project::

    #extra_requirements:
    #jsonschema==4.26.0
    #pyyaml==6.0.3

The block is mechanical: ``refresh_headers`` rewrites it (and removes any
hand-written ``#extra_requirements:``/``#requirements:`` block), re-running
changes nothing, and ``header_problems`` is the check that it is there,
complete and pinned like requirements.txt. Vendored copies under
``f/phoenix/lib/`` are never touched (they must stay byte copies of lib/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import deps
from .problems import Problem
from .tree import PackageTree, load_tree

REQUIREMENTS_FILE = "requirements.txt"
BLOCK_START = re.compile(r"^#\s*(extra_)?requirements:\s*$")
# What Windmill's parser accepts as one requirement line of the block.
BLOCK_LINE = re.compile(r"^#\s?(\S+)\s*$")
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(\S+)$")
GENERATED_COPY = "# GENERATED from lib/"
ITEM = "#extra_requirements"


@dataclass(frozen=True)
class Needed:
    """One distribution an entry needs that Windmill will not infer."""

    distribution: str    # normalized PyPI name
    module: str          # the import name in the code
    where: str           # file:line and why Windmill misses it


def read_pins(root: Path) -> dict[str, str]:
    """requirements.txt as {normalized name: 'name==version'}; {} when absent.

    Only exact pins count: a line that is not ``name==version`` pins nothing.
    """
    path = Path(root) / REQUIREMENTS_FILE
    if not path.is_file():
        return {}
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PINNED.match(line.split("#", 1)[0].strip())
        if match:
            pins[deps.normalize(match.group(1))] = f"{match.group(1)}=={match.group(2)}"
    return pins


def needed_by_entry(tree: PackageTree, analysis: deps.Analysis | None = None) -> dict[str, list[Needed]]:
    """Per entry file (repo-relative): what its header must list, sorted by distribution."""
    analysis = analysis or deps.analyse(tree)
    needs = {}
    for entry in analysis.entries():
        rel = analysis.rels[entry]
        if _is_vendored_copy(tree.root / rel):
            continue
        found = {}
        for module, where in sorted(analysis.unseen(entry).items()):
            found.setdefault(deps.distribution(module), Needed(deps.distribution(module), module, where))
        needs[rel] = [found[name] for name in sorted(found)]
    return needs


def _is_vendored_copy(path: Path) -> bool:
    with path.open(encoding="utf-8") as handle:
        return handle.readline().startswith(GENERATED_COPY)


def header_lines(needed: list[Needed], pins: dict[str, str]) -> list[str]:
    """The block for an entry; distributions without a pin are left out (check reports them)."""
    lines = [f"#{pins[n.distribution]}" for n in needed if n.distribution in pins]
    return ["#extra_requirements:", *lines] if lines else []


def read_header(source: str) -> dict[str, str] | None:
    """The entry's ``#extra_requirements:`` block as {normalized name: line}, None when it has none.

    Windmill reads the first line starting with the marker and the ``#x``
    lines right after it, wherever the block sits.
    """
    lines = source.splitlines()
    for index, line in enumerate(lines):
        if BLOCK_START.match(line) and "extra_" in line:
            found = {}
            for item in lines[index + 1:]:
                match = BLOCK_LINE.match(item)
                if not match:
                    break
                name = re.split(r"[=<>!~\[;@ ]", match.group(1), maxsplit=1)[0]
                found[deps.normalize(name)] = match.group(1)
            return found
    return None


def with_header(source: str, header: list[str]) -> str:
    """The source with every requirements block removed and ``header`` (if any) on top."""
    lines = source.splitlines(keepends=True)
    kept, index = [], 0
    while index < len(lines):
        if BLOCK_START.match(lines[index].rstrip("\n")):
            index += 1
            while index < len(lines) and BLOCK_LINE.match(lines[index].rstrip("\n")):
                index += 1
            # Blank lines that separated a top block from the code go with it.
            while not kept and index < len(lines) and not lines[index].strip():
                index += 1
            continue
        kept.append(lines[index])
        index += 1
    body = "".join(kept)
    return "\n".join(header) + "\n\n" + body.lstrip("\r\n") if header else body


def refresh_headers(root: Path) -> list[str]:
    """Write the generated block into every entry; return what changed (and what cannot be pinned)."""
    root = Path(root).resolve()
    tree = load_tree(root)
    pins = read_pins(root)
    changes = []
    for rel, needed in sorted(needed_by_entry(tree).items()):
        path = root / rel
        source = path.read_text(encoding="utf-8")
        updated = with_header(source, header_lines(needed, pins))
        if updated != source:
            path.write_text(updated, encoding="utf-8")
            changes.append(f"updated #extra_requirements of {rel}")
        changes += [f"warning {rel}: {n.module} ({n.where}) needs {n.distribution}, which {REQUIREMENTS_FILE} "
                    f"does not pin: add it there, then run metadata again"
                    for n in needed if n.distribution not in pins]
    return changes


def header_problems(tree: PackageTree, analysis: deps.Analysis | None = None) -> list[Problem]:
    """Entries whose block is missing, incomplete, pinned unlike requirements.txt, or lists extras."""
    pins = read_pins(tree.root)
    hint = "run `python scripts/deploy.py metadata`"
    problems = []
    for rel, needed in sorted(needed_by_entry(tree, analysis).items()):
        source = (tree.root / rel).read_text(encoding="utf-8")
        declared = read_header(source)
        if any(BLOCK_START.match(line) and "extra_" not in line for line in source.splitlines()):
            problems.append(Problem(rel, "#requirements", (
                f"a #requirements: block replaces Windmill's inference, so the top-level imports are not "
                f"installed either; {hint} (it writes #extra_requirements: instead)")))
        unpinned = [n for n in needed if n.distribution not in pins]
        problems += [Problem(rel, f"{ITEM} {n.distribution}", (
            f"{n.module} is imported ({n.where}) and Windmill will not install it, but {REQUIREMENTS_FILE} pins "
            f"no {n.distribution}: pin it there (the one pinned list), then {hint}")) for n in unpinned]
        pinned = [n for n in needed if n.distribution in pins]
        if declared is None:
            if pinned:
                listed = ", ".join(pins[n.distribution] for n in pinned)
                problems.append(Problem(rel, ITEM, (
                    f"missing: Windmill infers requirements from top-level imports of the scripts it follows, so "
                    f"a worker will not have {listed}; {hint}")))
            continue
        problems += _block_problems(rel, declared, needed, pins, hint)
    return problems


def _block_problems(rel: str, declared: dict[str, str], needed: list[Needed], pins: dict[str, str], hint: str):
    problems = []
    for n in needed:
        item = f"{ITEM} {n.distribution}"
        if n.distribution not in pins:
            continue  # reported once, as unpinned
        if n.distribution not in declared:
            problems.append(Problem(rel, item, (
                f"incomplete: {n.module} is imported ({n.where}) and Windmill will not install it; {hint}")))
        elif deps.normalize(declared[n.distribution]) != deps.normalize(pins[n.distribution]):
            problems.append(Problem(rel, item, (
                f"'{declared[n.distribution]}' but {REQUIREMENTS_FILE} pins {pins[n.distribution]}; {hint}")))
    needed_names = {n.distribution for n in needed}
    problems += [Problem(rel, f"{ITEM} {name}", f"'{line}' is not needed by this script's code (the block is "
                                                f"generated from it); {hint}")
                 for name, line in sorted(declared.items()) if name not in needed_names]
    return problems
