# GENERATED from lib/progress.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Progress of long work, shown where the operator is looking.

Inside Windmill: the job's progress bar (``wmill.set_progress``). Outside: a
line on stderr, so that JSON printed on stdout stays clean.
"""

from __future__ import annotations

import sys

from .store import running_in_windmill


def report_progress(message: str, fraction: float) -> None:
    percent = max(0, min(99, int(fraction * 100)))
    if running_in_windmill():
        try:
            import wmill

            wmill.set_progress(percent)
        except Exception:  # a progress bar is never worth failing the job for
            pass
        print(f"[{percent:3d}%] {message}", flush=True)
        return
    print(f"[{percent:3d}%] {message}", file=sys.stderr, flush=True)
