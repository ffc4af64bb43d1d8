"""Script metadata (`*.script.yaml`) generated mechanically, as Windmill would.

A script's ``schema`` is its form in the UI and its webhook contract; it must
say exactly what ``main()`` accepts. ``refresh_metadata`` rewrites it from the
pinned windmill-parser-wasm-py through the CLI's own ``inferSchema`` (the code
behind `wmill generate-metadata`, which needs a server here), keeping every
other field (summary, description, tag, timeout...) and the per-argument UI
fields Windmill itself keeps (descriptions, titles, placeholders...). It also
writes each entry script's generated ``#extra_requirements:`` block.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import yaml

from . import windmill_tools
from .extra_requirements import refresh_headers
from .tree import load_tree

DEFAULT_SCHEMA = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                  "properties": {}, "required": []}


def script_files(root: Path) -> list[Path]:
    """Every Python file `wmill sync push` turns into a script (wmill.yaml filters applied).

    Files inside a ``*__flow`` folder are a flow's inline steps, not scripts.
    """
    tree = load_tree(root)
    return [root / rel for rel in sorted(tree.scripts.values())]


def metadata_path(script: Path) -> Path:
    """`a/b/name.py` -> `a/b/name.script.yaml` (Windmill cuts the path at the first dot)."""
    return script.with_name(script.name.split(".", 1)[0] + ".script.yaml")


class _Dumper(yaml.SafeDumper):
    """Block style, no aliases, multi-line strings as `|` blocks: diff-friendly YAML."""

    def ignore_aliases(self, data):
        return True


def _str_representer(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(document: dict) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def docstring_summary(source: str) -> tuple[str, str]:
    """(summary, description) from main()'s docstring, else the module's."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "", ""
    mains = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "main"]
    text = (ast.get_docstring(mains[0]) if mains else None) or ast.get_docstring(tree) or ""
    first, _, rest = text.strip().partition("\n")
    return first.strip(), rest.strip()


def new_metadata(source: str, schema: dict) -> dict:
    summary, description = docstring_summary(source)
    return {"summary": summary, "description": description, "lock": "", "kind": "script", "schema": schema}


def read_metadata(path: Path) -> dict | None:
    """The parsed script.yaml, or None when absent; raises ValueError when unusable."""
    if not path.exists():
        return None
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"malformed YAML: {exc}") from exc
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ValueError(f"expected a mapping at the top, got {type(document).__name__}")
    return document


def expected_schemas(root: Path, scripts: list[Path]) -> dict[str, dict]:
    """Per script (repo-relative path): what Windmill infers given the committed schema."""
    items = {}
    for script in scripts:
        rel = script.relative_to(root).as_posix()
        try:
            current = (read_metadata(metadata_path(script)) or {}).get("schema")
        except ValueError:
            current = None
        if not isinstance(current, dict):
            current = json.loads(json.dumps(DEFAULT_SCHEMA))
        items[rel] = (script.read_text(encoding="utf-8"), current)
    return windmill_tools.infer_script_schemas(items)


def refresh_metadata(root: Path, scripts: list[Path] | None = None) -> list[str]:
    """Rewrite each script's schema as Windmill infers it; create missing script.yaml.

    On the whole tree (``scripts`` None) it first rewrites every entry's
    generated ``#extra_requirements:`` block too (extra_requirements.py).
    """
    changes = []
    if scripts is None:
        changes += refresh_headers(root)
        scripts = script_files(root)
    inferred = expected_schemas(root, scripts)
    for script in scripts:
        rel = script.relative_to(root).as_posix()
        target = metadata_path(script)
        result = inferred[rel]
        if result["notices"]:
            changes.append(f"warning {rel}: {'; '.join(result['notices'])}")
        try:
            document = read_metadata(target)
        except ValueError as exc:
            changes.append(f"skipped {target.relative_to(root)}: {exc} (fix it by hand)")
            continue
        if document is None:
            document = new_metadata(script.read_text(encoding="utf-8"), result["schema"])
            changes.append(f"created {target.relative_to(root)}")
        elif document.get("schema") != result["schema"]:
            document["schema"] = result["schema"]
            changes.append(f"updated schema of {target.relative_to(root)}")
        else:
            continue
        if result["has_preprocessor"]:
            document["has_preprocessor"] = True
        else:
            document.pop("has_preprocessor", None)
        target.write_text(dump_yaml(document), encoding="utf-8")
    return changes
