"""PhoenixCore: the operator's own quantized GGUF (``models.phoenixcore``), run in this process.

The seed's "existing model": first when the priority is ``existing``, and
otherwise the fallback before the embedded model. Not configured (no
``path``), it offers nothing.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from ...health.folders import check_local_model
from ...stack import Stack
from ..kinds import Ask, BackendKind, Candidate, HealthProbe, Offer
from ..llama_local import LocalGGUF, stack_threads

#: the model's name, as the router's results and the inventory show it (its candidate's model is the file)
NAME = "PhoenixCore"
LABEL = "PhoenixCore (in-process GGUF)"


def _build(stack: Stack, name: str) -> LocalGGUF:
    config = stack.models.phoenixcore
    return LocalGGUF("phoenixcore", stack.under_root(config.path), chat_format=config.chat_format,
                     n_ctx=config.n_ctx, threads=stack_threads(stack), label=NAME)


def _candidates(stack: Stack, ask: Ask) -> list[Offer]:
    path = stack.under_root(stack.models.phoenixcore.path)
    if not path:
        return []
    offers = [("fallback", Candidate("phoenixcore", str(path), "fallback to the existing PhoenixCore"))]
    if ask.priority == "existing":
        offers.insert(0, ("preferred", Candidate("phoenixcore", str(path), "priority=existing prefers PhoenixCore")))
    return offers


def _configured(stack: Stack) -> dict[str, list[str]]:
    return {"phoenixcore": [NAME]} if stack.models.phoenixcore.path else {}


def _probes(stack: Stack) -> list[HealthProbe]:
    path = stack.under_root(stack.models.phoenixcore.path)
    return [HealthProbe("backend:phoenixcore", "backends", LABEL, "phoenixcore", partial(check_local_model, path))]


def _folders(stack: Stack) -> list[str]:
    """The model's folder, when its path is under the stack root."""
    path = stack.models.phoenixcore.path
    return [Path(path).parent.as_posix()] if path and not Path(path).expanduser().is_absolute() else []


KIND = BackendKind(name="phoenixcore", label=LABEL, build=_build, candidates=_candidates,
                   configured=_configured, probes=_probes, folders=_folders, model_label=NAME,
                   one_model=True)
