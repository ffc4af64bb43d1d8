"""Checks of the operator's folders and model files.

A folder is ``up`` when it is present, readable and every config in it parses;
``degraded`` when some configs are malformed (named, so they can be fixed);
``down`` when it is unreadable, or missing though the stack needs it; a
missing folder the stack does not need (the seed's ``windmill/``,
``hf-models/``...) is ``absent``: said, not red. Configs are YAML (also the seed's
``*.roo`` and ``*.omas`` files, which it maps to YAML) and JSON.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import yaml

from ..yaml_reader import yaml_error_location

YAML_SUFFIXES = {".yaml", ".yml", ".roo", ".omas"}
JSON_SUFFIXES = {".json"}
#: bound the work on huge trees: the probe has a deadline to keep
MAX_CONFIGS = 500
MAX_CONFIG_BYTES = 5 * 1024 * 1024
GGUF_MAGIC = b"GGUF"


def parse_config(path: Path) -> str | None:
    """None when the file parses, else a short reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"unreadable ({type(exc).__name__})"
    try:
        if path.suffix.lower() in JSON_SUFFIXES:
            json.loads(text)
        else:
            list(yaml.safe_load_all(text))
    except json.JSONDecodeError as exc:
        return f"malformed JSON at line {exc.lineno}"
    except yaml.YAMLError as exc:
        location = yaml_error_location(exc)
        return f"malformed YAML at line {location[0]}" if location else "malformed YAML"
    return None


def config_files(folder: Path) -> list[Path]:
    found = []
    for directory, subdirs, files in os.walk(folder):
        subdirs.sort()
        for name in sorted(files):
            path = Path(directory) / name
            if path.suffix.lower() in YAML_SUFFIXES | JSON_SUFFIXES:
                found.append(path)
                if len(found) >= MAX_CONFIGS:
                    return found
    return found


def check_folder(folder: Path, timeout: float, required: bool = True) -> tuple[str, str]:
    if not folder.exists():
        if not required:
            return "absent", f"{folder} is not there (optional: nothing in this stack needs it)"
        return "down", f"{folder} is missing"
    if not folder.is_dir():
        return "down", f"{folder} is not a folder"
    if not os.access(folder, os.R_OK | os.X_OK):
        return "down", f"{folder} is not readable"
    try:
        entries = sum(1 for _ in folder.iterdir())
    except OSError as exc:
        return "down", f"{folder} cannot be listed: {exc.strerror}"
    configs = config_files(folder)
    broken = []
    for path in configs:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            continue
        reason = parse_config(path)
        if reason:
            broken.append(f"{path.relative_to(folder).as_posix()} ({reason})")
    if broken:
        shown = "; ".join(broken[:3]) + (f"; and {len(broken) - 3} more" if len(broken) > 3 else "")
        return "degraded", f"{len(broken)} of {len(configs)} configs malformed: {shown}"
    return "up", f"{entries} entries, {len(configs)} configs parse"


def check_gguf_file(path: Path | None, timeout: float) -> tuple[str, str]:
    """A model file is usable when present and starts with the GGUF magic bytes."""
    if path is None:
        return "unknown", "no path configured"
    if not path.is_file():
        return "down", f"{path} is missing"
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        return "down", f"{path} cannot be read: {exc.strerror}"
    if magic != GGUF_MAGIC:
        return "down", f"{path} is not a GGUF file"
    return "up", f"{path.name}, {path.stat().st_size / 1e6:.1f} MB"


def check_local_model(path: Path | None, timeout: float) -> tuple[str, str]:
    """An in-process model needs its GGUF file and llama-cpp-python."""
    status, detail = check_gguf_file(path, timeout)
    if status == "up" and importlib.util.find_spec("llama_cpp") is None:
        return "down", f"{detail}, but llama-cpp-python is not installed"
    return status, detail
