# GENERATED from lib/router/orchestrator.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The seed's orchestrator response format, always schema-valid.

The seed's Roo Code prompt asks every answer to come as::

    {"analysis", "integration_strategy": {existing_components, new_capabilities,
     synergy_points}, "execution": {roo_domain, omas_agent, model_selection,
     workflow_type}, "validation": {existing_compatibility, enhancement_level}}

The model writes only the prose fields, under a schema constraint
(``PROSE_SCHEMA``). The facts the system knows (domain, agent, model,
workflow type) are filled in by the system, never guessed by a model. When a
model's prose is unusable, the system writes it from what it knows, so the
result is valid against ``ORCHESTRATOR_SCHEMA`` on every call.
"""

from __future__ import annotations

from ..backends.common_settings import ROO_DOMAINS

OMAS_AGENTS = ("none", "chaos", "demigod", "thanatos", "council")
WORKFLOW_TYPES = ("windmill", "n8n")
ENHANCEMENT_LEVELS = ("none", "low", "medium", "high")

_TEXT = {"type": "string", "minLength": 1}


def _prose(max_length: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_length}


def _closed(properties: dict) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties), "additionalProperties": False}


PROSE_SCHEMA = _closed({
    "analysis": _prose(400),
    "integration_strategy": _closed({
        "existing_components": _prose(120),
        "new_capabilities": _prose(120),
        "synergy_points": _prose(120),
    }),
    "validation": _closed({
        "existing_compatibility": _prose(120),
        "enhancement_level": {"enum": list(ENHANCEMENT_LEVELS)},
    }),
})

ORCHESTRATOR_SCHEMA = _closed({
    "analysis": _TEXT,
    "integration_strategy": _closed({
        "existing_components": _TEXT,
        "new_capabilities": _TEXT,
        "synergy_points": _TEXT,
    }),
    "execution": _closed({
        "roo_domain": {"enum": list(ROO_DOMAINS)},
        "omas_agent": {"enum": list(OMAS_AGENTS)},
        "model_selection": _TEXT,
        "workflow_type": {"enum": list(WORKFLOW_TYPES)},
    }),
    "validation": _closed({
        "existing_compatibility": _TEXT,
        "enhancement_level": {"enum": list(ENHANCEMENT_LEVELS)},
    }),
})

SYSTEM_PROMPT = (
    "You are the Phoenix DemiGod v8.7 hybrid orchestrator. Preserve the existing architecture "
    "(Roo Code .roo/, OMAS agents, n8n workflows, PhoenixCore) and extend it without disruption. "
    "Answer with JSON only: analysis (your answer to the task), integration_strategy "
    "(existing_components, new_capabilities, synergy_points), validation "
    "(existing_compatibility, enhancement_level: none|low|medium|high)."
)


def system_prose(answer: str, facts: dict) -> dict:
    """Prose written by the system from what it knows, for text mode and fallbacks."""
    summary = " ".join(answer.split())[:600] or "No answer text was produced."
    return {
        "analysis": summary,
        "integration_strategy": {
            "existing_components": "Roo Code (.roo/), OMAS agents, n8n workflows and PhoenixCore left unchanged",
            "new_capabilities": f"answered through the Phoenix router on {facts['model_selection']}",
            "synergy_points": f"Roo domain {facts['roo_domain']}; callable from Windmill and n8n webhooks",
        },
        "validation": {
            "existing_compatibility": "read-only request: no existing component was modified",
            "enhancement_level": "low",
        },
    }


def build(prose: dict, facts: dict) -> dict:
    """Join prose and system facts into the orchestrator JSON.

    The prose is either a model's, already validated against PROSE_SCHEMA
    (stricter than this document's prose parts), or the system's own
    (``system_prose`` and the council's), valid by construction; so only the
    facts are checked here, on every request, against the enums the schema is
    made of: a wrong one is a bug in the facts given, never the model's doing.
    """
    execution = {key: facts[key] for key in ("roo_domain", "omas_agent", "model_selection", "workflow_type")}
    for key, allowed in (("roo_domain", ROO_DOMAINS), ("omas_agent", OMAS_AGENTS), ("workflow_type", WORKFLOW_TYPES)):
        if execution[key] not in allowed:
            raise ValueError(f"orchestrator JSON invalid at execution/{key}: {execution[key]!r} "
                             f"is not one of {', '.join(allowed)}")
    if not isinstance(execution["model_selection"], str) or not execution["model_selection"]:
        raise ValueError(f"orchestrator JSON invalid at execution/model_selection: {execution['model_selection']!r}")
    return {
        "analysis": prose["analysis"],
        "integration_strategy": dict(prose["integration_strategy"]),
        "execution": execution,
        "validation": dict(prose["validation"]),
    }
