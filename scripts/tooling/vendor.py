"""Vendoring: ``lib/`` is the source, ``f/phoenix/lib/`` its mechanical copy.

Windmill uploads only ``f/`` and ``u/``, so the code scripts import must sit
under ``f/``. The copy differs from the source only by a one-line header that
marks it generated; ``drift()`` lists every file where that is not so.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "lib"
COPY = REPO / "f" / "phoenix" / "lib"
HEADER = "# GENERATED from lib/{rel} by `python scripts/deploy.py vendor`: edit lib/, not this copy.\n"


def _sources(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*.py"))
            if "__pycache__" not in p.parts}


def expected_copy(rel: str, source: Path) -> str:
    return HEADER.format(rel=rel) + source.read_text(encoding="utf-8")


def drift(source_root: Path = SOURCE, copy_root: Path = COPY) -> list[str]:
    """Human-readable differences between lib/ and its vendored copy."""
    sources, copies = _sources(source_root), _sources(copy_root)
    problems = [f"missing in copy: {rel}" for rel in sources if rel not in copies]
    problems += [f"not in lib/ (stale copy): {rel}" for rel in copies if rel not in sources]
    problems += [f"differs from lib/: {rel}" for rel in sources
                 if rel in copies and copies[rel].read_text(encoding="utf-8") != expected_copy(rel, sources[rel])]
    return problems


def vendor(source_root: Path = SOURCE, copy_root: Path = COPY) -> list[str]:
    """Make the copy match lib/ exactly; return what changed."""
    sources, copies = _sources(source_root), _sources(copy_root)
    changed = []
    for rel, path in sources.items():
        target = copy_root / rel
        text = expected_copy(rel, path)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            changed.append(f"wrote {rel}")
    for rel, path in copies.items():
        if rel not in sources:
            path.unlink()
            changed.append(f"removed {rel}")
            # its generated metadata goes too: a script.yaml without its script fails wmill lint
            for suffix in (".script.yaml", ".script.lock"):
                metadata = path.with_name(path.stem + suffix)
                if metadata.exists():
                    metadata.unlink()
                    changed.append(f"removed {metadata.relative_to(copy_root).as_posix()}")
    for folder in sorted(copy_root.rglob("*"), reverse=True):
        if folder.is_dir() and not any(p for p in folder.iterdir() if p.name != "__pycache__"):
            for cache in folder.glob("__pycache__"):
                for f in cache.iterdir():
                    f.unlink()
                cache.rmdir()
            folder.rmdir()
    return changed
