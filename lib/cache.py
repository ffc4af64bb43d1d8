"""Where Phoenix keeps what set-up fetches: wheels, models, tools. Outside any checkout.

Standard library only: set-up reads it before it installs anything.
"""

from __future__ import annotations

import os
from pathlib import Path


def phoenix_cache_dir() -> Path:
    """``$PHOENIX_CACHE``, else ``$XDG_CACHE_HOME/phoenix``, else ``~/.cache/phoenix``."""
    configured = os.environ.get("PHOENIX_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "phoenix"
