# GENERATED from lib/omas/schemas.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The council's contracts: what each agent asks its model for, and what each step returns.

Two kinds of schema live here:

- *model* schemas (``PROPOSAL_MODEL_SCHEMA``, ``JUDGEMENT_MODEL_SCHEMA``,
  ``decision_model_schema``): what a model must write, enforced by
  constrained decoding through the router. They are small and bounded
  (maxLength, maxItems) so even a tiny model finishes within its tokens;
- *step* schemas (``CHAOS_OUTPUT``, ``THANATOS_OUTPUT``, ``DEMIGOD_OUTPUT``,
  ``COUNCIL_OUTPUT``, ``FAILURE_OUTPUT``): what each Windmill step returns.
  Every agent validates its own result against its step schema before
  returning it, so a step never hands the next one something malformed.

Proposals carry structured ``actions`` (``{kind, target}``) so that the
rules that can be decided in code (``lib/omas/rules.py``) are decided on
them, not on prose.
"""

from __future__ import annotations

from ..errors import InputError, json_type
from ..router.orchestrator import ORCHESTRATOR_SCHEMA, PROSE_SCHEMA

RISKS = ("low", "medium", "high")
VERDICTS = ("keep", "veto")
#: what an action does; ``run`` targets a shell command, the service kinds a
#: service or container name, the others a path relative to the operator's root
ACTION_KINDS = ("read", "backup", "write", "config", "install", "run", "restart",
                "move", "delete", "stop", "disable")
SERVICE_KINDS = ("restart", "stop", "disable", "install")

_RISK = {"enum": list(RISKS)}


def _text(max_length: int, min_length: int = 1) -> dict:
    return {"type": "string", "minLength": min_length, "maxLength": max_length}


def _closed(properties: dict, required: tuple | None = None) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties if required is None else required), "additionalProperties": False}


ACTION_SCHEMA = _closed({"kind": {"enum": list(ACTION_KINDS)}, "target": _text(160)})

# --- what the models write -------------------------------------------------
PROPOSAL_MODEL_SCHEMA = _closed({
    "title": _text(80),
    "summary": _text(300),
    "risk": _RISK,
    "actions": {"type": "array", "items": ACTION_SCHEMA, "maxItems": 4},
})

JUDGEMENT_MODEL_SCHEMA = _closed({
    "verdict": {"enum": list(VERDICTS)},
    "risk": _RISK,
    "reasons": {"type": "array", "items": _text(160), "minItems": 1, "maxItems": 2},
})


def decision_model_schema(proposal_ids: list[str]) -> dict:
    """The orchestrator's prose fields plus which surviving proposals to adopt."""
    schema = {**PROSE_SCHEMA, "properties": dict(PROSE_SCHEMA["properties"])}
    schema["properties"]["adopt"] = {"type": "array", "items": {"enum": list(proposal_ids)},
                                     "minItems": 1, "maxItems": len(proposal_ids)}
    schema["required"] = list(PROSE_SCHEMA["required"]) + ["adopt"]
    return schema


# --- what the steps return -------------------------------------------------
_ATTEMPTS = {"type": "array", "items": {"type": "object", "required": ["backend", "outcome"]}}
_MODEL_REF = _closed({"backend": {"type": "string"}, "model": {"type": "string"}})

PROPOSAL = _closed({
    "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"},
    "title": _text(200),
    "summary": _text(2000),
    "risk": _RISK,
    "actions": {"type": "array", "items": ACTION_SCHEMA, "maxItems": 20},
    "source": _closed({
        "agent": {"type": "string"},
        "angle": {"type": ["string", "null"]},
        "backend": {"type": ["string", "null"]},
        "model": {"type": ["string", "null"]},
        "preferred": {"type": ["string", "null"]},
        "attempts": _ATTEMPTS,
    }, required=("agent",)),
}, required=("id", "title", "summary", "risk", "actions"))

CHAOS_OUTPUT = _closed({
    "agent": {"const": "chaos"},
    "task": {"type": "string"},
    "proposals": {"type": "array", "items": PROPOSAL},
    "trace": _closed({
        "requested": {"type": "integer"},
        "models": {"type": "array", "items": {"type": "string"}},
        "model_health": {"type": "object"},
        "parallel": {"type": "boolean"},
        # DemiGod reads these for its trace: the keys it reads are guaranteed
        "failures": {"type": "array", "items": {"type": "object", "required": ["proposal", "error", "attempts"],
                                                "properties": {"proposal": {"type": "string"},
                                                               "error": {"type": "string"},
                                                               "attempts": _ATTEMPTS}}},
        "duplicates_dropped": {"type": "array", "items": {"type": "string"}},
        "seconds": {"type": "number"},
    }),
})

FINDING = _closed({
    "rule": {"type": "string"},
    "effect": {"enum": ["forbid", "require_backup"]},
    "action": {"type": "integer", "minimum": 0},
    "derived_from": {"type": ["string", "null"]},
    "kind": {"enum": list(ACTION_KINDS)},
    "target": {"type": "string"},
    "reason": {"type": "string"},
})

THANATOS_OUTPUT = _closed({
    "agent": {"const": "thanatos"},
    "proposal": PROPOSAL,
    "verdict": {"enum": list(VERDICTS)},
    "decided_by": {"enum": ["code", "model", "code+model"]},
    "risk": _RISK,
    "reasons": {"type": "array", "items": {"type": "string"}},
    "violations": {"type": "array", "items": FINDING},
    "checked_rules": {"type": "array", "items": {"type": "string"}},
    "unrecognized_commands": {"type": "array", "items": {"type": "string"}},
    "model_opinion": {"oneOf": [{"type": "null"}, _closed({
        "verdict": {"enum": list(VERDICTS)}, "risk": _RISK,
        "reasons": {"type": "array", "items": {"type": "string"}},
        "backend": {"type": "string"}, "model": {"type": "string"},
        "overruled": {"type": "boolean"},
    })]},
    "trace": _closed({"attempts": _ATTEMPTS, "model_error": {"type": ["string", "null"]},
                      "seconds": {"type": "number"}}),
})

_CONTRIBUTION = {"type": "object", "required": ["models"],
                 "properties": {"models": {"type": "array", "items": {"type": "string"}}}}

DEMIGOD_OUTPUT = _closed({
    "agent": {"const": "demigod"},
    "task": {"type": "string"},
    "decision": {"enum": ["adopt", "reject"]},
    "orchestrator": ORCHESTRATOR_SCHEMA,
    "plan": _closed({"title": {"type": "string"}, "summary": {"type": "string"},
                     "actions": {"type": "array", "items": ACTION_SCHEMA}}),
    "adopted": {"type": "array", "items": {"type": "string"}},
    "vetoed": {"type": "array", "items": _closed({
        "id": {"type": "string"}, "title": {"type": "string"},
        "decided_by": {"type": "string"}, "reasons": {"type": "array", "items": {"type": "string"}}})},
    "risk": _RISK,
    "approval": _closed({"required": {"type": "boolean"},
                         "threshold": {"enum": ["low", "medium", "high", "never"]},
                         "reason": {"type": "string"}}),
    "contributions": _closed({"chaos": _CONTRIBUTION, "thanatos": _CONTRIBUTION, "demigod": _CONTRIBUTION}),
    "trace": _closed({
        "fallbacks": {"type": "array", "items": _closed({
            "agent": {"type": "string"}, "step": {"type": "string"}, "backend": {"type": "string"},
            "model": {"type": ["string", "null"]}, "outcome": {"type": "string"}, "error": {"type": "string"}})},
        "skipped_attempts": {"type": "integer", "minimum": 0},
        "chose": {"type": "string"},
        "attempts": _ATTEMPTS,
        "degraded": {"type": ["string", "null"]},
        "seconds": {"type": "number"},
    }),
})

_APPROVAL_STATUS = _closed({"required": {"type": "boolean"},
                            "threshold": {"enum": ["low", "medium", "high", "never"]},
                            "reason": {"type": "string"},
                            "status": {"enum": ["not_required", "approved"]}})

COUNCIL_OUTPUT = {**DEMIGOD_OUTPUT, "properties": {**DEMIGOD_OUTPUT["properties"], "approval": _APPROVAL_STATUS}}

APPROVAL_REQUEST = _closed({"question": {"type": "string"}, "risk": _RISK,
                            "plan": DEMIGOD_OUTPUT["properties"]["plan"],
                            "reasons": {"type": "array", "items": {"type": "string"}}})

FAILURE_OUTPUT = _closed({
    "failed": {"const": True},
    "step_id": {"type": "string"},
    "error": _closed({"name": {"type": "string"}, "message": {"type": "string"}}),
    "report": {"type": "string"},
})

#: the step schemas by name, for documentation and for tests
STEP_SCHEMAS = {"chaos": CHAOS_OUTPUT, "thanatos": THANATOS_OUTPUT, "demigod": DEMIGOD_OUTPUT,
                "approval_request": APPROVAL_REQUEST, "council": COUNCIL_OUTPUT, "failure": FAILURE_OUTPUT}


def check_output(document: dict, schema: dict, what: str) -> dict:
    """Validate a step's own result before handing it on; a mismatch is a bug, so it raises."""
    import jsonschema

    try:
        jsonschema.validate(document, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "<top>"
        raise AssertionError(f"{what} output breaks its schema at {where}: {exc.message}") from exc
    return document


def check_input(value, schema: dict, not_what: str) -> None:
    """A step's argument must fit its schema: InputError naming where and why, not a KeyError later."""
    import jsonschema

    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        where = ".".join(str(p) for p in exc.absolute_path) or "<top>"
        raise InputError(f"{not_what} at {where}: {_reason(exc)[:200]}") from None


#: JSON Schema types as an operator reads them
TYPE_WORDS = {"string": "text", "object": "an object", "array": "a list", "integer": "a whole number",
              "number": "a number", "boolean": "true or false", "null": "null"}


def _reason(error) -> str:
    """A wrong type says both types ("must be text, got a number"), not "5 is not of type 'string'"."""
    if error.validator != "type":
        return error.message
    wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    return f"must be {' or '.join(TYPE_WORDS.get(t, t) for t in wanted)}, got {json_type(error.instance)}"
