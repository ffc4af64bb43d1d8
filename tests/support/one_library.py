"""One copy of the library per test process: ``f.phoenix.lib.X`` IS ``lib.X``.

Scripts import the vendored copy (``from f.phoenix.lib.router.core import
route``), exactly as Windmill runs them; tests import ``lib``. Left alone, one
test process would load every module twice: two ``PhoenixError`` classes (a
script's error would not be caught as lib's), two breaker caches, two loaded
embedded models. ``install()`` puts an importer first on ``sys.meta_path``
that answers every ``f.phoenix.lib...`` import with the ``lib...`` module.
That runs the same code: the copy is lib/ byte for byte plus a header line
(tests/test_vendor.py), and check proves the copy imports as ``f.phoenix.lib``
inside the pushed tree. Processes a test starts (scripts/run.py, a job) import
only the copy, so they hold one copy too.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys

COPY = "f.phoenix.lib"
SOURCE = "lib"


def source_name(name: str) -> str | None:
    """``f.phoenix.lib.router.core`` -> ``lib.router.core``; None for a name outside the copy."""
    if name == COPY or name.startswith(COPY + "."):
        return SOURCE + name[len(COPY):]
    return None


class LibraryAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``f.phoenix.lib...`` in ``lib...``; never loads a file of the copy."""

    def find_spec(self, fullname, path=None, target=None):
        source = source_name(fullname)
        if source is None:
            return None
        found = importlib.util.find_spec(source)
        if found is None:
            # Not None: the next finder would load the copy's file (a stale one) as a second copy.
            raise ModuleNotFoundError(f"No module named {fullname!r} (lib/ has no {source})", name=fullname)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=found.submodule_search_locations is not None)

    def create_module(self, spec):
        module = importlib.import_module(source_name(spec.name))
        spec.loader_state = module.__spec__  # the import system overwrites __spec__; exec_module puts it back
        return module

    def exec_module(self, module):
        # Already executed under its lib name; keep its own spec so reloads and
        # relative imports inside it go on naming lib.
        module.__spec__ = module.__spec__.loader_state


def install() -> None:
    """Alias the copy to lib/ in this process; refuses if the copy was already imported (two copies exist)."""
    if any(isinstance(finder, LibraryAlias) for finder in sys.meta_path):
        return
    loaded = sorted(name for name, module in sys.modules.items()
                    if source_name(name) and module is not sys.modules.get(source_name(name)))
    if loaded:
        raise RuntimeError(f"the vendored copy was imported before the alias was installed: {', '.join(loaded)}")
    sys.meta_path.insert(0, LibraryAlias())
