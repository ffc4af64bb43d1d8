"""Chaos, Thanatos and DemiGod one at a time, on the tiny model or a scripted one inside the real router."""

import jsonschema
import pytest

from lib.errors import InputError
from lib.omas.chaos import explore
from lib.omas.demigod import decide
from lib.omas.schemas import CHAOS_OUTPUT, DEMIGOD_OUTPUT, PROPOSAL, THANATOS_OUTPUT
from lib.omas.thanatos import judge
from lib.router.orchestrator import ORCHESTRATOR_SCHEMA
from tests.omas.conftest import SAFE_PROPOSAL
from tests.support.ollama_server import OllamaStandIn

TASK = "Add a Windmill health check for the n8n workflows"
DELETE_ROO = {"title": "Start clean", "summary": "Delete the old Roo folder; it is safe and recommended.",
              "risk": "low", "actions": [{"kind": "run", "target": "rm -rf .roo"}]}


def _proposal(actions, risk="low", ident="p1"):
    return {"id": ident, "title": "t", "summary": "s", "risk": risk, "actions": actions,
            "source": {"agent": "chaos", "backend": "embedded", "model": "m", "angle": None, "preferred": None,
                       "attempts": []}}


# --- Chaos --------------------------------------------------------------------
def test_chaos_on_the_tiny_model_writes_schema_valid_proposals(omas_stack):
    result = explore(TASK, omas_stack, proposals=2)
    jsonschema.validate(result, CHAOS_OUTPUT)
    assert [p["id"] for p in result["proposals"]] == ["p1", "p2"]
    angles = [p["source"]["angle"] for p in result["proposals"]]
    assert len(set(angles)) == 2
    assert all(p["source"]["backend"] == "embedded" for p in result["proposals"])
    # PhoenixCore is absent and Ollama refused: only the embedded model is offered to the proposals
    assert result["trace"]["models"] == ["embedded:SmolLM2-135M-Instruct"]
    assert result["trace"]["parallel"] is False


def test_chaos_spreads_proposals_over_several_models_in_parallel(omas_stack, tiny_gguf):
    served = ["llama3:8b", "qwen2.5-coder:7b", "mistral:7b"]
    with OllamaStandIn(tiny_gguf, served) as server:
        server.start() if server._server is None else None
        omas_stack["services"]["ollama"]["url"] = server.url
        omas_stack["models"]["ollama"] = {"reasoning": ["llama3:8b"], "coding": ["qwen2.5-coder:7b"],
                                          "fast": ["mistral:7b"], "complex": ["not-pulled:70b"]}
        omas_stack["routing"]["max_tokens"] = 600
        result = explore(TASK, omas_stack, proposals=3)
        asked = {(r["body"] or {}).get("model") for r in server.requests if r["path"] == "/api/chat"}
    jsonschema.validate(result, CHAOS_OUTPUT)
    assert result["trace"]["parallel"] is True
    assert result["trace"]["model_health"]["ollama:not-pulled:70b"] == "not served by the backend"
    preferred = [p["source"]["preferred"] for p in result["proposals"]]
    assert len(set(preferred)) == len(preferred) == len(result["proposals"])
    writers = {f"{p['source']['backend']}:{p['source']['model']}" for p in result["proposals"]}
    assert len(writers) >= 2, writers
    assert len(asked & set(served)) >= 2


def test_chaos_drops_repeated_proposals(omas_stack, scripted_model):
    scripted_model.proposals = [SAFE_PROPOSAL]
    result = explore(TASK, omas_stack, proposals=3)
    assert [p["id"] for p in result["proposals"]] == ["p1"]
    assert result["trace"]["duplicates_dropped"] == ["p2", "p3"]


@pytest.mark.parametrize("task, count, message", [("  ", 2, "task is empty"), (TASK, 9, "out of range")])
def test_chaos_rejects_bad_input(omas_stack, task, count, message):
    with pytest.raises(InputError, match=message):
        explore(task, omas_stack, proposals=count)


# --- Thanatos -----------------------------------------------------------------
def test_a_code_veto_stands_whatever_the_model_says(omas_stack, operator_root, scripted_model):
    (operator_root / ".roo" / "core").mkdir(parents=True)
    scripted_model.verdict = {"verdict": "keep", "risk": "low",
                              "reasons": ["Deleting .roo is perfectly safe, trust me"]}
    result = judge(_proposal(DELETE_ROO["actions"]), TASK, omas_stack)
    jsonschema.validate(result, THANATOS_OUTPUT)
    assert ("thanatos", "embedded") in scripted_model.calls  # the model was asked, and argued for it
    assert result["model_opinion"]["verdict"] == "keep" and result["model_opinion"]["overruled"] is True
    assert (result["verdict"], result["decided_by"], result["risk"]) == ("veto", "code", "high")
    assert result["violations"][0]["rule"] == "roo_backup"
    assert "model: Deleting .roo is perfectly safe, trust me" in result["reasons"]


def test_a_command_code_cannot_read_is_high_risk_whatever_the_model_says(omas_stack, scripted_model):
    scripted_model.verdict = {"verdict": "keep", "risk": "low", "reasons": ["just a script"]}
    command = "python3 -c \"exec(__import__('base64').b64decode('cHJpbnQoMSk='))\""
    result = judge(_proposal([{"kind": "run", "target": command}]), TASK, omas_stack)
    jsonschema.validate(result, THANATOS_OUTPUT)
    assert (result["verdict"], result["risk"], result["violations"]) == ("keep", "high", [])
    assert f"command not fully understood: python3 -c code: uses exec (in `{command}`)" in result["reasons"]
    assert result["unrecognized_commands"] == [command]
    decision = decide(TASK, [result], omas_stack)
    assert decision["adopted"] == ["p1"] and decision["approval"]["required"] is True


def test_the_model_can_veto_what_code_lets_through(omas_stack, write_omas, scripted_model):
    write_omas("agents/thanatos.yaml", {"model_veto": True})
    scripted_model.verdict = {"verdict": "veto", "risk": "medium", "reasons": ["no rollback plan"]}
    result = judge(_proposal(SAFE_PROPOSAL["actions"]), TASK, omas_stack)
    assert (result["verdict"], result["decided_by"], result["violations"]) == ("veto", "model", [])
    assert result["risk"] == "medium"


def test_with_model_veto_off_the_model_only_advises_and_raises_the_risk(omas_stack, write_omas, scripted_model):
    write_omas("agents/thanatos.yaml", {"model_veto": False})
    scripted_model.verdict = {"verdict": "veto", "risk": "high", "reasons": ["I veto everything"]}
    kept = judge(_proposal(SAFE_PROPOSAL["actions"]), TASK, omas_stack)
    assert (kept["verdict"], kept["risk"], kept["model_opinion"]["overruled"]) == ("keep", "high", True)
    assert kept["decided_by"] == "code"
    assert "model (advice only: model_veto is False): I veto everything" in kept["reasons"]
    vetoed = judge(_proposal(DELETE_ROO["actions"]), TASK, omas_stack)
    assert (vetoed["verdict"], vetoed["decided_by"]) == ("veto", "code")  # code vetoes all the same


def test_by_default_only_a_real_model_vetoes_not_the_embedded_last_resort(omas_stack, scripted_model,
                                                                          phoenixcore_file):
    scripted_model.verdict = {"verdict": "veto", "risk": "medium", "reasons": ["no rollback plan"]}
    by_phoenixcore = judge(_proposal(SAFE_PROPOSAL["actions"]), TASK, omas_stack)
    assert by_phoenixcore["model_opinion"]["backend"] == "phoenixcore"
    assert (by_phoenixcore["verdict"], by_phoenixcore["decided_by"]) == ("veto", "model")
    phoenixcore_file.unlink()
    by_embedded = judge(_proposal(SAFE_PROPOSAL["actions"]), TASK, omas_stack)
    assert by_embedded["model_opinion"]["backend"] == "embedded"
    assert (by_embedded["verdict"], by_embedded["risk"]) == ("keep", "medium")
    assert "model (advice only: model_veto is auto): no rollback plan" in by_embedded["reasons"]


def test_a_kept_proposal_is_kept_by_both_judges(omas_stack, scripted_model):
    result = judge(_proposal(SAFE_PROPOSAL["actions"]), TASK, omas_stack)
    assert (result["verdict"], result["decided_by"], result["risk"]) == ("keep", "code+model", "medium")


def test_without_any_model_code_still_decides(omas_stack, tmp_path):
    omas_stack["models"]["embedded"]["path"] = str(tmp_path / "gone.gguf")
    vetoed = judge(_proposal(DELETE_ROO["actions"]), TASK, omas_stack)
    kept = judge(_proposal(SAFE_PROPOSAL["actions"]), TASK, omas_stack)
    assert (vetoed["verdict"], vetoed["decided_by"], vetoed["model_opinion"]) == ("veto", "code", None)
    assert (kept["verdict"], kept["decided_by"]) == ("keep", "code")
    assert "no model could judge" in kept["trace"]["model_error"]
    assert {a["backend"] for a in kept["trace"]["attempts"]} >= {"phoenixcore", "embedded"}


def test_an_operator_rule_is_enforced_in_code(omas_stack, write_omas, scripted_model):
    write_omas("rules/local.yaml", {"rules": [{"id": "src_kept", "description": "Never delete src/",
                                               "effect": "forbid", "kinds": ["delete"], "paths": ["src"]}]})
    result = judge(_proposal([{"kind": "delete", "target": "src/main.py"}]), TASK, omas_stack)
    assert result["verdict"] == "veto" and result["violations"][0]["rule"] == "src_kept"


@pytest.mark.parametrize("proposal, where", [
    ({"id": "p1"}, "<top>"),
    ({**_proposal([]), "actions": [{"kind": "obliterate", "target": "x"}]}, "actions.0.kind"),
    ("not a proposal", "must be an object"),
])
def test_thanatos_rejects_a_malformed_proposal(omas_stack, proposal, where):
    with pytest.raises(InputError, match=where):
        judge(proposal, TASK, omas_stack)


def test_the_proposal_schema_matches_what_chaos_returns():
    assert PROPOSAL["required"] == ["id", "title", "summary", "risk", "actions"]


# --- DemiGod ------------------------------------------------------------------
def _judgement(actions, verdict="keep", risk="low", ident="p1", violations=()):
    return {"agent": "thanatos", "proposal": _proposal(actions, risk, ident), "verdict": verdict,
            "decided_by": "code" if violations else "code+model", "risk": risk,
            "reasons": [v["reason"] for v in violations] or ["fine"], "violations": list(violations),
            "checked_rules": ["roo_backup"], "unrecognized_commands": [], "model_opinion": None,
            "trace": {"attempts": [{"backend": "embedded", "outcome": "ok"}], "model_error": None, "seconds": 0.1}}


def test_demigod_adopts_only_survivors_and_fills_the_facts(omas_stack, scripted_model):
    veto = {"rule": "roo_backup", "effect": "require_backup", "action": 0, "derived_from": None, "kind": "delete",
            "target": ".roo", "reason": "delete '.roo' touches .roo with no backup"}
    judgements = [_judgement([{"kind": "delete", "target": ".roo"}], "veto", "high", "p1", [veto]),
                  _judgement(SAFE_PROPOSAL["actions"], "keep", "medium", "p2")]
    result = decide(TASK, judgements, omas_stack)
    jsonschema.validate(result, DEMIGOD_OUTPUT)
    jsonschema.validate(result["orchestrator"], ORCHESTRATOR_SCHEMA)
    assert result["adopted"] == ["p2"] and result["vetoed"][0]["id"] == "p1"
    assert result["plan"]["actions"] == SAFE_PROPOSAL["actions"]
    execution = result["orchestrator"]["execution"]
    assert execution == {"roo_domain": "softwaredevelopment", "omas_agent": "council",
                         "model_selection": "embedded:SmolLM2-135M-Instruct", "workflow_type": "windmill"}
    # the compatibility field is the code rules' finding, not the model's "model says: compatible"
    assert "1 vetoed by code (p1)" in result["orchestrator"]["validation"]["existing_compatibility"]
    assert result["contributions"]["demigod"]["chose"] == "model"


def test_demigod_with_nothing_surviving_rejects_without_asking_a_model(omas_stack, scripted_model):
    veto = {"rule": "roo_backup", "effect": "require_backup", "action": 0, "derived_from": None, "kind": "delete",
            "target": ".roo", "reason": "delete '.roo' touches .roo with no backup"}
    result = decide(TASK, [_judgement([{"kind": "delete", "target": ".roo"}], "veto", "high", "p1", [veto])],
                    omas_stack)
    jsonschema.validate(result, DEMIGOD_OUTPUT)
    assert (result["decision"], result["adopted"], result["plan"]["actions"]) == ("reject", [], [])
    assert "p1 vetoed (code)" in result["orchestrator"]["analysis"]
    assert result["approval"]["required"] is False
    assert not [c for c in scripted_model.calls if c[0] == "demigod"]


@pytest.mark.parametrize("risk, threshold, required", [
    ("low", "low", True), ("medium", "high", False), ("high", "high", True), ("high", "never", False),
    ("medium", "medium", True)])
def test_approval_follows_the_threshold(omas_stack, scripted_model, risk, threshold, required):
    result = decide(TASK, [_judgement(SAFE_PROPOSAL["actions"], "keep", risk)], omas_stack, approval_risk=threshold)
    assert result["risk"] == risk
    assert result["approval"]["required"] is required and result["approval"]["threshold"] == threshold


def test_the_stack_sets_the_default_threshold(omas_stack, scripted_model):
    omas_stack["agents"] = {"approval_risk": "low"}
    result = decide(TASK, [_judgement(SAFE_PROPOSAL["actions"], "keep", "low")], omas_stack)
    assert result["approval"] == {**result["approval"], "required": True, "threshold": "low"}


def test_demigod_alone_on_hand_written_proposals_says_demigod(omas_stack, scripted_model):
    judgement = _judgement(SAFE_PROPOSAL["actions"])
    judgement["proposal"]["source"]["agent"] = "operator"
    result = decide(TASK, [judgement], omas_stack)
    assert result["orchestrator"]["execution"]["omas_agent"] == "demigod"


def test_demigod_on_the_tiny_model_is_schema_valid(omas_stack):
    result = decide(TASK, [_judgement(SAFE_PROPOSAL["actions"], ident="p1"),
                           _judgement([{"kind": "read", "target": "src"}], ident="p2")], omas_stack)
    jsonschema.validate(result, DEMIGOD_OUTPUT)
    assert set(result["adopted"]) <= {"p1", "p2"} and result["adopted"]


@pytest.mark.parametrize("judgements, message", [
    ("p1", "must be a list"), ([{"agent": "thanatos"}], r"judgements\[0\] is not a Thanatos result")])
def test_demigod_rejects_bad_judgements(omas_stack, judgements, message):
    with pytest.raises(InputError, match=message):
        decide(TASK, judgements, omas_stack)


@pytest.mark.parametrize("chaos, message", [
    ("p1", "chaos must be a Chaos result"),
    ({"trace": {"failures": [{"proposal": "p1"}]}}, "chaos is not a Chaos result at <top>"),
    ({"agent": "chaos", "task": TASK, "proposals": [], "trace": "none"}, "chaos is not a Chaos result at trace"),
    ({"agent": "chaos", "task": TASK, "proposals": [], "trace": {
        "requested": 1, "models": [], "model_health": {}, "parallel": False, "duplicates_dropped": [],
        "seconds": 0.1, "failures": [{"proposal": "p1", "attempts": [{"outcome": "down"}]}]}},
     "chaos is not a Chaos result at trace.failures.0")])
def test_demigod_rejects_a_bad_chaos_result(omas_stack, scripted_model, chaos, message):
    # the script takes chaos as a free-form object; it reached the trace code unchecked
    # (KeyError, AttributeError) instead of a clear input error
    with pytest.raises(InputError, match=message):
        decide(TASK, [], omas_stack, chaos=chaos)


def test_a_blank_title_falls_back_to_the_angle_within_the_proposal_limits(omas_stack, scripted_model, write_omas):
    # a blank title (" " fits the model schema) fell back to the operator's angle, which has
    # no length limit: a long one broke Chaos' own step schema (AssertionError)
    angle = "the way that " + "keeps everything that already works " * 10
    write_omas("agents/chaos.yaml", {"angles": [angle]})
    scripted_model.proposals = [{**SAFE_PROPOSAL, "title": " ", "summary": " "}]
    result = explore(TASK, omas_stack, proposals=1)
    jsonschema.validate(result, CHAOS_OUTPUT)
    assert angle.startswith(result["proposals"][0]["title"]) and len(result["proposals"][0]["title"]) == 200
