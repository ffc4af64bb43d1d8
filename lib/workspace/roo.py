"""Roo Code's Phoenix orchestrator: the seed's "Prompt Maestro Evolutivo", written from the stack.

The seed turns Roo Code into the orchestrator of the hybrid system. Here its
master prompt is generated, not copied: the models actually configured per
category, PhoenixCore's path, the OMAS council and its agents (as
``lib/omas`` loads them, the operator's ``omas/`` overrides included), the
ports of the stack's services, the preservation directives and the response
format of ``lib/router/orchestrator.py``. Nothing from the seed's example
stack appears unless the stack has it.

Roo Code's formats (RooCodeInc/Roo-Code):
- a custom mode in ``.roomodes``: ``customModes: [{slug, name, roleDefinition,
  whenToUse, description, customInstructions, groups}]``, groups from
  ``read, edit, command, mcp, modes``, an entry ``[group, {fileRegex,
  description}]`` restricting edits (``schemas/roomodes.json``,
  ``packages/types/src/mode.ts``, ``packages/types/src/tool.ts``); the regex is
  tested with JavaScript's ``new RegExp(pattern).test(path)``
  (``src/core/tools/validateToolUse.ts``);
- the mode's rules: every file under ``.roo/rules-<slug>/``, read in name order
  (``src/core/prompts/sections/custom-instructions.ts``);
- MCP servers in ``.roo/mcp.json``: ``{"mcpServers": {name: {"type":
  "streamable-http", "url", "headers", "timeout"}}}`` with ``${env:NAME}``
  replaced from the environment when Roo connects (``src/services/mcp/McpHub.ts``,
  ``src/utils/config.ts`` ``injectVariables``; NAME is ``\\w+``).

Windmill's MCP server (windmill-labs/windmill, ``backend/windmill-api/src/lib.rs``
and ``src/mcp/``): streamable HTTP at ``{windmill}/api/mcp/w/{workspace}/mcp``,
authenticated by a Windmill token carrying an ``mcp:`` scope (``mcp:all``,
``mcp:favorites``, or ``mcp:all:f/phoenix/*`` for Phoenix's folder only);
every deployed script and flow is a tool named ``s-<path>``/``f-<path>`` with
``_`` doubled and ``/`` turned into ``_`` (``src/mcp/utils/transform.rs``).

Text from the stack or the operator's folders enters the prompt only through
``literal()``: a one-line, JSON-escaped code span that no model name can
break out of.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from urllib.parse import quote, urlsplit

from ..errors import InputError
from ..omas.agents import AGENT_NAMES, load_council
from ..preserve import PROTECTED
from ..router.orchestrator import ENHANCEMENT_LEVELS, OMAS_AGENTS, ORCHESTRATOR_SCHEMA, WORKFLOW_TYPES
from ..backends.common_settings import CATEGORIES, ROO_DOMAINS
from ..backends.embedded.settings import EMBEDDED_MODEL_NAME

MODE_SLUG = "phoenix-orchestrator"
RULES_DIR = f".roo/rules-{MODE_SLUG}"
MCP_SERVER = "phoenix-windmill"
DEFAULT_TOKEN_ENV = "PHOENIX_MCP_TOKEN"
#: the route issue 16 adds; Roo's "OpenAI Compatible" provider points at it
OPENAI_ROUTE = "api/r/phoenix/v1"
_LISTED = 30  # at most this many names of one kind in the prompt

#: Phoenix's scripts and flows Roo calls as MCP tools, and what each is for
PHOENIX_TOOLS = (
    ("f/phoenix/router", "script", "route one task to the best available model and answer "
                                   "(orchestrator JSON and a trace of every decision)"),
    ("f/phoenix/omas/council", "flow", "the OMAS council for complex decisions: Chaos proposes, Thanatos "
                                       "judges against the rules, DemiGod decides (may wait for approval)"),
    ("f/phoenix/health/check", "script", "probe the services, containers, folders, models and integrations"),
    ("f/phoenix/health/dashboard", "script", "render the status dashboard"),
    ("f/phoenix/backup/snapshot", "script", "back up the operator's folders into a verified archive"),
    ("f/phoenix/backup/verify", "script", "verify a backup"),
    ("f/phoenix/n8n/sync", "flow", "pull the n8n workflows, translate them into Windmill flows and report"),
    ("f/phoenix/n8n/pull", "script", "pull the n8n workflows into git-friendly files"),
    ("f/phoenix/models/list", "script", "which models are where, up or not"),
)

# Roo Code rewrites these when it loads a YAML .roomodes (CustomModesManager.PROBLEMATIC_CHARS_REGEX)
_ROO_REWRITES = set("\u00a0\u200b\u200c\u200d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2018\u2019\u201c\u201d")


def literal(text) -> str:
    """Outside text as an inert Markdown code span: JSON-escaped, on one line, no backtick inside.

    The one escaping function for the prompt: control and format characters,
    line and paragraph separators and the characters Roo Code would rewrite
    are written as ``\\uXXXX``, so a model name cannot end a line, start a
    heading or close the span.
    """
    body = json.dumps(str(text), ensure_ascii=False)
    out = []
    for char in body:
        if char == "`" or char in _ROO_REWRITES or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"):
            out.extend(f"\\u{unit:04x}" for unit in _utf16(char))
        else:
            out.append(char)
    return "`" + "".join(out) + "`"


def _utf16(char: str) -> list[int]:
    data = char.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def mcp_tool_name(path: str, kind: str) -> str:
    """The tool name Windmill's MCP server gives a script or flow (``transform_path``)."""
    mangled = path.replace("_", "__").replace("/", "_") if path.startswith("f/") else path.replace("/", "_")
    return f"{kind[0]}-{mangled}"


def check_token_env(name: str) -> str:
    """The environment variable holding the MCP token: a NAME, which Roo's ``${env:NAME}`` accepts (``\\w+``)."""

    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise InputError("mcp_token_env must be the NAME of an environment variable (letters, digits, _), "
                         "never the token itself")
    return name


# --- what the stack has ---------------------------------------------------------------------------

def _port(url: str) -> int | None:
    parts = urlsplit(url)
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None


def _relative(stack, path) -> str:
    try:
        return path.relative_to(stack.root).as_posix()
    except ValueError:
        return str(path)


def _listed_names(folder, pattern: str, directories: bool = False) -> list[str]:
    try:
        entries = sorted(folder.glob(pattern))
    except OSError:
        return []
    return [entry.name if directories else entry.stem for entry in entries
            if (entry.is_dir() if directories else entry.is_file())][:_LISTED]


def stack_facts(stack) -> dict:
    """Everything the prompt says about this stack, from the stack and the operator's folders (read only)."""
    models, services = stack.models, stack.services
    phoenixcore = stack.under_root(models.phoenixcore.path)
    council = load_council(stack)
    windmill = stack.service_url("windmill")
    workspace = services.windmill.workspace or "phoenix"
    return {
        "name": stack.name,
        "root": str(stack.root),
        "priority": stack.routing.priority,
        "phoenixcore": {"path": _relative(stack, phoenixcore), "present": phoenixcore.is_file()} if phoenixcore else None,
        "embedded": EMBEDDED_MODEL_NAME,
        "ollama": models.ollama.by_category(),
        "hf_gguf": {domain: [entry.model for entry in models.huggingface.gguf.for_domain(domain)]
                    for domain in ROO_DOMAINS},
        "endpoints": [{"name": e.name, "model": e.model, "domains": list(e.domains)}
                      for e in models.huggingface.endpoints],
        "ports": {
            "n8n": (stack.service_url("n8n"), _port(stack.service_url("n8n"))),
            "windmill": (windmill, _port(windmill)),
            "ollama": (stack.service_url("ollama"), _port(stack.service_url("ollama"))),
            "postgres": (services.postgres.host, services.postgres.port),
        },
        "agents": [(name, council[name].role) for name in AGENT_NAMES],
        "rules": [(rule.id, rule.description) for rule in council.rules],
        "domains_present": _listed_names(stack.root / ".roo" / "domains", "*", directories=True),
        "n8n_workflows": _listed_names(stack.root / "n8n" / "workflows", "*.json"),
        "backup_folders": list(stack.backup.folders),
        "windmill": windmill,
        "workspace": workspace,
    }


# --- the mode --------------------------------------------------------------------------------------

def _case_insensitive(name: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in name)


#: Roo's edit tools may touch any path without a .roo or omas segment: those change only through Phoenix
EDIT_REGEX = ("^(?!(?:.*[\\\\/])?(?:" + "|".join(_case_insensitive(f) for f in PROTECTED)
              + ")(?:[\\\\/]|$)).+")


def orchestrator_mode(facts: dict) -> dict:
    """The ``.roomodes`` entry."""
    protected = " and ".join(f"{folder}/" for folder in PROTECTED)
    return {
        "slug": MODE_SLUG,
        "name": "Phoenix Orchestrator",
        "roleDefinition": (
            "You are Roo, the master hybrid orchestrator of Phoenix DemiGod v8.7 for the stack "
            f"{literal(facts['name'])} (root {literal(facts['root'])}). Your role is to integrate and optimise "
            "the synergy between:\n"
            "1. the consolidated existing architecture, which you preserve and strengthen: Roo Code (.roo/), "
            "the OMAS agents, the n8n workflows and PhoenixCore;\n"
            "2. the new hybrid capabilities, integrated without disruption: Windmill, Ollama and Hugging Face "
            "models;\n"
            "3. multi-tool workflows, n8n and Windmill complementing each other;\n"
            "4. the multi-model router, PhoenixCore, Ollama and Hugging Face unified behind f/phoenix/router."),
        "whenToUse": ("Use for work on the Phoenix DemiGod stack: choosing and calling models through the "
                      "router, decisions for the OMAS council, n8n and Windmill workflows, health checks and "
                      f"backups, and any change near {protected}."),
        "description": "Phoenix DemiGod v8.7 hybrid orchestrator (the seed's master prompt, from the stack)",
        "customInstructions": (
            f"Phoenix wrote this mode from the stack {literal(facts['name'])} (f/phoenix/workspace/install); "
            f"the files in {RULES_DIR}/ give the stack's models, agents, ports and tools, the preservation "
            "directives and the response format. Run the install again after changing the stack. "
            "Answer in the orchestrator response format."),
        "groups": ["read",
                   ["edit", {"fileRegex": EDIT_REGEX,
                             "description": f"anything outside {protected}: changes there go through Phoenix's "
                                            "tools, which take a verified backup first"}],
                   "command", "mcp", "modes"],
    }


def rules_files(facts: dict, token_env: str) -> dict[str, str]:
    """The mode's rules: file name (under ``RULES_DIR``) -> Markdown."""
    return {
        "phoenix-01-architecture.md": _architecture(facts),
        "phoenix-02-protocols.md": _protocols(facts),
        "phoenix-03-preservation.md": _preservation(facts),
        "phoenix-04-response-format.md": _response_format(facts),
        "phoenix-05-tools.md": _tools(facts, token_env),
    }


def _names(values, empty: str = "none configured") -> str:
    values = list(values)
    return ", ".join(literal(v) for v in values) if values else empty


def _architecture(facts: dict) -> str:
    core = facts["phoenixcore"]
    core_line = (f"{literal(core['path'])} ({'present' if core['present'] else 'configured, not found on disk'})"
                 if core else "not configured")
    ports = facts["ports"]
    lines = [
        "# Phoenix DemiGod v8.7: the existing architecture (from the stack)",
        "",
        f"Stack {literal(facts['name'])}, root folder {literal(facts['root'])}.",
        "",
        "## Core components",
        f"- Roo Code (.roo/): domains {', '.join(ROO_DOMAINS)}; folders present under .roo/domains/: "
        f"{_names(facts['domains_present'], 'none found')}.",
        "- OMAS council agents (lib/omas, with the operator's omas/ overrides):",
        *[f"  - {name}: {literal(role)}" for name, role in facts["agents"]],
        f"- n8n workflows in n8n/workflows/: {_names(facts['n8n_workflows'], 'none found')}.",
        f"- PhoenixCore, the main quantized model: {core_line}.",
        f"- Embedded last-resort model: {literal(facts['embedded'])} (always answers, too small to judge).",
        "",
        "## Services and ports",
        f"- n8n: port {ports['n8n'][1]} ({literal(ports['n8n'][0])})",
        f"- Windmill: port {ports['windmill'][1]} ({literal(ports['windmill'][0])}), workspace "
        f"{literal(facts['workspace'])}",
        f"- Ollama: port {ports['ollama'][1]} ({literal(ports['ollama'][0])})",
        f"- Postgres: port {ports['postgres'][1]} on {literal(ports['postgres'][0])}",
        "",
        "## Models by category (Ollama)",
        *[f"- {category}: {_names(names)}" for category, names in facts["ollama"].items()],
        "",
        "## Hugging Face models mapped to Roo domains",
        *[f"- {domain}: {_names(names)}" for domain, names in facts["hf_gguf"].items()],
        f"- OpenAI-compatible endpoints: "
        + (", ".join(f"{literal(e['name'])} (model {literal(e['model'] or 'default')}, domains "
                     f"{', '.join(e['domains']) or 'all'})" for e in facts["endpoints"]) or "none configured"),
        "",
    ]
    return "\n".join(lines)


def _protocols(facts: dict) -> str:
    core = facts["phoenixcore"]
    reasoning = facts["ollama"]["reasoning"] + facts["ollama"]["complex"]
    lines = [
        "# Hybrid operation protocols",
        "",
        "## Reasoning tasks",
        (f"1. Prefer PhoenixCore ({literal(core['path'])}) as the main model: the router's priority is "
         f"{literal(facts['priority'])}." if core else
         f"1. No PhoenixCore is configured: the router's priority is {literal(facts['priority'])}."),
        f"2. Complement it with Ollama for specialised work: reasoning and complex models {_names(reasoning)}; "
        f"coding {_names(facts['ollama']['coding'])}; fast {_names(facts['ollama']['fast'])}.",
        "3. Use the OMAS council (tool f/phoenix/omas/council) for complex decisions.",
        "4. Validate with the existing n8n workflows.",
        "",
        "## Agent orchestration",
        f"1. Keep the OMAS structure operational: {', '.join(name for name, _ in facts['agents'])}.",
        "2. Extend with Windmill workflows for Python capabilities.",
        "3. Synchronise with n8n for the existing integrations (tool f/phoenix/n8n/sync).",
        "4. Record what you did: every Phoenix job is logged in Windmill.",
        "",
        "## Model integration",
        "1. The Phoenix router (f/phoenix/router) is the base: it orders the models by task type, complexity "
        "and priority and falls back until one answers.",
        "2. Ollama is an additional layer behind it.",
        "3. Hugging Face models are mapped to Roo domains (see phoenix-01-architecture.md); context the "
        "operator keeps in .roo/domains/<domain>/ is added to the router's prompt for that domain.",
        "4. Keep compatibility with the OMAS agents: they call the same router.",
        "",
    ]
    return "\n".join(lines)


def _preservation(facts: dict) -> str:
    lines = [
        "# Preservation directives",
        "",
        "- NEVER modify the .roo/ structure without a backup: your edit tool cannot write under .roo/ or "
        "omas/; changes there go through Phoenix (tool f/phoenix/backup/snapshot first, and Phoenix's own "
        "writers take a verified backup before they write).",
        "- KEEP the existing OMAS agents operational.",
        "- PRESERVE the working n8n workflows.",
        "- EXTEND gradually, without disruption.",
        f"- Backups cover {_names(facts['backup_folders'])}.",
        "",
        "## The council's rules (decided in code; a code veto stands)",
        *[f"- {literal(rule_id)}: {literal(description)}" for rule_id, description in facts["rules"]],
        "",
    ]
    return "\n".join(lines)


def _response_format(facts: dict) -> str:
    example = {
        "analysis": "assessment that respects the existing architecture",
        "integration_strategy": {"existing_components": "components preserved",
                                 "new_capabilities": "capabilities added",
                                 "synergy_points": "points of synergy"},
        "execution": {"roo_domain": ROO_DOMAINS[0], "omas_agent": OMAS_AGENTS[0],
                      "model_selection": "backend:model", "workflow_type": WORKFLOW_TYPES[0]},
        "validation": {"existing_compatibility": "compatibility kept", "enhancement_level": ENHANCEMENT_LEVELS[1]},
    }
    lines = [
        "# Response format",
        "",
        "Answer with one JSON object in this shape (the seed's evolutive response format):",
        "",
        "```json",
        json.dumps(example, indent=2),
        "```",
        "",
        f"- execution.roo_domain: one of {', '.join(ROO_DOMAINS)}.",
        f"- execution.omas_agent: one of {', '.join(OMAS_AGENTS)}.",
        "- execution.model_selection: the backend:model that answered, as the router reports it (its `model`), "
        "e.g. " + literal(f"embedded:{facts['embedded']}") + ".",
        f"- execution.workflow_type: one of {', '.join(WORKFLOW_TYPES)}.",
        f"- validation.enhancement_level: one of {', '.join(ENHANCEMENT_LEVELS)}.",
        "",
        "The router returns this object, filled and valid, as `orchestrator` in its result: reuse it.",
        "Its JSON Schema (lib/router/orchestrator.py):",
        "",
        "```json",
        json.dumps(ORCHESTRATOR_SCHEMA, indent=2),
        "```",
        "",
    ]
    return "\n".join(lines)


def _tools(facts: dict, token_env: str) -> str:
    lines = [
        "# Phoenix's tools (Windmill's MCP server)",
        "",
        f"MCP server {literal(MCP_SERVER)} ({literal(mcp_url(facts['windmill'], facts['workspace']))}), "
        f"authenticated by the token in the environment variable {literal(token_env)}. Each Windmill script "
        "and flow is a tool; the Phoenix ones:",
        "",
        *[f"- {mcp_tool_name(path, kind)} ({kind} {path}): {purpose}" for path, kind, purpose in PHOENIX_TOOLS],
        "",
        "Call the router with {\"prompt\": ..., \"response_mode\": \"orchestrator\"}; the council with "
        "{\"task\": ...}. A tool that fails returns its error: report it, do not guess a result.",
        "",
    ]
    return "\n".join(lines)


# --- .roo/mcp.json and Roo's model provider --------------------------------------------------------

def mcp_url(windmill: str, workspace: str) -> str:
    return f"{windmill.rstrip('/')}/api/mcp/w/{quote(workspace, safe='')}/mcp"


def mcp_server_entry(stack, token_env: str) -> dict:
    """The ``mcpServers`` entry: the token only as ``${env:NAME}``, replaced by Roo when it connects."""
    facts_url = mcp_url(stack.service_url("windmill"), stack.services.windmill.workspace or "phoenix")
    # a council or a slow model may take the router's whole deadline; Roo allows 1..3600 s
    timeout = min(3600, max(60, math.ceil(stack.routing.overall_timeout_s) + 120))
    return {"type": "streamable-http", "url": facts_url,
            "headers": {"Authorization": f"Bearer ${{env:{check_token_env(token_env)}}}"},
            "timeout": timeout}


def roo_provider(stack, route_present: bool | None) -> dict:
    """What to enter in Roo Code's "OpenAI Compatible" provider: the router's OpenAI-compatible route.

    Roo keeps provider settings (and the API key) in VS Code's own storage,
    not in a workspace file, so Phoenix says what to enter rather than
    writing it.
    """
    return {
        "provider": "OpenAI Compatible",
        "base_url": f"{stack.service_url('windmill')}/{OPENAI_ROUTE}",
        "model": "phoenix",
        "other_models": [f"phoenix-{task}" for task in CATEGORIES],
        "api_key": "a Windmill token (it may be the MCP token)",
        "route_in_package": route_present,
        "needs": "the OpenAI-compatible HTTP routes phoenix/v1/chat/completions and phoenix/v1/models (issue 16); "
                 "until they are deployed this URL answers 404",
    }
