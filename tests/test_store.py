"""The state store outside Windmill: JSON files, atomic replace, locked read-change-write; storage
faults (read-only, full, a folder where a file goes) as StorageError; where the state may live."""

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import filelock
import pytest

from lib.errors import ConfigError, StorageError
from lib.stack import load_stack
from lib.store import FileStore, file_lock
from tests.support.storage_faults import fail_writes_under, mounted

REPO = Path(__file__).resolve().parents[1]


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
    occupied = tmp_path / "state"
    occupied.write_text("keep me")
    store = FileStore(occupied)
    assert store.get("k", "default") == "default"
    with pytest.raises(ConfigError, match=f"state_dir: {occupied} is a file, not a folder"):
        store.put("k", 1)
    with pytest.raises(ConfigError, match="state_dir"):
        store.update("k", lambda value: value)
    assert occupied.read_text() == "keep me"


# --- the lock: one writer at a time across processes, on every system (filelock) ---------------

HOLD_LOCK = """
import sys
from lib.store import file_lock
with file_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""

COUNT_UP = """
import sys
from lib.store import FileStore
store = FileStore(sys.argv[1])
for _ in range(int(sys.argv[2])):
    store.update("counter", lambda value: value + 1, default=0)
"""


def _python(code: str, *args: str, **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, text=True, **options)


def test_a_lock_held_by_another_process_excludes_this_one_until_released(tmp_path):
    lock_path = tmp_path / "state.lock"
    holder = _python(HOLD_LOCK, str(lock_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(filelock.Timeout):  # a non-blocking try: no waiting, no timing
            filelock.FileLock(lock_path, timeout=0).acquire()
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0
    with file_lock(lock_path):  # released by the holder: free again
        pass


def test_a_lock_is_released_when_its_holder_dies(tmp_path):
    lock_path = tmp_path / "state.lock"
    holder = _python(HOLD_LOCK, str(lock_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait(timeout=60)
    holder.stdin.close()
    holder.stdout.close()
    lock = filelock.FileLock(lock_path, timeout=0)
    lock.acquire()  # no stale lock left behind by a killed job
    lock.release()


def test_concurrent_updates_from_several_processes_lose_none(tmp_path):
    # Read-change-write under the lock: without it, two processes read the same value
    # and one increment is lost.
    workers = [_python(COUNT_UP, str(tmp_path), "25") for _ in range(4)]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0, 0, 0]
    assert FileStore(tmp_path).get("counter", cached=False) == 100


# --- storage faults: a state that cannot be saved is a StorageError naming path and reason ------

def test_a_read_only_state_dir_names_the_folder_and_the_reason(tmp_path):
    with mounted(tmp_path / "state", read_only=True) as folder:
        store = FileStore(folder)
        with pytest.raises(StorageError, match=f"^state_dir: cannot write {folder}: Read-only file system$"):
            store.put("health/last", {"a": 1})
        with pytest.raises(StorageError, match=f"state_dir: cannot write {folder}/health_state.lock: "
                                               "cannot lock: Read-only file system"):
            store.update("health/state", lambda value: value)
        assert store.get("health/last", "default") == "default"


def test_a_read_only_disk_under_a_missing_state_dir(tmp_path):
    with mounted(tmp_path / "disk", read_only=True) as disk:
        with pytest.raises(StorageError, match=f"cannot write {disk}/state: cannot be created: Read-only"):
            FileStore(disk / "state").put("k", 1)


def test_a_full_state_dir_leaves_the_old_state_whole(tmp_path):
    def old_state(folder):
        (folder / "k.json").write_text('{"old": true}')

    with mounted(tmp_path / "state", size_kb=64, fill=old_state) as folder:
        store = FileStore(folder)
        with pytest.raises(StorageError, match=f"state_dir: cannot write {folder}/k.json: No space left on device"):
            store.put("k", {"big": "x" * 200_000})
        assert store.get("k", cached=False) == {"old": True}
        assert sorted(p.name for p in folder.iterdir()) == ["k.json"]  # no temporary left


def test_a_state_file_that_is_a_folder(tmp_path):
    (tmp_path / "health_state.json").mkdir()
    store = FileStore(tmp_path)
    assert store.get("health/state", {}) == {}
    with pytest.raises(StorageError, match="health_state.json: it is a folder, not a file"):
        store.update("health/state", lambda value: {"n8n": "up"}, default={})
    assert (tmp_path / "health_state.json").is_dir()


@pytest.mark.parametrize("error, reason", [(errno.EROFS, "Read-only file system"),
                                           (errno.ENOSPC, "No space left on device")])
def test_os_level_write_failures_are_storage_errors(tmp_path, monkeypatch, error, reason):
    store = FileStore(tmp_path)
    fail_writes_under(monkeypatch, tmp_path, error)
    with pytest.raises(StorageError, match=reason):
        store.put("k", 1)
    with pytest.raises(StorageError, match=f"cannot lock: {reason}"):
        store.update("k", lambda value: 2)


# --- where the state may live ---------------------------------------------------------------

@pytest.mark.parametrize("state_dir", ["omas/state", ".roo", "./omas/../.roo/s", "."])
def test_a_state_dir_in_or_around_a_protected_folder_is_refused(tmp_path, state_dir):
    stack = load_stack({"root": str(tmp_path / "root"), "state_dir": state_dir})
    with pytest.raises(ConfigError, match=r"state_dir: .* the protected (\.roo/|omas/)"):
        stack.state_dir


def test_a_state_dir_linked_into_omas_is_refused(tmp_path):
    (tmp_path / "root/omas").mkdir(parents=True)
    (tmp_path / "state-link").symlink_to(tmp_path / "root/omas")
    with pytest.raises(ConfigError, match="protected omas/"):
        load_stack({"root": str(tmp_path / "root"), "state_dir": str(tmp_path / "state-link")}).state_dir


def test_a_relative_state_dir_is_under_the_root_and_an_absolute_one_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "root"
    assert load_stack({"root": str(root), "state_dir": ".phoenix/state"}).state_dir == root / ".phoenix/state"
    assert load_stack({"root": str(root), "state_dir": str(tmp_path / "s")}).state_dir == tmp_path / "s"
    with pytest.raises(ConfigError, match="state_dir: refusing to write ../s: it leaves the stack root"):
        load_stack({"root": str(root), "state_dir": "../s"}).state_dir
