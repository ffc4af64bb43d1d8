"""An operator folder worth backing up, and a byte-exact description of a tree to compare."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
from pathlib import Path

from lib.stack import load_stack


def make_operator_tree(root: Path) -> None:
    files = {
        ".roo/core/orchestration.yaml": b"mode: reasoning\n",
        ".roo/domains/education/rules.roo": "ensenanza: sí ✓\n".encode(),
        "omas/agents/chaos.yaml": b"name: chaos\n",
        "omas/rules/ñandú config.yaml": b"spaces and unicode: true\n",
        "n8n/workflows/core-orchestration.json": json.dumps({"nodes": [], "connections": {}}).encode(),
        "src/phoenix_hybrid_monitor.py": b"print('monitor')\n",
        "src/data/blob.bin": bytes(range(256)) * 4096 + os.urandom(12345),
        "src/empty.txt": b"",
    }
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "src/run.sh").write_bytes(b"#!/bin/sh\necho run\n")
    (root / "src/run.sh").chmod(0o755)
    (root / ".roo/orchestration-contexts").mkdir()  # an empty folder must come back too


def describe_tree(root: Path, folders=(".roo", "omas", "n8n", "src")) -> dict:
    """{relative path: (kind, mode, sha256 or None)} of every file and folder."""
    found = {}
    for folder in folders:
        for directory, subdirs, files in os.walk(root / folder):
            here = Path(directory)
            found[here.relative_to(root).as_posix()] = ("dir", stat.S_IMODE(here.stat().st_mode), None)
            for name in files:
                path = here / name
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                found[path.relative_to(root).as_posix()] = ("file", stat.S_IMODE(path.stat().st_mode), digest)
    return found


def stack_for(root: Path, **backup) -> object:
    return load_stack({"root": str(root), "state_dir": str(root.parent / "state"),
                       "backup": {"dir": str(root.parent / "backups"), **backup}})


def rewrite_archive(source: Path, target: Path, change) -> None:
    """Copy a tar.gz member by member through ``change(info, data) -> list[(info, data)]``,
    then give it a matching checksum file: an attacker's or a bug's archive, not a damaged one."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for info in old:
            data = old.extractfile(info).read() if info.isfile() else None
            for out_info, out_data in change(info, data):
                new.addfile(out_info, io.BytesIO(out_data) if out_data is not None else None)
    write_checksum(target)


def write_checksum(archive: Path) -> None:
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    archive.with_name(archive.name + ".sha256").write_text(f"{digest}  {archive.name}\n")


def file_info(name: str, data: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info
