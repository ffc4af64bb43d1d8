"""What the router learns about a model file belongs to that file, not to a name.

A file llama.cpp cannot load (or that is absent) is skipped by later requests
without being read again; pointing the stack at another file, replacing the
file in place or creating it makes the next request try it at once.
"""

import os
import shutil

import pytest

from lib.backends.llama_local import LocalGGUF
from lib.errors import AllBackendsFailed
from lib.router.breakers import BREAKERS_KEY, FILE_RECHECK_S, FILES
from lib.router.core import route
from lib.store import FileStore


def _broken_copy(good, target):
    """``good`` with its GGUF version field spoilt: same size, right magic, llama.cpp refuses it."""
    data = bytearray(good.read_bytes())
    data[4:8] = (99).to_bytes(4, "little")
    target.write_bytes(bytes(data))
    return target


@pytest.fixture
def loads(monkeypatch):
    """Every file llama.cpp was asked to load, in order."""
    opened = []
    original = LocalGGUF._open

    def counting(self):
        opened.append(self.path.name)
        return original(self)

    monkeypatch.setattr(LocalGGUF, "_open", counting)
    return opened


def _attempts(result_or_error):
    attempts = getattr(result_or_error, "attempts", None) or result_or_error["trace"]["attempts"]
    return [(a["backend"], a["outcome"]) for a in attempts if a["backend"] != "ollama"]


def test_fixing_the_path_of_a_corrupt_embedded_model_is_used_by_the_next_request(tiny_stack, tiny_gguf, tmp_path):
    # the marker was keyed by the model's name: "embedded|SmolLM2-135M-Instruct" stayed
    # corrupt after the operator pointed the stack at a good file
    tiny_stack["models"]["embedded"]["path"] = str(_broken_copy(tiny_gguf, tmp_path / "broken.gguf"))
    with pytest.raises(AllBackendsFailed) as failed:
        route("Explain recursion", tiny_stack)
    assert _attempts(failed.value)[-1] == ("embedded", "corrupt_model")
    tiny_stack["models"]["embedded"]["path"] = str(tiny_gguf)
    result = route("Explain recursion", tiny_stack)
    assert result["model"]["backend"] == "embedded" and _attempts(result)[-1] == ("embedded", "ok")


@pytest.mark.parametrize("times", ["new", "kept"])
def test_a_corrupt_file_replaced_in_place_is_tried_at_once(tiny_stack, tiny_gguf, phoenixcore_file, times):
    _broken_copy(tiny_gguf, phoenixcore_file)
    stat = phoenixcore_file.stat()
    first = route("Explain recursion", tiny_stack)
    assert _attempts(first)[0] == ("phoenixcore", "corrupt_model") and first["model"]["backend"] == "embedded"
    with open(phoenixcore_file, "r+b") as handle:  # the same inode, the same size
        handle.write(tiny_gguf.read_bytes())
    if times == "kept":  # as `cp -p` or a restore would: only the content says it changed
        os.utime(phoenixcore_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = route("Explain recursion", tiny_stack)
    assert _attempts(second)[0] == ("phoenixcore", "ok") and second["model"]["backend"] == "phoenixcore"


def test_the_same_bad_file_stays_skipped_without_being_loaded_again(tiny_stack, tiny_gguf, phoenixcore_file, loads):
    _broken_copy(tiny_gguf, phoenixcore_file)
    route("Explain recursion", tiny_stack)
    assert loads.count("PhoenixCore-4bit-Q5.gguf") == 1
    for _ in range(2):  # each request reads the state again, as a new job would
        result = route("Explain recursion", tiny_stack)
        skipped = result["trace"]["attempts"][0]
        assert (skipped["backend"], skipped["outcome"]) == ("phoenixcore", "skipped")
        assert "unusable (corrupt_model)" in skipped["error"] and "until it is replaced" in skipped["error"]
    assert loads.count("PhoenixCore-4bit-Q5.gguf") == 1  # not loaded again
    state = FileStore(tiny_stack["state_dir"]).get(BREAKERS_KEY)
    assert "phoenixcore" not in state["backends"]  # one bad file opens no breaker for the backend
    assert [entry["outcome"] for entry in state[FILES].values()] == ["corrupt_model"]


def test_a_file_marked_long_ago_is_tried_again(tiny_stack, tiny_gguf, phoenixcore_file, loads):
    # a newer llama.cpp may read what an older one could not
    _broken_copy(tiny_gguf, phoenixcore_file)
    route("Explain recursion", tiny_stack)
    store = FileStore(tiny_stack["state_dir"])
    state = store.get(BREAKERS_KEY)
    for entry in state[FILES].values():
        entry["at"] -= FILE_RECHECK_S
    store.put(BREAKERS_KEY, state)
    again = route("Explain recursion", tiny_stack)
    assert _attempts(again)[0] == ("phoenixcore", "corrupt_model")
    assert loads.count("PhoenixCore-4bit-Q5.gguf") == 2


def test_a_model_file_that_appears_is_used_by_the_next_request(tiny_stack, tiny_gguf, operator_root):
    first = route("Explain recursion", tiny_stack)
    assert _attempts(first)[0] == ("phoenixcore", "down")
    second = route("Explain recursion", tiny_stack)
    assert _attempts(second)[0] == ("phoenixcore", "skipped")  # still absent: not looked for twice
    shutil.copyfile(tiny_gguf, operator_root / "models" / "quantized" / "PhoenixCore-4bit-Q5.gguf")
    third = route("Explain recursion", tiny_stack)
    assert third["model"]["backend"] == "phoenixcore"  # no cooldown to wait out


def test_a_hub_file_fixed_in_the_cache_is_used_at_once(tiny_stack, hf_cache, tiny_gguf):
    from tests.router.conftest import HF_COMMIT, HF_REPO

    snapshot = hf_cache / f"models--{HF_REPO.replace('/', '--')}" / "snapshots" / HF_COMMIT
    broken = _broken_copy(tiny_gguf, snapshot / "model.gguf")
    tiny_stack["models"]["huggingface"] = {"cache_dir": str(hf_cache), "offline": True, "endpoints": [],
                                           "gguf": {"education": [{"repo": HF_REPO, "file": "model.gguf"}]}}
    ask = "Explain to a student what recursion is"
    assert route(ask, tiny_stack, prefer=["hf_gguf"])["trace"]["attempts"][0]["outcome"] == "corrupt_model"
    assert route(ask, tiny_stack, prefer=["hf_gguf"])["trace"]["attempts"][0]["outcome"] == "skipped"
    broken.unlink()
    shutil.copyfile(tiny_gguf, broken)  # a new file (a new inode) at the same place
    assert route(ask, tiny_stack, prefer=["hf_gguf"])["model"]["backend"] == "hf_gguf"
