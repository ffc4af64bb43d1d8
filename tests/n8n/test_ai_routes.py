"""Phoenix's OpenAI-compatible routes the AI nodes use besides chat: embeddings and moderations.

Called as Windmill calls their scripts (the library function behind each), with a
stack whose models are real GGUF files (the tiny test model), and with bad input
as a client might send it.
"""

from __future__ import annotations

import re

from lib.openai_api.moderations import CATEGORIES, moderations


def test_the_embeddings_route_is_openais_shape_and_refuses_bad_input(tmp_path, tiny_gguf):
    import base64
    import struct

    from lib.openai_api.embeddings import embeddings

    stack = {"root": str(tmp_path), "models": {"embedded": {"path": str(tiny_gguf)}}, "routing": {"threads": 1}}
    plain = embeddings({"model": "phoenix", "input": ["a", "b"]}, stack)
    assert plain["windmill_status_code"] == 200
    body = plain["result"]
    assert body["model"] == "embedded" and [d["index"] for d in body["data"]] == [0, 1]
    vector = body["data"][0]["embedding"]
    assert len(vector) == 64 and abs(sum(x * x for x in vector) - 1) < 1e-4  # the tiny model's width, normalized
    packed = embeddings({"model": "embedded", "input": "a", "encoding_format": "base64"}, stack)["result"]
    decoded = struct.unpack("<64f", base64.b64decode(packed["data"][0]["embedding"]))
    assert max(abs(x - y) for x, y in zip(decoded, vector)) < 1e-6
    for body, status, words in [({"model": "phoenix", "input": []}, 400, "non-empty list"),
                                ({"model": "phoenix", "input": [[1, 2]]}, 400, "token arrays"),
                                ({"model": "phoenix", "input": "x", "dimensions": 8}, 400, "does not shorten"),
                                ({"model": "ollama:nomic", "input": "x"}, 404, "no embedding model"),
                                ({"input": "x"}, 400, "model is required"),
                                ({"model": "phoenix", "input": "x", "encoding_format": "hex"}, 400, "encoding_format")]:
        answer = embeddings(body, stack)
        assert answer["windmill_status_code"] == status and words in answer["result"]["error"]["message"], answer
    down = {**stack, "services": {"ollama": {"url": "http://127.0.0.1:9"}}, "models": {
        "embedded": {"path": str(tiny_gguf)}, "embeddings": {"ollama": ["nomic-embed-text"]}}}
    answer = embeddings({"model": "phoenix", "input": "x"}, down)
    assert answer["windmill_status_code"] == 503 and "does not answer" in answer["result"]["error"]["message"]
    assert re.search(r"HTTP 503", answer["wm_failure"])


def test_moderation_answers_openais_shape_with_the_routers_judgment(tiny_stack):
    answer = moderations({"input": ["the weather is nice", "another text"], "model": "omni-moderation-latest"},
                         tiny_stack)
    assert answer["windmill_status_code"] == 200, answer
    body = answer["result"]
    assert body["id"].startswith("modr-") and body["model"].startswith("embedded:")
    assert len(body["results"]) == 2
    for result in body["results"]:
        assert set(result["categories"]) == set(CATEGORIES) == set(result["category_scores"])
        assert all(isinstance(v, bool) for v in result["categories"].values())
        assert set(result["category_scores"].values()) <= {0.0, 1.0}
        assert result["flagged"] == (result["flagged"] or any(result["categories"].values()))


def test_moderation_refuses_bad_input_naming_it(tiny_stack):
    for body, words in [({}, "input is required"), ({"input": []}, "non-empty list"),
                        ({"input": [{"type": "image_url"}]}, "non-empty text"), ({"input": "  "}, "non-empty text"),
                        ({"input": ["x"] * 33}, "at most 32"), ("not an object", "JSON object")]:
        answer = moderations(body, tiny_stack)
        assert answer["windmill_status_code"] == 400 and words in answer["result"]["error"]["message"], answer
        assert answer["wm_failure"].startswith("HTTP 400")
