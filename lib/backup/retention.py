"""Retention: keep the newest backups of each label, and never the newest good one.

Per label (``nightly``, ``manual``, ``prewrite``...), so that a burst of
pre-write snapshots never pushes the nightly ones out:
- the newest ``keep`` archives are kept;
- the newest archive that *verifies* is kept as well, however old (if the
  last seven nights all wrote damaged archives, the good one before them
  stays);
- if no archive of a label verifies, nothing of that label is deleted.
Also removed, once a day old: ``.partial`` files of interrupted backups and
checksum files whose archive is gone. Every deletion goes through the guard
(``lib/preserve.py``), like every other write Phoenix makes.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import StorageError, os_reason
from ..preserve import guarded_write
from .archive import NAME_PATTERN, backup_dir, checksum_path, label_of, list_backups
from .verify import verify_backup

STALE_PARTIAL_S = 24 * 3600


def apply_retention(stack, keep: int | None = None, *, dry_run: bool = False) -> dict:
    """Prune the stack's backup folder, keeping ``keep`` (default ``backup.keep``) per label."""
    keep = stack.backup.keep if keep is None else keep
    if keep < 1:
        raise ValueError("keep must be at least 1")
    directory = backup_dir(stack)
    groups: dict[str, list[Path]] = {}
    for archive in list_backups(directory):
        groups.setdefault(label_of(archive), []).append(archive)
    kept, deleted, notes = [], [], []
    for label, archives in sorted(groups.items()):
        newest_first = archives[::-1]
        good = _newest_good(newest_first)
        if good is None:
            notes.append(f"{label}: no archive verifies, nothing deleted")
            kept += newest_first
            continue
        for position, archive in enumerate(newest_first):
            if position < keep or archive == good:
                kept.append(archive)
            else:
                deleted.append(archive)
    leftovers = _leftovers(directory)
    if not dry_run:
        doomed = [path for archive in deleted for path in (checksum_path(archive), archive)] + leftovers
        if doomed:
            _remove(stack, doomed)
    return {"kept": [p.name for p in kept], "deleted": [p.name for p in deleted],
            "leftovers_removed": sorted(p.name for p in leftovers), "notes": notes, "dry_run": dry_run}


def _remove(stack, paths: list[Path]) -> None:
    with guarded_write(stack, *paths, absolute_ok=True) as guard:
        for path in paths:
            try:
                guard.remove(path)
            except OSError as exc:
                raise StorageError("backup.dir", path, f"cannot delete: {os_reason(exc)}") from None


def _newest_good(newest_first: list[Path]) -> Path | None:
    for archive in newest_first:
        if verify_backup(archive)["ok"]:
            return archive
    return None


def _leftovers(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        # only old leftovers: a backup running right now has a fresh partial, and
        # for an instant a checksum file without its archive (it is renamed first)
        try:
            if time.time() - path.stat().st_mtime <= STALE_PARTIAL_S:
                continue
        except FileNotFoundError:  # another job removed it meanwhile
            continue
        archive_name = path.name[:-len(".sha256")] if path.name.endswith(".sha256") else None
        orphan_checksum = bool(archive_name and NAME_PATTERN.match(archive_name)
                               and not path.with_name(archive_name).exists())
        if path.name.endswith(".partial") or orphan_checksum:
            found.append(path)
    return found
