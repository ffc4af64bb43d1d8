"""Agent definitions: shipped defaults, the operator's omas/ folder, and clear errors."""

import pytest

from lib.errors import ConfigError
from lib.omas.agents import AGENT_NAMES, load_council
from lib.omas.rules import SEED_IDS
from lib.omas.schemas import JUDGEMENT_MODEL_SCHEMA, PROPOSAL_MODEL_SCHEMA
from lib.stack import load_stack


def test_a_fresh_machine_gets_the_shipped_agents_and_seed_rules(omas_stack):
    council = load_council(load_stack(omas_stack))
    assert set(council.agents) == set(AGENT_NAMES)
    chaos, thanatos = council["chaos"], council["thanatos"]
    assert chaos.options["proposals"] == 3 and chaos.temperature > thanatos.temperature
    assert chaos.output_schema is PROPOSAL_MODEL_SCHEMA and thanatos.output_schema is JUDGEMENT_MODEL_SCHEMA
    assert {r.id for r in thanatos.rules} == set(SEED_IDS)
    assert "Never modify .roo/ without a backup" in thanatos.rules_prompt()
    assert council.sources == ("<defaults>",)


def test_configs_agent_files_and_agent_folders_override_in_order(omas_stack, write_omas):
    write_omas("configs/council.yaml", {"agents": {"chaos": {"sampling": {"temperature": 1.3}, "proposals": 2},
                                                   "thanatos": {"model": {"priority": "quality"}}}})
    write_omas("agents/chaos.yaml", {"sampling": {"max_tokens": 700}, "model": {"prefer": ["ollama:llama3:8b"]}})
    write_omas("agents/thanatos/config.yaml", {"role": "The operator's judge"})
    write_omas("agents/thanatos/notes.txt", "the operator's own files are left alone")
    council = load_council(load_stack(omas_stack))
    chaos, thanatos = council["chaos"], council["thanatos"]
    assert (chaos.temperature, chaos.max_tokens, chaos.options["proposals"]) == (1.3, 700, 2)
    assert chaos.prefer == ("ollama:llama3:8b",)
    assert thanatos.priority == "quality" and thanatos.role == "The operator's judge"
    assert thanatos.system_prompt.startswith("You are Thanatos")  # untouched keys keep their defaults
    assert chaos.sources[-1].endswith("agents/chaos.yaml")


def test_operator_rules_are_added_and_listed_rules_keep_the_seed_ones(omas_stack, write_omas):
    write_omas("rules/local.yaml", {"rules": [
        {"id": "src_kept", "description": "Never delete src/", "effect": "forbid", "kinds": ["delete"],
         "paths": ["src"]},
        {"id": "be_kind", "description": "Prefer reversible changes", "effect": "guidance"}]})
    write_omas("agents/chaos.yaml", {"rules": ["be_kind"]})
    council = load_council(load_stack(omas_stack))
    assert {"src_kept", "be_kind"} <= {r.id for r in council["thanatos"].rules}
    chaos_rules = {r.id for r in council["chaos"].rules}
    assert "be_kind" in chaos_rules and "src_kept" not in chaos_rules and SEED_IDS <= chaos_rules


@pytest.mark.parametrize("relative, document, key, reason", [
    ("agents/chaos.yaml", "role: [unclosed", "", "malformed YAML: line 1"),
    ("agents/chaos.yaml", "- a list", "", "expected a mapping"),
    ("agents/chaos.yaml", {"temperature": 0.5}, "temperature", "unknown key"),
    ("agents/chaos.yaml", {"sampling": {"temperture": 0.5}}, "sampling.temperture", "unknown key"),
    ("agents/chaos.yaml", {"sampling": {"max_tokens": "lots"}}, "sampling.max_tokens", "is not of type"),
    ("agents/thanatos.yaml", {"model": {"priority": "cheapest"}}, "model.priority", "is not one of"),
    ("agents/thanatos.yaml", {"proposals": 2}, "proposals", "only the chaos agent"),
    ("configs/council.yaml", {"agents": {"chaos": {"model_veto": False}}}, "agents.chaos.model_veto",
     "only the thanatos agent"),
    ("agents/chaos.yaml", {"proposals": 9}, "proposals", "9 is greater than the maximum"),
    ("agents/chaos.yaml", {"rules": ["nope"]}, "rules.0", "unknown rule 'nope'"),
    ("configs/council.yaml", {"agents": {"hermes": {}}}, "agents.hermes", "unknown key"),
    ("configs/council.yaml", {"council": {}}, "council", "unknown key"),
    ("rules/x.yaml", {"rules": [{"id": "roo_backup", "description": "off", "effect": "guidance"}]},
     "rules.0.id", "is a seed rule"),
    ("rules/x.yaml", {"rules": [{"id": "a", "description": "d", "effect": "forbid", "paths": ["src"]}]},
     "rules.0.kinds", "needs the action kinds"),
    ("rules/x.yaml", {"rules": [{"id": "a", "description": "d", "effect": "forbid", "kinds": ["delete"]}]},
     "rules.0", "needs paths or services"),
    ("rules/x.yaml", {"rules": [{"id": "a", "description": "d", "effect": "ban"}]}, "rules.0.effect",
     "is not one of"),
    ("rules/x.yaml", {"rules": [{"id": "a", "description": "d", "effect": "forbid", "kinds": ["obliterate"],
                                 "paths": ["src"]}]}, "rules.0.kinds.0", "is not one of"),
    ("rules/x.yaml", {"rules": [{"id": "a", "description": "d", "effect": "guidance", "paths": ["src"]}]},
     "rules.0", "guidance rule"),
])
def test_malformed_or_unknown_config_names_file_and_key(omas_stack, write_omas, relative, document, key, reason):
    path = write_omas(relative, document)
    with pytest.raises(ConfigError) as error:
        load_council(load_stack(omas_stack))
    assert error.value.source == str(path)
    assert error.value.key == key
    assert reason in error.value.reason
    assert str(path) in str(error.value)


@pytest.mark.parametrize("relative", ["agents/hermes.yaml", "agents/thanatoss/config.yaml"])
def test_an_agent_file_the_council_does_not_have_is_left_alone_and_reported(omas_stack, write_omas, relative,
                                                                           capsys):
    """The operator's other agents (or a misspelt name) must not stop the council."""
    path = write_omas(relative, "anything: [the operator's own format\n")  # not even read
    council = load_council(load_stack(omas_stack))
    assert set(council.agents) == {"chaos", "thanatos", "demigod"}
    assert len(council.ignored) == 1 and str(path) in council.ignored[0]
    assert "is not a council agent (chaos, thanatos, demigod)" in council.ignored[0]
    assert str(path) in capsys.readouterr().err
    assert path.read_text() == "anything: [the operator's own format\n"


def test_the_notice_about_another_agent_file_is_printed_once_per_process(omas_stack, write_omas, capsys):
    # every step of a council loads the council; locally they share one process
    path = write_omas("agents/hermes.yaml", "role: messenger\n")
    for _ in range(4):
        assert len(load_council(load_stack(omas_stack)).ignored) == 1  # still reported in the result
    assert capsys.readouterr().err.count(str(path)) == 1


def test_a_rule_defined_twice_across_files_is_an_error(omas_stack, write_omas):
    rule = {"id": "twice", "description": "d", "effect": "guidance"}
    write_omas("rules/a.yaml", {"rules": [rule]})
    second = write_omas("rules/b.yaml", {"rules": [rule]})
    with pytest.raises(ConfigError, match="defined twice") as error:
        load_council(load_stack(omas_stack))
    assert error.value.source == str(second)


def test_the_agents_folder_follows_the_stack(omas_stack, operator_root):
    (operator_root / "elsewhere" / "agents").mkdir(parents=True)
    (operator_root / "elsewhere" / "agents" / "demigod.yaml").write_text("sampling: {temperature: 0.7}\n")
    omas_stack["agents"] = {"dir": "elsewhere"}
    assert load_council(load_stack(omas_stack))["demigod"].temperature == 0.7
