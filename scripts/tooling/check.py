"""`deploy.py check`: everything that can be known about a push before it happens.

Offline. First the official tools (`wmill lint`, windmill-yaml-validator on
every flow, schedule and trigger, windmill-parser-wasm-py + the CLI's own
schema inference on every script), then what they do not catch: duplicate
module ids, ``results.X`` naming a step that has not run yet, ``!inline``
files that are missing, scripts/flows named by flows, schedules and triggers
that are not in the tree, ``f.phoenix...`` imports that do not resolve
inside the pushed tree, files under ``f/`` that are not Windmill items
(tests, caches), the generated resources being out of date, entry
scripts whose generated ``#extra_requirements:`` block is missing,
incomplete or pinned unlike requirements.txt, a script argument or flow
input without a description (the help text of the Windmill form), and
``no_main_func`` missing on a library module or set on a script.

Every problem names a file, an item (module id, argument, key) and a reason.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path, PurePosixPath

import jsonschema
import yaml

from lib.yaml_reader import yaml_error_location, yaml_error_problem

from . import metadata, resources, windmill_tools
from .deps import dependency_warnings
from .extra_requirements import header_problems
from .generated_steps import check_generated_steps
from .problems import Problem
from .tree import TRIGGER_FILE, PackageTree, file_defines_main, flow_folder, load_tree

NOT_PUSHED_TOPS = ("lib", "scripts", "tests", "resources", "benchmarks")
CACHE_DIRS = {".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules", ".ipynb_checkpoints",
              ".venv", "venv", ".tox", ".cache"}
TEST_FILE = re.compile(r"^(test_.*|.*_test|conftest)\.py$")
SNAKE = re.compile(r"^[a-z0-9_]+$")
RESULTS_REF = re.compile(r"(?<![\w.$])results(?:\.([A-Za-z_$][\w$]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")
FLOW_INPUT_REF = re.compile(r"(?<![\w.$])flow_input(?:\.([A-Za-z_$][\w$]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")
SCRIPT_KEYS = {
    "summary", "description", "kind", "lock", "schema", "tag", "timeout", "priority", "cache_ttl",
    "cache_ignore_s3_path", "envs", "restart_unless_cancelled", "dedicated_worker", "concurrent_limit",
    "concurrency_time_window_s", "concurrency_key", "delete_after_secs", "labels", "has_preprocessor",
    "ws_error_handler_muted", "visible_to_runner_only", "on_behalf_of_email", "debounce_key",
    "debounce_delay_s", "debounce_args_to_accumulate", "max_total_debouncing_time",
    "max_total_debounces_amount", "codebase", "no_main_func", "auto_kind",
}
SCRIPT_KINDS = {"script", "trigger", "approval", "failure", "preprocessor", "command"}
ALLOWED_EXTRA = {".gitkeep"}


def check_tree(root: Path, lint: bool = True) -> list[Problem]:
    """All problems of the package at ``root``, sorted; empty means pushable."""
    root = Path(root).resolve()
    tree = load_tree(root)
    problems = check_layout(tree)
    documents, problems2 = _load_yaml_items(tree)
    problems += problems2
    problems += check_official_validator(documents)
    problems += check_flows(tree, documents)
    problems += check_step_arguments(tree, documents)
    problems += check_schedules_and_triggers(tree, documents)
    problems += check_scripts(tree)
    problems += check_imports(tree)
    problems += header_problems(tree)
    problems += check_resources(root)
    problems += check_generated_steps(tree)  # generated_steps.py: nothing in a translated step runs on load
    if lint:
        problems += check_wmill_lint(root)
    return sorted(set(problems))


def check_warnings(root: Path) -> list[Problem]:
    """Findings that do not block a push unless asked (`check --strict`).

    Imports Windmill reads as a dependency on a folder (deps.py), and
    metadata a runnable script should have for the UI and the workers: a
    description and a timeout. What entries need and Windmill will not
    install is a problem (extra_requirements.py), not a warning.
    """
    tree = load_tree(Path(root).resolve())
    return sorted(set(dependency_warnings(tree) + metadata_warnings(tree)))


def metadata_warnings(tree: PackageTree) -> list[Problem]:
    warnings = []
    for path, rel in sorted(tree.script_metadata.items()):
        script = tree.scripts.get(path)
        if script is None or not file_defines_main(tree.root / script):
            continue
        try:
            document = metadata.read_metadata(tree.root / rel) or {}
        except ValueError:
            continue  # a problem already
        if not str(document.get("description") or "").strip():
            warnings.append(Problem(rel, "description", "empty: the UI shows it above the script's form"))
        if document.get("timeout") is None:
            warnings.append(Problem(rel, "timeout", "none: a hung job holds a worker until the instance-wide "
                                                    "limit; set one in seconds"))
    return warnings


# --- layout ----------------------------------------------------------------

def _git_tracked(root: Path) -> set[str]:
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--", "f", "u"], cwd=root, capture_output=True,
                             timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return set(filter(None, out.decode().split("\0")))


def check_layout(tree: PackageTree) -> list[Problem]:
    """Nothing under f/ and u/ but Windmill items, named the way Windmill names them."""
    problems = []
    tracked = _git_tracked(tree.root)
    for rel in tree.files:
        parts = rel.split("/")
        name = parts[-1]
        caches = [p for p in parts[:-1] if p in CACHE_DIRS]
        if caches:
            problems.append(Problem(rel, "", f"cache directory {caches[0]}/ under {parts[0]}/: delete it"))
            continue
        if "__pycache__" in parts:
            # Python writes these whenever the vendored lib is imported; wmill.yaml
            # excludes them, so only a committed one is a mistake.
            if rel in tracked:
                problems.append(Problem(rel, "", "byte-code cache committed under f/: git rm it"))
            continue
        if "tests" in parts[:-1] or TEST_FILE.match(name):
            problems.append(Problem(rel, "", "test file under f/: Windmill would push it as a script; "
                                             "tests belong in tests/<capability>/"))
            continue
        if name == "__init__.py":
            problems.append(Problem(rel, "", "__init__.py under f/: Windmill would push it as a script; "
                                             "namespace packages need none"))
            continue
        problems += _layout_of_file(tree, rel, name)
    for folder in {flow_folder(rel) for rel in tree.files} - {None}:
        if f"{folder}/flow.yaml" not in tree.files:
            problems.append(Problem(folder + "/", "", "flow folder without flow.yaml"))
    return problems


def _layout_of_file(tree: PackageTree, rel: str, name: str) -> list[Problem]:
    if flow_folder(rel):
        return []  # flow.yaml and its inline step files
    if name in ALLOWED_EXTRA or name == "folder.meta.yaml":
        return []
    stem, _, suffix = name.partition(".")
    known = suffix in ("py", "ts", "script.yaml", "script.lock", "schedule.yaml", "resource.yaml",
                       "variable.yaml") or TRIGGER_FILE.search(name)
    if not known:
        if name.endswith(".py") or name.endswith(".script.yaml"):
            return [Problem(rel, "", f"extra dot in the file name: Windmill would call this item "
                                     f"{rel.rsplit('/', 1)[0]}/{stem}; use snake_case without dots")]
        return [Problem(rel, "", "not a Windmill item (only scripts, flows, schedules, triggers, resources, "
                                 "variables and their metadata belong under f/ and u/)")]
    problems = []
    if not SNAKE.match(stem):
        problems.append(Problem(rel, "", "item names are snake_case (a-z, 0-9, _)"))
    script = rel[: -len(".script.yaml")]
    if suffix == "script.yaml" and f"{script}.py" not in tree.files and f"{script}.ts" not in tree.files:
        problems.append(Problem(rel, "", "script metadata without its script (.py or .ts beside it)"))
    if suffix == "ts" and f"{rel[: -len('.ts')]}.script.yaml" not in tree.files:
        # a Bun script (wmill.yaml defaultTs: bun); without metadata the push cannot describe it
        problems.append(Problem(rel, "", "TypeScript script without its metadata (.script.yaml beside it)"))
    return problems


# --- YAML items and the official validator ----------------------------------

def _load_yaml_items(tree: PackageTree) -> tuple[dict[str, dict], list[Problem]]:
    """Parsed flow, schedule and trigger documents by file; unreadable ones as problems."""
    documents, problems = {}, []
    for rel in [*tree.flows.values(), *tree.schedules.values(), *tree.triggers.values()]:
        try:
            document = yaml.safe_load((tree.root / rel).read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            location = yaml_error_location(exc)
            problems.append(Problem(rel, f"line {location[0]}" if location else "",
                                    f"malformed YAML: {yaml_error_problem(exc)}"))
            continue
        if not isinstance(document, dict):
            problems.append(Problem(rel, "", "expected a mapping at the top"))
            continue
        documents[rel] = document
    return documents, problems


def check_official_validator(documents: dict[str, dict]) -> list[Problem]:
    results = windmill_tools.validate_documents(list(documents.items()))
    problems = []
    for rel, errors in results.items():
        for error in errors:
            pointer, _, reason = error.partition(": ")
            item = _item_at_pointer(documents[rel], pointer)
            problems.append(Problem(rel, item, f"windmill-yaml-validator: {pointer} {reason}"))
    return problems


def _item_at_pointer(document: dict, pointer: str) -> str:
    """Name the deepest flow module on a JSON pointer (`/value/modules/0/...` -> `module a`)."""
    node, found = document, ""
    for token in filter(None, pointer.split("/")):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            break
        if isinstance(node, dict) and "id" in node and "value" in node:
            found = f"module {node['id']}"
    return found


# --- flows -----------------------------------------------------------------

def _submodule_lists(module: dict) -> list[list]:
    value = module.get("value") or {}
    lists = []
    if isinstance(value.get("modules"), list):
        lists.append(value["modules"])
    if isinstance(value.get("default"), list):
        lists.append(value["default"])
    for branch in value.get("branches") or []:
        if isinstance(branch, dict) and isinstance(branch.get("modules"), list):
            lists.append(branch["modules"])
    return lists


def _expressions(module: dict) -> list[str]:
    """JavaScript the engine evaluates for this module (input transforms, predicates, iterator)."""
    found = []

    def walk(node, key=None):
        if isinstance(node, dict):
            if node.get("type") == "javascript" and isinstance(node.get("expr"), str):
                found.append(node["expr"])
            for k, v in node.items():
                if k in ("modules", "default") and isinstance(v, list):
                    continue
                if k == "expr" and isinstance(v, str) and node.get("type") != "javascript":
                    found.append(v)
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)

    walk({k: v for k, v in module.items() if k not in ("id", "summary")})
    return found


def _all_modules(modules: list, trail: str = ""):
    for index, module in enumerate(modules or []):
        if not isinstance(module, dict):
            continue
        yield module, f"{trail}{index}"
        for sub in _submodule_lists(module):
            yield from _all_modules(sub, f"{trail}{index}.")


def check_flows(tree: PackageTree, documents: dict[str, dict]) -> list[Problem]:
    problems = []
    for path, rel in sorted(tree.flows.items()):
        flow = documents.get(rel)
        if flow is None:
            continue
        value = flow.get("value") if isinstance(flow.get("value"), dict) else {}
        tops = [("modules", value.get("modules") or [])]
        for special in ("failure_module", "preprocessor_module"):
            if isinstance(value.get(special), dict):
                tops.append((special, [value[special]]))
        every = [m for _, mods in tops for m, _ in _all_modules(mods)]
        problems += _duplicate_ids(rel, every)
        problems += _flow_inputs_described(rel, flow.get("schema"))
        all_ids = {str(m.get("id")) for m in every}
        inputs = set(((flow.get("schema") or {}).get("properties") or {}).keys())
        check_inputs = isinstance(flow.get("schema"), dict)
        for label, mods in tops:
            visible = all_ids if label == "failure_module" else set()
            problems += _check_modules(tree, rel, mods, visible, all_ids, inputs if check_inputs else None,
                                       in_loop=False)
    return problems


def _flow_inputs_described(rel: str, schema) -> list[Problem]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return []
    return [Problem(rel, f"schema.{name}", "no description: the flow's form shows it under the field; write "
                                           "what the input is and what leaving it empty does")
            for name, prop in properties.items()
            if not (isinstance(prop, dict) and str(prop.get("description") or "").strip())]


def _duplicate_ids(rel: str, modules: list[dict]) -> list[Problem]:
    seen, problems = {}, []
    for module in modules:
        module_id = module.get("id")
        if module_id is None:
            continue  # the official validator reports a missing id
        seen[module_id] = seen.get(module_id, 0) + 1
    for module_id, count in seen.items():
        if count > 1:
            problems.append(Problem(rel, f"module {module_id}",
                                    f"duplicate module id ({count} modules share it): results.{module_id} "
                                    "would be ambiguous"))
    return problems


def _check_modules(tree, rel, modules, visible_before, all_ids, inputs, in_loop) -> list[Problem]:
    problems, visible = [], set(visible_before)
    for module in modules:
        if not isinstance(module, dict):
            continue
        module_id = str(module.get("id"))
        item = f"module {module_id}"
        problems += _check_references(rel, item, module, visible, all_ids, inputs, in_loop)
        problems += _check_module_value(tree, rel, item, module.get("value") or {})
        value = module.get("value") or {}
        loop = value.get("type") in ("forloopflow", "whileloopflow")
        for sub in _submodule_lists(module):
            problems += _check_modules(tree, rel, sub, visible, all_ids, inputs, in_loop or loop)
        visible.add(module_id)
        # Steps inside a finished branch or loop have run too: later steps may name them.
        visible |= {str(m.get("id")) for sub in _submodule_lists(module) for m, _ in _all_modules(sub)}
    return problems


def _check_references(rel, item, module, visible, all_ids, inputs, in_loop) -> list[Problem]:
    problems = []
    for expr in _expressions(module):
        for match in RESULTS_REF.finditer(expr):
            step = match.group(1) or match.group(2)
            if step in visible:
                continue
            if step in all_ids:
                reason = f"results.{step} refers to a step that has not run yet (forward reference) in `{expr}`"
            else:
                reason = f"results.{step} refers to no step of this flow in `{expr}`"
            problems.append(Problem(rel, item, reason))
        if inputs is None:
            continue
        for match in FLOW_INPUT_REF.finditer(expr):
            name = match.group(1) or match.group(2)
            if name == "iter" and in_loop:
                continue
            if name not in inputs:
                problems.append(Problem(rel, item, f"flow_input.{name} is not an input of the flow "
                                                   f"(schema.properties) in `{expr}`"))
    return problems


def _check_module_value(tree: PackageTree, rel: str, item: str, value: dict) -> list[Problem]:
    problems = []
    kind = value.get("type")
    folder = PurePosixPath(rel).parent
    for key in ("content", "lock"):
        text = value.get(key)
        if isinstance(text, str) and text.startswith("!inline "):
            target = (folder / text[len("!inline "):].strip()).as_posix()
            if not (tree.root / target).is_file():
                problems.append(Problem(rel, item, f"{key}: '{text}' names a missing file ({target})"))
    if kind == "script" and isinstance(value.get("path"), str):
        problems += _missing_target(tree, rel, item, value["path"], is_flow=False, what="script step")
    if kind == "flow" and isinstance(value.get("path"), str):
        problems += _missing_target(tree, rel, item, value["path"], is_flow=True, what="subflow step")
    return problems


def _missing_target(tree, rel, item, path, is_flow, what) -> list[Problem]:
    if path.startswith("hub/"):
        return []
    known = tree.flows if is_flow else tree.scripts
    if path in known:
        return []
    kind = "flow" if is_flow else "script"
    hint = ""
    other = tree.scripts if is_flow else tree.flows
    if path in other:
        hint = f" (a {'script' if is_flow else 'flow'} of that path exists: check is_flow)"
    return [Problem(rel, item, f"{what} names {kind} {path}, which is not in the pushed tree{hint}")]


def check_step_arguments(tree: PackageTree, documents: dict[str, dict]) -> list[Problem]:
    """A step's input_transforms give every required argument of its script and no unknown one."""
    schemas = _target_schemas(tree)
    steps, inline_sources = [], {}
    for rel in tree.flows.values():
        flow = documents.get(rel)
        value = (flow or {}).get("value")
        if not isinstance(value, dict):
            continue
        mods = list(value.get("modules") or [])
        mods += [value[k] for k in ("failure_module", "preprocessor_module") if isinstance(value.get(k), dict)]
        for module, _ in _all_modules(mods):
            step = module.get("value") or {}
            transforms = step.get("input_transforms")
            if not isinstance(transforms, dict):
                continue
            if step.get("type") in ("script", "flow") and isinstance(step.get("path"), str):
                schema = schemas.get((step["path"], step["type"] == "flow"))
                if schema is not None:
                    steps.append((rel, module, transforms, _schema_args(schema)))
            elif step.get("type") == "rawscript" and step.get("language") == "python3":
                content = step.get("content")
                if isinstance(content, str) and content.startswith("!inline "):
                    path = tree.root / PurePosixPath(rel).parent / content[len("!inline "):].strip()
                    if not path.is_file():
                        continue  # reported as a missing inline file
                    content = path.read_text(encoding="utf-8")
                if isinstance(content, str):
                    key = f"{rel}#{module.get('id')}"
                    inline_sources[key] = content
                    steps.append((rel, module, transforms, key))
    parsed = windmill_tools.parse_python_mains(inline_sources)
    problems = []
    for rel, module, transforms, args in steps:
        if isinstance(args, str):
            reading = parsed.get(args) or {}
            if reading.get("type") == "Invalid" or reading.get("star_kwargs"):
                continue
            args = ({a["name"] for a in reading.get("args", [])},
                    {a["name"] for a in reading.get("args", []) if not a.get("has_default")})
        known, required = args
        item = f"module {module.get('id')}"
        problems += [Problem(rel, item, f"input_transforms.{name}: the step's main() has no argument {name}")
                     for name in sorted(set(transforms) - known)]
        problems += [Problem(rel, item, f"input_transforms lacks {name}, a required argument of the step")
                     for name in sorted(required - set(transforms))]
    return problems


def _schema_args(schema: dict) -> tuple[set[str], set[str]]:
    properties = schema.get("properties") or {}
    return set(properties), set(schema.get("required") or []) & set(properties)


# --- schedules and triggers --------------------------------------------------

def check_schedules_and_triggers(tree: PackageTree, documents: dict[str, dict]) -> list[Problem]:
    problems = []
    schemas = _target_schemas(tree)
    known_resources = _package_resources(tree)
    for rel in tree.schedules.values():
        for where, path in _resource_references((documents.get(rel) or {}).get("args"), "args"):
            if path not in known_resources:
                problems.append(Problem(rel, where, f"$res:{path} is no resource of the package (resources/ or "
                                                    f"*.resource.yaml under f/): the schedule would fail each run"))
    problems += _duplicate_routes(tree, documents)
    for rel in [*tree.schedules.values(), *tree.triggers.values()]:
        document = documents.get(rel)
        if document is None or not isinstance(document.get("script_path"), str):
            continue  # unreadable, or the validator already says script_path is missing
        path, is_flow = document["script_path"], bool(document.get("is_flow"))
        missing = _missing_target(tree, rel, "script_path", path, is_flow, "script_path")
        problems += missing
        if missing or rel in tree.triggers.values():
            continue  # trigger args come from the request, not the file
        schema = schemas.get((path, is_flow))
        if schema is not None:
            problems += _check_args(rel, document.get("args") or {}, schema, path)
    return problems


def _duplicate_routes(tree: PackageTree, documents: dict[str, dict]) -> list[Problem]:
    """Two HTTP triggers on one method and route: the server refuses the second one at push time."""
    owners: dict[tuple[str, str], list[str]] = {}
    for rel in tree.triggers.values():
        document = documents.get(rel) or {}
        if rel.endswith(".http_trigger.yaml") and isinstance(document.get("route_path"), str):
            key = (str(document.get("http_method", "")).lower(), document["route_path"].strip("/"))
            owners.setdefault(key, []).append(rel)
    return [Problem(rel, "route_path", f"{method.upper()} /api/r/{route} is also served by "
                                       f"{', '.join(r for r in rels if r != rel)}")
            for (method, route), rels in owners.items() if len(rels) > 1 for rel in rels]


def _package_resources(tree: PackageTree) -> set[str]:
    try:
        managed = set(resources.load_resource_files(tree.root).resources)
    except ValueError:
        managed = set()  # reported by check_resources
    return managed | set(tree.resources)


def _resource_references(value, where: str):
    if isinstance(value, str) and value.startswith("$res:"):
        yield where, value[len("$res:"):]
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _resource_references(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _resource_references(inner, f"{where}[{i}]")


def _target_schemas(tree: PackageTree) -> dict[tuple[str, bool], dict]:
    schemas = {}
    for path, rel in tree.script_metadata.items():
        try:
            schemas[(path, False)] = (metadata.read_metadata(tree.root / rel) or {}).get("schema") or {}
        except ValueError:
            pass
    for path, rel in tree.flows.items():
        try:
            schemas[(path, True)] = (yaml.safe_load((tree.root / rel).read_text()) or {}).get("schema") or {}
        except (yaml.YAMLError, AttributeError):
            pass
    return schemas


def _check_args(rel: str, args: dict, schema: dict, path: str) -> list[Problem]:
    if not isinstance(args, dict):
        return [Problem(rel, "args", "args must be a mapping of argument name to value")]
    properties = schema.get("properties") or {}
    problems = [Problem(rel, f"args.{name}", f"{path} has no argument {name}")
                for name in args if name not in properties]
    problems += [Problem(rel, f"args.{name}", f"{path} requires argument {name}, the schedule does not give it")
                 for name in schema.get("required") or [] if name not in args]
    return problems


# --- scripts ---------------------------------------------------------------

def check_scripts(tree: PackageTree) -> list[Problem]:
    problems, sources = [], {}
    for path, rel in sorted(tree.scripts.items()):
        meta_rel = tree.script_metadata.get(path)
        if meta_rel is None:
            problems.append(Problem(rel, "", "no .script.yaml beside it: `wmill sync push` would write one "
                                             "during the push; run `python scripts/deploy.py metadata`"))
            continue
        sources[rel] = meta_rel
    inferred = metadata.expected_schemas(tree.root, [tree.root / rel for rel in sources])
    for rel, meta_rel in sources.items():
        problems += _check_one_script(tree, rel, meta_rel, inferred[rel], inferred[rel]["parsed"])
        problems += _check_arguments_described(rel, inferred[rel])
    return problems


def _undescribed(name: str, prop: dict) -> str:
    written = str(prop.get("description") or "").strip()
    where = (f"described only in the .script.yaml ({written!r}), not in the docstring descriptions come from"
             if written else "no description (the help under its field in the Windmill form)")
    return (f"{where}: add `{name}: ...` to the docstring's Args: section, then run "
            f"`python scripts/deploy.py metadata`")


def _check_one_script(tree, rel, meta_rel, inferred, parsed) -> list[Problem]:
    try:
        document = metadata.read_metadata(tree.root / meta_rel) or {}
    except ValueError as exc:
        return [Problem(meta_rel, "", str(exc))]
    problems = []
    if parsed.get("type") == "Invalid":
        problems.append(Problem(rel, "main", "windmill-parser-wasm-py cannot parse this file"))
    runnable = not inferred["library"]
    for key in sorted(set(document) - SCRIPT_KEYS):
        problems.append(Problem(meta_rel, key, "unknown script metadata key (Windmill ignores it)"))
    if document.get("kind", "script") not in SCRIPT_KINDS:
        problems.append(Problem(meta_rel, "kind", f"must be one of {sorted(SCRIPT_KINDS)}"))
    if runnable and not str(document.get("summary") or "").strip():
        problems.append(Problem(meta_rel, "summary", "empty: the UI lists the script by its summary"))
    timeout = document.get("timeout")
    if timeout is not None and (not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0):
        problems.append(Problem(meta_rel, "timeout", "must be a positive number of seconds"))
    if "tag" in document and not (isinstance(document["tag"], str) and document["tag"].strip()):
        problems.append(Problem(meta_rel, "tag", "a worker tag must be a non-empty string"))
    lock = document.get("lock", "")
    if isinstance(lock, str) and lock.startswith("!inline "):
        if not (tree.root / lock[len("!inline "):].strip()).is_file():
            problems.append(Problem(meta_rel, "lock", f"'{lock}' names a missing file"))
    problems += _schema_drift(meta_rel, document.get("schema"), inferred["schema"])
    problems += _library_flag(meta_rel, document, inferred["library"])
    return problems


def _library_flag(meta_rel: str, document: dict, library: bool) -> list[Problem]:
    """no_main_func: true exactly on modules without main() (what Windmill's server records for them)."""
    hint = "run `python scripts/deploy.py metadata`"
    flag = document.get("no_main_func")
    if library and flag is not True:
        return [Problem(meta_rel, "no_main_func", f"a module without main() is library code: mark it "
                                                  f"`no_main_func: true` so the UI does not offer it as a runnable "
                                                  f"script; {hint}")]
    if not library and "no_main_func" in document:
        return [Problem(meta_rel, "no_main_func", f"the script has a main(): no_main_func belongs only to library "
                                                  f"modules; {hint}")]
    return []


def _check_arguments_described(rel: str, inferred: dict) -> list[Problem]:
    """Every argument of main() is described in the docstring's Args: section (the help under its field in
    the form; metadata writes it into the schema), and the section is sound."""
    docstring = inferred["docstring"]
    arguments = (inferred["schema"].get("properties") or {}) if not inferred["library"] else {}
    problems = [Problem(rel, f"argument {name}", _undescribed(name, prop))
                for name, prop in arguments.items() if not str(docstring.arguments.get(name) or "").strip()]
    problems += [Problem(rel, f"Args: {name}", "the docstring describes an argument main() does not take")
                 for name in docstring.arguments if name not in arguments]
    problems += [Problem(rel, "Args:", f"'{line}' is not an entry `name: description` (continuation lines are "
                                       f"indented deeper than the names)")
                 for line in docstring.malformed]
    return problems


def _schema_drift(meta_rel: str, committed, expected: dict) -> list[Problem]:
    if committed == expected:
        return []
    hint = "schema out of date with main(): run `python scripts/deploy.py metadata`"
    if not isinstance(committed, dict):
        return [Problem(meta_rel, "schema", f"missing; {hint}")]
    problems = []
    old, new = committed.get("properties") or {}, expected.get("properties") or {}
    for name in new:
        if name not in old:
            problems.append(Problem(meta_rel, f"schema.{name}", f"argument of main() missing from the schema; {hint}"))
        elif old[name] != new[name]:
            problems.append(Problem(meta_rel, f"schema.{name}",
                                    f"{_compact(old[name])} but main() says {_compact(new[name])}; {hint}"))
    for name in old:
        if name not in new:
            problems.append(Problem(meta_rel, f"schema.{name}", f"not an argument of main(); {hint}"))
    if not problems:
        problems.append(Problem(meta_rel, "schema", f"differs outside properties ({_compact(committed)} vs "
                                                    f"{_compact(expected)}); {hint}"))
    return problems


def _compact(value) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 160 else text[:157] + "..."


# --- imports ---------------------------------------------------------------

def check_imports(tree: PackageTree) -> list[Problem]:
    """Every import of package code resolves to a pushed module (and name)."""
    pushed = set(tree.pushed)
    problems, names_cache = [], {}
    for rel in tree.python_files():
        try:
            module = ast.parse((tree.root / rel).read_text(encoding="utf-8"), filename=rel)
        except SyntaxError as exc:
            problems.append(Problem(rel, f"line {exc.lineno}", f"syntax error: {exc.msg}"))
            continue
        for node in ast.walk(module):
            for target, names, line in _imports_of(node, rel):
                problems += _resolve(tree, pushed, names_cache, rel, line, target, names)
    return problems


def _imports_of(node, rel: str):
    """(dotted module, imported names, line) for package imports; relative ones made absolute."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name, [], node.lineno
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = rel.split("/")[:-1]
            if node.level - 1 > len(package):
                yield "." * node.level + base, None, node.lineno
                return
            anchor = package[: len(package) - (node.level - 1)]
            base = ".".join(anchor + ([base] if base else []))
        yield base, [a.name for a in node.names], node.lineno


def _resolve(tree, pushed, names_cache, rel, line, target, names) -> list[Problem]:
    item = f"line {line}"
    if names is None:
        return [Problem(rel, item, f"relative import {target} climbs above f/")]
    top = target.split(".", 1)[0]
    if top in NOT_PUSHED_TOPS and (top == "lib" or (tree.root / top).is_dir()):
        return [Problem(rel, item, f"imports {target}, but {top}/ is never pushed to Windmill; "
                                   f"import from f.phoenix.lib instead")]
    if top not in ("f", "u"):
        return []  # third-party or standard library: the worker installs or has it
    module_file = target.replace(".", "/") + ".py"
    package_dir = target.replace(".", "/") + "/"
    if module_file in pushed:
        return _check_names(tree, pushed, names_cache, rel, item, target, module_file, names)
    if any(p.startswith(package_dir) for p in pushed):
        missing = [n for n in names or [] if f"{package_dir}{n}.py" not in pushed
                   and not any(p.startswith(f"{package_dir}{n}/") for p in pushed)]
        return [Problem(rel, item, f"from {target} import {n}: no module {package_dir}{n}.py in the pushed tree")
                for n in missing]
    where = "exists but wmill.yaml excludes it" if (tree.root / module_file).is_file() else "does not exist"
    return [Problem(rel, item, f"imports {target}: {module_file} {where} in the pushed tree")]


def _check_names(tree, pushed, names_cache, rel, item, target, module_file, names) -> list[Problem]:
    if not names:
        return []
    if module_file not in names_cache:
        names_cache[module_file] = _top_level_names(tree.root / module_file)
    defined = names_cache[module_file]
    if defined is None:
        return []  # star import or __getattr__: cannot tell statically
    package_dir = module_file[: -len(".py")] + "/"
    return [Problem(rel, item, f"from {target} import {n}: {module_file} defines no {n}")
            for n in names if n != "*" and n not in defined and f"{package_dir}{n}.py" not in pushed]


def _top_level_names(path: Path) -> set[str] | None:
    try:
        module = ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return None  # reported where the file itself is checked
    names = set()
    for node in module.body:
        names |= _bound_names(node)
        if isinstance(node, (ast.If, ast.Try)):
            for inner in ast.walk(node):
                names |= _bound_names(inner)
    if "*" in names or "__getattr__" in names:
        return None
    return names


def _bound_names(node) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".", 1)[0] for a in node.names}
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    names = set()
    for target in targets:
        for inner in ast.walk(target):
            if isinstance(inner, ast.Name):
                names.add(inner.id)
    return names


# --- resources ---------------------------------------------------------------

def check_resources(root: Path) -> list[Problem]:
    try:
        files = resources.load_resource_files(root)
    except ValueError as exc:
        file, _, reason = str(exc).partition(": ")
        return [Problem(file, "", reason)]
    problems = []
    type_rel = f"resources/{resources.STACK_TYPE}.resource-type.yaml"
    expected = resources.stack_resource_type()
    if resources.STACK_TYPE not in files.types:
        problems.append(Problem(type_rel, "", "missing: run `python scripts/deploy.py vendor` to generate it"))
    elif files.types[resources.STACK_TYPE] != expected:
        problems.append(Problem(type_rel, "schema", "out of date with the Stack model (lib/stack.py): run "
                                                    "`python scripts/deploy.py vendor`"))
    for name, document in files.types.items():
        if not isinstance(document.get("schema"), dict):
            problems.append(Problem(files.sources[name], "schema", "a resource type needs a JSON schema"))
    for path, document in files.resources.items():
        rel = files.sources[path]
        type_name = document.get("resource_type")
        if type_name not in files.types:
            problems.append(Problem(rel, "resource_type", f"{type_name!r} is not a resource type in resources/"))
        elif isinstance(files.types[type_name].get("schema"), dict):
            validator = jsonschema.Draft202012Validator(files.types[type_name]["schema"])
            for error in sorted(validator.iter_errors(document.get("value")), key=lambda e: list(map(str, e.path))):
                where = ".".join(["value", *map(str, error.path)])
                problems.append(Problem(rel, where, error.message))
        for where in resources.literal_secrets(document.get("value")):
            problems.append(Problem(rel, where, "looks like a secret given in clear: use a $var:f/phoenix/<name> "
                                                "reference to a secret variable"))
    return problems


# --- wmill lint ----------------------------------------------------------------

def check_wmill_lint(root: Path) -> list[Problem]:
    passed, report = windmill_tools.wmill_lint_report(root)
    if passed:
        return []
    problems = [Problem(issue.get("path", "?"), "wmill lint", error)
                for issue in report.get("issues", []) for error in issue.get("errors", [])]
    problems += [Problem(w.get("path", "?") if isinstance(w, dict) else "?", "wmill lint warning",
                         w.get("message", json.dumps(w)) if isinstance(w, dict) else str(w))
                 for w in report.get("warnings", [])]
    return problems or [Problem("wmill lint", "", report.get("raw_output") or "failed without saying why")]
