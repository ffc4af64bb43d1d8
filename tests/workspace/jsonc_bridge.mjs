// The real jsonc-parser for the differential tests of lib/workspace/jsonc.py.
//
// stdin:  {"package": "<node_modules/jsonc-parser>", "operations": [op, ...]}
//   {"op": "parse", "text"}                           -> {"value", "errors": [[code, offset, length]...], "tree"}
//   {"op": "modify", "text", "path", "value"?, "remove"?, "formatting"?} -> {"edits", "text"}
// stdout: one result per operation (an {"exception": "..."} where jsonc-parser threw).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const require = createRequire(path.join(input.package, "noop.js"));
const jsonc = require(input.package);

function tree(node) {
  if (!node) return null;
  const out = { type: node.type, offset: node.offset, length: node.length };
  if (node.value !== undefined) out.value = node.value;
  if (node.colonOffset !== undefined) out.colonOffset = node.colonOffset;
  if (node.children) out.children = node.children.map(tree);
  return out;
}

function run(op) {
  if (op.op === "parse") {
    const errors = [];
    const root = jsonc.parseTree(op.text, errors, { allowTrailingComma: !!op.allowTrailingComma });
    return {
      value: root ? jsonc.getNodeValue(root) : null,
      errors: errors.map((e) => [e.error, e.offset, e.length]),
      tree: tree(root),
    };
  }
  if (op.op === "modify") {
    const options = op.formatting ? { formattingOptions: op.formatting } : {};
    const edits = jsonc.modify(op.text, op.path, op.remove ? undefined : op.value, options);
    return { edits, text: jsonc.applyEdits(op.text, edits) };
  }
  throw new Error(`unknown op ${op.op}`);
}

const results = input.operations.map((op) => {
  try {
    return run(op);
  } catch (error) {
    return { exception: String(error && error.message ? error.message : error) };
  }
});
process.stdout.write(JSON.stringify(results));
