"""Rules decided in code: what actions and shell commands do, and which seed rule they break."""

import pytest

from lib.omas.commands import read_command
from lib.omas.rules import SEED_RULES, judge_in_code, touches
from lib.preserve import PROTECTED, protected_folders_touched


def _violated(stack, actions):
    return sorted({v["rule"] for v in judge_in_code(stack, list(SEED_RULES), actions).violations})


@pytest.mark.parametrize("command, expected", [
    ("rm -rf .roo", [("delete", ".roo")]),
    ("sudo rm -rf omas/agents && echo done", [("delete", "omas/agents")]),
    ("mv omas/agents/chaos /tmp/old", [("move", "omas/agents/chaos"), ("write", "/tmp/old")]),
    ("cp -r .roo backups/roo", [("backup", ".roo"), ("write", "backups/roo")]),
    ("tar czf backups/roo.tgz .roo", [("backup", ".roo"), ("write", "backups/roo.tgz")]),
    ("echo {} > n8n/workflows/a.json 2>&1", [("write", "n8n/workflows/a.json")]),
    ("podman stop n8n; systemctl disable ollama", [("stop", "n8n"), ("disable", "ollama")]),
    ("find omas -name '*.yaml' -delete", [("delete", "omas")]),
    ("git clean -fdx", [("delete", ".")]),
    ("sed -i s/a/b/ .roo/core/system.md", [("write", ".roo/core/system.md")]),
    ("n8n update:workflow --all --active=false", [("disable", "n8n/workflows")]),
])
def test_shell_commands_are_read_for_what_they_do(command, expected):
    reading = read_command(command)
    assert reading.understood, reading.doubts
    assert [(e.kind, e.target) for e in reading.effects if e.kind != "read"] == expected


def test_an_unknown_command_is_reported_not_guessed():
    reading = read_command("migrate --all")
    assert reading.effects == () and not reading.understood
    assert reading.doubts == ("unknown program 'migrate'",)


@pytest.mark.parametrize("target", [".roo", ".roo/core/system.md", "./.roo/core", "src/../.roo/x", "", ".", "*",
                                    "omas", "omas/agents/chaos", "src/main.py", "backups", "/etc/passwd"])
def test_path_matching_agrees_with_the_preservation_guard(stack, target):
    """For the folders lib/preserve.py guards, Thanatos sees exactly what the guard sees (and more, never less)."""
    for folder in PROTECTED:
        guard = folder in protected_folders_touched(stack, [target]) if target not in ("", "*") else True
        assert touches(stack, target, folder) == guard, (target, folder)


def test_absolute_paths_and_symlinks_into_protected_folders_are_caught(stack, operator_root):
    (operator_root / "innocent").symlink_to(operator_root / ".roo")
    assert touches(stack, str(operator_root / ".roo" / "core"), ".roo")
    assert touches(stack, "innocent/core/system.md", ".roo")
    assert touches(stack, "D:\\BooPhoenix\\.roo\\core", ".roo")  # the seed's Windows paths
    assert not touches(stack, "src/roo_notes.md", ".roo")


@pytest.mark.parametrize("actions, broken", [
    # seed: never modify .roo/ without a backup
    ([{"kind": "write", "target": ".roo/core/system.md"}], ["roo_backup"]),
    ([{"kind": "backup", "target": ".roo"}, {"kind": "write", "target": ".roo/core/system.md"}], []),
    ([{"kind": "write", "target": ".roo/core/system.md"}, {"kind": "backup", "target": ".roo"}], ["roo_backup"]),
    ([{"kind": "run", "target": "tar czf backups/r.tgz .roo && sed -i s/a/b/ .roo/core/system.md"}], []),
    ([{"kind": "run", "target": "rm -rf .roo"}], ["roo_backup"]),
    ([{"kind": "read", "target": ".roo/core/system.md"}], []),
    # seed: keep the OMAS agents operational
    ([{"kind": "delete", "target": "omas/agents/chaos"}], ["omas_backup", "omas_operational"]),
    ([{"kind": "backup", "target": "omas"}, {"kind": "delete", "target": "omas/agents/chaos"}], ["omas_operational"]),
    ([{"kind": "stop", "target": "omas-agents"}], ["omas_operational"]),
    ([{"kind": "backup", "target": "omas"}, {"kind": "write", "target": "omas/agents/chaos.yaml"}], []),
    # seed: preserve the n8n workflows
    ([{"kind": "delete", "target": "n8n/workflows/core-orchestration.json"}], ["n8n_workflows_preserved"]),
    ([{"kind": "run", "target": "podman stop n8n"}], ["n8n_workflows_preserved"]),
    ([{"kind": "disable", "target": "n8n"}], ["n8n_workflows_preserved"]),
    ([{"kind": "restart", "target": "n8n"}], []),
    ([{"kind": "write", "target": "n8n/workflows/core-orchestration.json"}], ["n8n_overwrite_backup"]),
    ([{"kind": "write", "target": "n8n/workflows/new-health.json"}], []),  # adding is not overwriting
    # the whole root contains every protected folder
    ([{"kind": "run", "target": "rm -rf *"}], ["n8n_workflows_preserved", "omas_backup", "omas_operational",
                                              "roo_backup"]),
    ([{"kind": "write", "target": "src/new.py"}, {"kind": "run", "target": "python -m pytest"}], []),
])
def test_seed_rules_are_decided_in_code(stack, actions, broken):
    assert _violated(stack, actions) == broken


def test_control_characters_in_targets_cannot_hide_or_crash_anything(stack):
    assert _violated(stack, [{"kind": "delete", "target": ".r\x00oo/core"}]) == ["roo_backup"]
    assert _violated(stack, [{"kind": "run", "target": "rm -rf\t.roo\x07"}]) == ["roo_backup"]
    assert _violated(stack, [{"kind": "run", "target": "echo hi\nrm -rf .roo"}]) == ["roo_backup"]


def test_violations_name_the_rule_the_action_and_the_command(stack):
    judgement = judge_in_code(stack, list(SEED_RULES), [{"kind": "run", "target": "rm -rf .roo"}])
    violation = judgement.violations[0]
    assert violation["rule"] == "roo_backup" and violation["action"] == 0
    assert violation["derived_from"] == "rm -rf .roo"
    assert "NUNCA modificar" in violation["reason"]
    assert judgement.risk == "high"


def test_risk_follows_the_most_dangerous_action(stack):
    assert judge_in_code(stack, list(SEED_RULES), [{"kind": "read", "target": "src"}]).risk == "low"
    assert judge_in_code(stack, list(SEED_RULES), [{"kind": "write", "target": "src/a.py"}]).risk == "medium"
    assert judge_in_code(stack, list(SEED_RULES), [{"kind": "delete", "target": "src/old.py"}]).risk == "high"


def test_every_folder_the_guard_protects_has_a_backup_rule():
    backup_folders = {p for r in SEED_RULES if r.effect == "require_backup" for p in r.paths}
    assert set(PROTECTED) <= backup_folders


@pytest.mark.parametrize("command", ["echo $(rm -rf .roo)", "echo `rm -rf .roo`", "cat <(rm -rf .roo)",
                                     "echo \"$(rm -rf .roo)\""])
def test_a_command_inside_a_substitution_is_read_too(stack, command):
    # the shell runs what is inside $(...), `...` and <(...): it was neither read nor
    # reported, so the deletion passed as an understood, harmless echo
    judgement = judge_in_code(stack, list(SEED_RULES), [{"kind": "run", "target": command}])
    assert ("delete", ".roo") in [(v["kind"], v["target"]) for v in judgement.violations]


def test_a_substitution_that_cannot_be_taken_apart_is_reported_and_still_read(stack):
    judgement = judge_in_code(stack, list(SEED_RULES), [{"kind": "run", "target": "echo $(rm -rf .roo"}])
    assert judgement.unrecognized_commands == ["echo $(rm -rf .roo"]
    assert "does not parse" in judgement.doubts[0]
    assert ("delete", ".roo") in [(v["kind"], v["target"]) for v in judgement.violations]
