# GENERATED from lib/omas/agents.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The OMAS agents' definitions: shipped defaults, overridden from the operator's ``omas/`` folder.

The folder is the stack's ``agents.dir`` (default ``omas``) under its root.
Phoenix reads, in this order, later files winning key by key:

1. ``omas/configs/*.yaml`` (sorted by name): council-wide settings::

       agents:
         chaos: {sampling: {temperature: 1.0}}
         thanatos: {model: {priority: quality}}

2. ``omas/agents/<name>.yaml`` or ``omas/agents/<name>/config.yaml`` (one
   agent, the same keys as under ``agents.<name>`` above);
3. ``omas/rules/*.yaml``: rules (format in ``lib/omas/rules.py``).

Agent keys (all optional; anything else is an error naming file and key)::

    role: one line saying what the agent does
    system_prompt: the instructions its model gets
    model:                      # router inputs (lib/router/core.py route())
      task_type: auto           # auto | reasoning | coding | fast | complex
      complexity: auto          # auto | low | medium | high
      priority: auto            # auto | existing | quality | speed
      prefer: []                # backend or backend:model tried first
    sampling: {temperature: 0.7, max_tokens: 1200}
    rules: all                  # or a list of rule ids (seed rules always apply)
    # chaos only
    proposals: 3                # 1..5 distinct proposals
    angles: [...]               # one per proposal, cycled
    diverse_models: true        # spread proposals over the healthy models
    # thanatos only
    model_veto: auto            # true: a model's veto stands; false: the model's veto is
                                # recorded and raises the risk (so approval may be asked)
                                # but only code vetoes; auto (default): true, except when
                                # the judge was the embedded 135M last-resort model,
                                # which is too small to judge (it vetoes everything)

Files under ``omas/agents/<name>/`` other than ``config.yaml`` (the
operator's own agent code) are left alone. The output schema of each agent
is the council's step contract (``lib/omas/schemas.py``), not configurable.
"""

from __future__ import annotations

import copy
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from ..yaml_reader import yaml_error_message
from ..router.classify import COMPLEXITIES, TASK_TYPES
from .rules import RULES_FILE_SCHEMA, SEED_IDS, SEED_RULES, Rule, rules_from_document
from .schemas import JUDGEMENT_MODEL_SCHEMA, PROPOSAL_MODEL_SCHEMA, PROSE_SCHEMA

AGENT_NAMES = ("chaos", "thanatos", "demigod")
#: keys only one agent takes
AGENT_ONLY = {"proposals": "chaos", "angles": "chaos", "diverse_models": "chaos", "model_veto": "thanatos"}

DEFAULT_AGENTS: dict[str, dict] = {
    "chaos": {
        "role": "Explores: several distinct proposals for the task, from different angles and, "
                "where the stack has several models, from different models in parallel.",
        "system_prompt": (
            "You are Chaos, the explorer of the Phoenix DemiGod OMAS council. Propose ONE concrete way to do "
            "the task, from the angle you are given. Answer with JSON only: title, summary, risk "
            "(low|medium|high) and actions: a short list of {kind, target} where kind is one of read, backup, "
            "write, config, install, run, restart, move, delete, stop, disable and target is a path relative "
            "to the operator's folder, a service name, or (for run) a shell command. Respect the rules you "
            "are given: back up .roo/ and omas/ before changing them, keep the OMAS agents and the n8n "
            "workflows working."),
        "model": {"task_type": "auto", "complexity": "auto", "priority": "auto", "prefer": []},
        "sampling": {"temperature": 0.7, "max_tokens": 1200},
        "rules": "all",
        "proposals": 3,
        "angles": ["the safest, most conservative way",
                   "the fastest way that still works",
                   "an unconventional way others would not think of",
                   "the way that reuses the most of what already exists",
                   "the way that is easiest to undo"],
        "diverse_models": True,
    },
    "thanatos": {
        "role": "Ends what should not live: judges each proposal against the rules and its risks and vetoes "
                "with reasons. Code-decidable rules are decided in code; a code veto stands.",
        "system_prompt": (
            "You are Thanatos, the judge of the Phoenix DemiGod OMAS council. Judge the proposal against the "
            "rules and its risks. Veto it when it breaks a rule, could destroy or disable something that "
            "works, or is unsafe; keep it otherwise. Answer with JSON only: verdict (keep|veto), risk "
            "(low|medium|high) and one or two short reasons."),
        "model": {"task_type": "reasoning", "complexity": "auto", "priority": "auto", "prefer": []},
        "sampling": {"temperature": 0.1, "max_tokens": 600},
        "rules": "all",
        "model_veto": "auto",
    },
    "demigod": {
        "role": "Decides: synthesizes the surviving proposals into the final answer in the seed's orchestrator "
                "format.",
        "system_prompt": (
            "You are DemiGod, who decides for the Phoenix DemiGod v8.7 OMAS council. From the proposals that "
            "survived Thanatos, choose which to adopt (adopt: their ids) and write the decision. Preserve the "
            "existing architecture (Roo Code .roo/, OMAS agents, n8n workflows, PhoenixCore) and extend it "
            "without disruption. Answer with JSON only: adopt, analysis (the decision and why), "
            "integration_strategy (existing_components, new_capabilities, synergy_points), validation "
            "(existing_compatibility, enhancement_level: none|low|medium|high)."),
        "model": {"task_type": "complex", "complexity": "auto", "priority": "auto", "prefer": []},
        "sampling": {"temperature": 0.2, "max_tokens": 1400},
        "rules": "all",
    },
}

#: what each agent's model is asked to write (the step schemas are in schemas.py)
MODEL_OUTPUT_SCHEMAS = {"chaos": PROPOSAL_MODEL_SCHEMA, "thanatos": JUDGEMENT_MODEL_SCHEMA,
                        "demigod": PROSE_SCHEMA}

_TEXT = {"type": "string", "minLength": 1}
AGENT_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "role": _TEXT,
        "system_prompt": _TEXT,
        "model": {"type": "object", "additionalProperties": False, "properties": {
            "task_type": {"enum": ["auto", *TASK_TYPES]},
            "complexity": {"enum": ["auto", *COMPLEXITIES]},
            "priority": {"enum": ["auto", "existing", "quality", "speed"]},
            "prefer": {"type": "array", "items": _TEXT}}},
        "sampling": {"type": "object", "additionalProperties": False, "properties": {
            "temperature": {"type": "number", "minimum": 0, "maximum": 2},
            "max_tokens": {"type": "integer", "minimum": 16, "maximum": 8192}}},
        "rules": {"oneOf": [{"const": "all"}, {"type": "array", "items": _TEXT}]},
        "proposals": {"type": "integer", "minimum": 1, "maximum": 5},
        "angles": {"type": "array", "items": _TEXT, "minItems": 1},
        "diverse_models": {"type": "boolean"},
        "model_veto": {"enum": [True, False, "auto"]},
    },
}
CONFIGS_SCHEMA = {"type": "object", "additionalProperties": False,
                  "properties": {"agents": {"type": "object", "additionalProperties": False,
                                            "properties": {name: AGENT_SCHEMA for name in AGENT_NAMES}}}}


@dataclass(frozen=True)
class Agent:
    name: str
    role: str
    system_prompt: str
    task_type: str
    complexity: str
    priority: str
    prefer: tuple[str, ...]
    temperature: float
    max_tokens: int
    rules: tuple[Rule, ...]
    output_schema: dict = field(compare=False)
    options: dict = field(default_factory=dict, compare=False)
    sources: tuple[str, ...] = ()

    def rules_prompt(self) -> str:
        """The rules as the model is told them (code decides the code rules anyway)."""
        return "Rules:\n" + "\n".join(f"- {rule.description}" for rule in self.rules)

    def describe(self) -> dict:
        return {"name": self.name, "role": self.role, "task_type": self.task_type, "complexity": self.complexity,
                "priority": self.priority, "prefer": list(self.prefer), "temperature": self.temperature,
                "max_tokens": self.max_tokens, "rules": [r.id for r in self.rules], "sources": list(self.sources),
                **self.options}


@dataclass(frozen=True)
class Council:
    agents: dict
    rules: tuple[Rule, ...]
    folder: Path | None
    sources: tuple[str, ...]
    #: agent files under omas/agents/ for agents the council does not have (the
    #: operator's other agents, or a misspelt name): left alone, and said so
    ignored: tuple[str, ...] = ()

    def __getitem__(self, name: str) -> Agent:
        return self.agents[name]


def load_council(stack) -> Council:
    """Every agent and rule: defaults, then the operator's ``omas/`` folder."""
    folder = stack.under_root(stack.agents.dir)
    settings = copy.deepcopy(DEFAULT_AGENTS)
    sources: dict[str, list[str]] = {name: ["<defaults>"] for name in AGENT_NAMES}
    rules = list(SEED_RULES)
    ignored: list[str] = []
    if folder is not None and folder.is_dir():
        for label, document in _config_documents(folder):
            for name, override in (document.get("agents") or {}).items():
                _apply(settings[name], override, label, f"agents.{name}", name)
                sources[name].append(label)
        for name, label, document in _agent_documents(folder, ignored):
            _apply(settings[name], document, label, "", name)
            sources[name].append(label)
        rules += _rule_documents(folder)
    for note in ignored:
        _notice_once(note)
    agents = {name: _build(name, settings[name], rules, sources[name]) for name in AGENT_NAMES}
    return Council(agents, tuple(rules), folder, tuple(sorted({s for v in sources.values() for s in v})),
                   tuple(ignored))


#: notices already printed by this process: every agent step loads the council, and locally
#: (scripts/run.py, the tests) all of a council's steps share one process
_NOTICED: set[str] = set()
_NOTICED_LOCK = threading.Lock()


def _notice_once(note: str) -> None:
    with _NOTICED_LOCK:
        if note in _NOTICED:
            return
        _NOTICED.add(note)
    print(f"phoenix omas: {note}", file=sys.stderr)


def _config_documents(folder: Path):
    for path in sorted((folder / "configs").glob("*.y*ml")):
        label = str(path)
        document = _read_yaml(path)
        _validate(document, CONFIGS_SCHEMA, label)
        yield label, document


def _agent_documents(folder: Path, ignored: list[str]):
    agents_dir = folder / "agents"
    if not agents_dir.is_dir():
        return
    for path in sorted(agents_dir.iterdir()):
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            name, config = path.stem, path
        elif path.is_dir() and (path / "config.yaml").is_file():
            name, config = path.name, path / "config.yaml"
        else:
            continue  # the operator's own agent files: not ours to read
        label = str(config)
        if name not in AGENT_NAMES:
            ignored.append(f"{label}: not read: {name!r} is not a council agent ({', '.join(AGENT_NAMES)})")
            continue
        document = _read_yaml(config)
        _validate(document, AGENT_SCHEMA, label)
        yield name, label, document


def _rule_documents(folder: Path) -> list[Rule]:
    taken = set(SEED_IDS)
    found = []
    for path in sorted((folder / "rules").glob("*.y*ml")):
        document = _read_yaml(path)
        _validate(document, RULES_FILE_SCHEMA, str(path))
        found += rules_from_document(document, str(path), taken)
    return found


def _apply(target: dict, override: dict, label: str, prefix: str, name: str) -> None:
    for key, value in override.items():
        if key in AGENT_ONLY and AGENT_ONLY[key] != name:
            raise ConfigError(label, ".".join(filter(None, [prefix, key])),
                              f"only the {AGENT_ONLY[key]} agent takes this key")
        if isinstance(value, dict):
            target.setdefault(key, {}).update(value)
        else:
            target[key] = copy.deepcopy(value)


def _build(name: str, settings: dict, rules: list, sources: list[str]) -> Agent:
    wanted = settings["rules"]
    if wanted == "all":
        chosen = rules
    else:
        known = {rule.id: rule for rule in rules}
        for position, rule_id in enumerate(wanted):
            if rule_id not in known:
                raise ConfigError(sources[-1], f"rules.{position}",
                                  f"unknown rule {rule_id!r} (known: {', '.join(sorted(known))})")
        # the seed's rules always apply, whatever the list says
        chosen = [r for r in rules if r.id in wanted or r.id in SEED_IDS]
    model, sampling = settings["model"], settings["sampling"]
    options = {key: settings[key] for key in AGENT_ONLY if key in settings}
    return Agent(name=name, role=settings["role"], system_prompt=settings["system_prompt"],
                 task_type=model["task_type"], complexity=model["complexity"], priority=model["priority"],
                 prefer=tuple(model["prefer"]), temperature=float(sampling["temperature"]),
                 max_tokens=int(sampling["max_tokens"]), rules=tuple(chosen),
                 output_schema=MODEL_OUTPUT_SCHEMAS[name], options=options, sources=tuple(sources))


def _read_yaml(path: Path) -> dict:
    import yaml

    label = str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(label, "", f"cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(label, "", f"malformed YAML: {yaml_error_message(exc)}") from exc
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(label, "", f"expected a mapping at the top, got {type(document).__name__}")
    return document


def _validate(document: dict, schema: dict, label: str) -> None:
    """ConfigError for the most specific violation, naming the dotted key."""
    import jsonschema

    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document),
                    key=lambda e: (-len(e.path), list(map(str, e.path))))
    if not errors:
        return
    error = _deepest(errors[0])
    key = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        raise ConfigError(label, ".".join(filter(None, [key, unknown[0]])), f"unknown key (allowed here: {allowed})")
    raise ConfigError(label, key or "<top>", error.message)


def _deepest(error):
    """oneOf/anyOf errors hide the useful one in their context."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error
