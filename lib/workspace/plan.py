"""What ``up`` would do, decided before anything changes: keep, start, create, skip, or refuse.

For each pod of the stack (``pods.render_pods``), in bring-up order:

- Phoenix's own pod (its label says so) is kept when it runs and started when
  it does not; ``replace`` recreates it when the stack now renders it
  differently (data folders and volumes stay);
- otherwise, when something already serves the pod's port, that is kept: a
  container that publishes the port (started if it is stopped, as the seed's
  initialize script does), or a process that answers as the service (an n8n
  on 5678, an Ollama on 11435); a service on another machine is left to it;
- a port taken by something that does not answer as the service, a pod or a
  container with one of Phoenix's names that Phoenix did not make, a GPU asked
  of a Podman that cannot pass one through, or a database folder of another
  Postgres major version is a conflict: ``up`` then changes nothing.

The workers join the Windmill that runs: Phoenix's own, or an existing one
whose Postgres answers at ``services.postgres``. Folders are only ever created
(the seed's new folders and what the pods mount); a folder that exists is left
as it is. The secret ``phoenix-db`` is created once, from the environment
variable ``podman.secrets.db_password_env``, asked, or generated.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .db_secret import RAW, database_address, secret_format
from .podman_cli import Podman
from .pods import LABEL_SPEC, SECRET_NAME, UNITS, PodSpec, data_path, endpoint, render_pods
from .survey import Survey, answers_as, is_local, is_ours, port_in_use

#: the seed's new folders and the folders it shows inside them
SEED_FOLDERS = {"windmill": ("data", "scripts", "flows"),
                "ollama-integration": ("models", "configs", "api-bridge"),
                "hf-models": ("zyphra", "nous", "cache")}
#: the service each pod is reached as, and checked for, on its port
SERVICE_OF = {"windmill": "windmill", "ollama": "ollama", "n8n": "n8n"}
GPU_PODMAN = (5, 4, 0)   # kube play passes CDI devices named in resources.limits from 5.4 on
RUNS = ("create", "replace", "start")


@dataclass
class Step:
    verb: str     # keep | create | start | replace | pull | skip | conflict
    what: str
    why: str = ""

    def __str__(self) -> str:
        return f"  {self.verb:<8} {self.what}" + (f": {self.why}" if self.why else "")


@dataclass
class UnitPlan:
    unit: str
    pod: PodSpec | None
    step: Step
    action: str = "none"            # none | play | replace | start_pod | start_other (a container or pod)
    other: str | None = None        # what start_other starts: "container NAME" or "pod NAME"
    waits: tuple[str, ...] = ()     # health checks to pass before the next pod: services, or "containers"
    foreign: bool = False           # served by something Phoenix did not start


@dataclass
class Plan:
    stack: object
    survey: Survey
    units: list[UnitPlan]
    folders: list[Step]
    new_folders: list[Path]
    images: list[Step]
    secret: Step | None
    password_source: str | None     # env | ask | generate | None (nothing to create)
    existing_database: str | None   # why the password must be the database's own, not a new one
    notes: list[str] = field(default_factory=list)

    @property
    def steps(self) -> list[Step]:
        return self.folders + self.images + ([self.secret] if self.secret else []) + [u.step for u in self.units]

    @property
    def conflicts(self) -> list[Step]:
        return [s for s in self.steps if s.verb == "conflict"]

    @property
    def changes(self) -> list[Step]:
        return [s for s in self.steps if s.verb in ("create", "start", "replace", "pull")]

    def render(self) -> str:
        survey, stack = self.survey, self.stack
        lines = [f"Phoenix stack on Podman {survey.version_text or '(version unknown)'}: root {stack.root} "
                 f"(stack: {stack.source})"]
        detected = survey.detected()
        lines.append("Detected services (the seed's 'Servicios detectados'): "
                     + (", ".join(c.describe() for c in detected) if detected else "none"))
        lines += [str(s) for s in self.steps]
        lines += [f"  note: {n}" for n in self.notes]
        if self.conflicts:
            lines.append(f"{len(self.conflicts)} conflict(s): up changes nothing until they are resolved")
        elif self.changes:
            lines.append(f"{len(self.changes)} change(s); everything else is left as it is")
        else:
            lines.append("nothing to change: everything the stack needs is there")
        return "\n".join(lines)

    def as_json(self) -> dict:
        return {"podman": self.survey.version_text, "root": str(self.stack.root),
                "detected": [c.describe() for c in self.survey.detected()],
                "steps": [s.__dict__ for s in self.steps], "notes": self.notes,
                "conflicts": len(self.conflicts), "changes": len(self.changes)}


def make_plan(stack, podman: Podman, survey: Survey, *, interactive: bool = False, replace: bool = False) -> Plan:
    timeout = float(stack.health.probe_timeout_s)
    units: list[UnitPlan] = []
    pods = {pod.unit: pod for pod in render_pods(stack)}
    for unit in UNITS:
        pod = pods.get(unit)
        if pod is None:
            units.append(UnitPlan(unit, None, Step("skip", f"{unit} pod", "no workers in this group "
                                                   f"(podman.workers.{'default' if unit == 'workers' else unit})")))
            continue
        if unit in ("workers", "inference"):
            decided = _worker_unit(stack, survey, pod, units[0], replace, timeout)
        else:
            decided = _service_unit(stack, survey, pod, replace, timeout)
        units.append(decided)
    notes = _image_notes(stack)
    for decided in units:
        _check_runnable(stack, survey, decided)
    folders, new_folders = _folder_steps(stack, units)
    images = _image_steps(podman, units)
    existing = _existing_database(stack, units)
    secret, source = _secret_step(stack, survey, units, interactive, existing)
    return Plan(stack, survey, units, folders, new_folders, images, secret, source, existing, notes)


# --- one pod ---------------------------------------------------------------------

def _own_pod(survey: Survey, pod: PodSpec, replace: bool, waits: tuple[str, ...]) -> UnitPlan | None:
    """Phoenix's pod of that name, if there is one: keep, start or replace it."""
    found = survey.pod(pod.name)
    if found is None:
        return None
    if not is_ours(found):
        return UnitPlan(pod.unit, pod, Step("conflict", f"pod {pod.name}",
                                            "a pod of that name exists and Phoenix did not make it (no label "
                                            "app.kubernetes.io/part-of=phoenix): rename or remove it"))
    drifted = found.labels.get(LABEL_SPEC) != pod.spec_hash
    if drifted and replace:
        return UnitPlan(pod.unit, pod, Step("replace", f"pod {pod.name}", f"{pod.summary} (the stack changed; "
                                            "data folders and volumes are kept)"), "replace", waits=waits)
    note = (" (the stack now renders it differently: `up --replace` recreates it, data kept)" if drifted else "")
    if found.running:
        return UnitPlan(pod.unit, pod, Step("keep", f"pod {pod.name}", f"running{note}"), waits=waits)
    return UnitPlan(pod.unit, pod, Step("start", f"pod {pod.name}", f"{found.status.lower()}{note}"),
                    "start_pod", waits=waits)


def _service_unit(stack, survey: Survey, pod: PodSpec, replace: bool, timeout: float) -> UnitPlan:
    waits = ("postgres", "windmill") if pod.unit == "windmill" else (SERVICE_OF[pod.unit],)
    own = _own_pod(survey, pod, replace, waits)
    if own is not None:
        return own
    service = SERVICE_OF[pod.unit]
    where = endpoint(stack, service)
    label = f"{service} at {where}"
    if not is_local(where.host):
        return UnitPlan(pod.unit, pod, Step("skip", f"pod {pod.name}", f"{label} is another machine's: "
                                            "Phoenix starts nothing for it here"), foreign=True)
    publisher = survey.publisher(where.port)
    if publisher is not None and publisher.running:
        return UnitPlan(pod.unit, pod, Step("keep", label, f"already served by {survey.owner(publisher)}; "
                                            f"Phoenix's pod {pod.name} is not created"), waits=(service,), foreign=True)
    if port_in_use(where):
        answers, detail = answers_as(stack, service, timeout)
        if answers:
            return UnitPlan(pod.unit, pod, Step("keep", label, f"already answering ({detail}); Phoenix's pod "
                                                f"{pod.name} is not created"), waits=(service,), foreign=True)
        return UnitPlan(pod.unit, pod, Step("conflict", label, f"port {where.port} is in use by something that "
                                            f"does not answer as {service} ({detail}): free it or change "
                                            f"{_port_key(service)}"))
    if publisher is not None:
        owner = survey.owner(publisher)  # a pod's ports are on its infra container: start the pod
        return UnitPlan(pod.unit, pod, Step("start", owner, f"{publisher.state}; it publishes {where.port} for "
                                            f"{service} (kept instead of Phoenix's pod {pod.name})"),
                        "start_other", other=owner, waits=(service,), foreign=True)
    if pod.unit == "windmill":
        postgres = endpoint(stack, "postgres")
        if port_in_use(postgres):
            return UnitPlan(pod.unit, pod, Step("conflict", f"postgres at {postgres}",
                                                "port in use by a database Phoenix did not start; Windmill's "
                                                "Postgres needs a port of its own: change services.postgres.port"))
    return UnitPlan(pod.unit, pod, Step("create", f"pod {pod.name}", pod.summary), "play", waits=waits)


def _worker_unit(stack, survey: Survey, pod: PodSpec, windmill: UnitPlan, replace: bool,
                 timeout: float) -> UnitPlan:
    own = _own_pod(survey, pod, replace, ("containers",))
    if own is not None:
        return own
    if windmill.step.verb == "conflict":
        return UnitPlan(pod.unit, pod, Step("skip", f"pod {pod.name}", "waits for the Windmill conflict above"))
    if windmill.foreign:
        postgres = endpoint(stack, "postgres")
        answers, detail = answers_as(stack, "postgres", timeout)
        if not answers:
            return UnitPlan(pod.unit, pod, Step("skip", f"pod {pod.name}",
                                                f"the running Windmill's database is not reachable at {postgres} "
                                                f"({detail}): its workers cannot join it (publish its Postgres "
                                                "there, or set services.postgres)"), foreign=True)
        return UnitPlan(pod.unit, pod, Step("create", f"pod {pod.name}",
                                            f"{pod.summary}; joins the running Windmill through {postgres}"),
                        "play", waits=("containers",))
    return UnitPlan(pod.unit, pod, Step("create", f"pod {pod.name}", pod.summary), "play", waits=("containers",))


def _check_runnable(stack, survey: Survey, decided: UnitPlan) -> None:
    """Turn a pod Phoenix would create into a conflict when it could not run as rendered."""
    if decided.action not in ("play", "replace") or decided.pod is None:
        return
    pod = decided.pod
    problems = []
    if decided.action == "play":
        taken = [name for name in pod.containers if survey.container(name) is not None]
        if taken:
            problems.append(f"container(s) {', '.join(taken)} exist outside Phoenix's pods (made by hand, as in "
                            "the seed?): remove or rename them, or stop and keep them instead")
    if pod.gpu and survey.version < GPU_PODMAN:
        problems.append(f"a GPU is asked for (podman.gpu), but Podman {survey.version_text} does not pass CDI "
                        "devices to pods: Podman 5.4 or later is needed (or set podman.gpu to false)")
    if pod.unit == "windmill":
        problems += _postgres_data_problem(stack)
    if problems:
        decided.step = Step("conflict", f"pod {pod.name}", "; ".join(problems))
        decided.action = "none"


def _postgres_data_problem(stack) -> list[str]:
    folder = data_path(stack, "postgres_data").local
    marker = folder / "PG_VERSION" if folder else None
    image = stack.podman.images.postgres
    wanted = re.search(r":(\d+)", image.rsplit("/", 1)[-1])
    if marker is None or not marker.is_file() or not wanted:
        return []
    found = marker.read_text(encoding="utf-8", errors="replace").strip()
    if found == wanted.group(1):
        return []
    return [f"{folder} holds a PostgreSQL {found} database but the image is {image} (Windmill needs "
            "PostgreSQL 14 or later): migrate the data (pg_dump with the old version, restore with the new), "
            "or set podman.paths.postgres_data to another folder"]


def _port_key(service: str) -> str:
    return "services.postgres.port" if service == "postgres" else f"services.{service}.url"


# --- what the pods need -------------------------------------------------------------

def _folder_steps(stack, units: list[UnitPlan]) -> tuple[list[Step], list[Path]]:
    root = stack.root
    if not root.is_dir():
        return [Step("conflict", f"root {root}", "does not exist: Phoenix joins an operator's folder (the seed's "
                                                 "BooPhoenix/); create it or set root in the stack")], []
    wanted: list[Path] = [root / "windmill"]
    wanted += [d.local for d in (data_path(stack, "ollama_data"), data_path(stack, "hf_models")) if d.local]
    for decided in units:
        if decided.action in ("play", "replace") and decided.pod is not None:
            wanted += [f for f in decided.pod.folders if f != root]
    steps, new = [], []
    for folder in dict.fromkeys(wanted):
        shown = _relative(stack, folder)
        if folder.is_dir():
            steps.append(Step("keep", f"folder {shown}", "exists: left as it is"))
            continue
        if folder.exists():
            steps.append(Step("conflict", f"folder {shown}", "exists and is not a folder"))
            continue
        extra = SEED_FOLDERS.get(folder.name) if folder.parent == root else None
        new.append(folder)
        new += [folder / sub for sub in extra or ()]
        steps.append(Step("create", f"folder {shown}", f"missing{' (with ' + ', '.join(extra) + ')' if extra else ''}"))
    return steps, list(dict.fromkeys(new))


def _relative(stack, folder: Path) -> str:
    try:
        return folder.relative_to(stack.root).as_posix() + "/"
    except ValueError:
        return str(folder)


def _image_steps(podman: Podman, units: list[UnitPlan]) -> list[Step]:
    images = [c["image"] for u in units if u.action in ("play", "replace") and u.pod
              for c in u.pod.document["spec"]["containers"]]
    present = {image: podman.image_exists(image) for image in dict.fromkeys(images)}
    return [Step("keep", f"image {image}", "present") if here else Step("pull", f"image {image}", "not here yet")
            for image, here in present.items()]


def _image_notes(stack) -> list[str]:
    floating = [f"podman.images.{key} = {image}" for key, image in stack.podman.images.model_dump().items()
                if ":" not in image.rsplit("/", 1)[-1] or image.rsplit(":", 1)[-1] in ("latest", "main")]
    return [f"{', '.join(floating)}: a floating tag is not reproducible (pin a version)"] if floating else []


def _secret_step(stack, survey: Survey, units: list[UnitPlan], interactive: bool,
                 existing: str | None) -> tuple[Step | None, str | None]:
    needed = any(u.action in ("play", "replace") and u.pod is not None and u.pod.uses_secret for u in units)
    what = f"secret {SECRET_NAME}"
    if SECRET_NAME in survey.secrets:
        if needed and survey.secret_format and survey.secret_format != secret_format(survey.version):
            written_for = "Podman 4.3" if survey.secret_format == RAW else "Podman 4.4 or later"
            return Step("conflict", what, f"it was written for {written_for} and Podman {survey.version_text} "
                        f"reads another form: {_remake(stack)}"), None
        if needed and survey.secret_address and survey.secret_address != database_address(stack):
            return Step("conflict", what, "its URLs point at another database (services.postgres or "
                        f"podman.database changed since it was made): {_remake(stack)}"), None
        return Step("keep", what, "exists (its value is never read back)"), None
    if not needed:
        return None, None
    env = _env(stack)
    if env and os.environ.get(env):
        return Step("create", what, f"from ${env}"), "env"
    if interactive:
        return Step("create", what, "asked (hidden input)" + ("" if existing else "; empty for a generated one")), "ask"
    if existing:
        return Step("conflict", what, f"{existing}, so its password is needed: set ${env} to it "
                                      "(a new one would not be accepted)"), None
    return Step("create", what, f"a generated password (set ${env} to choose it; it is never shown)"), "generate"


def _remake(stack) -> str:
    return f"`podman secret rm {SECRET_NAME}`, then up again with ${_env(stack)} set to the same password"


def _env(stack) -> str | None:
    return stack.podman.secrets.db_password_env


def _existing_database(stack, units: list[UnitPlan]) -> str | None:
    """Why a password must be given rather than made: a database that already has one."""
    if units and units[0].foreign:
        return "the workers join the running Windmill's database"
    folder = data_path(stack, "postgres_data").local
    if folder is not None and (folder / "PG_VERSION").is_file():
        return f"{_relative(stack, folder)} already holds a database"
    return None
