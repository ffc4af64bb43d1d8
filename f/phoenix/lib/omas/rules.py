# GENERATED from lib/omas/rules.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The council's rules, and the ones decided in code rather than by a model.

A rule has an *effect*:

- ``forbid``: any action of the listed ``kinds`` on the listed ``paths`` or
  ``services`` is vetoed;
- ``require_backup``: such an action is vetoed unless an earlier action of
  the same proposal backs up the folder it touches (``backup``, or a copy /
  archive command);
- ``guidance``: a principle a model judges (Thanatos is told it); code cannot
  decide it.

The seed's preservation directives are built in (``SEED_RULES``) and cannot
be overridden or switched off; an operator adds rules in
``omas/rules/*.yaml``::

    rules:
      - id: src_kept                # letters, digits, _ or -
        description: Never delete the operator's source tree
        effect: forbid              # forbid | require_backup | guidance
        kinds: [delete, move]       # action kinds (lib/omas/schemas.py ACTION_KINDS)
        paths: [src]                # folders relative to the stack root
        services: []                # service or container names
        existing_only: false        # only targets that exist today (overwrites)

Paths are matched the way the preservation guard (``lib/preserve.py``)
matches them: a target touches a folder when it lies inside it or contains
it, after resolving ``..``, absolute paths and symlinks under the root; and,
because models write paths loosely, also textually (``./.roo/core``,
``D:\\BooPhoenix\\.roo``, ``.roo/*``, ``.r*``, ``*`` all touch ``.roo``). Shell
commands in ``run`` actions are read for what they delete, move, overwrite,
copy or stop (``lib/omas/commands.py``), so ``bash -c "rm -rf .roo"`` is a
deletion of ``.roo`` whatever kind the model gave it; a command the reader
does not fully understand makes the proposal high risk, so a human approves
it (``agents.approval_risk``).
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import ConfigError
from ..preserve import PROTECTED, protected_folders_touched
from .commands import normalized_command, read_command
from .schemas import ACTION_KINDS

EFFECTS = ("forbid", "require_backup", "guidance")
#: kinds that change what is on disk
MUTATING = ("write", "config", "install", "move", "delete", "disable")
#: kinds that take a service down
STOPPING = ("stop", "disable")
RISK_BY_KIND = {"read": "low", "backup": "low", "write": "medium", "config": "medium", "install": "medium",
                "run": "medium", "restart": "medium", "move": "high", "delete": "high", "stop": "high",
                "disable": "high"}
RISK_ORDER = ("low", "medium", "high")


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    effect: str
    kinds: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    existing_only: bool = False
    source: str = "seed"

    @property
    def decided_in_code(self) -> bool:
        return self.effect != "guidance"

    def to_dict(self) -> dict:
        return {"id": self.id, "description": self.description, "effect": self.effect,
                "kinds": list(self.kinds), "paths": list(self.paths), "services": list(self.services),
                "existing_only": self.existing_only, "source": self.source}


SEED_RULES: tuple[Rule, ...] = (
    Rule("roo_backup", "Never modify .roo/ without a backup (seed: NUNCA modificar estructura .roo/ sin backup)",
         "require_backup", kinds=MUTATING, paths=(".roo",)),
    Rule("omas_operational", "Keep the OMAS agents operational (seed: MANTENER operativos agentes OMAS): "
         "never delete, move, disable or stop them", "forbid",
         kinds=("delete", "move", "disable", "stop"), paths=("omas/agents", "omas/configs", "omas/rules"),
         services=("omas",)),
    Rule("omas_backup", "Changes under omas/ need a verified backup first (the preservation guard, lib/preserve.py)",
         "require_backup", kinds=MUTATING, paths=("omas",)),
    Rule("n8n_workflows_preserved", "Preserve the n8n workflows (seed: PRESERVAR workflows n8n): never delete, "
         "move or disable them, never stop n8n", "forbid",
         kinds=("delete", "move", "disable", "stop"), paths=("n8n/workflows",), services=("n8n",)),
    Rule("n8n_overwrite_backup", "Overwriting an existing n8n workflow needs a backup first", "require_backup",
         kinds=("write", "config"), paths=("n8n/workflows",), existing_only=True),
    Rule("extend_gradually", "Extend gradually, without disruption (seed: EXTENDER gradualmente sin disrupciones)",
         "guidance"),
)


# --- the operator's rule files ---------------------------------------------
_ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,60}$"}
_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1}}
RULE_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["id", "description", "effect"],
               "properties": {"id": _ID, "description": {"type": "string", "minLength": 1},
                              "effect": {"enum": list(EFFECTS)},
                              "kinds": {"type": "array", "items": {"enum": list(ACTION_KINDS)}},
                              "paths": _NAMES, "services": _NAMES, "existing_only": {"type": "boolean"}}}
RULES_FILE_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["rules"],
                     "properties": {"rules": {"type": "array", "items": RULE_SCHEMA}}}


def rules_from_document(document: dict, label: str, taken: set[str]) -> list[Rule]:
    """Rules of one validated ``omas/rules/*.yaml`` document; ``taken`` ids clash."""
    rules = []
    for index, entry in enumerate(document["rules"]):
        key = f"rules.{index}"
        if entry["id"] in taken:
            why = "is a seed rule (it cannot be redefined or switched off)" if entry["id"] in SEED_IDS \
                else "is defined twice"
            raise ConfigError(label, f"{key}.id", f"rule {entry['id']!r} {why}")
        if entry["effect"] == "guidance" and (entry.get("kinds") or entry.get("paths") or entry.get("services")):
            raise ConfigError(label, key, "a guidance rule is judged by a model: give it no kinds, paths or services")
        if entry["effect"] != "guidance":
            if not entry.get("kinds"):
                raise ConfigError(label, f"{key}.kinds", f"a {entry['effect']} rule needs the action kinds it covers")
            if not (entry.get("paths") or entry.get("services")):
                raise ConfigError(label, key, f"a {entry['effect']} rule needs paths or services to decide on")
        taken.add(entry["id"])
        rules.append(Rule(entry["id"], entry["description"], entry["effect"], tuple(entry.get("kinds", ())),
                          tuple(entry.get("paths", ())), tuple(entry.get("services", ())),
                          entry.get("existing_only", False), source=label))
    return rules


SEED_IDS = frozenset(rule.id for rule in SEED_RULES)


# --- paths -----------------------------------------------------------------
def _segments(target: str) -> list[str]:
    """Loose textual path segments: backslashes, drive letters and ``.`` dropped."""
    text = target.strip().strip("'\"").replace("\\", "/")
    text = re.sub(r"^[A-Za-z]:", "", text)
    parts = [p for p in PurePosixPath(text).parts if p not in ("/", ".", "")]
    # Windows drops trailing dots and spaces: `.roo.` and `.roo ` name `.roo` there
    return [p if p in ("..",) else (p.rstrip(". ") or p) for p in parts]


def _match(pattern: str, name: str) -> bool:
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def _textually_within(inner: list[str], outer: list[str]) -> bool:
    """``outer`` occurs in ``inner`` as a run of segments (globs in either match)."""
    if not outer:
        return True
    for start in range(len(inner) - len(outer) + 1):
        window = inner[start:start + len(outer)]
        if all(_match(a, b) or _match(b, a) for a, b in zip(window, outer)):
            return True
    return False


def _real(root: Path, target: str) -> Path:
    path = Path(os.path.expanduser(target.strip()))
    return Path(os.path.realpath(path if path.is_absolute() else root / path))


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def within(stack, inner: str, outer: str) -> bool:
    """Whether path ``inner`` lies in (or is) path ``outer``, textually or on disk."""
    a, b = _segments(inner), _segments(outer)
    if b and a[:len(b)] and len(a) >= len(b) and all(_match(x, y) or _match(y, x) for x, y in zip(a, b)):
        return True
    return _within(_real(stack.root, inner), _real(stack.root, outer))


def touches(stack, target: str, folder: str) -> bool:
    """A target touches a folder when it is inside it or contains it."""
    if folder in PROTECTED and folder in protected_folders_touched(stack, [target.strip()]):
        return True  # the preservation guard's own view, for the folders it guards
    inner, outer = _segments(target), _segments(folder)
    if not inner or _textually_within(inner, outer):
        return True
    if len(inner) < len(outer) and all(_match(a, b) or _match(b, a) for a, b in zip(inner, outer)):
        return True  # the target contains the folder (e.g. deleting `n8n` or `*`)
    real_target, real_folder = _real(stack.root, target), _real(stack.root, folder)
    return _within(real_target, real_folder) or _within(real_folder, real_target)


def _handed_into(stack, operand: str, folder: str) -> bool:
    """An operand handed to a program names a place in ``folder``: ``tests/omas`` does not,
    ``omas/agents``, ``.r*``, ``~/BooPhoenix/.roo`` and an absolute path into it do."""
    if within(stack, operand, folder):
        return True
    rooted = re.match(r"^(~|/|\\|[A-Za-z]:)", operand.strip()) is not None
    return rooted and _textually_within(_segments(operand), _segments(folder))


def _exists(stack, target: str) -> bool:
    if any(ch in target for ch in "*?["):
        return True  # a glob may match something that exists: assume it does
    return _real(stack.root, target).exists()


def _names_service(target: str, service: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(service.lower())}(?![A-Za-z0-9])", target.lower()) is not None


# --- judging a proposal ------------------------------------------------------
@dataclass
class CodeJudgement:
    violations: list[dict] = field(default_factory=list)
    #: commands not fully understood, as given
    unrecognized_commands: list[str] = field(default_factory=list)
    #: why, one line each: "command not fully understood: ..."
    doubts: list[str] = field(default_factory=list)
    risk: str = "low"
    checked_rules: list[str] = field(default_factory=list)


def _clean(action: dict) -> dict:
    """Control characters never hide anything: they are dropped (a NUL would even break path
    resolution); a command keeps the line ends and tabs a shell reads, as the command reader does."""
    target = action["target"]
    if action["kind"] == "run":
        return {"kind": "run", "target": normalized_command(target)}
    return {"kind": action["kind"], "target": re.sub(r"[\x00-\x1f\x7f]", "", target)}


def expanded_actions(actions: list[dict]) -> tuple[list[dict], list[dict]]:
    """Every action, with ``run`` commands followed by what they do (in order); and the doubts.

    A derived ``run`` (a program whose code is not read) keeps what it was
    handed (``handed``). A doubt is ``{"action": index, "command": ..., "reason": ...}``.
    """
    expanded, doubts = [], []
    actions = [_clean(action) for action in actions]
    for index, action in enumerate(actions):
        entry = {"index": index, "kind": action["kind"], "target": action["target"], "derived_from": None}
        expanded.append(entry)
        if action["kind"] != "run":
            continue
        reading = read_command(action["target"])
        doubts += [{"action": index, "command": action["target"], "reason": r} for r in reading.doubts]
        expanded += [{"index": index, "kind": e.kind, "target": e.target, "derived_from": action["target"],
                      "handed": e.handed} for e in reading.effects]
    return expanded, doubts


def judge_in_code(stack, rules: list[Rule], actions: list[dict]) -> CodeJudgement:
    """Apply every code-decided rule to a proposal's actions; nothing here asks a model.

    A command the reader could not fully understand (or a program it cannot
    read that is handed a folder a rule protects) makes the proposal high risk.
    """
    expanded, doubts = expanded_actions(actions)
    doubts += _handed_protected(stack, rules, expanded)
    judgement = CodeJudgement(unrecognized_commands=list(dict.fromkeys(d["command"] for d in doubts)),
                              doubts=[f"command not fully understood: {d['reason']} (in `{d['command']}`)"
                                      for d in doubts],
                              checked_rules=[r.id for r in rules if r.decided_in_code])
    for position, action in enumerate(expanded):
        judgement.risk = max_risk(judgement.risk, RISK_BY_KIND[action["kind"]])
        for rule in rules:
            reason = _breaks(stack, rule, action, expanded[:position])
            if reason:
                judgement.violations.append({"rule": rule.id, "effect": rule.effect, "action": action["index"],
                                             "derived_from": action["derived_from"], "kind": action["kind"],
                                             "target": action["target"], "reason": reason})
    if judgement.violations or judgement.doubts:
        judgement.risk = "high"
    return judgement


def _handed_protected(stack, rules: list[Rule], expanded: list[dict]) -> list[dict]:
    """Programs whose code is not read, handed a folder a code rule (or the guard) protects."""
    folders = list(dict.fromkeys([*PROTECTED, *(p for r in rules if r.decided_in_code for p in r.paths)]))
    doubts = []
    for action in expanded:
        for handed in action.get("handed", ()):
            folder = next((f for f in folders if _handed_into(stack, handed, f)), None)
            if folder:
                doubts.append({"action": action["index"], "command": action["derived_from"],
                               "reason": f"{action['target']} is handed {handed!r}, which touches {folder}: "
                                         "what it does there cannot be read"})
    return doubts


def _breaks(stack, rule: Rule, action: dict, earlier: list[dict]) -> str | None:
    """Why ``action`` breaks ``rule`` (given the actions before it), or None."""
    if not rule.decided_in_code or action["kind"] not in rule.kinds:
        return None
    hit = next((f for f in rule.paths if touches(stack, action["target"], f)), None)
    service = next((s for s in rule.services if _names_service(action["target"], s)), None)
    if hit is None and service is None:
        return None
    if hit and rule.existing_only and not _exists(stack, action["target"]):
        hit = None
        if service is None:
            return None
    what = f"{action['kind']} {action['target']!r}" + (f" (from `{action['derived_from']}`)"
                                                      if action["derived_from"] else "")
    if rule.effect == "forbid":
        return f"{what} {'touches ' + hit if hit else 'names service ' + service}: {rule.description}"
    if hit and not _backed_up(stack, hit, action["target"], earlier):
        return f"{what} touches {hit} with no backup of it earlier in the proposal: {rule.description}"
    return None


def _backed_up(stack, folder: str, target: str, earlier: list[dict]) -> bool:
    return any(e["kind"] == "backup" and (within(stack, folder, e["target"]) or within(stack, target, e["target"]))
               for e in earlier)


def max_risk(*risks: str) -> str:
    return max(risks, key=RISK_ORDER.index)
