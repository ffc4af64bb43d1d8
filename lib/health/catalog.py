"""Which probes a stack gets: the seed's core components, hybrid services, integrations and backends."""

from __future__ import annotations

import importlib.util
from functools import partial
from pathlib import Path, PurePosixPath

from .backups import check_backups
from .containers import PodmanView, check_container
from .folders import check_folder, check_gguf_file
from .integrations import check_n8n_workflows, check_omas_configs, check_router
from .services import check_n8n, check_ollama, check_openai_endpoint, check_postgres, check_windmill
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
    timeout = float(stack["health"]["probe_timeout_s"])
    return (_folder_probes(stack, timeout) + _service_probes(stack, timeout)
            + _container_probes(stack, timeout) + _integration_probes(stack, timeout)
            + _backend_probes(stack, timeout)
            + [Probe("backup:newest", "backups", "Newest verified backup", partial(check_backups, stack), timeout)])


def _folder_probes(stack, timeout: float) -> list[Probe]:
    needed = required_folders(stack)
    # "omas", "omas/" and "./omas" are one folder: one probe (two would share one component id)
    folders = dict.fromkeys(PurePosixPath(rel).as_posix() for rel in stack["health"]["folders"])
    return [Probe(f"folder:{rel}", "core", FOLDER_LABELS.get(rel, f"{rel}/"),
                  partial(check_folder, stack.under_root(rel), required=_clean(rel) in needed), timeout)
            for rel in folders]


def required_folders(stack) -> set[str]:
    """The folders this stack uses: the Roo configs, the agents, the n8n workflows, PhoenixCore's folder.

    Other folders in ``health.folders`` are watched when present and only
    noted when absent.
    """
    needed = {".roo", _clean(stack["agents"]["dir"]), "n8n/workflows"}
    core = stack["models"]["phoenixcore"].get("path")
    if core and not Path(core).expanduser().is_absolute():
        needed.add(_clean(Path(core).parent.as_posix()))
    return needed


def _clean(relative: str) -> str:
    return Path(relative).as_posix().strip("/")


def _service_probes(stack, timeout: float) -> list[Probe]:
    wanted = [m for names in stack["models"]["ollama"].values() for m in names]
    postgres = stack["services"]["postgres"]
    return [
        Probe("service:n8n", "services", "n8n", partial(check_n8n, stack.service_url("n8n")), timeout),
        Probe("service:windmill", "services", "Windmill",
              partial(check_windmill, stack.service_url("windmill")), timeout),
        Probe("service:ollama", "services", "Ollama",
              partial(check_ollama, stack.service_url("ollama"), sorted(set(wanted))), timeout),
        Probe("service:postgres", "services", "Postgres (Windmill)",
              partial(check_postgres, postgres["host"], int(postgres["port"])), timeout),
    ]


def _container_probes(stack, timeout: float) -> list[Probe]:
    podman = stack["services"]["podman"]
    view = PodmanView(podman.get("socket"))
    return [Probe(f"container:{name}", "containers", f"container {name}",
                  partial(check_container, view, name), timeout, on_timeout="unknown")
            for name in podman["containers"]]


def _integration_probes(stack, timeout: float) -> list[Probe]:
    return [
        Probe("integration:router", "integrations", "Model router answers",
              partial(check_router, stack), float(stack["health"]["router_timeout_s"])),
        Probe("integration:omas", "integrations", "OMAS agent configs load",
              partial(check_omas_configs, stack), timeout),
        Probe("integration:n8n_workflows", "integrations", "n8n workflows parse",
              partial(check_n8n_workflows, stack.under_root("n8n/workflows")), timeout),
    ]


def _backend_probes(stack, timeout: float) -> list[Probe]:
    models = stack["models"]
    probes = [
        Probe("backend:phoenixcore", "backends", "PhoenixCore (in-process GGUF)",
              partial(check_local_model, stack.under_root(models["phoenixcore"]["path"])), timeout),
        Probe("backend:embedded", "backends", "Embedded model",
              partial(check_local_model, _embedded_path(stack)), timeout),
    ]
    for endpoint in models["huggingface"]["endpoints"]:
        probes.append(Probe(f"backend:openai:{endpoint['name']}", "backends", f"endpoint {endpoint['name']}",
                            partial(check_openai_endpoint, endpoint["url"], endpoint.get("token_env")),
                            timeout))
    return probes


def _embedded_path(stack) -> Path | None:
    configured = stack.under_root(stack["models"]["embedded"]["path"])
    if configured:
        return configured
    try:
        from ..models.embedded import default_path
    except ImportError:
        return None
    return default_path()


def check_local_model(path: Path | None, timeout: float) -> tuple[str, str]:
    """An in-process model needs its GGUF file and llama-cpp-python."""
    status, detail = check_gguf_file(path, timeout)
    if status == "up" and importlib.util.find_spec("llama_cpp") is None:
        return "down", f"{detail}, but llama-cpp-python is not installed"
    return status, detail


def backend_names(stack) -> dict[str, str]:
    """Component id -> the backend name the router knows it by."""
    names = {"service:ollama": "ollama", "backend:phoenixcore": "phoenixcore", "backend:embedded": "embedded"}
    for endpoint in stack["models"]["huggingface"]["endpoints"]:
        names[f"backend:openai:{endpoint['name']}"] = f"openai:{endpoint['name']}"
    return names
