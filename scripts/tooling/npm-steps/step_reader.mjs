// Reads generated TypeScript with the TypeScript compiler's own parser, for Python.
//
// One request per stdin line, one JSON answer per stdout line (so one process serves a whole
// test session): {"node_modules": "<dir>", "op": "shape"|"literals", "files": {name: text},
// "marker": "..."} -> {"ok": true, "results": {name: [problem, ...]}}.
//
// "shape": syntax errors, and any top-level statement that is not Phoenix's known shape of a
//   generated step: imports, function declarations, `const X = <pure literal>` or
//   `const X = JSON.parse("<string literal>")`, and `export async function main`. Nothing at the top level may run when the file is loaded.
// "literals": every occurrence of `marker` must lie inside one string literal token (a
//   workflow string that shows up anywhere else became code or a comment).
// "steps": "shape" and "literals" together.
// "expressions": each file is a Windmill JavaScript expression (an input transform, a branch
//   condition, an iterator); it must be exactly one expression, with `marker` (if given) only
//   inside string literals.
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { createRequire } from "node:module";

let ts = null;

function parse(name, text) {
  return ts.createSourceFile(name, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
}

function syntaxProblems(source) {
  return (source.parseDiagnostics || []).slice(0, 3).map((d) => {
    const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
    return `syntax error at line ${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
  });
}

function isPureLiteral(node) {
  switch (node.kind) {
    case ts.SyntaxKind.StringLiteral:
    case ts.SyntaxKind.NumericLiteral:
    case ts.SyntaxKind.TrueKeyword:
    case ts.SyntaxKind.FalseKeyword:
    case ts.SyntaxKind.NullKeyword:
      return true;
    case ts.SyntaxKind.Identifier:
      return ["NaN", "Infinity", "undefined"].includes(node.text);
    case ts.SyntaxKind.PrefixUnaryExpression:
      return node.operator === ts.SyntaxKind.MinusToken && isPureLiteral(node.operand);
    case ts.SyntaxKind.ArrayLiteralExpression:
      return node.elements.every(isPureLiteral);
    case ts.SyntaxKind.ObjectLiteralExpression:
      return node.properties.every((p) => p.kind === ts.SyntaxKind.PropertyAssignment && isPureLiteral(p.initializer)
        && (p.name.kind === ts.SyntaxKind.StringLiteral || p.name.kind === ts.SyntaxKind.Identifier
          || (p.name.kind === ts.SyntaxKind.ComputedPropertyName && p.name.expression.kind === ts.SyntaxKind.StringLiteral)));
    default:
      return false;
  }
}

// `JSON.parse("<one string literal>")`: how a host step holds its node and workflow data (the JSON
// text is the literal; nothing else is called, so nothing else can run on load).
function isJsonOfLiteral(node) {
  return node.kind === ts.SyntaxKind.CallExpression && node.arguments.length === 1 && !node.typeArguments
    && node.arguments[0].kind === ts.SyntaxKind.StringLiteral && !node.questionDotToken
    && node.expression.kind === ts.SyntaxKind.PropertyAccessExpression && !node.expression.questionDotToken
    && node.expression.expression.kind === ts.SyntaxKind.Identifier && node.expression.expression.text === "JSON"
    && node.expression.name.kind === ts.SyntaxKind.Identifier && node.expression.name.text === "parse";
}

function hasModifier(node, kind) {
  return (ts.getModifiers?.(node) ?? node.modifiers ?? []).some((m) => m.kind === kind);
}

function statementProblem(statement, source) {
  const kind = statement.kind;
  if (kind === ts.SyntaxKind.ImportDeclaration) {
    return statement.moduleSpecifier.kind === ts.SyntaxKind.StringLiteral ? null : "an import from a computed module";
  }
  if (kind === ts.SyntaxKind.FunctionDeclaration) {
    if (!statement.name) return "a function without a name";
    if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) {
      // Windmill's two entry points: main, and preprocessor (a trigger script's HTTP routes call it first)
      return ["main", "preprocessor"].includes(statement.name.text) && hasModifier(statement, ts.SyntaxKind.AsyncKeyword)
        ? null : `an exported function ${statement.name.text} (only async main and preprocessor are exported)`;
    }
    return null;
  }
  if (kind === ts.SyntaxKind.VariableStatement) {
    const list = statement.declarationList;
    if (!(list.flags & ts.NodeFlags.Const)) return "a variable that is not const";
    if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) return "an exported variable";
    for (const d of list.declarations) {
      if (!d.initializer || !(isPureLiteral(d.initializer) || isJsonOfLiteral(d.initializer))) {
        return `const ${d.name.getText(source)} computed when the file loads`;
      }
    }
    return null;
  }
  return `a ${ts.SyntaxKind[kind]} that runs when the file loads`;
}

function shapeProblems(source) {
  const problems = [];
  for (const statement of source.statements) {
    const problem = statementProblem(statement, source);
    if (problem) {
      const { line } = source.getLineAndCharacterOfPosition(statement.getStart(source));
      problems.push(`top level, line ${line + 1}: ${problem}; a generated step may only hold imports, `
        + "functions, literal constants and export async function main");
    }
  }
  return problems;
}

function markerProblems(source, text, marker) {
  const ranges = [];
  let inside = 0;
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.StringLiteral) {
      const start = node.getStart(source);
      ranges.push([start, node.end]);
      inside += text.slice(start, node.end).split(marker).length - 1;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const problems = [];
  if (inside !== text.split(marker).length - 1) {  // only then look for where (the slow part)
    for (let at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + 1)) {
      if (!ranges.some(([start, end]) => start < at && at + marker.length < end)) {
        const { line } = source.getLineAndCharacterOfPosition(at);
        problems.push(`marker outside a string literal at line ${line + 1}: ${text.slice(Math.max(0, at - 40), at + 40)}`);
      }
    }
  }
  return problems;
}

// Each file parsed once: its syntax errors, then what was asked for.
function analyse(files, { shape = false, marker = null }) {
  const results = {};
  for (const [name, text] of Object.entries(files)) {
    const source = parse(name, text);
    results[name] = [...syntaxProblems(source), ...(shape ? shapeProblems(source) : []),
      ...(marker ? markerProblems(source, text, marker) : [])];
  }
  return results;
}

function expressions(files, marker) {
  const wrapped = {};
  const results = {};
  for (const [name, expr] of Object.entries(files)) {
    const text = `(\n${expr}\n);\n`;
    const source = parse(name, text);
    const problems = syntaxProblems(source);
    const [first] = source.statements;
    const whole = source.statements.length === 1 && first.kind === ts.SyntaxKind.ExpressionStatement
      && first.expression.kind === ts.SyntaxKind.ParenthesizedExpression
      && first.expression.getStart(source) === 0 && first.expression.end === text.length - 2;
    if (!whole) problems.push("not one single expression: it would run more than the expression Windmill evaluates");
    results[name] = problems;
    wrapped[name] = text;
  }
  if (marker) {
    for (const [name, problems] of Object.entries(analyse(wrapped, { marker }))) {
      results[name].push(...problems.filter((p) => !p.startsWith("syntax error")));
    }
  }
  return results;
}

function answer(request) {
  ts ??= createRequire(path.join(request.node_modules, "noop.js"))("typescript");
  if (request.op === "shape") return analyse(request.files, { shape: true });
  if (request.op === "literals") return analyse(request.files, { marker: request.marker });
  if (request.op === "steps") return analyse(request.files, { shape: true, marker: request.marker });
  if (request.op === "expressions") return expressions(request.files, request.marker);
  throw new Error(`unknown op ${request.op}`);
}

const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let reply;
  try {
    reply = { ok: true, results: answer(JSON.parse(line)) };
  } catch (error) {
    reply = { ok: false, error: String(error?.stack ?? error) };
  }
  fs.writeSync(1, JSON.stringify(reply) + "\n");
}
