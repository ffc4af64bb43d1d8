"""The node host's TypeScript type-checks with TypeScript's own compiler (strict)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from lib.cache import phoenix_cache_dir
from tests.support.n8n_host_run import HOST_RUNNER, n8n_modules

REPO = Path(__file__).resolve().parents[2]
HOST_DIR = REPO / "f" / "phoenix" / "n8n_host"
TSC = phoenix_cache_dir() / "step-tools" / "node_modules" / "typescript" / "bin" / "tsc"
NODE_TYPES = n8n_modules() / "@types"  # @types/node comes with the n8n install


def tsc(files: list[Path]) -> subprocess.CompletedProcess:
    if not TSC.is_file() or not (NODE_TYPES / "node").is_dir():
        pytest.skip(f"TypeScript ({TSC}) or @types/node ({NODE_TYPES}) not installed (set-up installs both)")
    return subprocess.run(
        ["node", str(TSC), "--noEmit", "--strict", "--target", "es2022", "--module", "esnext",
         "--moduleResolution", "bundler", "--allowImportingTsExtensions", "--skipLibCheck",
         "--typeRoots", str(NODE_TYPES), "--types", "node", *map(str, files)],
        capture_output=True, text=True, timeout=300)


def test_host_and_its_test_runner_type_check():
    proc = tsc([*sorted(HOST_DIR.glob("*.ts")), HOST_RUNNER])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_check_catches_a_type_error(tmp_path):
    for file in HOST_DIR.glob("*.ts"):
        shutil.copy(file, tmp_path / file.name)
    broken = tmp_path / "host.ts"
    broken.write_text(broken.read_text() + "\nexport const wrong: number = toItems([]);\n")
    proc = tsc([broken])
    assert proc.returncode != 0 and "host.ts" in proc.stdout
