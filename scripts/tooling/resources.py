"""resources/: the resource types and resource templates deploy applies.

`wmill sync push` never uploads ``resources/`` (see windmill.md), and must not:
the stack resource is a template the operator then edits in Windmill, and a
push would overwrite those edits (or delete the resource when it is missing
from git). So resources are applied by their own step with these rules:

- a resource type follows the code: created, or updated when its schema or
  description differ (the type ``c_phoenix_stack`` is generated from the
  ``Stack`` model's JSON Schema, ``lib.stack.stack_schema()``, never written by hand);
- a resource is created when missing and otherwise left alone (the
  workspace's value wins) unless overwriting is asked for;
- secrets appear only as ``$var:`` references, never as values.

File layout: ``resources/<type>.resource-type.yaml`` (``description``,
``schema``) and ``resources/<name>.resource.yaml`` (``resource_type``,
``description``, ``value``), which becomes the Windmill resource
``f/phoenix/<name>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from lib.stack import Stack, stack_schema
from lib.yaml_reader import yaml_error_message

from . import metadata

RESOURCE_FOLDER = "f/phoenix"
STACK_TYPE = "c_phoenix_stack"
STACK_RESOURCE = "phoenix_stack"
SECRET_KEY = re.compile(r"(token|secret|password|passwd|api_key|apikey|private_key|credentials?)$", re.I)
SECRET_REFERENCE = re.compile(r"^\$(var|res):[fu]/\S+$")


def stack_resource_type() -> dict:
    """The resource type document for the stack, generated from the Stack model."""
    return {
        "description": "Phoenix stack: the operator's home AI stack (root folder, services, models, routing, "
                       "agents, health, alerts, backup). Every key is optional: defaults fill the rest.",
        "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", **stack_schema()},
    }


def stack_resource_template() -> dict:
    """A small stack resource: only what an operator must look at; defaults fill the rest."""
    defaults = Stack()
    services = defaults.services
    return {
        "resource_type": STACK_TYPE,
        "description": "The operator's Phoenix stack. Edit it in Windmill: deploy creates it once and never "
                       "overwrites it. Secrets go in variables, referenced as $var:f/phoenix/<name>.",
        "value": {
            "version": defaults.version,
            "name": defaults.name,
            "root": defaults.root_text,
            "services": {
                "n8n": {"url": services.n8n.url, "api_key_variable": services.n8n.api_key_variable},
                "ollama": {"url": services.ollama.url},
                "windmill": services.windmill.model_dump(),
            },
        },
    }


def write_resource_files(root: Path) -> list[str]:
    """(Re)write the generated resource type; create the stack template if missing."""
    folder = root / "resources"
    folder.mkdir(exist_ok=True)
    changes = []
    type_file = folder / f"{STACK_TYPE}.resource-type.yaml"
    text = _generated_header("resource type") + metadata.dump_yaml(stack_resource_type())
    if not type_file.exists() or type_file.read_text(encoding="utf-8") != text:
        type_file.write_text(text, encoding="utf-8")
        changes.append(f"wrote {type_file.relative_to(root)}")
    template = folder / f"{STACK_RESOURCE}.resource.yaml"
    if not template.exists():
        template.write_text(metadata.dump_yaml(stack_resource_template()), encoding="utf-8")
        changes.append(f"wrote {template.relative_to(root)}")
    return changes


def _generated_header(what: str) -> str:
    return (f"# GENERATED {what}: from the Stack model (lib/stack.py, lib/backends/*/settings.py) by "
            "`python scripts/deploy.py vendor`.\n# Edit the model, not this file.\n")


@dataclass
class ResourceFiles:
    types: dict[str, dict]       # name -> {description, schema}
    resources: dict[str, dict]   # windmill path -> {resource_type, description, value}
    sources: dict[str, str]      # name or path -> repo-relative file


def load_resource_files(root: Path) -> ResourceFiles:
    """Parse resources/; raises ValueError naming the file for anything unreadable."""
    files = ResourceFiles({}, {}, {})
    folder = root / "resources"
    if not folder.is_dir():
        return files
    for path in sorted(folder.iterdir()):
        rel = path.relative_to(root).as_posix()
        if path.name.endswith(".resource-type.yaml"):
            name = path.name[: -len(".resource-type.yaml")]
            files.types[name], files.sources[name] = _load(path, rel), rel
        elif path.name.endswith(".resource.yaml"):
            target = f"{RESOURCE_FOLDER}/{path.name[: -len('.resource.yaml')]}"
            files.resources[target], files.sources[target] = _load(path, rel), rel
    return files


def _load(path: Path, rel: str) -> dict:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{rel}: malformed YAML: {yaml_error_message(exc)}") from exc
    if not isinstance(document, dict):
        raise ValueError(f"{rel}: expected a mapping at the top")
    return document


def literal_secrets(value, where: str = "value") -> list[str]:
    """Dotted keys whose name says secret but whose value is not a $var:/$res: reference."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            here = f"{where}.{key}"
            if SECRET_KEY.search(str(key)) and isinstance(inner, str) and not SECRET_REFERENCE.match(inner):
                found.append(here)
            else:
                found += literal_secrets(inner, here)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += literal_secrets(inner, f"{where}[{i}]")
    return found


def is_superset(local: dict, remote: dict) -> bool:
    """The CLI's rule: nothing to send when the remote already has every local field."""
    return all(key in remote and remote[key] == value for key, value in local.items())
