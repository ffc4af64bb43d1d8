"""Run a Windmill script of this package locally, as a worker would.

The script is imported by its Windmill path (``f/phoenix/router`` ->
``f.phoenix.router``) with the repository root on ``sys.path``, exactly the
import layout Windmill gives it. Arguments come from JSON/YAML; arguments
annotated with a resource type (a TypedDict such as ``c_phoenix_stack``) are
filled from a local resources file, and ``$res:<path>`` / ``$var:<path>``
values are resolved from it. The same file backs ``wmill.get_variable`` /
``get_resource`` through the client's documented offline mock
(``WM_MOCKED_API_FILE``), so scripts need no server.

Resources file (YAML)::

    resources:            # by Windmill path
      f/phoenix/stack: {root: ~/BooPhoenix, ...}
    resource_types:       # default value for an argument of that type
      c_phoenix_stack: {root: ~/BooPhoenix}
    variables:
      f/phoenix/n8n_api_key: "..."
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
import tempfile
import typing
from contextlib import contextmanager
from pathlib import Path

import yaml

# The job's own copy of the library, not lib/: this module runs in the job's process
# (scripts/run.py), which must hold one copy of every class (tests/test_one_library.py).
from f.phoenix.lib.yaml_reader import yaml_error_message

from .tree import file_defines_main, load_tree

REPO = Path(__file__).resolve().parents[2]


class LocalRunError(Exception):
    """The script could not be run locally (bad path, arguments or file)."""


def load_document(text_or_path: str | None, what: str) -> dict:
    """A mapping from inline JSON/YAML or from a file path."""
    if not text_or_path:
        return {}
    candidate = Path(text_or_path)
    source = what
    if candidate.suffix in {".json", ".yaml", ".yml"} or _is_file(candidate):
        if not _is_file(candidate):
            raise LocalRunError(f"{what}: file not found: {candidate}")
        source = f"{what} {candidate}"
        try:
            text_or_path = candidate.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LocalRunError(f"{source}: cannot be read: {exc}") from exc
    try:
        # JSON first: YAML 1.1 would read a JSON number such as 1e3 as a string
        document = json.loads(text_or_path)
    except ValueError:
        document = _load_yaml(text_or_path, source)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise LocalRunError(f"{source}: expected a mapping, got {type(document).__name__}")
    return document


RESOURCE_SECTIONS = ("resource_types", "resources", "variables")


def check_resources(document: dict, what: str = "--resources") -> dict:
    """A resources file has only the three sections, each a mapping (path or type -> value)."""
    unknown = sorted(set(document) - set(RESOURCE_SECTIONS))
    if unknown:
        raise LocalRunError(f"{what}: unknown section(s) {', '.join(map(str, unknown))} "
                            f"(allowed: {', '.join(RESOURCE_SECTIONS)})")
    for section in RESOURCE_SECTIONS:
        value = document.get(section, {})
        if not isinstance(value, dict):
            raise LocalRunError(f"{what}: {section}: expected a mapping of paths, got {type(value).__name__}")
    return document


def _is_file(path: Path) -> bool:
    """Path.is_file, False for inline text no file name can be (too long: ENAMETOOLONG)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _load_yaml(text: str, source: str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LocalRunError(f"{source}: malformed JSON/YAML: {yaml_error_message(exc)}") from exc


def windmill_module_path(script: str) -> Path:
    """``f/phoenix/router`` or ``f/phoenix/router.py`` -> the file under the repo."""
    relative = script[:-3] if script.endswith(".py") else script
    path = REPO / f"{relative}.py"
    if not relative.startswith(("f/", "u/")) or not path.is_file():
        raise LocalRunError(f"no Windmill script at {relative} (expected a file {relative}.py under f/ or u/)")
    return path


def resolve_arguments(main, args: dict, resources: dict) -> dict:
    """Fill resource-typed arguments and resolve $res:/$var: references."""
    parameters = inspect.signature(main).parameters
    unknown = sorted(set(args) - set(parameters))
    if unknown:
        raise LocalRunError(f"unknown argument(s) {', '.join(unknown)}; main() takes: {', '.join(parameters)}")
    resolved = {name: _resolve_value(value, resources) for name, value in args.items()}
    hints = typing.get_type_hints(main)
    for name in parameters:
        resource_type = _resource_type(hints.get(name))
        if name not in resolved and resource_type in resources.get("resource_types", {}):
            resolved[name] = resources["resource_types"][resource_type]
    missing = [n for n, p in parameters.items() if p.default is inspect.Parameter.empty and n not in resolved]
    if missing:
        raise LocalRunError(f"missing required argument(s): {', '.join(missing)}")
    return resolved


def _resource_type(annotation) -> str | None:
    """The resource type a parameter is annotated with (Optional[...] unwrapped)."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if typing.is_typeddict(candidate):
            return candidate.__name__
    return None


def _resolve_value(value, resources: dict):
    if isinstance(value, str) and value.startswith("$res:"):
        path = value[5:]
        if path not in resources.get("resources", {}):
            raise LocalRunError(f"resource {path} is not in the resources file")
        return resources["resources"][path]
    if isinstance(value, str) and value.startswith("$var:"):
        path = value[5:]
        if path not in resources.get("variables", {}):
            raise LocalRunError(f"variable {path} is not in the resources file")
        return resources["variables"][path]
    return value


def run_script(script: str, args: dict, resources: dict):
    """Import the script as Windmill would and call its main()."""
    path = windmill_module_path(script)
    _mock_windmill_api(resources)
    module_name = path.relative_to(REPO).with_suffix("").as_posix().replace("/", ".")
    module = importlib.import_module(module_name)
    if not callable(getattr(module, "main", None)):
        raise LocalRunError(f"{script} has no main(): it is shared code, not a runnable script")
    arguments = resolve_arguments(module.main, args, resources)
    with _result_stream_on_stderr():
        return module.main(**arguments)


RESULT_STREAM_PREFIX = "WM_STREAM: "


class _ResultStream:
    """stdout during a local run. A worker reads ``WM_STREAM: <text>`` lines
    (printed by ``wmill.append_to_result_stream``, newlines escaped) as the
    job's result stream; here that text goes to stderr as it comes, so stdout
    keeps only what the script printed and the result."""

    def __init__(self, out, err):
        self.out, self.err, self.pending, self.streamed = out, err, "", False

    def write(self, text: str) -> int:
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            if line.startswith(RESULT_STREAM_PREFIX):
                self.err.write(line[len(RESULT_STREAM_PREFIX):].replace("\\n", "\n"))
                self.err.flush()
                self.streamed = True
            else:
                self.out.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        if self.pending and not RESULT_STREAM_PREFIX.startswith(self.pending[:len(RESULT_STREAM_PREFIX)]):
            self.out.write(self.pending)
            self.pending = ""
        self.out.flush()

    def __getattr__(self, name):  # encoding, isatty, fileno...: the real stdout's
        return getattr(self.out, name)


@contextmanager
def _result_stream_on_stderr():
    real = sys.stdout
    sys.stdout = stream = _ResultStream(real, sys.stderr)
    try:
        yield
    finally:
        sys.stdout = real
        if stream.pending:
            real.write(stream.pending)
        if stream.streamed:
            stream.err.write("\n")  # the streamed text ends its own line


def _mock_windmill_api(resources: dict) -> None:
    """Point the wmill client at an offline mock holding the local resources."""
    if os.environ.get("WM_MOCKED_API_FILE"):
        return
    mock = {"variables": resources.get("variables", {}), "resources": resources.get("resources", {})}
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", prefix="phoenix-wm-mock-", delete=False)
    with handle:
        json.dump(mock, handle)
    os.environ["WM_MOCKED_API_FILE"] = handle.name
    os.environ.setdefault("WM_WORKSPACE", "local")


def runnable_items(root: Path = REPO) -> list[dict]:
    """Every script (a file with a ``main()``; library modules have none) and flow that a
    push uploads, by Windmill path, with its summary."""
    tree = load_tree(root)
    items = [{"path": path, "kind": "script", "summary": _summary(root / tree.script_metadata.get(path, ""))}
             for path, rel in tree.scripts.items() if file_defines_main(root / rel)]
    items += [{"path": path, "kind": "flow", "summary": _summary(root / rel)} for path, rel in tree.flows.items()]
    return sorted(items, key=lambda item: item["path"])


def _summary(metadata: Path) -> str:
    """The ``summary`` of a .script.yaml or flow.yaml; empty when there is none."""
    try:
        document = yaml.safe_load(metadata.read_text(encoding="utf-8")) if metadata.is_file() else None
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return ""
    return str(document.get("summary") or "").strip() if isinstance(document, dict) else ""
