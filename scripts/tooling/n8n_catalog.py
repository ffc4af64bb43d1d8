"""Generate ``lib/n8n_host/catalog_data.py`` from an installed n8n: its node and credential types.

The translator must know, without n8n installed (it runs on 400 files in seconds,
and Windmill workers only get pushed scripts), which node types and versions the
node host can run and which credentials they declare, and what fields each
credential type has (to write its Windmill resource type). n8n's packages are
under the Sustainable Use License and Phoenix does not vendor them, so the
catalog holds names, versions and field lists only: no n8n code, no description
texts beyond display names. Files named ``*.ee.*`` (n8n's Enterprise License)
are never loaded.

``n8n_catalog_loader.cjs`` loads every class listed in n8n-nodes-base's and
@n8n/n8n-nodes-langchain's ``dist/known/{nodes,credentials}.json`` under Bun (the
runtime Windmill gives the host) and prints their descriptions' relevant fields;
this module compacts them (versions with identical facts merged) and renders a
Python module, one line per type, so that the vendored ``f/phoenix/lib/`` copy
carries it to the workers.

Run: ``python -m scripts.tooling.n8n_catalog [node_modules]`` (default: the test
install, ``~/.cache/phoenix/n8n-2.8.4/node_modules``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lib.cache import phoenix_cache_dir

from .step_tools import bun_binary

REPO = Path(__file__).resolve().parents[2]
LOADER = Path(__file__).resolve().parent / "n8n_catalog_loader.cjs"
TARGET = REPO / "lib" / "n8n_host" / "catalog_data.py"
N8N_VERSION = "2.8.4"
LOAD_TIMEOUT_S = 600


class CatalogError(RuntimeError):
    """The installed n8n could not be read (a tooling failure, not a Phoenix runtime error)."""


def default_modules() -> Path:
    return phoenix_cache_dir() / f"n8n-{N8N_VERSION}" / "node_modules"


def load_definitions(modules: Path, runtime: Path) -> dict:
    """The loader's raw JSON: {packages, nodes, credentials, skipped}."""
    with tempfile.TemporaryDirectory(prefix="phoenix-n8n-catalog-") as tmp:
        output = Path(tmp, "definitions.json")
        proc = subprocess.run([str(runtime), str(LOADER), str(modules), str(output)], capture_output=True,
                              text=True, timeout=LOAD_TIMEOUT_S)
        if proc.returncode != 0 or not output.is_file():
            raise CatalogError(f"{LOADER.name} failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
        return json.loads(output.read_text(encoding="utf-8"))


# -- compaction ------------------------------------------------------------------

def _variants(versions: list[dict]) -> list[dict]:
    """Versions whose facts are identical merged into one variant listing them."""
    merged: dict[str, dict] = {}
    for record in versions:
        facts = {"group": record["group"], "polling": record["polling"], "webhook": record["webhook"],
                 "trigger": record["trigger"], "credentials": record["credentials"],
                 "webhooks": record.get("webhooks", []), "webhookMethods": record.get("webhookMethods", [])}
        key = json.dumps(facts, sort_keys=True)
        merged.setdefault(key, {"versions": [], **facts})["versions"].append(record["version"])
    for variant in merged.values():
        variant["versions"] = sorted(set(variant["versions"]))
    return sorted(merged.values(), key=lambda v: v["versions"][0])


def _compact_node(record: dict) -> dict:
    out = {"package": record["package"], "display": record.get("displayName") or record["name"]}
    variants = []
    for variant in _variants(record["versions"]):
        entry = {"versions": variant["versions"], "group": variant["group"]}
        for flag in ("polling", "webhook", "trigger"):
            if variant[flag]:
                entry[flag] = True
        if variant["credentials"]:
            entry["credentials"] = variant["credentials"]
        for key in ("webhooks", "webhookMethods"):  # app triggers' routes and registration (trigger_steps.py)
            if variant[key]:
                entry[key] = variant[key]
        variants.append(entry)
    out["variants"] = variants
    return out


def _compact_property(prop: dict) -> dict:
    out = {"name": prop["name"], "type": prop["type"]}
    for key in ("displayName", "default"):
        if key in prop:
            out[key] = prop[key]
    if "options" in prop:  # the values only (what a resource holds), each once
        out["options"] = list(dict.fromkeys(json.dumps(o["value"]) for o in prop["options"]))
        out["options"] = [json.loads(v) for v in out["options"]]
    for flag in ("required", "password", "expirable"):
        if prop.get(flag):
            out[flag] = True
    if prop.get("displayOptions"):
        out["displayOptions"] = prop["displayOptions"]  # shown only for some other field's values
    return out


def _compact_credential(record: dict) -> dict:
    out = {"package": record["package"], "display": record.get("displayName") or record["name"]}
    if record["extends"]:
        out["extends"] = record["extends"]
    out["properties"] = [_compact_property(p) for p in record["properties"] if p["type"] != "notice"]
    if record["authenticate"]:
        out["authenticate"] = record["authenticate"]
    if record["preAuthentication"]:
        out["preAuthentication"] = True
    return out


def compact(raw: dict) -> dict:
    return {
        "packages": dict(sorted(raw["packages"].items())),
        "nodes": {name: _compact_node(raw["nodes"][name]) for name in sorted(raw["nodes"])},
        "credentials": {name: _compact_credential(raw["credentials"][name]) for name in sorted(raw["credentials"])},
        "skipped": sorted(f"{s['package']}:{s['className']} ({s['reason']})" for s in raw["skipped"]),
    }


# -- rendering -------------------------------------------------------------------

HEADER = '''\
"""GENERATED by `python -m scripts.tooling.n8n_catalog` from n8n's installed packages: do not edit.

Origin: the node and credential type definitions of {packages}
(n8n {n8n}). Names, versions and field lists only: no n8n code and no description
texts beyond display names. n8n's packages are under the Sustainable Use License
and are not part of Phoenix; files named *.ee.* (n8n's Enterprise License) were
not read. Skipped: {skipped}.
Read it through lib/n8n_host/catalog.py.
"""

# fmt: off
'''


def render(catalog: dict, n8n_version: str = N8N_VERSION) -> str:
    packages = ", ".join(f"{name} {version}" for name, version in catalog["packages"].items())
    lines = [HEADER.format(packages=packages, n8n=n8n_version, skipped=", ".join(catalog["skipped"]) or "none")]
    lines.append(f"PACKAGES = {catalog['packages']!r}\n")
    for table, constant in (("nodes", "NODES"), ("credentials", "CREDENTIALS")):
        lines.append(f"{constant} = {{\n")
        lines.extend(f"    {name!r}: {entry!r},\n" for name, entry in catalog[table].items())
        lines.append("}\n")
    return "".join(lines)


def generate(modules: Path | None = None, runtime: Path | None = None) -> str:
    """The text of catalog_data.py for the n8n installed in ``modules``."""
    modules = modules or default_modules()
    runtime = runtime or bun_binary()
    return render(compact(load_definitions(modules, runtime)))


def main(argv: list[str]) -> int:
    modules = Path(argv[0]) if argv else default_modules()
    started = time.monotonic()
    text = generate(modules)
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO)}: {len(text.encode())} bytes in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
