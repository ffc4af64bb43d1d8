"""Bun and the TypeScript scanner, pinned and cached, for reading and running translated steps.

Windmill runs a translated n8n step (``language: bun``) with Bun, so the tests
that execute steps run them with Bun too, and the check that a generated step
is only Phoenix's known shape reads it with TypeScript's own parser. Both are
npm packages pinned in ``scripts/tooling/npm-steps/`` and installed once into
``phoenix_cache_dir()/step-tools`` (never into the repo), the same way as the
Windmill tools (``windmill_tools.py``). ``--ignore-scripts`` leaves Bun's
placeholder launcher alone: the binary is the platform package's own
(``@oven/bun-<os>-<arch>/bin/bun``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from lib.cache import phoenix_cache_dir

from . import windmill_tools
from .windmill_tools import ToolingError

PINS_DIR = Path(__file__).resolve().parent / "npm-steps"


def step_tools_dir() -> Path:
    return phoenix_cache_dir() / "step-tools"


def ensure_step_tools() -> Path:
    """Install the pinned Bun and TypeScript when missing or re-pinned; the ``node_modules`` folder."""
    directory = step_tools_dir()
    digest = windmill_tools._pins_digest(PINS_DIR)
    if not windmill_tools._installed(directory, digest, "typescript"):
        with windmill_tools._install_lock(directory):
            if not windmill_tools._installed(directory, digest, "typescript"):
                windmill_tools._npm_ci(directory, digest, PINS_DIR)
    return directory / "node_modules"


def bun_binary() -> Path:
    """The Bun executable of this platform from the pinned install (the first that runs)."""
    modules = ensure_step_tools()
    for candidate in sorted(modules.glob("@oven/bun-*/bin/bun")):
        try:
            subprocess.run([str(candidate), "--version"], capture_output=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError):
            continue  # another libc's or CPU's build
        return candidate
    raise ToolingError(f"no Bun binary for this platform runs from {modules / '@oven'}")


READER = PINS_DIR / "step_reader.mjs"


class StepReader:
    """One node process reading TypeScript with TypeScript's parser (``step_reader.mjs``), many requests.

    ``shape(files)``: per file, the syntax errors and top-level statements that are not a
    generated step's known shape. ``literals(files, marker)``: per file, where ``marker``
    occurs outside a string literal. ``expressions(exprs, marker)``: the same for Windmill
    expressions, each of which must be exactly one expression. Empty lists mean clean.
    """

    def __init__(self):
        self.modules = ensure_step_tools()
        self.process = subprocess.Popen([windmill_tools._node(), str(READER)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def _request(self, **request) -> dict[str, list[str]]:
        self.process.stdin.write(json.dumps({"node_modules": str(self.modules), **request}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise ToolingError(f"the step reader stopped (exit {self.process.poll()})")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise ToolingError(f"the step reader failed: {answer.get('error')}")
        return answer["results"]

    def shape(self, files: dict[str, str]) -> dict[str, list[str]]:
        return self._request(op="shape", files=files)

    def literals(self, files: dict[str, str], marker: str) -> dict[str, list[str]]:
        return self._request(op="literals", files=files, marker=marker)

    def steps(self, files: dict[str, str], marker: str) -> dict[str, list[str]]:
        """``shape`` and ``literals`` at once."""
        return self._request(op="steps", files=files, marker=marker)

    def expressions(self, expressions: dict[str, str], marker: str | None = None) -> dict[str, list[str]]:
        """Per Windmill expression: problems unless it is one expression with ``marker`` only in literals."""
        return self._request(op="expressions", files=expressions, marker=marker)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __enter__(self) -> "StepReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
