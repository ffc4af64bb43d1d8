"""Verification of a backup: everything an archive must satisfy before anyone trusts it.

``verify_backup`` never raises for a bad archive (that is an expected
finding); it returns ``ok`` and the list of problems:
- the checksum file is present and matches the archive (any changed byte);
- the archive reads to its end (a truncated gzip or tar stream fails here);
- every entry is a plain file or folder with a safe relative name (no
  absolute path or drive, no ``..`` with either slash, no NUL, no name longer
  than a disk allows, no link or device), and appears once;
- ``MANIFEST.json`` is present, well-formed, and every file it lists is in the
  archive with the same size and sha256, and nothing else is.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
import zlib
from pathlib import Path, PurePosixPath

from ..errors import os_reason
from .archive import CHUNK, FORMAT, MANIFEST, as_stack, checksum_path, label_of, resolve_archive, sha256_file
from .records import record_verification

#: how many problems to list before summarising: a wrecked archive has thousands
MAX_PROBLEMS = 20
#: what common disks allow: bytes per name, bytes per path (longer fails half-way through a restore)
MAX_NAME_BYTES, MAX_PATH_BYTES = 255, 4000
#: how much of a hostile name a message repeats
SHOWN_NAME = 120


def entry_problem(member: tarfile.TarInfo) -> str | None:
    """Why this entry must not be extracted, or None when it is safe."""
    name = member.name
    shown = _shown(name)
    if not name:
        return "an entry with an empty name"
    if "\0" in name:
        return f"{shown}: the name contains a NUL character"
    if PurePosixPath(name).is_absolute() or name.startswith("\\") or (len(name) > 1 and name[1] == ":"):
        return f"{shown}: absolute path"
    parts = re.split(r"[\\/]", name)  # a backslash separates folders on Windows
    if ".." in parts:
        return f"{shown}: escapes the target folder with '..'"
    encoded = [part.encode("utf-8", "surrogateescape") for part in parts]
    if any(len(part) > MAX_NAME_BYTES for part in encoded) or len(name.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
        return f"{shown}: the name is longer than a disk allows"
    if not (member.isfile() or member.isdir()):
        return f"{shown}: links and special files are never restored"
    if member.isfile() and (not PurePosixPath(name).parts or name.endswith(("/", "\\"))):
        return f"{shown}: a file entry without a file name (it would land on the target folder itself)"
    return None


def _shown(name, quoted: bool = True) -> str:
    """A name safe to put in a message: quoted (or when it has control characters) as a repr, cut short."""
    text = repr(name) if quoted or not str(name).isprintable() else str(name)
    return text if len(text) <= SHOWN_NAME else f"{text[:SHOWN_NAME]}…"


def check_backup(stack=None, archive: str | None = None) -> dict:
    """Verify a named backup (a path, or a name in the backup folder), or the newest one,
    and record the result for the health check."""
    stack = as_stack(stack)
    result = verify_backup(resolve_archive(stack, archive))
    note = record_verification(stack, result["archive"], result)
    return {**result, "notes": [note]} if note else result


def verify_backup(archive: Path | str) -> dict:
    archive = Path(archive)
    result = {"ok": False, "archive": str(archive), "label": label_of(archive), "problems": [],
              "files": 0, "bytes": 0, "created_at": None}
    problems = result["problems"]
    if not archive.is_file():
        problems.append("archive not found")
        return result
    problems += _checksum_problems(archive)
    members, manifest_bytes, read_problem = _read_members(archive, problems)
    if read_problem:
        problems.append(read_problem)
    manifest = _parse_manifest(manifest_bytes, problems, complete=not read_problem)
    if manifest is not None:
        problems += _compare(manifest, members)
        result["files"] = len(manifest["files"])
        result["bytes"] = sum(f["size"] for f in manifest["files"])
        created = manifest.get("created_at")
        result["created_at"] = created if isinstance(created, str) else None
    if len(problems) > MAX_PROBLEMS:
        problems[MAX_PROBLEMS:] = [f"and {len(problems) - MAX_PROBLEMS} more problems"]
    result["ok"] = not problems
    return result


def _checksum_problems(archive: Path) -> list[str]:
    sidecar = checksum_path(archive)
    try:
        if not sidecar.is_file():  # a FIFO there would block the read for ever
            raise FileNotFoundError(sidecar)
        with open(sidecar, "rb") as handle:  # a few bytes: a huge or endless file must not be read whole
            expected = handle.read(1024).decode("utf-8").split()[0].lower()
    except (OSError, UnicodeDecodeError, IndexError):
        return [f"checksum file {sidecar.name} is missing or unreadable"]
    try:
        actual = sha256_file(archive)
    except OSError as exc:
        return [f"archive cannot be read: {os_reason(exc)}"]
    if actual != expected:
        return ["archive sha256 differs from its checksum file: changed or damaged"]
    return []


#: what reading a damaged or hostile tar.gz can raise (tarfile parses headers with int() and decode())
READ_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError, ValueError, OverflowError)
#: a manifest that is not one of ours is refused before it is parsed
MAX_MANIFEST_BYTES = 64 << 20


def _read_members(archive: Path, problems: list[str]) -> tuple[dict, bytes | None, str | None]:
    """Read the whole archive: ``{name: (size, sha256)}`` of files, the manifest, a read error."""
    members, manifest_bytes, seen = {}, None, set()
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                problem = entry_problem(member) or _duplicate_problem(member, seen)
                if problem:
                    problems.append(problem)
                    continue
                if member.isdir():
                    continue
                handle = tar.extractfile(member)
                if member.name == MANIFEST:
                    manifest_bytes = handle.read(MAX_MANIFEST_BYTES + 1)
                    continue
                members[member.name] = _digest(handle)
    except READ_ERRORS as exc:
        return members, manifest_bytes, f"archive is truncated or corrupt: {type(exc).__name__}: {_brief(exc)}"
    return members, manifest_bytes, None


def _duplicate_problem(member: tarfile.TarInfo, seen: set) -> str | None:
    # a second entry of one name silently replaces the first when extracted
    name = PurePosixPath(member.name).as_posix()
    if name in seen:
        return f"{_shown(member.name)}: appears more than once in the archive"
    seen.add(name)
    return None


def _brief(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 200 else f"{text[:200]}…"


def _digest(handle) -> tuple[int, str]:
    hasher, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        hasher.update(chunk)
        size += len(chunk)
    return size, hasher.hexdigest()


def _parse_manifest(data: bytes | None, problems: list[str], complete: bool) -> dict | None:
    if data is None:
        if complete:
            problems.append(f"{MANIFEST} is missing")
        return None
    if len(data) > MAX_MANIFEST_BYTES:
        problems.append(f"{MANIFEST} is larger than any manifest Phoenix writes")
        return None
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested thousands of levels deep
        problems.append(f"{MANIFEST} is not valid JSON")
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), list):
        problems.append(f"{MANIFEST} is not a {FORMAT} manifest")
        return None
    if not all(_well_formed_entry(entry) for entry in manifest["files"]):
        problems.append(f"{MANIFEST} lists a file without a path, size and sha256")
        return None
    return manifest


def _well_formed_entry(entry) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("path"), str)
            and type(entry.get("size")) is int and isinstance(entry.get("sha256"), str))


def _compare(manifest: dict, members: dict) -> list[str]:
    problems, listed = [], set()
    for entry in manifest["files"]:
        name = entry["path"]
        if name in listed:
            problems.append(f"{_shown(name, quoted=False)}: listed twice in the manifest")
        listed.add(name)
        if name not in members:
            problems.append(f"{_shown(name, quoted=False)}: listed in the manifest, absent from the archive")
        elif members[name] != (entry["size"], entry["sha256"]):
            problems.append(f"{_shown(name, quoted=False)}: content differs from the manifest (sha256 or size)")
    problems += [f"{_shown(name, quoted=False)}: in the archive, not in the manifest" for name in sorted(set(members) - listed)]
    return problems
