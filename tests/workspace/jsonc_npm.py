"""Microsoft's jsonc-parser (npm), pinned and cached, callable from Python: the reference for lib/workspace/jsonc.py.

It is pinned with the step tools (``scripts/tooling/npm-steps/``), which
``scripts/setup.py --for-tests`` installs into the Phoenix cache;
``run_batch`` sends a batch of operations to one node process
(``jsonc_bridge.mjs``) and returns the results.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from scripts.tooling.step_tools import step_tools_dir

VERSION = "3.3.1"
BRIDGE = Path(__file__).with_name("jsonc_bridge.mjs")
TIMEOUT_S = 300


def installed() -> Path | None:
    """The package folder when this version is installed with the pinned step tools, else None."""
    package = step_tools_dir() / "node_modules" / "jsonc-parser" / "package.json"
    try:
        if json.loads(package.read_text())["version"] == VERSION:
            return package.parent
    except (OSError, ValueError, KeyError):
        pass
    return None


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
