"""deploy check accepts shared TypeScript under f/ (Bun scripts, e.g. the n8n node host) with their metadata."""

from __future__ import annotations

from scripts.tooling import check
from tests.deploy.sample_package import write

META = "summary: shared\ndescription: ''\nlock: ''\nkind: script\nschema: {type: object, properties: {}, required: []}\n"


def reasons(root) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in check.check_tree(root, lint=False):
        found[problem.file] = found.get(problem.file, "") + problem.reason
    return found


def test_typescript_with_metadata_is_a_script(package):
    write(package, "f/phoenix/demo/shared_ts.ts", "export const x = 1;\n")
    write(package, "f/phoenix/demo/shared_ts.script.yaml", META)
    assert reasons(package) == {}


def test_typescript_without_metadata_or_with_a_dotted_name_is_refused(package):
    write(package, "f/phoenix/demo/lonely.ts", "export const x = 1;\n")
    write(package, "f/phoenix/demo/Bad_Name.ts", "export const x = 1;\n")
    write(package, "f/phoenix/demo/Bad_Name.script.yaml", META)
    write(package, "f/phoenix/demo/orphan.script.yaml", META)
    found = reasons(package)
    assert "without its metadata" in found["f/phoenix/demo/lonely.ts"]
    assert "snake_case" in found["f/phoenix/demo/Bad_Name.ts"]
    assert "without its script (.py or .ts beside it)" in found["f/phoenix/demo/orphan.script.yaml"]
