"""The AI host's TypeScript (f/phoenix/n8n_ai) type-checks with TypeScript's own compiler (strict)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.n8n_host.test_typecheck import HOST_DIR, tsc

AI_DIR = HOST_DIR.parent / "n8n_ai"
RUNNER = Path(__file__).with_name("run_cluster.ts")


def test_the_ai_host_and_its_test_runner_type_check():
    proc = tsc([*sorted(AI_DIR.glob("*.ts")), RUNNER])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_check_catches_a_type_error_in_the_ai_host(tmp_path):
    shutil.copytree(HOST_DIR, tmp_path / "n8n_host")
    shutil.copytree(AI_DIR, tmp_path / "n8n_ai")
    broken = tmp_path / "n8n_ai" / "cluster.ts"
    broken.write_text(broken.read_text() + "\nexport const wrong: number = phoenixEndpoint({});\n")
    proc = tsc([broken])
    assert proc.returncode != 0 and "cluster.ts" in proc.stdout
