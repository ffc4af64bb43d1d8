# GENERATED from lib/health/catalog.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Which probes a stack gets: the seed's core components, hybrid services, integrations and backends.

The model backends' probes (Ollama among the services, the others in their
own section) are what each registered backend kind says they are
(``BackendKind.probes``, lib/backends/kinds.py).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path, PurePosixPath

from ..backends.registry import kinds
from .backups import check_backups
from .containers import PodmanView, check_container
from .folders import check_folder
from .integrations import check_n8n_workflows, check_omas_configs, check_router
from .services import check_n8n, check_postgres, check_windmill
from .probes import Probe

FOLDER_LABELS = {
    ".roo": "Roo Code (.roo/)",
    "omas": "OMAS agents (omas/)",
    "n8n/workflows": "n8n workflows (n8n/workflows/)",
    "models/quantized": "Models (models/quantized/)",
    "windmill": "Windmill flows (windmill/)",
    "ollama-integration": "Ollama integration (ollama-integration/)",
    "hf-models": "Hugging Face models (hf-models/)",
}


def build_probes(stack) -> list[Probe]:
    timeout = float(stack.health.probe_timeout_s)
    backends = _backend_probes(stack, timeout)
    return (_folder_probes(stack, timeout) + _service_probes(stack, timeout)
            + [p for p in backends if p.group == "services"]  # Ollama: a service of the stack too
            + _container_probes(stack, timeout) + _integration_probes(stack, timeout)
            + [p for p in backends if p.group != "services"]
            + [Probe("backup:newest", "backups", "Newest verified backup", partial(check_backups, stack), timeout)])


def _folder_probes(stack, timeout: float) -> list[Probe]:
    needed = required_folders(stack)
    # "omas", "omas/" and "./omas" are one folder: one probe (two would share one component id)
    folders = dict.fromkeys(PurePosixPath(rel).as_posix() for rel in stack.health.folders)
    return [Probe(f"folder:{rel}", "core", FOLDER_LABELS.get(rel, f"{rel}/"),
                  partial(check_folder, stack.under_root(rel), required=_clean(rel) in needed), timeout)
            for rel in folders]


def required_folders(stack) -> set[str]:
    """The folders this stack uses: the Roo configs, the agents, the n8n workflows, and those its
    backend kinds read (PhoenixCore's folder).

    Other folders in ``health.folders`` are watched when present and only
    noted when absent.
    """
    needed = {".roo", _clean(stack.agents.dir), "n8n/workflows"}
    return needed | {_clean(folder) for kind in kinds() for folder in kind.folders(stack)}


def _clean(relative: str) -> str:
    return Path(relative).as_posix().strip("/")


def _service_probes(stack, timeout: float) -> list[Probe]:
    postgres = stack.services.postgres
    return [
        Probe("service:n8n", "services", "n8n", partial(check_n8n, stack.service_url("n8n")), timeout),
        Probe("service:windmill", "services", "Windmill",
              partial(check_windmill, stack.service_url("windmill")), timeout),
        Probe("service:postgres", "services", "Postgres (Windmill)",
              partial(check_postgres, postgres.host, int(postgres.port)), timeout),
    ]


def _container_probes(stack, timeout: float) -> list[Probe]:
    podman = stack.services.podman
    view = PodmanView(podman.socket)
    return [Probe(f"container:{name}", "containers", f"container {name}",
                  partial(check_container, view, name), timeout, on_timeout="unknown")
            for name in podman.containers]


def _integration_probes(stack, timeout: float) -> list[Probe]:
    return [
        Probe("integration:router", "integrations", "Model router answers",
              partial(check_router, stack), float(stack.health.router_timeout_s)),
        Probe("integration:omas", "integrations", "OMAS agent configs load",
              partial(check_omas_configs, stack), timeout),
        Probe("integration:n8n_workflows", "integrations", "n8n workflows parse",
              partial(check_n8n_workflows, stack.under_root("n8n/workflows")), timeout),
    ]


def _backend_probes(stack, timeout: float) -> list[Probe]:
    return [Probe(p.component, p.group, p.label, p.check, timeout) for p in backend_probes(stack)]


def backend_probes(stack) -> list:
    """Every registered backend kind's ``HealthProbe``s, in registration order."""
    return [probe for kind in kinds() for probe in kind.probes(stack)]


def backend_names(stack) -> dict[str, str]:
    """Component id -> the backend name the router knows it by."""
    return {probe.component: probe.backend for probe in backend_probes(stack)}
