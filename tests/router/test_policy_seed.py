"""The seed's routing policy, as the default stack configures it."""

from lib.router.classify import Classification, classify
from lib.router.policy import order_candidates
from lib.stack import load_stack


def test_default_ollama_categories_are_the_seeds():
    assert load_stack(None).models.ollama.by_category() == {
        "reasoning": ["llama3:8b", "zamba2-7b-instruct"],
        "coding": ["deepseek-coder-v2", "qwen2.5-coder:7b"],
        "fast": ["mistral:7b", "gemma:7b"],
        "complex": ["mixtral:8x7b"],
    }
    assert load_stack(None).services.ollama.url == "http://127.0.0.1:11435"


def test_reasoning_of_high_complexity_goes_to_the_reasoning_models_first():
    # the seed: priority other than "existing", reasoning + high -> ollama_models["reasoning"][0]
    order = order_candidates(load_stack({"root": "/boo"}), Classification("reasoning", "high", "education"), "quality")
    ollama = [c.model for c in order if c.backend == "ollama"]
    assert ollama.index("llama3:8b") < ollama.index("deepseek-coder-v2")
    order = order_candidates(load_stack({"root": "/boo"}), Classification("reasoning", "high", "education"), "speed")
    assert [c.model for c in order if c.backend == "ollama"][:2] == ["mistral:7b", "gemma:7b"]


def test_existing_priority_and_the_fallback_to_the_existing_model():
    stack = load_stack({"root": "/boo"})
    task = classify("Explain why the sky is blue")
    existing = order_candidates(stack, task, "existing")
    assert existing[0].backend == "phoenixcore" and existing[-1].backend == "embedded"
    quality = order_candidates(stack, task, "quality")
    assert [c.backend for c in quality[-2:]] == ["phoenixcore", "embedded"]
    assert "fallback to the existing PhoenixCore" in quality[-2].reason


def test_the_policy_is_configurable_from_the_stack_file(tmp_path):
    stack_file = tmp_path / "stack.yaml"
    stack_file.write_text("models:\n  ollama:\n    reasoning: [phi3:mini]\n    coding: []\n    fast: []\n"
                          "    complex: []\nrouting:\n  priority: quality\n")
    stack = load_stack(str(stack_file))
    order = order_candidates(stack, Classification("reasoning", "medium", "education"), stack.routing.priority)
    assert [c.model for c in order if c.backend == "ollama"] == ["phi3:mini"]
    assert order[0].backend == "ollama"
