"""Property-based tests of the archive reader: generated tar.gz archives with hostile member names
(absolute, '..', backslashes, drive letters, NUL, very long, unicode, duplicates), links and
devices, wrong or malformed manifests, wrong checksums, truncated or flipped bytes.

- ``verify_backup`` never raises: it answers ``ok`` and a list of problems (text), and is never
  ``ok`` for an archive with anything hostile or damaged in it;
- ``restore_backup`` never raises and never writes outside its target (every escape the names
  try would land in the sandbox around the target, which is compared before and after); when it
  says ``ok``, the target holds exactly the archive's files.

Bounded (100 examples each, no deadline) so that the suite stays quick.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.backup.archive import FORMAT, MANIFEST
from lib.backup.restore import restore_backup
from lib.backup.verify import verify_backup
from lib.stack import load_stack

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SANDBOX = "{sandbox}"  # replaced by the example's own sandbox folder: escapes stay in it

HOSTILE_NAMES = [
    "..", "../outside/x", "../../outside/y", "a/../../outside/z", "./../outside/w",
    f"{SANDBOX}/outside/abs", "/outside-root-level", "\\\\server\\share\\x", "\\..\\outside\\x",
    "a\\..\\..\\outside\\b", "C:\\outside\\x", "C:x", "c:/outside/x", "a\0b", "ok\0/../../outside/n",
    "x" * 300, "d/" * 2100 + "f", "", ".", "link-out/x", MANIFEST,
]
# hostile only beside the link it goes through ("link-out", itself refused as a link): alone it is a plain file
ONLY_BESIDE_A_LINK = {"link-out/x"}
SAFE_PARTS = ["a", "b", "src", ".roo", "omas", "ñandú", "日本", "spaced name", "dot.ted", "e\u0301"]
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\\0"), min_size=1, max_size=12)


@dataclass
class Member:
    name: str
    kind: str  # file, dir, symlink, hardlink, chardev, blockdev, fifo
    data: bytes = b""


def safe_names():
    part = st.sampled_from(SAFE_PARTS) | TEXT.filter(lambda t: t not in (".", ".."))
    return st.lists(part, min_size=1, max_size=4).map("/".join)


def any_names():
    return st.sampled_from(HOSTILE_NAMES) | safe_names() | st.text(max_size=40)


KINDS = st.sampled_from(["file"] * 6 + ["dir"] * 2 + ["symlink", "hardlink", "chardev", "blockdev", "fifo"])


def members(names):
    return st.lists(st.builds(Member, names, KINDS, st.binary(max_size=64)), max_size=8)


MANIFESTS = st.sampled_from(["true", "true", "true", "wrong_sum", "wrong_size", "missing", "not_json",
                             "deep", "shapes", "not_ours", "extra_entry"])
CHECKSUMS = st.sampled_from(["right", "right", "right", "wrong", "missing", "empty"])
DAMAGE = st.one_of(st.none(), st.none(), st.tuples(st.just("truncate"), st.floats(0, 0.99)),
                   st.tuples(st.just("flip"), st.floats(0, 0.99)))


def _info(member: Member, sandbox: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(member.name.replace(SANDBOX, sandbox))
    info.mode = 0o644
    if member.kind == "file":
        info.size = len(member.data)
    elif member.kind == "dir":
        info.type, info.mode = tarfile.DIRTYPE, 0o755
    elif member.kind in ("symlink", "hardlink"):
        info.type = tarfile.SYMTYPE if member.kind == "symlink" else tarfile.LNKTYPE
        info.linkname = f"{sandbox}/outside/linked"
    else:
        info.type = {"chardev": tarfile.CHRTYPE, "blockdev": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}[member.kind]
        info.devmajor, info.devminor = 1, 3
    return info


def _manifest(entries: list[Member], mode: str) -> bytes | None:
    files = [{"path": m.name, "size": len(m.data), "sha256": hashlib.sha256(m.data).hexdigest(), "mode": 0o644}
             for m in entries if m.kind == "file"]
    if mode == "wrong_sum":
        files = [{**f, "sha256": "0" * 64} for f in files] or [{"path": "ghost", "size": 0, "sha256": "0" * 64}]
    elif mode == "wrong_size":
        files = [{**f, "size": f["size"] + 1} for f in files] or [{"path": "ghost", "size": 1, "sha256": "0"}]
    elif mode == "extra_entry":
        files.append({"path": "listed/but/absent", "size": 0, "sha256": hashlib.sha256(b"").hexdigest()})
    special = {"missing": None, "not_json": b"{not json", "deep": b"[" * 200_000 + b"]" * 200_000,
               "shapes": json.dumps({"format": FORMAT, "files": [1, "x", {"path": 5, "size": "big"}]}).encode(),
               "not_ours": json.dumps({"format": "tar/0", "files": files}).encode()}
    if mode in special:
        return special[mode]
    return json.dumps({"format": FORMAT, "files": files}).encode()


def build_archive(folder: Path, entries: list[Member], manifest: str, checksum: str, damage) -> Path:
    archive = folder / "phoenix-backup-20240101T000000_000000Z-nightly.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for member in entries:
            info = _info(member, str(folder.parent))
            tar.addfile(info, io.BytesIO(member.data) if member.kind == "file" else None)
        data = _manifest(entries, manifest)
        if data is not None:
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    if damage:
        how, where = damage
        cut = int(len(raw) * where)
        raw = raw[:cut] if how == "truncate" else raw[:cut] + bytes([raw[cut] ^ 0xFF]) + raw[cut + 1:]
    archive.write_bytes(raw)
    sidecar = archive.with_name(archive.name + ".sha256")
    if checksum != "missing":
        text = {"right": f"{digest}  {archive.name}\n", "wrong": f"{'f' * 64}  {archive.name}\n", "empty": ""}
        sidecar.write_text(text[checksum])
    return archive


def _tree(folder: Path, skip: set[Path]) -> dict:
    """Every path under ``folder`` (links not followed) with what it holds, except under ``skip``."""
    found = {}
    for directory, subdirs, files in os.walk(folder):
        here = Path(directory)
        subdirs[:] = [d for d in subdirs if here / d not in skip]
        for name in subdirs + files:
            path = here / name
            if path.is_symlink():
                found[str(path)] = ("link", os.readlink(path))
            elif path.is_file():
                found[str(path)] = ("file", path.read_bytes())
            else:
                found[str(path)] = ("dir", None)
    return found


def _is_hostile(member: Member) -> bool:
    name = member.name
    if member.kind == "dir" and name == ".":
        return False  # the target folder itself: a whole-root backup has this entry (test_backup_archive.py)
    return (member.kind not in ("file", "dir") or (name in HOSTILE_NAMES and name not in ONLY_BESIDE_A_LINK)
            or not name or "\0" in name
            or name.startswith("/") or ".." in name.replace("\\", "/").split("/"))


def _check_verdict(result: dict) -> None:
    assert isinstance(result["ok"], bool)
    assert isinstance(result["problems"], list) and all(isinstance(p, str) for p in result["problems"])
    assert result["ok"] == (not result["problems"])
    json.dumps(result)  # a result Windmill can show


@SETTINGS
@given(entries=members(any_names()), manifest=MANIFESTS, checksum=CHECKSUMS, damage=DAMAGE)
def test_verify_answers_with_problems_never_an_exception(entries, manifest, checksum, damage):
    with tempfile.TemporaryDirectory() as base:
        folder = Path(base) / "backups"
        folder.mkdir()
        archive = build_archive(folder, entries, manifest, checksum, damage)
        result = verify_backup(archive)
    _check_verdict(result)
    if result["ok"]:
        assert manifest == "true" and checksum == "right" and damage is None
        assert not any(_is_hostile(m) for m in entries)
        names = [m.name for m in entries]
        assert len(names) == len(set(names))


@SETTINGS
@given(data=st.binary(max_size=2048), compress=st.booleans())
def test_verify_of_arbitrary_bytes_is_a_problem_list(data, compress):
    with tempfile.TemporaryDirectory() as base:
        archive = Path(base) / "phoenix-backup-20240101T000000_000000Z-manual.tar.gz"
        raw = gzip.compress(data) if compress else data
        archive.write_bytes(raw)
        archive.with_name(archive.name + ".sha256").write_text(f"{hashlib.sha256(raw).hexdigest()}  x\n")
        result = verify_backup(archive)
    _check_verdict(result)
    assert not result["ok"]


def _restore_in_sandbox(entries, manifest, checksum, damage, target_kind, overwrite):
    """Restore the generated archive inside a sandbox; return the result, the sandbox before and
    after (outside the target and the backup folder), and the target."""
    with tempfile.TemporaryDirectory() as base:
        sandbox = Path(base)
        root, outside, backups = sandbox / "BooPhoenix", sandbox / "outside", sandbox / "backups"
        for folder in (root / ".roo", root / "omas", outside, backups):
            folder.mkdir(parents=True)
        (root / ".roo/keep.md").write_text("the operator's rules\n")
        (outside / "precious.txt").write_text("not Phoenix's to touch\n")
        target = {"root": root, "relative": root / "restored", "absolute": sandbox / "elsewhere"}[target_kind]
        target.mkdir(exist_ok=True)
        (target / "link-out").symlink_to(outside)  # a link already in the target, pointing out of it
        archive = build_archive(backups, entries, manifest, checksum, damage)
        stack = load_stack({"root": str(root), "state_dir": str(sandbox / "state"), "backup": {"dir": str(backups)}})
        skip = {target, backups}
        before = _tree(sandbox, skip)
        given_target = {"root": None, "relative": "restored", "absolute": str(target)}[target_kind]
        result = restore_backup(stack, str(archive), given_target, dry_run=False, overwrite=overwrite)
        after = _tree(sandbox, skip)
        inside = _tree(target, set())
    return result, before, after, inside, target


@SETTINGS
@given(entries=members(any_names()), manifest=MANIFESTS, checksum=CHECKSUMS, damage=DAMAGE,
       target_kind=st.sampled_from(["root", "relative", "absolute"]), overwrite=st.booleans())
def test_restore_never_writes_outside_its_target(entries, manifest, checksum, damage, target_kind, overwrite):
    result, before, after, _, _ = _restore_in_sandbox(entries, manifest, checksum, damage, target_kind, overwrite)
    _check_verdict(result)
    assert after == before
    if any(_is_hostile(m) for m in entries):
        assert not result["ok"]


@SETTINGS
@given(entries=members(safe_names()), target_kind=st.sampled_from(["root", "relative", "absolute"]))
def test_a_restore_that_says_ok_restored_exactly_the_archive(entries, target_kind):
    entries = [m for m in entries if m.kind in ("file", "dir")]
    result, before, after, inside, target = _restore_in_sandbox(entries, "true", "right", None, target_kind, True)
    _check_verdict(result)
    assert after == before
    if result["ok"]:
        for member in entries:
            kind, data = inside[str(target / member.name)] if str(target / member.name) in inside else (None, None)
            assert (kind, data) == (("file", member.data) if member.kind == "file" else ("dir", None))
