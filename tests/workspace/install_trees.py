"""An operator's root with their own Roo Code and VS Code files, and helpers to compare trees and diffs."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOMODES = """# Roo modes of this project (mine)
customModes:
  - slug: docs-writer   # the one I use every day
    name: Docs Writer
    roleDefinition: |-
      You are Roo, a technical writer.
      You keep the docs short.
    whenToUse: Writing and editing documentation.
    groups:
      - read
      - - edit
        - fileRegex: \\.md$
          description: Markdown only
  # - slug: retired-mode
  #   name: Retired

# nothing below
"""

MCP_JSON = """{
  "mcpServers": {
    "github": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github"],
      "env": {"GITHUB_TOKEN": "${env:GITHUB_TOKEN}"}
    }
  }
}
"""

SETTINGS = """// Workspace settings, by hand
{
    "editor.fontSize": 14, // bigger for the demo
    /* theme chosen by the team */
    "workbench.colorTheme": "Default Dark+",
    "files.associations": {
        "*.roo": "markdown", // I read .roo files as notes
    },
    "files.exclude": {
        "**/.git": true,
    },
}
"""

TASKS = """{
    // See https://go.microsoft.com/fwlink/?LinkId=733558
    "version": "2.0.0",
    "tasks": [
        {
            "label": "Start Phoenix Complete Stack",
            "type": "shell",
            "command": "./shell-commands/phoenix-orchestrator.sh", // the seed's old script
            "group": "build",
        },
    ],
}
"""


def make_operator_root(root: Path) -> Path:
    """The seed's BooPhoenix/ with the operator's own .roomodes, .roo/, .vscode/ (comments, trailing commas)."""
    (root / ".roo" / "core").mkdir(parents=True)
    (root / ".roo" / "core" / "orchestration.yaml").write_text("mode: reasoning\n")
    (root / ".roo" / "mcp.json").write_text(MCP_JSON)
    (root / ".roomodes").write_text(ROOMODES)
    (root / ".vscode").mkdir()
    (root / ".vscode" / "settings.json").write_text(SETTINGS)
    (root / ".vscode" / "tasks.json").write_text(TASKS)
    (root / "models" / "quantized").mkdir(parents=True)
    return root


def tree_bytes(root: Path, skip: tuple[str, ...] = ("backups",)) -> dict[str, bytes | None]:
    """Every file and folder under root (folders as None), but the backups Phoenix keeps."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative.split("/")[0] in skip:
            continue
        if path.is_symlink():
            found[relative] = f"-> {os.readlink(path)}".encode()
        else:
            found[relative] = None if path.is_dir() else path.read_bytes()
    return found


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def apply_unified_diff(before: str | None, diff: str) -> str | None:
    """The text a unified diff (as Phoenix prints it) turns ``before`` into; None when it deletes the file."""
    if not diff:
        return before
    lines = _lines(diff)
    if lines[1].startswith("+++ /dev/null"):
        return None
    old = _lines(before or "")
    out, position, previous = [], 0, None
    for line in lines[2:]:
        header = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", line)
        if header:
            start = int(header.group(1)) - (0 if header.group(2) == "0" else 1)
            out += old[position:start]
            position = start
        elif line.startswith("\\"):  # "\ No newline at end of file": drop the line break the diff added
            if previous in ("+", " "):
                out[-1] = out[-1][:-1]
        else:
            tag, body = line[0], line[1:]
            if tag in (" ", "-"):
                position += 1
            if tag in (" ", "+"):
                out.append(body)
            previous = tag
    return "".join(out + old[position:])


def lines_kept(before: str, after: str) -> list[str]:
    """The operator's lines missing from ``after``, in order (a comma added after a value is allowed)."""
    new_lines = after.splitlines()
    missing, cursor = [], 0
    for line in before.splitlines():
        for index in range(cursor, len(new_lines)):
            candidate = new_lines[index]
            if candidate == line or any(candidate[:i] + candidate[i + 1:] == line
                                        for i, char in enumerate(candidate) if char == ","):
                cursor = index + 1
                break
        else:
            missing.append(line)
    return missing
