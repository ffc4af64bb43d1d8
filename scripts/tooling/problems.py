"""What every check of the tooling reports: a file, an item in it, and a reason.

Its own module because check.py gathers the problems that deps.py,
extra_requirements.py and the rest find: they all need the type, and none of
them should have to import the check that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    item: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item}: {self.reason}" if self.item else f"{self.file}: {self.reason}"
