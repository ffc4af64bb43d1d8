"""Plan and push: the real `wmill sync push`, shown before it acts.

The CLI runs on a staging copy of what it syncs (f/, u/, wmill.yaml,
wmill-lock.yaml), never in the checkout, because even `--dry-run` writes
files there (wmill-lock.yaml, and script.yaml for scripts that lack one).
The target comes from the environment and reaches the CLI through the
environment only (BASE_URL, WM_WORKSPACE, WM_TOKEN, an empty config dir): a
token never appears on a command line, in output or in an error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from lib.stack import INFERENCE_TAG, WORKER_TAG_PATTERN

from . import resources, windmill_tools
from .metadata import dump_yaml, read_metadata
from .tree import FLOW_SUFFIX, TRIGGER_FILE, flow_folder, item_path

ROOT_FILES = ("wmill.yaml", "wmill-lock.yaml")
# Inference scripts are committed with INFERENCE_TAG; the deploy maps it to the
# tag of the workers that should run them (PHOENIX_INFERENCE_TAG / --inference-tag),
# e.g. `gpu` for GPU workers or `python3` for any default worker.
PUSH_TIMEOUT_S = 900
HTTP_TIMEOUT_S = 30


class DeployError(RuntimeError):
    """A plan or push could not be made; the message is safe to print (no token)."""


@dataclass(frozen=True)
class Target:
    url: str
    workspace: str
    token: str = field(repr=False)

    @classmethod
    def from_env(cls, environ=os.environ) -> "Target":
        url = environ.get("WINDMILL_URL") or environ.get("BASE_URL")
        workspace = environ.get("WINDMILL_WORKSPACE") or environ.get("WM_WORKSPACE")
        token = environ.get("WINDMILL_TOKEN") or environ.get("WM_TOKEN")
        missing = [name for name, value in (("WINDMILL_URL", url), ("WINDMILL_WORKSPACE", workspace),
                                            ("WINDMILL_TOKEN", token)) if not value]
        if missing:
            raise DeployError(f"set {', '.join(missing)} in the environment (the token is never printed)")
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeployError("WINDMILL_URL must be an http(s) URL such as http://127.0.0.1:8002")
        if parts.username or parts.password:
            # the URL is printed in every plan: a password in it would be too
            raise DeployError("WINDMILL_URL must not hold credentials (user:password@); "
                              "the token goes in WINDMILL_TOKEN")
        return cls(url.rstrip("/") + "/", workspace, token)

    def redact(self, text: str) -> str:
        return text.replace(self.token, "***") if self.token else text

    def __str__(self) -> str:
        return f"workspace '{self.workspace}' at {self.url}"


@dataclass(frozen=True, order=True)
class Change:
    action: str   # create | update | delete
    kind: str     # script | flow | schedule | trigger | folder | resource_type | resource | variable | other
    path: str     # Windmill path (or resource type name)

    def __str__(self) -> str:
        sign = {"create": "+", "update": "~", "delete": "-"}.get(self.action, "?")
        return f"{sign} {self.kind:<13} {self.path}"


@dataclass
class Plan:
    target: str
    changes: list[Change]
    notes: list[str] = field(default_factory=list)

    @property
    def deletions(self) -> list[Change]:
        return [c for c in self.changes if c.action == "delete"]

    def render(self) -> str:
        lines = [f"Plan for {self.target}:"]
        lines += [f"  {c}" for c in self.changes] or ["  (nothing to change)"]
        counts = {a: sum(c.action == a for c in self.changes) for a in ("create", "update", "delete")}
        lines.append(f"{counts['create']} to create, {counts['update']} to update, {counts['delete']} to delete")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def as_json(self) -> dict:
        return {"target": self.target, "changes": [c.__dict__ for c in self.changes], "notes": self.notes}


# --- staging and the CLI -------------------------------------------------------

@contextmanager
def staged_tree(root: Path, inference_tag: str | None = None) -> Iterator[Path]:
    """A throw-away copy of what `wmill sync push` reads, caches left out.

    With ``inference_tag``, scripts tagged ``phoenix-inference`` are given that
    worker tag in the copy (the checkout keeps the placeholder).
    """
    check_inference_tag(inference_tag)
    with tempfile.TemporaryDirectory(prefix="phoenix-deploy-") as tmp:
        stage = Path(tmp) / "tree"
        stage.mkdir()
        for top in ("f", "u"):
            if (root / top).is_dir():
                shutil.copytree(root / top, stage / top,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"))
        for name in ROOT_FILES:
            if (root / name).is_file():
                shutil.copy2(root / name, stage / name)
        if inference_tag and inference_tag != INFERENCE_TAG:
            retag_inference_scripts(stage, inference_tag)
        yield stage


_WORKER_TAG = re.compile(WORKER_TAG_PATTERN)


def check_inference_tag(tag: str | None) -> None:
    """A worker tag is one word: WORKER_TAGS is a comma-separated list of them, so a tag
    with a comma or a space would be matched by no worker and the scripts would wait forever."""
    if tag is not None and not _WORKER_TAG.fullmatch(tag):
        raise DeployError(f"inference tag {tag!r} (--inference-tag / PHOENIX_INFERENCE_TAG) is not a worker "
                          "tag: one word of letters, digits and - _ . : $ [ ] ( ), e.g. gpu or python3")


def retag_inference_scripts(stage: Path, tag: str) -> list[str]:
    changed = []
    for path in sorted(stage.rglob("*.script.yaml")):
        document = read_metadata(path) or {}
        if document.get("tag") == INFERENCE_TAG:
            document["tag"] = tag
            path.write_text(dump_yaml(document), encoding="utf-8")
            changed.append(path.relative_to(stage).as_posix())
    return changed


def inference_scripts(root: Path) -> list[str]:
    """Scripts committed with the inference placeholder tag."""
    found = []
    for path in sorted(root.glob("[fu]/**/*.script.yaml")):
        try:
            if (read_metadata(path) or {}).get("tag") == INFERENCE_TAG:
                found.append(path.relative_to(root).as_posix())
        except ValueError:
            continue
    return found


def run_wmill(args: list[str], cwd: Path, target: Target) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="phoenix-wmill-config-") as config_dir:
        env = {k: v for k, v in os.environ.items() if k not in ("WM_TOKEN", "WM_WORKSPACE", "BASE_INTERNAL_URL")}
        env.update({"BASE_URL": target.url, "WM_WORKSPACE": target.workspace, "WM_TOKEN": target.token,
                    "WMILL_CONFIG_DIR": config_dir, "NO_COLOR": "1"})
        try:
            proc = subprocess.run([*windmill_tools.wmill_executable(), *args, "--config-dir", config_dir],
                                  cwd=cwd, env=env, capture_output=True, text=True, timeout=PUSH_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            # a workspace that accepts connections and never answers
            raise DeployError(f"`wmill {' '.join(args[:2])}` did not finish within {PUSH_TIMEOUT_S} s: "
                              f"is {target.url} answering?") from None
    clean = windmill_tools.ANSI_ESCAPE.sub
    return subprocess.CompletedProcess(proc.args, proc.returncode, target.redact(clean("", proc.stdout)),
                                       target.redact(clean("", proc.stderr)))


def classify(path: str) -> tuple[str, str]:
    """(kind, Windmill path) of a file the CLI reports as changed."""
    name = path.rsplit("/", 1)[-1]
    folder = flow_folder(path)
    if folder:
        return "flow", folder[: -len(FLOW_SUFFIX)]
    if name.endswith(".flow.yaml") or name.endswith(".flow.json"):
        return "flow", item_path(path)
    if name == "folder.meta.yaml":
        return "folder", path.rsplit("/", 1)[0]
    if name.endswith(".resource-type.yaml") or name.endswith(".resource-type.json"):
        return "resource_type", item_path(path)
    for suffix, kind in ((".schedule.", "schedule"), (".resource.", "resource"), (".variable.", "variable"),
                         (".script.", "script")):
        if suffix in name:
            return kind, item_path(path)
    if TRIGGER_FILE.search(name):
        return "trigger", item_path(path)
    if name.endswith((".py", ".ts", ".sh", ".go", ".sql")):
        return "script", item_path(path)
    return "other", path


def sync_changes(stage: Path, target: Target) -> tuple[list[Change], list[str]]:
    """What `wmill sync push --dry-run` says it would do, item by item."""
    proc = run_wmill(["sync", "push", "--dry-run", "--json-output"], stage, target)
    try:
        report = json.loads(proc.stdout[proc.stdout.index("{"):])
    except ValueError:
        raise DeployError(f"`wmill sync push --dry-run` failed (exit {proc.returncode}):\n"
                          f"{(proc.stdout + proc.stderr).strip()[-3000:]}") from None
    if not report.get("success", False):
        raise DeployError(f"`wmill sync push --dry-run` refused: {report.get('message') or report.get('error')}")
    actions = {"added": "create", "edited": "update", "deleted": "delete"}
    by_item: dict[tuple[str, str], str] = {}
    for change in report.get("changes", []):
        kind, path = classify(change["path"])
        action = actions.get(change.get("type"), change.get("type"))
        # A script is two files (code + metadata); an edited one may be deleted+added.
        previous = by_item.get((kind, path))
        by_item[(kind, path)] = action if previous in (None, action) else "update"
    notes = [line.strip() for line in proc.stderr.splitlines() if "Stale" in line]
    return [Change(a, k, p) for (k, p), a in sorted(by_item.items())], notes


# --- resources over the API ----------------------------------------------------

class WindmillApi:
    """The handful of resource calls `resources` needs (same routes as the CLI's client)."""

    def __init__(self, target: Target):
        self.target = target

    def _call(self, method: str, route: str, body=None):
        url = f"{self.target.url}api/w/{urllib.parse.quote(self.target.workspace)}/{route}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.target.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as exc:
            detail = self.target.redact(exc.read().decode(errors="replace")[:300])
            raise DeployError(f"Windmill {method} {route}: HTTP {exc.code} {detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeployError(f"Windmill {method} {route}: {self.target.redact(str(exc))}") from None
        try:
            return json.loads(text)
        except ValueError:
            return text

    def get_resource_type(self, name: str) -> dict | None:
        if not self._call("GET", f"resources/type/exists/{urllib.parse.quote(name)}"):
            return None
        return self._call("GET", f"resources/type/get/{urllib.parse.quote(name)}")

    def get_resource(self, path: str) -> dict | None:
        if not self._call("GET", f"resources/exists/{path}"):
            return None
        return self._call("GET", f"resources/get/{path}")

    def create_resource_type(self, name: str, document: dict) -> None:
        self._call("POST", "resources/type/create", {"name": name, **document})

    def update_resource_type(self, name: str, document: dict) -> None:
        self._call("POST", f"resources/type/update/{urllib.parse.quote(name)}", document)

    def create_resource(self, path: str, document: dict) -> None:
        self._call("POST", "resources/create", {"path": path, **document})

    def update_resource(self, path: str, document: dict) -> None:
        self._call("POST", f"resources/update/{path}", {"path": path, **document})


def resource_changes(root: Path, api: WindmillApi, overwrite: bool = False) -> tuple[list[Change], list[str]]:
    """What applying resources/ would do: types follow the code, resources are created once."""
    files = resources.load_resource_files(root)
    changes, notes = [], []
    for name, document in sorted(files.types.items()):
        remote = api.get_resource_type(name)
        if remote is None:
            changes.append(Change("create", "resource_type", name))
        elif not resources.is_superset(document, remote):
            changes.append(Change("update", "resource_type", name))
    for path, document in sorted(files.resources.items()):
        remote = api.get_resource(path)
        if remote is None:
            changes.append(Change("create", "resource", path))
        elif overwrite and not resources.is_superset(document, remote):
            changes.append(Change("update", "resource", path))
        elif not resources.is_superset(document, remote):
            notes.append(f"resource {path} differs from resources/ and is kept (the workspace's value wins; "
                         "--overwrite-resources replaces it)")
    return changes, notes


def apply_resources(root: Path, api: WindmillApi, changes: list[Change]) -> list[str]:
    files = resources.load_resource_files(root)
    done = []
    for change in changes:
        if change.kind == "resource_type":
            document = files.types[change.path]
            (api.create_resource_type if change.action == "create" else api.update_resource_type)(change.path, document)
        elif change.kind == "resource":
            document = {k: v for k, v in files.resources[change.path].items()
                        if k in ("resource_type", "description", "value")}
            if change.action == "create":
                api.create_resource(change.path, document)
            else:
                api.update_resource(change.path, {k: v for k, v in document.items() if k != "resource_type"})
        done.append(f"applied {change}")
    return done


def _git_commit(root: Path) -> str | None:
    try:
        proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "f", "u"], cwd=root, capture_output=True,
                           text=True, timeout=30).stdout.strip()
    return proc.stdout.strip() + ("+local changes" if dirty else "")


# --- the steps ----------------------------------------------------------------

def make_plan(root: Path, target: Target, overwrite_resources: bool = False,
              inference_tag: str | None = None) -> Plan:
    with staged_tree(root, inference_tag) as stage:
        changes, notes = sync_changes(stage, target)
    resource_list, resource_notes = resource_changes(root, WindmillApi(target), overwrite_resources)
    tagged = inference_scripts(root)
    if tagged:
        tag = inference_tag or INFERENCE_TAG
        notes.append(f"{len(tagged)} inference script(s) will run only on workers with '{tag}' in WORKER_TAGS"
                     + ("" if inference_tag else
                        " (set PHOENIX_INFERENCE_TAG=python3 for default workers, or gpu for GPU workers)"))
    return Plan(str(target), changes + resource_list, notes + resource_notes)


def push(root: Path, target: Target, allow_delete: bool = False, inference_tag: str | None = None) -> str:
    """The real `wmill sync push`. Without allow_delete, remote-only items are kept."""
    args = ["sync", "push", "--yes"] + ([] if allow_delete else ["--keep-deleted"])
    commit = _git_commit(root)
    if commit:
        # Windmill shows it as the deployment message of every item this push changes.
        args += ["--message", f"phoenix deploy of {commit}"]
    with staged_tree(root, inference_tag) as stage:
        proc = run_wmill(args, stage, target)
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        raise DeployError(f"`wmill sync push` failed (exit {proc.returncode}):\n{output[-3000:]}")
    return output
