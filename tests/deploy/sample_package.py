"""A small, complete Windmill package to break in every way check must catch.

Built once per session from real files (script, flow with an inline step,
schedule, HTTP trigger, folder, generated resources) with metadata written by
the real parser; each test gets its own copy to damage.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from scripts.tooling import metadata, resources

REPO = Path(__file__).resolve().parents[2]

HELLO = '''\
from typing import Literal, Optional

from f.phoenix.lib.stack import c_phoenix_stack


def main(name: str, tone: Literal["plain", "warm"] = "plain", stack: Optional[c_phoenix_stack] = None):
    """Greet someone.

    Used by the deploy tests as a typical thin script.

    Args:
        name: Who to greet.
        tone: How warm the greeting
            sounds.
        stack: The Phoenix stack resource.
    """
    return {"greeting": f"hello {name}", "tone": tone}
'''

STACK_LIB = '''\
"""A stand-in for the vendored lib/stack.py: just what the script imports."""
from typing import TypedDict


class c_phoenix_stack(TypedDict, total=False):
    pass
'''

STEP_A = '''\
def main(name: str):
    return {"name": name.strip()}
'''

FLOW = {
    "summary": "Greet via a script step",
    "value": {"modules": [
        {"id": "a", "value": {"type": "rawscript", "language": "python3", "content": "!inline a.py",
                              "input_transforms": {"name": {"type": "javascript", "expr": "flow_input.name"}}}},
        {"id": "b", "value": {"type": "script", "path": "f/phoenix/demo/hello",
                              "input_transforms": {"name": {"type": "javascript", "expr": "results.a.name"},
                                                   "tone": {"type": "static", "value": "warm"}}}},
    ]},
    "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
               "properties": {"name": {"type": "string", "description": "Who to greet"}}, "required": ["name"]},
}

SCHEDULE = {"schedule": "0 */5 * * * *", "timezone": "UTC", "script_path": "f/phoenix/demo/hello",
            "is_flow": False, "enabled": True, "args": {"name": "operator"}}

TRIGGER = {"script_path": "f/phoenix/demo/greet", "is_flow": True, "route_path": "phoenix/greet",
           "request_type": "sync", "authentication_method": "windmill", "http_method": "post",
           "is_static_website": False, "workspaced_route": False, "wrap_body": False, "raw_string": False}


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_yaml(root: Path, rel: str, document: dict) -> Path:
    return write(root, rel, yaml.safe_dump(document, sort_keys=False))


def build_package(root: Path) -> Path:
    shutil.copyfile(REPO / "wmill.yaml", root / "wmill.yaml")
    shutil.copyfile(REPO / "f" / "phoenix" / "folder.meta.yaml", write(root, "f/phoenix/folder.meta.yaml", ""))
    write(root, "f/phoenix/lib/stack.py", STACK_LIB)
    write(root, "f/phoenix/demo/hello.py", HELLO)
    write(root, "f/phoenix/demo/greet__flow/a.py", STEP_A)
    write_yaml(root, "f/phoenix/demo/greet__flow/flow.yaml", FLOW)
    write_yaml(root, "f/phoenix/demo/hello_every_5m.schedule.yaml", SCHEDULE)
    write_yaml(root, "f/phoenix/demo/greet.http_trigger.yaml", TRIGGER)
    metadata.refresh_metadata(root)
    hello_meta = yaml.safe_load((root / "f/phoenix/demo/hello.script.yaml").read_text())
    write_yaml(root, "f/phoenix/demo/hello.script.yaml", {**hello_meta, "timeout": 60})
    resources.write_resource_files(root)
    return root
