"""Task classification: type, complexity, Roo domain, with evidence."""

import pytest

from lib.router.classify import classify


@pytest.mark.parametrize("prompt, task_type", [
    ("Fix this Python function: def add(a, b): return a - b", "coding"),
    ("Explain why the sky is blue and compare it with a sunset, step by step", "reasoning"),
    ("Translate 'good morning' to Spanish", "fast"),
    ("Design an end-to-end architecture to migrate our n8n orchestration to a distributed "
     "system with multiple workers, a roadmap and a strategy for each phase", "complex"),
])
def test_task_type(prompt, task_type):
    assert classify(prompt).task_type == task_type


@pytest.mark.parametrize("prompt, domain", [
    ("Compute the average and trend of this CSV dataset", "dataanalysis"),
    ("Should I choose option A or B? Weigh the risk", "decisionmaking"),
    ("Teach a beginner how photosynthesis works in a short lesson", "education"),
    ("Propose an experiment to test this physics hypothesis", "scientificresearch"),
    ("Refactor this Python script and add a unit test", "softwaredevelopment"),
])
def test_roo_domain(prompt, domain):
    assert classify(prompt).domain == domain


def test_complexity_grows_with_length_steps_and_cues():
    assert classify("hi").complexity == "low"
    long_task = "Design a detailed architecture. " + "Consider the trade-off of each part. " * 30
    steps = "Do this:\n1. a\n2. b\n3. c\n4. d\nWhy? How? When? Where?"
    assert classify(long_task).complexity == "high"
    assert classify(steps).complexity in {"medium", "high"}


def test_given_values_are_kept_and_recorded():
    task = classify("Translate hello", task_type="coding", complexity="high")
    assert (task.task_type, task.complexity) == ("coding", "high")
    assert task.cues["given"] == {"task_type": "coding", "complexity": "high"}


def test_evidence_is_returned():
    task = classify("Fix the bug in this regex")
    assert "bug" in task.cues["type"]["coding"]
