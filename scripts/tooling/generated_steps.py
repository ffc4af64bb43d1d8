"""`deploy.py check`: a step Phoenix generated from an n8n workflow holds nothing that runs on load.

A translated step file is declarations only: imports, the runtime's
functions, literal constants (``N8N_NODE``) and ``export async function
main``; the workflow's own text sits in string literals. If a translator bug
ever let workflow text out of its literal (a node name breaking a comment, an
expression breaking its string), the result is a top-level statement that
runs as soon as Windmill loads the step. This check reads every generated step
with TypeScript's own parser (``step_tools.StepReader``) and refuses any
syntax error or any other top-level statement.

Generated steps are the ``.ts`` files of a ``<name>__flow/`` folder that its
``.phoenix-generated.json`` manifest lists, or that start with the header
every generated step carries.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from lib.n8n.manifest import MANIFEST_NAME
from lib.n8n.translate.steps import STEP_HEADER

from .problems import Problem
from .step_tools import StepReader
from .tree import PackageTree, flow_folder


def generated_step_files(tree) -> dict[str, str]:
    """repo-relative path -> text of every generated step file in the tree."""
    listed = _listed_in_manifests(tree)
    found = {}
    for rel in tree.files:
        if not rel.endswith(".ts") or not flow_folder(rel):
            continue
        try:
            text = (tree.root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
        if rel in listed or (text or "").startswith(STEP_HEADER):
            found[rel] = text if text is not None else "\0 unreadable"
    return found


def _listed_in_manifests(tree) -> set[str]:
    listed = set()
    for rel in tree.files:
        if PurePosixPath(rel).name != MANIFEST_NAME:
            continue
        try:
            document = json.loads((tree.root / rel).read_text(encoding="utf-8"))
            names = document.get("files") or {}
        except (OSError, ValueError, AttributeError, RecursionError):
            continue
        base = PurePosixPath(rel).parent.parent if document.get("base") == ".." else PurePosixPath(rel).parent
        listed |= {(base / name).as_posix() for name in names if isinstance(name, str)}
    return listed


def check_generated_steps(tree: PackageTree) -> list[Problem]:
    """One problem per generated step that is not Phoenix's known shape (or does not parse)."""
    files = generated_step_files(tree)
    if not files:
        return []
    with StepReader() as reader:
        results = reader.shape(files)
    return [Problem(rel, "generated step", problem) for rel, problems in sorted(results.items())
            for problem in problems]
