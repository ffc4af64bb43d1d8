# GENERATED from lib/workspace/vscode.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The seed's VS Code workspace (its Phase 3): settings.json entries and tasks bound to Phoenix commands.

Settings (VS Code's own keys): file associations for ``*.roo``, ``*.omas``
(YAML) and ``*.phoenix`` (JSON); Python analysis paths for ``src``, ``.roo``
and the agents' folder; the seed's excludes (backups, Terraform, logs from
the explorer; the models, ``hf-models`` and ``ollama-integration`` from
search); PowerShell as the Windows terminal. Folders come from the stack
where it names them (backups, agents, PhoenixCore's folder, a Hugging Face
cache under the root).

Tasks (``tasks.json`` version 2.0.0): the seed's five (start the stack,
deploy the agents, sync n8n with Windmill, test the router, back up), bound
to real Phoenix commands, plus health, the council and the tests. They are
``process`` tasks (no shell, so no quoting differs between PowerShell and
bash) run from the Phoenix checkout; free text the operator types (the
council's task) is passed as one argument with ``--arg``, never spliced
into JSON.
"""

from __future__ import annotations

from pathlib import PurePosixPath

SETTINGS_FILE = ".vscode/settings.json"
TASKS_FILE = ".vscode/tasks.json"
TASK_PREFIX = "Phoenix: "
COUNCIL_INPUT = "phoenixCouncilTask"
ROUTER_TEST_PROMPT = "Which model answers this, and is the orchestrator JSON valid?"


def _under_root(stack, configured: str | None) -> str | None:
    """A stack path as a workspace-relative POSIX path, or None when it lies outside the root."""
    if not configured:
        return None
    path = stack.under_root(configured)
    try:
        return PurePosixPath(path.relative_to(stack.root).as_posix()).as_posix()
    except ValueError:
        return None


def settings_entries(stack) -> list[tuple[list, object]]:
    """(JSON path, value) for every settings.json entry Phoenix adds; each one is kept if the operator has it."""
    agents = _under_root(stack, stack.agents.dir) or "omas"
    backups = _under_root(stack, stack.backup.dir) or "backups"
    core = _under_root(stack, stack.models.phoenixcore.path)
    models = str(PurePosixPath(core).parent) if core and "/" in core else "models/quantized"
    hf_cache = _under_root(stack, stack.models.huggingface.cache_dir) or "hf-models"
    entries: list[tuple[list, object]] = [
        (["files.associations", "*.roo"], "yaml"),
        (["files.associations", "*.omas"], "yaml"),
        (["files.associations", "*.phoenix"], "json"),
        (["terminal.integrated.defaultProfile.windows"], "PowerShell"),
    ]
    entries += [(["python.analysis.extraPaths", -1], f"./{folder}") for folder in ("src", ".roo", agents)]
    entries += [(["files.exclude", f"**/{folder}"], True) for folder in (backups, ".terraform", "logs/*.log")]
    entries += [(["search.exclude", f"**/{folder}"], True) for folder in (models, hf_cache, "ollama-integration")]
    return _unique(entries)


def _unique(entries):
    seen, kept = set(), []
    for path, value in entries:
        key = (tuple(path), value if path[-1] == -1 else None)
        if key not in seen:
            seen.add(key)
            kept.append((path, value))
    return kept


def _stack_args(stack_file: str | None) -> list[str]:
    return ["--stack", stack_file] if stack_file else []


def _run(script: str, stack_file: str | None, *arguments: str) -> list[str]:
    return ["scripts/run.py", script, *arguments, *_stack_args(stack_file)]


def tasks(phoenix_dir: str, stack_file: str | None) -> list[dict]:
    """The tasks, each run by Python from the Phoenix checkout ``phoenix_dir``."""

    def task(label: str, args: list[str], group: str | None, detail: str, **extra) -> dict:
        entry = {"label": TASK_PREFIX + label, "type": "process", "command": "python", "args": args,
                 "options": {"cwd": phoenix_dir}, "group": group, "detail": detail,
                 "problemMatcher": [], **extra}
        if group is None:
            del entry["group"]
        return entry

    return [
        task("Start Complete Stack", ["scripts/stack.py", "up", *_stack_args(stack_file)], "build",
             "the seed's 'Start Phoenix Complete Stack': bring up the Podman pods, keeping what already runs",
             presentation={"echo": True, "reveal": "always", "focus": False, "panel": "shared"}),
        task("Deploy Enhanced OMAS Agents", ["scripts/deploy.py", "push"], "build",
             "the seed's 'Deploy Enhanced OMAS Agents': check, show the plan, then push the agents, the council "
             "and every Phoenix script to Windmill (WINDMILL_URL, WINDMILL_WORKSPACE, WINDMILL_TOKEN)"),
        task("Sync n8n with Windmill", _run("f/phoenix/n8n/sync", stack_file), "build",
             "the seed's 'Sync n8n with Windmill': pull the n8n workflows, translate them, report"),
        task("Test Model Router Integration",
             _run("f/phoenix/router", stack_file, "--arg", f"prompt={ROUTER_TEST_PROMPT}",
                  "--arg", "response_mode=orchestrator"), "test",
             "the seed's 'Test Model Router Integration': one routed request, with its trace"),
        task("Backup State", _run("f/phoenix/backup/snapshot", stack_file), "build",
             "the seed's 'Backup Phoenix State': a verified archive of the operator's folders"),
        task("Health Check", _run("f/phoenix/health/check", stack_file), "test",
             "probe every service, container, folder, model and integration"),
        task("OMAS Council", _run("f/phoenix/omas/council", stack_file, "--arg", f"task=${{input:{COUNCIL_INPUT}}}"),
             None, "ask the council (Chaos, Thanatos, DemiGod) to decide a task; stops where approval is needed"),
        task("Run Tests", ["-m", "pytest", "-q"], "test", "Phoenix's own test suite"),
    ]


def task_inputs() -> list[dict]:
    return [{"id": COUNCIL_INPUT, "type": "promptString",
             "description": "The task for the OMAS council (Phoenix)"}]


def tasks_entries(phoenix_dir: str, stack_file: str | None) -> list[tuple[list, object]]:
    """(JSON path, value) entries of tasks.json; tasks are matched by label, inputs by id."""
    entries: list[tuple[list, object]] = [(["version"], "2.0.0")]
    entries += [(["tasks", -1], entry) for entry in tasks(phoenix_dir, stack_file)]
    entries += [(["inputs", -1], entry) for entry in task_inputs()]
    return entries


NEW_FILE_HEADER = ("// Phoenix added entries to this file (f/phoenix/workspace/install); its uninstall "
                   "removes only those.\n")
