"""Run n8n node-host requests with Bun, and the same nodes through n8n's engine the spike's way.

Both need the cached n8n install (``tests/support/n8n_server.py``) and the pinned Bun
(``phoenix_cache_dir()/step-tools``, installed by set-up). ``missing()`` says which is
absent, so tests can skip with that reason; benchmarks reuse the same runners.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from lib.cache import phoenix_cache_dir
from scripts.tooling.step_tools import ToolingError, bun_binary as pinned_bun
from tests.support.n8n_server import n8n_install_dir

HERE = Path(__file__).resolve().parents[1] / "n8n_host"
HOST_RUNNER = HERE / "run_host.ts"
REFERENCE = HERE / "reference.cjs"


def n8n_modules() -> Path:
    return n8n_install_dir() / "node_modules"


def bun_binary() -> Path | None:
    """The pinned Bun of this platform, or None when set-up has not installed it."""
    try:
        return pinned_bun()
    except (ToolingError, OSError):
        return None


def missing() -> str | None:
    """Why the host cannot run here, or None."""
    if not (n8n_modules() / "n8n-core" / "package.json").is_file():
        return f"n8n's packages are not installed in {n8n_modules()} (set-up installs them)"
    if bun_binary() is None:
        return f"Bun is not installed in {phoenix_cache_dir() / 'step-tools'} (set-up installs it)"
    return None


def host_environment(cache: Path | None = None) -> dict:
    env = {**os.environ, "PHOENIX_N8N_MODULES": str(n8n_modules())}
    if cache is not None:
        env["PHOENIX_N8N_HOST_CACHE"] = str(cache)
    return env


def _run_cases(command: list[str], cases: dict, env: dict, timeout: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="phoenix-host-cases-") as tmp:
        file = Path(tmp, "cases.json")
        file.write_text(json.dumps(cases), encoding="utf-8")
        proc = subprocess.run([*command, str(file)], capture_output=True, text=True, env=env, timeout=timeout)
    lines = [line for line in proc.stdout.split("\n") if line.startswith("RESULTS ")]  # U+2028 may be in the data
    if proc.returncode != 0 or not lines:
        raise AssertionError(f"{command[-1]} failed (exit {proc.returncode}): {proc.stderr[-3000:]}{proc.stdout[-2000:]}")
    return json.loads(lines[-1][len("RESULTS "):])


def run_host(cases: dict, cache: Path | None = None, timeout: int = 600, env: dict | None = None) -> dict:
    """{case: RunResult or {"thrown": message}} from the node host under Bun (one process);
    ``env`` adds to the process's environment (e.g. Windmill's job variables)."""
    return _run_cases([str(bun_binary()), str(HOST_RUNNER)], cases, {**host_environment(cache), **(env or {})}, timeout)


def run_reference(cases: dict, timeout: int = 600, env: dict | None = None) -> dict:
    """The same cases through n8n's engine loaded the spike's way (unbundled), under Bun."""
    return _run_cases([str(bun_binary()), str(REFERENCE)], cases, {**host_environment(), **(env or {})}, timeout)
