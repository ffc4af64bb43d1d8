"""The official Windmill tools, pinned, cached and callable from Python.

Everything that judges a Windmill item here is Windmill's own code: the CLI
(`wmill lint`, `wmill sync push`), the YAML validator (flows, schedules,
triggers) and the Python parser (a script's ``main()`` arguments). They are npm
packages pinned in ``scripts/tooling/npm/package.json`` + ``package-lock.json``
and installed once into ``phoenix_cache_dir()/npm-tools`` (never into the
repo). Each batch runs in ONE node process through ``npm/bridge.mjs``, so
validating hundreds of files costs one node start-up, not hundreds.
`python -m scripts.tooling.windmill_tools` installs them (set-up does it too).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from lib.cache import phoenix_cache_dir
from lib.store import file_lock

PINS_DIR = Path(__file__).resolve().parent / "npm"
PIN_FILES = ("package.json", "package-lock.json")
BRIDGE = PINS_DIR / "bridge.mjs"
STAMP = ".phoenix-pins.sha256"
NODE_TIMEOUT_S = 300
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class ToolingError(RuntimeError):
    """The Windmill tooling could not be installed or did not run."""


def tools_dir() -> Path:
    return phoenix_cache_dir() / "npm-tools"


def _pins_digest(pins_dir: Path = PINS_DIR) -> str:
    digest = hashlib.sha256()
    for name in PIN_FILES:
        digest.update(name.encode() + b"\0" + (pins_dir / name).read_bytes() + b"\0")
    return digest.hexdigest()


def _install_lock(directory: Path):
    # Several sessions share one cache: only one of them may run npm at a time.
    directory.mkdir(parents=True, exist_ok=True)
    return file_lock(directory / ".install.lock")


def _installed(directory: Path, digest: str, package: str = "windmill-cli") -> bool:
    stamp = directory / STAMP
    return (stamp.is_file() and stamp.read_text().strip() == digest
            and (directory / "node_modules" / package / "package.json").is_file())


def ensure_npm_tools() -> Path:
    """Install the pinned npm tools into the cache when missing or re-pinned.

    Idempotent: when the cached install matches the pins it only reads a stamp
    file. Returns the ``node_modules`` directory.
    """
    directory = tools_dir()
    digest = _pins_digest()
    if _installed(directory, digest):
        return directory / "node_modules"
    with _install_lock(directory):
        if not _installed(directory, digest):
            _npm_ci(directory, digest)
    return directory / "node_modules"


def _npm_ci(directory: Path, digest: str, pins_dir: Path = PINS_DIR) -> None:
    npm = shutil.which("npm")
    if not npm:
        raise ToolingError("npm is not installed (Node 20 + npm are needed for the Windmill tools)")
    (directory / STAMP).unlink(missing_ok=True)
    for name in PIN_FILES:
        shutil.copyfile(pins_dir / name, directory / name)
    # --ignore-scripts: nothing we use needs an install hook, and hooks may download.
    proc = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                          cwd=directory, capture_output=True, text=True, timeout=NODE_TIMEOUT_S)
    if proc.returncode != 0:
        raise ToolingError(f"npm ci failed in {directory}:\n{proc.stderr.strip()[-2000:]}")
    (directory / STAMP).write_text(digest + "\n")


def wmill_executable() -> list[str]:
    """The command line that runs the pinned `wmill` CLI."""
    return [_node(), str(ensure_npm_tools() / "windmill-cli" / "esm" / "main.js")]


def _node() -> str:
    node = shutil.which("node")
    if not node:
        raise ToolingError("node is not installed (Node 20 is needed for the Windmill tools)")
    return node


def _run_bridge(op: str, items) -> dict:
    payload = json.dumps({"node_modules": str(ensure_npm_tools()), "op": op, "items": items})
    proc = subprocess.run([_node(), str(BRIDGE)], input=payload, capture_output=True, text=True,
                          timeout=NODE_TIMEOUT_S)
    try:
        answer = json.loads(proc.stdout)
    except ValueError:
        raise ToolingError(f"bridge {op} failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}") from None
    if not answer.get("ok"):
        raise ToolingError(f"bridge {op} failed: {answer.get('error')}")
    return answer["results"]


def validate_documents(items: list[tuple[str, dict]], target: dict | None = None) -> dict[str, list[str]]:
    """Validate parsed flow/schedule/trigger documents with windmill-yaml-validator.

    ``items`` are ``(filename, document)``; the kind of each comes from its
    file name (``getValidationTargetFromFilename``) unless ``target`` is given
    (e.g. ``{"type": "flow"}``). Returns error strings per file name, an empty
    list meaning valid. A file name that names no kind is reported as an error.
    """
    if not items:
        return {}
    payload = [{"filename": name, "document": doc, "target": target} for name, doc in items]
    return _run_bridge("validate", payload)


def parse_python_mains(sources: dict[str, str]) -> dict[str, dict]:
    """windmill-parser-wasm-py's reading of ``main()`` for each source text.

    Returns, per key, the parser's JSON: ``{"args": [{"name", "typ",
    "default", "has_default", ...}], "star_args", "has_preprocessor", ...}``
    (or ``{"type": "Invalid", ...}`` when the code cannot be parsed).
    """
    if not sources:
        return {}
    return _run_bridge("parse", sources)


def infer_script_schemas(items: dict[str, tuple[str, dict | None]]) -> dict[str, dict]:
    """The schema `wmill generate-metadata` would write for each script.

    ``items`` maps a name to ``(python source, current schema or None)``; the
    current schema matters because Windmill keeps descriptions and other UI
    fields from it. Runs the CLI's own ``inferSchema``. Returns per name
    ``{"schema": {...}, "has_preprocessor": bool, "notices": [...], "parsed": <parse_python_mains' reading>}``.
    """
    if not items:
        return {}
    payload = {name: {"content": content, "schema": schema} for name, (content, schema) in items.items()}
    return _run_bridge("infer", payload)


def windmill_relative_imports(items: dict[str, str]) -> dict[str, list[str] | str]:
    """Windmill's reading of the workspace scripts each file imports.

    ``items`` maps a Windmill path (``f/phoenix/router``) to Python source.
    Returns per path the list of script paths Windmill follows for
    dependencies (top-level imports only), or an error string.
    """
    if not items:
        return {}
    payload = {path: {"path": path, "content": content} for path, content in items.items()}
    results = _run_bridge("relimports", payload)
    return {path: r["imports"] if "imports" in r else r["error"] for path, r in results.items()}


def wmill_lint(directory: Path) -> tuple[bool, str]:
    """Run the real `wmill lint` (offline) on a tree; return (passed, output)."""
    passed, report = wmill_lint_report(directory)
    if "raw_output" in report:
        return passed, report["raw_output"]
    lines = [f"{issue.get('path')}: {error}" for issue in report.get("issues", []) for error in issue.get("errors", [])]
    lines += [f"{w.get('path', '')}: {w.get('message', w)}" if isinstance(w, dict) else str(w)
              for w in report.get("warnings", [])]
    summary = f"wmill lint: {report.get('validatedFiles', 0)} file(s) validated, {report.get('invalidFiles', 0)} invalid"
    return passed, "\n".join([*lines, summary])


def wmill_lint_report(directory: Path) -> tuple[bool, dict]:
    """`wmill lint --json --fail-on-warn`: (passed, its JSON report)."""
    with tempfile.TemporaryDirectory(prefix="phoenix-wmill-config-") as config_dir:
        env = {**os.environ, "NO_COLOR": "1", "WMILL_CONFIG_DIR": config_dir}
        proc = subprocess.run([*wmill_executable(), "lint", "--json", "--fail-on-warn", "--config-dir", config_dir],
                              cwd=directory, capture_output=True, text=True, env=env, timeout=NODE_TIMEOUT_S)
    text = proc.stdout
    try:
        report = json.loads(text[text.index("{"):])
    except ValueError:
        # The CLI colours its output whatever NO_COLOR says; strip the escapes.
        report = {"raw_output": ANSI_ESCAPE.sub("", proc.stdout + proc.stderr).strip()}
    return proc.returncode == 0, report

if __name__ == "__main__":
    print(ensure_npm_tools())
