"""Retention: keep the newest backups of each label, and never the newest good one.

Per label (``nightly``, ``manual``, ``prewrite``...), so that a burst of
pre-write snapshots never pushes the nightly ones out:
- the newest ``keep`` archives are kept;
- the newest archive that *verifies* is kept as well, however old (if the
  last seven nights all wrote damaged archives, the good one before them
  stays);
- if no archive of a label verifies, nothing of that label is deleted.
Also removed, once a day old: ``.partial`` files of interrupted backups and
checksum files whose archive is gone.
"""

from __future__ import annotations

import time
from pathlib import Path

from .archive import NAME_PATTERN, checksum_path, label_of, list_backups
from .verify import verify_backup

STALE_PARTIAL_S = 24 * 3600


def apply_retention(directory: Path, keep: int, *, dry_run: bool = False) -> dict:
    if keep < 1:
        raise ValueError("keep must be at least 1")
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
    if not dry_run:
        for archive in deleted:
            checksum_path(archive).unlink(missing_ok=True)
            archive.unlink(missing_ok=True)
    leftovers = _leftovers(directory, dry_run)
    return {"kept": [p.name for p in kept], "deleted": [p.name for p in deleted],
            "leftovers_removed": leftovers, "notes": notes, "dry_run": dry_run}


def _newest_good(newest_first: list[Path]) -> Path | None:
    for archive in newest_first:
        if verify_backup(archive)["ok"]:
            return archive
    return None


def _leftovers(directory: Path, dry_run: bool) -> list[str]:
    if not directory.is_dir():
        return []
    removed = []
    for path in directory.iterdir():
        # only old leftovers: a backup running right now has a fresh partial, and
        # for an instant a checksum file without its archive (it is renamed first)
        if time.time() - path.stat().st_mtime <= STALE_PARTIAL_S:
            continue
        archive_name = path.name[:-len(".sha256")] if path.name.endswith(".sha256") else None
        orphan_checksum = bool(archive_name and NAME_PATTERN.match(archive_name)
                               and not path.with_name(archive_name).exists())
        if path.name.endswith(".partial") or orphan_checksum:
            removed.append(path.name)
            if not dry_run:
                path.unlink(missing_ok=True)
    return sorted(removed)
