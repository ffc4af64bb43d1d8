# GENERATED from lib/backup/verify.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Verification of a backup: everything an archive must satisfy before anyone trusts it.

``verify_backup`` never raises for a bad archive (that is an expected
finding); it returns ``ok`` and the list of problems:
- the checksum file is present and matches the archive (any changed byte);
- the archive reads to its end (a truncated gzip or tar stream fails here);
- every entry is a plain file or folder with a safe relative name (no
  absolute path, no ``..``, no link or device);
- ``MANIFEST.json`` is present and every file it lists is in the archive with
  the same size and sha256, and nothing else is.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import zlib
from pathlib import Path, PurePosixPath

from .archive import CHUNK, FORMAT, MANIFEST, as_stack, checksum_path, label_of, resolve_archive, sha256_file

#: how many problems to list before summarising: a wrecked archive has thousands
MAX_PROBLEMS = 20


def entry_problem(member: tarfile.TarInfo) -> str | None:
    """Why this entry must not be extracted, or None when it is safe."""
    name = member.name
    path = PurePosixPath(name)
    if not name or path.is_absolute() or name.startswith("\\") or (len(name) > 1 and name[1] == ":"):
        return f"{name!r}: absolute path"
    if ".." in path.parts:
        return f"{name!r}: escapes the target folder with '..'"
    if not (member.isfile() or member.isdir()):
        return f"{name!r}: links and special files are never restored"
    return None


def check_backup(stack=None, archive: str | None = None) -> dict:
    """Verify a named backup (a path, or a name in the backup folder), or the newest one."""
    return verify_backup(resolve_archive(as_stack(stack), archive))


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
        result["created_at"] = manifest.get("created_at")
    if len(problems) > MAX_PROBLEMS:
        problems[MAX_PROBLEMS:] = [f"and {len(problems) - MAX_PROBLEMS} more problems"]
    result["ok"] = not problems
    return result


def _checksum_problems(archive: Path) -> list[str]:
    sidecar = checksum_path(archive)
    try:
        expected = sidecar.read_text(encoding="utf-8").split()[0].lower()
    except (OSError, UnicodeDecodeError, IndexError):
        return [f"checksum file {sidecar.name} is missing or unreadable"]
    if sha256_file(archive) != expected:
        return ["archive sha256 differs from its checksum file: changed or damaged"]
    return []


def _read_members(archive: Path, problems: list[str]) -> tuple[dict, bytes | None, str | None]:
    """Read the whole archive: ``{name: (size, sha256)}`` of files, the manifest, a read error."""
    members, manifest_bytes = {}, None
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                problem = entry_problem(member)
                if problem:
                    problems.append(problem)
                    continue
                if member.isdir():
                    continue
                handle = tar.extractfile(member)
                if member.name == MANIFEST:
                    manifest_bytes = handle.read()
                    continue
                members[member.name] = _digest(handle)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        return members, manifest_bytes, f"archive is truncated or corrupt: {type(exc).__name__}: {exc}"
    return members, manifest_bytes, None


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
    try:
        manifest = json.loads(data)
    except ValueError:
        problems.append(f"{MANIFEST} is not valid JSON")
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), list):
        problems.append(f"{MANIFEST} is not a {FORMAT} manifest")
        return None
    return manifest


def _compare(manifest: dict, members: dict) -> list[str]:
    problems, listed = [], set()
    for entry in manifest["files"]:
        name = entry.get("path")
        listed.add(name)
        if name not in members:
            problems.append(f"{name}: listed in the manifest, absent from the archive")
        elif members[name] != (entry.get("size"), entry.get("sha256")):
            problems.append(f"{name}: content differs from the manifest (sha256 or size)")
    problems += [f"{name}: in the archive, not in the manifest" for name in sorted(set(members) - listed)]
    return problems
