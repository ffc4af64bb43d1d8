"""The state store outside Windmill: JSON files, atomic replace, locked read-change-write."""

import json
import os

from lib.store import FileStore


def test_an_update_reads_the_file_itself_not_a_cached_copy(tmp_path):
    # get() trusts (inode, mtime, size); a write by another process can match all three
    # (ext4 reuses a just-freed inode, mtime moves in clock ticks, breaker states keep
    # their size), and an update built on the cached copy would silently drop that write.
    store = FileStore(tmp_path)
    store.put("router/breakers", {"failures": 1})
    assert store.get("router/breakers") == {"failures": 1}
    path = tmp_path / "router_breakers.json"
    before = path.stat()
    path.write_text(json.dumps({"failures": 5}))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_ino == before.st_ino and path.stat().st_size == before.st_size
    assert store.update("router/breakers", lambda state: {"failures": state["failures"] + 1}) == {"failures": 6}
    assert store.get("router/breakers") == {"failures": 6}


def test_a_damaged_or_absent_file_reads_as_the_default(tmp_path):
    store = FileStore(tmp_path)
    assert store.get("none", {"empty": True}) == {"empty": True}
    (tmp_path / "bad.json").write_text("{not json")
    assert store.get("bad", []) == []
    assert store.update("bad", lambda value: value + [1], default=[]) == [1]


def test_a_state_dir_that_is_a_file_is_a_config_error_and_the_file_is_kept(tmp_path):
    import pytest

    from lib.errors import ConfigError

    occupied = tmp_path / "state"
    occupied.write_text("keep me")
    store = FileStore(occupied)
    assert store.get("k", "default") == "default"
    with pytest.raises(ConfigError, match=f"state_dir: {occupied} is a file, not a folder"):
        store.put("k", 1)
    with pytest.raises(ConfigError, match="state_dir"):
        store.update("k", lambda value: value)
    assert occupied.read_text() == "keep me"
