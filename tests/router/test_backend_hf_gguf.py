"""Hub GGUF files resolved from a hand-built offline HF cache and run in-process."""

import json
import time

import jsonschema
import pytest

from lib.backends.base import ChatRequest
from lib.backends.hf_gguf.backend import HubGGUF, ensure_hf_gguf, split_model
from lib.errors import BackendDown, ModelMissing
from lib.backends.llama_local import CorruptModel
from lib.stack import load_stack
from tests.router.conftest import HF_COMMIT, HF_FILE, HF_REPO

MODEL = f"{HF_REPO}/{HF_FILE}"


def _stack(hf_cache, tmp_path, **huggingface):
    return load_stack({"state_dir": str(tmp_path / "state"), "routing": {"threads": 1},
                       "models": {"huggingface": {"cache_dir": str(hf_cache), "offline": True,
                                                  "gguf": {"education": [{"repo": HF_REPO, "file": HF_FILE}]},
                                                  **huggingface}}})


def _ask(schema=None, max_tokens=8):
    return ChatRequest([{"role": "user", "content": "hi"}], max_tokens=max_tokens, json_schema=schema)


def test_file_resolves_from_the_offline_cache_and_runs(hf_cache, tmp_path):
    backend = HubGGUF(_stack(hf_cache, tmp_path))
    completion = backend.complete(_ask(), MODEL, time.monotonic() + 30)
    assert completion.text and completion.model == MODEL and completion.backend == "hf_gguf"
    assert "".join(backend.stream(_ask(), MODEL, time.monotonic() + 30))
    assert backend.models() == [MODEL] and backend.health().up


def test_structured_output_is_schema_valid(hf_cache, tmp_path):
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"],
              "additionalProperties": False}
    completion = HubGGUF(_stack(hf_cache, tmp_path)).complete(_ask(schema, 40), MODEL, time.monotonic() + 30)
    jsonschema.validate(json.loads(completion.text), schema)


def test_a_file_not_in_the_cache_is_model_missing_naming_where_it_looked(hf_cache, tmp_path):
    backend = HubGGUF(_stack(hf_cache, tmp_path))
    with pytest.raises(ModelMissing, match=r"phoenix-test/tiny-gguf/other\.gguf is not in .*hf-cache.*offline"):
        backend.complete(_ask(), f"{HF_REPO}/other.gguf", time.monotonic() + 5)
    with pytest.raises(ModelMissing, match="not in"):
        backend.complete(_ask(), "nobody/nothing/x.gguf", time.monotonic() + 5)


def test_offline_fetch_refuses_instead_of_waiting_on_the_network(hf_cache, tmp_path):
    stack = _stack(hf_cache, tmp_path)
    assert ensure_hf_gguf(stack, HF_REPO, HF_FILE).name == HF_FILE
    started = time.monotonic()
    with pytest.raises(ModelMissing):
        ensure_hf_gguf(stack, HF_REPO, "absent.gguf")
    assert time.monotonic() - started < 5  # offline: no 23 s of retries


def test_health_lists_what_is_missing(hf_cache, tmp_path):
    stack = _stack(hf_cache, tmp_path, gguf={"education": [{"repo": HF_REPO, "file": HF_FILE},
                                                             {"repo": "org/big", "file": "big.gguf"}]})
    health = HubGGUF(stack).health()
    assert health.up and "1 of 2" in health.detail and "org/big/big.gguf" in health.detail


def test_a_corrupt_cached_file_is_reported_as_such(hf_cache, tmp_path):
    blob = next((hf_cache / f"models--{HF_REPO.replace('/', '--')}" / "blobs").iterdir())
    blob.write_bytes(b"not a gguf" * 50)
    with pytest.raises(CorruptModel, match="bad magic"):
        HubGGUF(_stack(hf_cache, tmp_path)).complete(_ask(), MODEL, time.monotonic() + 5)


def test_the_snapshot_named_by_refs_main_is_the_one_used(hf_cache, tmp_path):
    repo_dir = hf_cache / f"models--{HF_REPO.replace('/', '--')}"
    other = "f" * 40
    (repo_dir / "snapshots" / other).mkdir()
    (repo_dir / "snapshots" / other / HF_FILE).write_bytes(b"an older, broken upload")
    backend = HubGGUF(_stack(hf_cache, tmp_path))
    assert backend.complete(_ask(), MODEL, time.monotonic() + 30).text
    (repo_dir / "refs" / "main").write_text(other)
    with pytest.raises(CorruptModel, match=other):
        backend.complete(_ask(), MODEL, time.monotonic() + 30)
    assert HF_COMMIT not in str(backend._local(MODEL).path)


@pytest.mark.parametrize("model", ["just-a-name", "org/name", "", None])
def test_a_malformed_model_name_is_model_missing(model):
    with pytest.raises(ModelMissing, match="is not <org>/<name>/<file>"):
        split_model(model)


def test_unreadable_cache_is_down(tmp_path):
    cache = tmp_path / "cache-file"
    cache.write_text("a file where a folder should be")
    stack = _stack(cache, tmp_path)
    with pytest.raises((BackendDown, ModelMissing)):
        HubGGUF(stack).complete(_ask(), MODEL, time.monotonic() + 5)
