"""Flap damping: a status changes only after N agreeing results; one event per confirmed change."""

from __future__ import annotations

from lib.health.history import append_run, apply_findings
from lib.health.probes import Finding


def _finding(status: str, component: str = "service:n8n") -> Finding:
    return Finding(component, "services", "n8n", status, f"it is {status}", 1.0)


def _feed(statuses: list[str], threshold: int) -> tuple[dict, list[dict]]:
    state, events = {}, []
    for at, status in enumerate(statuses):
        state, new = apply_findings(state, [_finding(status)], threshold, float(at))
        events += new
    return state, events


def test_first_observation_sets_the_baseline_without_an_event():
    state, events = _feed(["down"], threshold=2)
    assert state["service:n8n"]["status"] == "down" and events == []


def test_a_change_is_confirmed_only_after_threshold_agreeing_results():
    state, events = _feed(["up", "down"], threshold=2)
    assert state["service:n8n"]["status"] == "up"
    assert state["service:n8n"]["candidate"] == "down" and state["service:n8n"]["streak"] == 1
    state, events = _feed(["up", "down", "down"], threshold=2)
    assert state["service:n8n"]["status"] == "down"
    assert state["service:n8n"]["since"] == 2.0
    assert [(e["from"], e["to"], e["kind"]) for e in events] == [("up", "down", "change")]


def test_a_flapping_target_never_changes_status():
    state, events = _feed(["up", "down", "up", "down", "up", "down", "up"], threshold=2)
    assert state["service:n8n"]["status"] == "up" and events == []
    assert state["service:n8n"]["since"] == 0.0


def test_recovery_is_its_own_kind_and_unchanged_status_never_repeats():
    _, events = _feed(["up", "down", "down", "down", "down", "up", "up", "up", "up"], threshold=2)
    assert [(e["from"], e["to"], e["kind"]) for e in events] == [("up", "down", "change"),
                                                                 ("down", "up", "recovery")]


def test_threshold_one_follows_every_result():
    _, events = _feed(["up", "down", "up"], threshold=1)
    assert [e["to"] for e in events] == ["down", "up"]


def test_an_interrupted_streak_starts_over():
    state, events = _feed(["up", "down", "unknown", "down", "unknown"], threshold=2)
    assert state["service:n8n"]["status"] == "up" and events == []


def test_components_no_longer_probed_are_dropped_and_others_are_independent():
    state, _ = apply_findings({}, [_finding("up", "a"), _finding("up", "b")], 1, 0.0)
    state, events = apply_findings(state, [_finding("down", "a")], 1, 1.0)
    assert set(state) == {"a"} and [e["component"] for e in events] == ["a"]


def test_history_keeps_only_the_newest_runs():
    runs = None
    for at in range(5):
        runs = append_run(runs, [_finding("up")], float(at), 10.0, keep=3)
    assert [r["at"] for r in runs] == [2.0, 3.0, 4.0]
    assert runs[-1]["statuses"] == {"service:n8n": "up"}
