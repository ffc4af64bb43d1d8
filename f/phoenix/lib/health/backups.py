# GENERATED from lib/health/backups.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The backups row of the dashboard: how old the newest verified backup is, against its schedule.

The nightly snapshot (``f/phoenix/backup/nightly.schedule.yaml``, 02:30 UTC)
should leave a verified full backup at most a day old; a few hours of margin
cover a slow or late night. Which archives verified comes from the record the
snapshot and verify jobs keep (``lib/backup/records.py``): nothing is
re-read here, so the probe stays cheap on a five-minute schedule.

- ``up``: the newest verified full backup is within a day and the margin;
- ``degraded``: older than that, none made yet, none verified yet, or the
  newest does not verify while an older one did;
- ``down``: backups exist and the newest does not verify, with none verified
  before it, or the backup folder setting is refused.
"""

from __future__ import annotations

import time

from ..backup.archive import PREWRITE, backup_dir, label_of, list_backups, made_at
from ..backup.records import verification_of, verification_records
from ..errors import ConfigError
from .dashboard import age_text

#: the nightly schedule's interval (tests/health checks the schedule file agrees)
SCHEDULE_INTERVAL_S = 24 * 3600
#: how late a nightly backup may be before it is a warning
MARGIN_S = 6 * 3600


def check_backups(stack, timeout: float, now: float | None = None) -> tuple[str, str]:
    now = time.time() if now is None else now
    try:
        directory = backup_dir(stack)
    except ConfigError as exc:
        return "down", str(exc)
    archives = [a for a in list_backups(directory) if label_of(a) != PREWRITE]
    if not archives:
        return "degraded", f"no backup in {directory} yet: the nightly snapshot (02:30 UTC) makes one"
    records = verification_records(stack)
    checked = {a: verification_of(records, a) for a in archives}
    good = next((a for a in reversed(archives) if (checked[a] or {}).get("ok")), None)
    newest, newest_check = archives[-1], checked[archives[-1]]
    newest_fails = newest_check is not None and not newest_check["ok"]
    if good is None:
        if newest_fails:
            return "down", f"the newest backup {newest.name} does not verify: {_first(newest_check)}"
        return "degraded", f"{len(archives)} backup(s), none verified yet: run f/phoenix/backup/verify"
    age = now - made_at(good)
    detail = f"newest verified: {good.name}, " + ("just made" if age < 60 else f"{age_text(age)} old")
    if newest_fails:
        return "degraded", f"the newest backup {newest.name} does not verify ({_first(newest_check)}); {detail}"
    if age > SCHEDULE_INTERVAL_S + MARGIN_S:
        limit = (SCHEDULE_INTERVAL_S + MARGIN_S) // 3600
        return "degraded", f"{detail}: older than the nightly schedule allows ({limit} h)"
    if good != newest:
        detail += f"; {newest.name} is newer, not verified yet"
    return "up", detail


def _first(check: dict) -> str:
    return (check.get("problems") or ["no reason recorded"])[0]
