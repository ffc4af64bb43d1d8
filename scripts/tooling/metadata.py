"""Script metadata (`*.script.yaml`) generated mechanically, as Windmill would.

A script's ``schema`` is its form in the UI and its webhook contract; it must
say exactly what ``main()`` accepts. ``refresh_metadata`` rewrites it from the
pinned windmill-parser-wasm-py through the CLI's own ``inferSchema`` (the code
behind `wmill generate-metadata`, which needs a server here), keeping every
other field (summary, description, tag, timeout...) and the per-argument UI
fields Windmill itself keeps (titles, placeholders...). Each argument's
``description`` comes from the ``Args:`` section of the script's docstring
(docstrings.py) when it has one there, else it is kept as written.

A module without ``main()`` (the vendored library) is marked
``no_main_func: true``, the value Windmill's server computes for it and
`wmill sync pull` writes back (ConservationMetrics/gc-scripts-hub's
``f/common_logic``): the UI then does not offer it as a runnable script. The
CLI leaves the field out of what it compares and sends, so it changes no push.
It also writes each entry script's generated ``#extra_requirements:`` block.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from lib.yaml_reader import yaml_error_message

from . import windmill_tools
from .docstrings import read_docstring
from .extra_requirements import refresh_headers
from .tree import is_library_module, load_tree

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


def new_metadata(source: str) -> dict:
    """A script.yaml for a new script: summary and description from its docstring (schema set by the caller)."""
    docstring = read_docstring(source)
    return {"summary": docstring.summary, "description": docstring.description, "lock": "", "kind": "script"}


def read_metadata(path: Path) -> dict | None:
    """The parsed script.yaml, or None when absent; raises ValueError when unusable."""
    if not path.exists():
        return None
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"malformed YAML: {yaml_error_message(exc)}") from exc
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ValueError(f"expected a mapping at the top, got {type(document).__name__}")
    return document


def expected_schemas(root: Path, scripts: list[Path]) -> dict[str, dict]:
    """Per script (repo-relative path): what its metadata must say, given the committed schema.

    Windmill's inference (``infer_script_schemas``: ``schema``, ``has_preprocessor``,
    ``notices``, ``parsed``) with the docstring's argument descriptions written into
    the schema, plus ``docstring`` (docstrings.Docstring) and ``library`` (no main():
    ``no_main_func: true``).
    """
    items, docstrings = {}, {}
    for script in scripts:
        rel = script.relative_to(root).as_posix()
        try:
            current = (read_metadata(metadata_path(script)) or {}).get("schema")
        except ValueError:
            current = None
        if not isinstance(current, dict):
            current = json.loads(json.dumps(DEFAULT_SCHEMA))
        source = script.read_text(encoding="utf-8")
        items[rel], docstrings[rel] = (source, current), read_docstring(source)
    inferred = windmill_tools.infer_script_schemas(items)
    for rel, result in inferred.items():
        result["docstring"] = docstrings[rel]
        result["library"] = is_library_module(items[rel][0])
        for name, prop in (result["schema"].get("properties") or {}).items():
            if docstrings[rel].arguments.get(name):
                prop["description"] = docstrings[rel].arguments[name]
    return inferred


def generated_fields(result: dict) -> dict:
    """What metadata owns in a script.yaml, from one ``expected_schemas`` result (flags present only when on)."""
    fields = {"schema": result["schema"]}
    if result["has_preprocessor"]:
        fields["has_preprocessor"] = True
    if result["library"]:
        fields["no_main_func"] = True
    return fields


def with_generated_fields(document: dict, result: dict) -> dict:
    """The document with its generated fields rewritten; everything else kept, in its order.

    A flag that is switched on goes right after ``kind`` (where `wmill sync pull` puts it).
    """
    fields = generated_fields(result)
    kept = {k: v for k, v in document.items() if k not in ("has_preprocessor", "no_main_func")}
    updated = {}
    for key, value in kept.items():
        updated[key] = fields.get(key, value)
        if key == "kind":
            updated |= {k: v for k, v in fields.items() if k != "schema"}
    updated |= {k: v for k, v in fields.items() if k not in updated}
    return updated


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
            updated = with_generated_fields(new_metadata(script.read_text(encoding="utf-8")), result)
            changes.append(f"created {target.relative_to(root)}")
        else:
            updated = with_generated_fields(document, result)
            differ = [k for k in ("schema", "has_preprocessor", "no_main_func") if document.get(k) != updated.get(k)]
            if not differ:
                continue
            changes.append(f"updated {', '.join(differ)} of {target.relative_to(root)}")
        target.write_text(dump_yaml(updated), encoding="utf-8")
    return changes
