"""The fast schema check never calls a document valid that jsonschema rejects."""

import copy

import jsonschema
import pytest

from lib.backends.base import _fits, document_problem, schema_problem
from lib.router.orchestrator import ORCHESTRATOR_SCHEMA, PROSE_SCHEMA

VALID = {
    "analysis": "a", "integration_strategy": {"existing_components": "b", "new_capabilities": "c",
                                              "synergy_points": "d"},
    "execution": {"roo_domain": "education", "omas_agent": "none", "model_selection": "x:y",
                  "workflow_type": "windmill"},
    "validation": {"existing_compatibility": "e", "enhancement_level": "low"},
}


def _mutations():
    yield "valid", copy.deepcopy(VALID)
    for path, value in [(("analysis",), ""), (("analysis",), 3), (("execution", "roo_domain"), "cooking"),
                        (("validation", "enhancement_level"), True), (("execution", "extra"), "x"),
                        (("integration_strategy",), "flat"), (("execution", "omas_agent"), None)]:
        document = copy.deepcopy(VALID)
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        yield "/".join(path), document
    missing = copy.deepcopy(VALID)
    del missing["validation"]["existing_compatibility"]
    yield "missing", missing


@pytest.mark.parametrize("name, document", list(_mutations()))
def test_fast_check_agrees_with_jsonschema(name, document):
    valid = jsonschema.Draft202012Validator(ORCHESTRATOR_SCHEMA).is_valid(document)
    assert valid == (name == "valid")
    if _fits(document, ORCHESTRATOR_SCHEMA):
        assert valid
    assert (document_problem(document, ORCHESTRATOR_SCHEMA) is None) == valid


@pytest.mark.parametrize("schema, value", [
    ({"type": "integer"}, 1.0), ({"type": "number", "minimum": 3}, 2), ({"type": ["string", "null"]}, None),
    ({"enum": [1, 2]}, True), ({"type": "object", "additionalProperties": {"type": "string"}}, {"a": 1}),
    ({"type": "string", "pattern": "^a"}, "b"), ({"type": "array", "items": {"type": "integer"}}, [1, "2"]),
    ({"type": "number"}, True), ({"type": "integer"}, False), ({"type": "boolean"}, 1), ({"type": "number"}, 1.5),
    ({"type": "string", "maxLength": 2}, "abc"), ({"type": "array", "items": {"type": "string"}}, ["a"]),
    ({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"a": "x", "b": 1}),
    ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}, {"b": 1}),
])
def test_unknown_keywords_and_edge_cases_defer_to_jsonschema(schema, value):
    expected = jsonschema.Draft202012Validator(schema).is_valid(value)
    assert (document_problem(value, schema) is None) == expected
    assert not _fits(value, schema) or expected


def test_schema_problem_names_where_and_why():
    assert schema_problem("not json", PROSE_SCHEMA).startswith("not JSON")
    assert schema_problem('{"analysis": "x"}', PROSE_SCHEMA) == "<top>: 'integration_strategy' is a required property"
    assert schema_problem(f'{{"analysis": "{"x" * 401}"}}', PROSE_SCHEMA).startswith("analysis: ")


def test_the_orchestrator_json_refuses_facts_outside_its_enums():
    from lib.router.orchestrator import build, system_prose

    facts = {"roo_domain": "education", "omas_agent": "none", "model_selection": "x:y", "workflow_type": "n8n"}
    document = build(system_prose("an answer", facts), facts)
    jsonschema.validate(document, ORCHESTRATOR_SCHEMA)
    for key, wrong in (("roo_domain", "cooking"), ("omas_agent", "zeus"), ("model_selection", "")):
        with pytest.raises(ValueError, match=f"execution/{key}"):
            build(system_prose("an answer", facts), {**facts, key: wrong})
