# GENERATED from lib/backup/snapshot.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The whole backup job: snapshot, verify it, then apply retention (what the nightly schedule runs)."""

from __future__ import annotations

from .archive import as_stack, create_backup
from .records import record_verification
from .retention import apply_retention
from .verify import verify_backup


def take_snapshot(stack, folders: list[str] | None = None, label: str = "manual", prune: bool = True) -> dict:
    """Archive the folders, verify the archive, and only then prune old backups.

    Retention runs only after a verified snapshot, so a failing disk never
    leads to deleting the backups that still work.
    """
    stack = as_stack(stack)
    made = create_backup(stack, folders=folders, label=label)
    check = verify_backup(made["archive"])
    result = {**made, "verified": check["ok"], "problems": check["problems"], "retention": None,
              "notes": [note for note in [record_verification(stack, made["archive"], check)] if note]}
    if check["ok"] and prune:
        result["retention"] = apply_retention(stack)
    result["ok"] = check["ok"]
    return result
