"""Candidate ordering follows the seed's policy; the embedded model is always last."""

from lib.router.classify import Classification
from lib.router.policy import order_candidates
from lib.stack import load_stack


def _task(task_type="reasoning", complexity="medium", domain="softwaredevelopment"):
    return Classification(task_type, complexity, domain)


def _order(stack, task, priority):
    return [(c.backend, c.model) for c in order_candidates(stack, task, priority)]


def test_priority_existing_puts_phoenixcore_first_and_embedded_last():
    order = _order(load_stack({"root": "/boo"}), _task(), "existing")
    assert order[0] == ("phoenixcore", "/boo/models/quantized/PhoenixCore-4bit-Q5.gguf")
    assert order[-1][0] == "embedded"
    assert sum(1 for backend, _ in order if backend == "phoenixcore") == 1


def test_task_category_comes_first_then_neighbours():
    order = _order(load_stack(None), _task("coding", "medium"), "quality")
    ollama = [model for backend, model in order if backend == "ollama"]
    assert ollama[:2] == ["mixtral:8x7b", "llama3:8b"]
    order = _order(load_stack(None), _task("coding", "low"), "speed")
    ollama = [model for backend, model in order if backend == "ollama"]
    assert ollama[:2] == ["mistral:7b", "gemma:7b"]
    assert ollama[2:4] == ["deepseek-coder-v2", "qwen2.5-coder:7b"]


def test_non_existing_priority_keeps_phoenixcore_as_fallback_before_embedded():
    order = _order(load_stack(None), _task("reasoning", "high"), "quality")
    assert order[0][0] == "ollama"
    assert [backend for backend, _ in order[-2:]] == ["phoenixcore", "embedded"]


def test_huggingface_models_follow_the_roo_domain():
    stack = load_stack({"models": {"huggingface": {
        "gguf": {"scientificresearch": [{"repo": "nous/hermes", "file": "h.gguf"}],
                 "education": [{"repo": "org/edu", "file": "e.gguf"}]},
        "endpoints": [{"name": "tgi", "url": "http://127.0.0.1:9/", "domains": ["scientificresearch"]},
                      {"name": "any", "url": "http://127.0.0.1:9/"}]}}})
    order = _order(stack, _task(domain="scientificresearch"), "existing")
    assert ("hf_gguf", "nous/hermes/h.gguf") in order
    assert ("hf_gguf", "org/edu/e.gguf") not in order
    assert ("openai:tgi", None) in order and ("openai:any", None) in order
    order = _order(stack, _task(domain="education"), "existing")
    assert ("openai:tgi", None) not in order


def test_no_phoenixcore_configured_still_ends_on_embedded():
    stack = load_stack({"models": {"phoenixcore": {"path": None}, "ollama": {
        "reasoning": [], "coding": [], "fast": [], "complex": []}}})
    assert _order(stack, _task(), "existing") == [("embedded", "SmolLM2-135M-Instruct")]


def test_prefer_moves_named_candidates_first_and_keeps_the_rest():
    from lib.router.policy import prefer_first

    candidates = order_candidates(load_stack(None), _task(), "existing")
    reordered = prefer_first(candidates, ["embedded", "ollama:mistral:7b"])
    assert [(c.backend, c.model) for c in reordered[:2]] == [("embedded", "SmolLM2-135M-Instruct"),
                                                            ("ollama", "mistral:7b")]
    assert sorted(map(str, reordered)) == sorted(map(str, candidates))
