# GENERATED from lib/backup/records.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Which backups verified, remembered in the state store for the health check.

Verifying reads a whole archive; the health check runs every five minutes and
must not. The jobs that verify anyway (the snapshot, which verifies what it
wrote, and the verify job) record each result here under the archive's name,
with its size and modification time, so that a record never vouches for a
file that changed since.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import ConfigError, StorageError
from ..store import open_store

VERIFIED_KEY = "backup/verified"
#: records kept: retention keeps far fewer archives than this
KEEP = 100


def record_verification(stack, archive: Path | str, result: dict) -> str | None:
    """Remember one verification; None, or why it could not be saved (a note, not a failure)."""
    archive = Path(archive)
    try:
        info = archive.stat()
    except OSError:
        return None
    entry = {"ok": bool(result["ok"]), "size": info.st_size, "mtime_ns": info.st_mtime_ns,
             "at": time.time(), "problems": list(result["problems"][:3])}

    def change(records):
        records = dict(records) if isinstance(records, dict) else {}
        records[archive.name] = entry
        return {name: records[name] for name in sorted(records)[-KEEP:]}  # names sort by time

    try:
        open_store(stack.state_dir).update(VERIFIED_KEY, change, default={})
    except (StorageError, ConfigError) as exc:
        return f"the verification could not be recorded for the health check: {exc}"
    return None


def verification_of(records: dict, archive: Path) -> dict | None:
    """The recorded verification of this very file, or None (never verified, or changed since)."""
    entry = records.get(archive.name) if isinstance(records, dict) else None
    if not isinstance(entry, dict):
        return None
    try:
        info = archive.stat()
    except OSError:
        return None
    same_file = entry.get("size") == info.st_size and entry.get("mtime_ns") == info.st_mtime_ns
    return entry if same_file else None


def verification_records(stack) -> dict:
    records = open_store(stack.state_dir).get(VERIFIED_KEY, {})
    return records if isinstance(records, dict) else {}
