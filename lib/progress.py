"""Progress of long work, shown where the operator is looking.

Inside Windmill: the job's progress bar (``wmill.set_progress``). Outside: a
line on stderr, so that JSON printed on stdout stays clean. ``Steps`` moves
the bar after every unit of work (a model's run, not only a whole model), so
a job with one long item does not sit at 0 % until it ends.
"""

from __future__ import annotations

import sys
from typing import Callable

from .store import running_in_windmill

Report = Callable[[str, float], None]


def report_progress(message: str, fraction: float) -> None:
    percent = max(0, min(100, int(fraction * 100)))
    if running_in_windmill():
        try:
            import wmill

            wmill.set_progress(min(percent, 99))  # Windmill sets 100 itself when the job ends
        except Exception:  # a progress bar is never worth failing the job for
            pass
        print(f"[{percent:3d}%] {message}", flush=True)
        return
    print(f"[{percent:3d}%] {message}", file=sys.stderr, flush=True)


class Steps:
    """Progress through a known number of steps; ``done`` moves the bar, ``say`` only tells."""

    def __init__(self, total: int, report: Report = report_progress):
        self.total, self.finished, self.report = max(1, total), 0, report

    def say(self, message: str) -> None:
        self.report(message, self.finished / self.total)

    def done(self, message: str, steps: int = 1) -> None:
        self.finished = min(self.total, self.finished + max(0, steps))
        self.report(message, self.finished / self.total)
