# GENERATED from lib/n8n/manifest.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Which files Phoenix generated, and whether the operator changed them since.

A re-run (the hourly sync, a second translate) must never destroy the
operator's work. Each folder Phoenix generates into holds a manifest,
``.phoenix-generated.json``, with the sha256 of every file as Phoenix wrote
it. On the next run, for each file:

- not on disk: written;
- on disk, unchanged since Phoenix wrote it: updated (or left alone when the
  new text is the same);
- on disk and changed since (the operator edited it), or on disk but never
  written by Phoenix: **kept**, and the conflict is reported with its path;
- recorded but no longer generated: removed if unchanged, kept (and reported)
  if changed. A file Phoenix did not write is never removed.

Every write and removal goes through the ``Guard`` of ``lib/preserve.py``.
Paths in the manifest are relative to the folder it describes (``base``),
which need not be the folder that holds it: a translated flow's manifest sits
in its ``<slug>__flow/`` folder and also lists the flow's trigger files beside
that folder.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..stack import Stack, load_stack
from .bounded import UnreadableInput, read_json_file

MANIFEST_NAME = ".phoenix-generated.json"
FORMAT = "phoenix-generated/1"
# what Phoenix itself names files: a path it would never write is not trusted from a manifest
_RELATIVE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")


def local_stack(stack=None):
    """The stack writes are guarded against: the one given, or one rooted at the current folder.

    Without a stack (the CLI, library calls), the paths a caller names are its
    explicit choice; the current folder is the root whose ``.roo/`` and
    ``omas/`` get a verified backup before a write inside them.
    """
    return stack if isinstance(stack, Stack) else load_stack(stack if stack is not None else {"root": str(Path.cwd())})


def sha256_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _safe_relative(name) -> bool:
    return (isinstance(name, str) and bool(_RELATIVE.match(name))
            and ".." not in PurePosixPath(name).parts and len(name) <= 400)


@dataclass
class GeneratedFiles:
    """One generation run over ``base``: what it wrote, kept and removed, then the manifest saved."""

    guard: object                     # lib.preserve.Guard
    base: Path
    manifest_path: Path
    recorded: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    current: dict[str, str] = field(default_factory=dict)
    conflicts: list[dict] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, guard, base: Path, manifest_path: Path | None = None) -> "GeneratedFiles":
        manifest_path = manifest_path or base / MANIFEST_NAME
        run = cls(guard, Path(base), Path(manifest_path))
        run.recorded, run.problems = read_manifest(run.manifest_path)
        return run

    def _on_disk(self, relative: str) -> bytes | None:
        path = self.base / relative
        if not path.exists() and not path.is_symlink():
            return None
        try:
            return path.read_bytes()
        except OSError:
            return b"\0unreadable"  # never equal to a hash Phoenix recorded: kept as the operator's

    def write(self, relative: str, content: str) -> str:
        """Write one generated file unless the operator owns what is there; the outcome."""
        data = content.encode("utf-8")
        new_hash = sha256_of(data)
        existing = self._on_disk(relative)
        if existing is not None:
            disk_hash = sha256_of(existing)
            if disk_hash == new_hash:
                self.current[relative] = new_hash  # already what Phoenix would write: adopt it
                return "unchanged"
            recorded = self.recorded.get(relative)
            if recorded is None:
                return self._conflict(relative, "exists but was not written by Phoenix: kept, not overwritten "
                                                "(delete it to let Phoenix write it)")
            if recorded != disk_hash:
                self.current[relative] = recorded  # still Phoenix's to compare against next time
                return self._conflict(relative, "changed since Phoenix wrote it: kept; the new translation "
                                                "was not written (delete the file to take it)")
        self.guard.write(self.base / relative, data)
        self.current[relative] = new_hash
        self.written.append(relative)
        return "written"

    def _conflict(self, relative: str, reason: str) -> str:
        self.conflicts.append({"path": relative, "reason": reason})
        return "kept"

    def finish(self) -> dict:
        """Remove recorded files no longer generated (unless changed), save the manifest, report."""
        for relative in sorted(set(self.recorded) - set(self.current)):
            existing = self._on_disk(relative)
            if existing is None:
                continue
            if sha256_of(existing) != self.recorded[relative]:
                self.current[relative] = self.recorded[relative]
                self._conflict(relative, "no longer generated, but changed since Phoenix wrote it: kept")
                continue
            self.guard.remove(self.base / relative)
            self.removed.append(relative)
        self._save()
        return {"written": self.written, "removed": self.removed, "conflicts": self.conflicts,
                "manifest_problems": self.problems}

    def _save(self) -> None:
        if self.current == self.recorded and not self.problems and self.manifest_path.exists():
            return
        if not self.current and not self.manifest_path.exists():
            return
        document = {"format": FORMAT,
                    "note": "Written by Phoenix: the sha256 of each file as generated. A file changed since "
                            "is the operator's and is never overwritten or removed.",
                    "base": _base_relative(self.base, self.manifest_path),
                    "files": dict(sorted(self.current.items()))}
        self.guard.write(self.manifest_path, json.dumps(document, indent=2) + "\n")


def _base_relative(base: Path, manifest_path: Path) -> str:
    return "." if manifest_path.parent == base else ".."


def read_manifest(path: Path) -> tuple[dict[str, str], list[str]]:
    """The recorded hashes, and why parts of the manifest could not be trusted (never raises)."""
    if not path.exists():
        return {}, []
    try:
        document = read_json_file(path)
    except UnreadableInput as exc:
        return {}, [f"{path.name}: unreadable ({exc}); every existing file is treated as the operator's"]
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, dict):
        return {}, [f"{path.name}: no 'files' object; every existing file is treated as the operator's"]
    recorded, problems = {}, []
    for name, digest in files.items():
        if _safe_relative(name) and isinstance(digest, str) and re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            recorded[name] = digest
        else:
            problems.append(f"{path.name}: entry {str(name)[:80]!r} ignored (not a path or hash Phoenix writes)")
    return recorded, problems
