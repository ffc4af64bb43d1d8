// Bridge from Python to the pinned Windmill npm tools: one node process per batch.
//
// stdin:  {"node_modules": "<dir>", "op": "validate"|"parse"|"infer", "items": ...}
// stdout: {"ok": true, "results": {...}} or {"ok": false, "error": "..."}
//
// "infer" runs the CLI's own inferSchema/argSigToJsonSchemaType, lifted from the
// pinned windmill-cli bundle, so a schema here is exactly what
// `wmill generate-metadata` would write (no hand-written port to drift).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const modules = input.node_modules;
const requireTool = createRequire(path.join(modules, "noop.js"));

async function loadPythonParser() {
  const dir = path.join(modules, "windmill-parser-wasm-py");
  const parser = await import(pathToFileURL(path.join(dir, "windmill_parser_wasm.js")).href);
  parser.initSync({ module: fs.readFileSync(path.join(dir, "windmill_parser_wasm_bg.wasm")) });
  return parser;
}

function errorText(error) {
  const where = error.instancePath || "/";
  const extra = error.params && Object.keys(error.params).length ? " " + JSON.stringify(error.params) : "";
  return `${where}: ${error.message}${extra}`;
}

function validate(items) {
  const { WindmillYamlValidator, getValidationTargetFromFilename } = requireTool("windmill-yaml-validator");
  const validator = new WindmillYamlValidator();
  const results = {};
  for (const item of items) {
    const target = item.target || getValidationTargetFromFilename(item.filename);
    if (!target) {
      results[item.filename] = [`not a flow, schedule or trigger file name: ${item.filename}`];
      continue;
    }
    // JSON is YAML: the validator parses the text itself.
    const { errors } = validator.validate(JSON.stringify(item.document), target);
    results[item.filename] = errors.map(errorText);
  }
  return results;
}

async function parse(sources) {
  const parser = await loadPythonParser();
  const results = {};
  for (const [name, code] of Object.entries(sources)) {
    results[name] = JSON.parse(parser.parse_python(code));
  }
  return results;
}

// Windmill's own reading of which workspace scripts a Python file imports
// (windmill-parser-wasm-py-imports, the CLI's dependency of the pinned windmill-cli).
async function relimports(items) {
  const dir = path.join(modules, "windmill-parser-wasm-py-imports");
  const parser = await import(pathToFileURL(path.join(dir, "windmill_parser_wasm.js")).href);
  parser.initSync({ module: fs.readFileSync(path.join(dir, "windmill_parser_wasm_bg.wasm")) });
  const results = {};
  for (const [name, item] of Object.entries(items)) {
    try {
      results[name] = { imports: parser.parse_py_relative_imports(item.content, item.path) };
    } catch (error) {
      results[name] = { error: String(error) };
    }
  }
  return results;
}

// Cut one top-level function out of the CLI bundle (its body ends at a "}" in column 0).
function liftFunction(bundle, name) {
  const match = new RegExp(`^(async )?function ${name}\\(`, "m").exec(bundle);
  if (!match) throw new Error(`windmill-cli bundle has no function ${name}: the pinned version changed?`);
  const end = bundle.indexOf("\n}\n", match.index);
  return bundle.slice(match.index, end + 2);
}

function liftArray(bundle, name) {
  const match = new RegExp(`^  ${name} = (\\[[^\\]]*\\]);`, "m").exec(bundle);
  if (!match) throw new Error(`windmill-cli bundle has no ${name}: the pinned version changed?`);
  return match[1];
}

async function infer(items) {
  const parser = await loadPythonParser();
  const bundle = fs.readFileSync(path.join(modules, "windmill-cli", "esm", "main.js"), "utf8");
  const source = [
    `const ITEMS_PRESERVED_FIELDS = ${liftArray(bundle, "ITEMS_PRESERVED_FIELDS")};`,
    liftFunction(bundle, "argSigToJsonSchemaType"),
    liftFunction(bundle, "sortObject"),
    liftFunction(bundle, "defaultScriptMetadata"),
    liftFunction(bundle, "inferSchema"),
    "return inferSchema;",
  ].join("\n");
  const notices = [];
  const inferSchema = new Function("loadParser", "info", "colors", source)(
    async () => parser, (msg) => notices.push(String(msg)), { yellow: (s) => s });
  const results = {};
  for (const [name, item] of Object.entries(items)) {
    notices.length = 0;
    const current = item.schema ? JSON.parse(JSON.stringify(item.schema)) : undefined;
    const inferred = await inferSchema("python3", item.content, current, name);
    results[name] = { schema: JSON.parse(JSON.stringify(inferred.schema)),
                      has_preprocessor: !!inferred.has_preprocessor, notices: [...notices],
                      parsed: JSON.parse(parser.parse_python(item.content)) };
  }
  return results;
}

try {
  const ops = { validate, parse, infer, relimports };
  if (!ops[input.op]) throw new Error(`unknown op ${input.op}`);
  const results = await ops[input.op](input.items);
  process.stdout.write(JSON.stringify({ ok: true, results }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(error && error.stack || error) }));
}
