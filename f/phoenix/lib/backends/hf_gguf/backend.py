# GENERATED from lib/backends/hf_gguf/backend.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""GGUF files from the Hugging Face hub, run in this process.

A candidate's model is ``<org>/<name>/<file>``: the repo id and the file in
it. The file is resolved with ``hf_hub_download`` from the stack's HF cache
(``models.huggingface.cache_dir``, else the library's default). A request
never downloads: a multi-gigabyte transfer has no place inside a deadline,
and without the hub a miss costs ~23 s of retries. ``ensure_hf_gguf`` fetches
ahead of time and honours offline mode (the stack's ``offline`` or
``HF_HUB_OFFLINE``). ``Llama.from_pretrained`` is not used: it lists the repo
first and so cannot work offline.

As a backend kind (``hf_gguf``), its candidates are the files the stack maps
to the task's Roo domain (``models.huggingface.gguf``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

from ...errors import BackendDown, ModelMissing
from ...stack import Stack
from ..base import ChatRequest, Completion, Health
from ..kinds import Ask, BackendKind, Candidate, Offer
from ..llama_local import LocalGGUF, stack_threads
from .settings import HubFile

def from_stack(stack: Stack, key: str) -> "HubGGUF":
    return HubGGUF(stack, name=key)


def split_model(model: str | None) -> tuple[str, str]:
    """``org/name/file.gguf`` -> (``org/name``, ``file.gguf``)."""
    parts = (model or "").split("/", 2)
    if len(parts) != 3 or not all(parts):
        raise ModelMissing("hf_gguf", f"{model!r} is not <org>/<name>/<file>")
    return f"{parts[0]}/{parts[1]}", parts[2]


def cache_dir(stack: Stack) -> Path | None:
    configured = stack.models.huggingface.cache_dir
    return Path(os.path.expanduser(configured)) if configured else None


def offline(stack: Stack) -> bool:
    from huggingface_hub import constants

    return stack.models.huggingface.offline or bool(constants.HF_HUB_OFFLINE)


def cached_path(stack: Stack, repo: str, filename: str) -> Path:
    """The file's path in the HF cache, or ModelMissing saying where it looked."""
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import LocalEntryNotFoundError
    except ImportError as exc:
        raise BackendDown("hf_gguf", f"huggingface_hub is not installed: {exc}") from exc
    where = cache_dir(stack) or "the default Hugging Face cache"
    try:
        return Path(hf_hub_download(repo, filename, cache_dir=cache_dir(stack), local_files_only=True))
    except (LocalEntryNotFoundError, FileNotFoundError) as exc:
        hint = "offline mode: copy it into the cache" if offline(stack) else "fetch it first with ensure_hf_gguf"
        raise ModelMissing("hf_gguf", f"{repo}/{filename} is not in {where} ({hint})") from exc
    except (OSError, ValueError) as exc:  # unreadable cache, malformed repo id
        raise BackendDown("hf_gguf", f"cannot read {repo}/{filename} from {where}: {exc}") from exc


def ensure_hf_gguf(stack: Stack, repo: str, filename: str) -> Path:
    """Download a GGUF into the stack's HF cache (no-op when cached; refuses offline)."""
    from huggingface_hub import hf_hub_download

    try:
        return cached_path(stack, repo, filename)
    except ModelMissing:
        if offline(stack):
            raise
    return Path(hf_hub_download(repo, filename, cache_dir=cache_dir(stack)))


def _entry(stack: Stack, repo: str, filename: str) -> HubFile:
    """The stack's entry for the file (its chat format and context size), or the defaults of one."""
    for entry in stack.models.huggingface.gguf.every_file():
        if entry.repo == repo and entry.file == filename:
            return entry
    return HubFile(repo=repo, file=filename)


class HubGGUF:
    """Every configured hub GGUF behind one backend name; the model picks the file."""

    def __init__(self, stack: Stack, name: str = "hf_gguf"):
        self.stack = stack
        self.name = name

    def health(self, timeout: float = 1.0) -> Health:
        started = time.monotonic()
        present, missing = self._presence()
        up = bool(present) or not missing
        detail = f"{len(present)} of {len(present) + len(missing)} configured GGUF files in the cache"
        if missing:
            detail += f"; missing: {', '.join(missing[:3])}"
        return Health(up, detail, time.monotonic() - started)

    def models(self, timeout: float = 1.0) -> list[str]:
        return self._presence()[0]

    def model_file(self, model: str | None) -> Path | None:
        """The cached file a request for ``model`` would load, or None when it is not there."""
        try:
            return cached_path(self.stack, *split_model(model))
        except (ModelMissing, BackendDown):
            return None

    def complete(self, request: ChatRequest, model: str | None, deadline: float) -> Completion:
        return self._local(model).complete(request, model, deadline)

    def stream(self, request: ChatRequest, model: str | None, deadline: float) -> Iterator[str]:
        return self._local(model).stream(request, model, deadline)

    def _local(self, model: str | None) -> LocalGGUF:
        repo, filename = split_model(model)
        path = cached_path(self.stack, repo, filename)
        entry = _entry(self.stack, repo, filename)
        return LocalGGUF(self.name, path, chat_format=entry.chat_format, n_ctx=entry.n_ctx,
                         threads=stack_threads(self.stack), label=model)

    def _presence(self) -> tuple[list[str], list[str]]:
        present, missing = [], []
        for entry in self.stack.models.huggingface.gguf.every_file():
            if entry.model in present or entry.model in missing:
                continue
            try:
                cached_path(self.stack, entry.repo, entry.file)
                present.append(entry.model)
            except (ModelMissing, BackendDown):
                missing.append(entry.model)
        return present, missing


# -- the kind -----------------------------------------------------------------
def _candidates(stack: Stack, ask: Ask) -> list[Offer]:
    domain = ask.task.domain
    return [("main", Candidate("hf_gguf", entry.model, f"Hugging Face GGUF mapped to Roo domain {domain}"))
            for entry in stack.models.huggingface.gguf.for_domain(domain)]


def _configured(stack: Stack) -> dict[str, list[str]]:
    files = [entry.model for entry in stack.models.huggingface.gguf.every_file()]
    return {"hf_gguf": list(dict.fromkeys(files))} if files else {}


KIND = BackendKind(name="hf_gguf", label="Hugging Face GGUF (in-process)", build=from_stack, candidates=_candidates,
                   configured=_configured)
