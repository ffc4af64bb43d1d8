"""Microsoft's jsonc-parser (npm), pinned and cached, callable from Python: the reference for lib/workspace/jsonc.py.

``scripts/setup.py --for-tests`` installs it once into the Phoenix cache (its
own folder, so the pinned Windmill tools are never reinstalled for it);
``run_batch`` sends a batch of operations to one node process
(``jsonc_bridge.mjs``) and returns the results.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Callable

from lib.stack import phoenix_cache_dir
from lib.store import file_lock

VERSION = "3.3.1"
BRIDGE = Path(__file__).with_name("jsonc_bridge.mjs")
TIMEOUT_S = 300


def install_dir() -> Path:
    return phoenix_cache_dir() / f"npm-jsonc-parser-{VERSION}"


def installed() -> Path | None:
    """The package folder when this version is installed, else None."""
    package = install_dir() / "node_modules" / "jsonc-parser" / "package.json"
    try:
        if json.loads(package.read_text())["version"] == VERSION:
            return package.parent
    except (OSError, ValueError, KeyError):
        pass
    return None


def ensure_jsonc_parser(log: Callable[[str], None] = print) -> Path:
    """Install jsonc-parser VERSION into the cache unless it is there; return its folder."""
    found = installed()
    if found:
        return found
    npm = shutil.which("npm")
    if not npm:
        raise RuntimeError("npm is not on PATH: jsonc-parser cannot be installed (needs Node 20 and npm)")
    folder = install_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with file_lock(folder / ".install.lock"):
        found = installed()
        if found:
            return found
        (folder / "package.json").write_text(json.dumps(
            {"name": "phoenix-jsonc-reference", "private": True, "dependencies": {"jsonc-parser": VERSION}}) + "\n")
        log(f"installing jsonc-parser {VERSION} into {folder}")
        result = subprocess.run([npm, "install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                                cwd=folder, capture_output=True, text=True, timeout=TIMEOUT_S)
        if result.returncode != 0:
            raise RuntimeError(f"npm install of jsonc-parser {VERSION} failed:\n{result.stderr[-2000:]}")
    found = installed()
    if not found:
        raise RuntimeError(f"jsonc-parser {VERSION} is not in {folder} after npm install")
    return found


def run_batch(operations: list[dict]) -> list:
    """Each operation's result from the real jsonc-parser (see jsonc_bridge.mjs for the operations)."""
    package = installed()
    if package is None:
        raise RuntimeError("jsonc-parser is not installed: run python scripts/setup.py --for-tests")
    payload = json.dumps({"package": str(package), "operations": operations})
    proc = subprocess.run([shutil.which("node") or "node", str(BRIDGE)], input=payload, capture_output=True,
                          text=True, timeout=TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError(f"jsonc bridge failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)
