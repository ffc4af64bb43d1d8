"""Run a translated Bun step's TypeScript the way Windmill calls main().

Steps run with Bun itself (Windmill's runtime for ``language: bun``, installed
by set-up from npm: ``scripts/tooling/step_tools.py``): loading the file, then
calling ``main``, exactly as a worker does. ``run_ts_step`` lets the step reach
loopback servers; ``run_bun_steps`` replaces ``fetch`` so no step reaches the
network. Workspace imports (``/f/phoenix/n8n_host/runtime.ts``, as Windmill
resolves them) are this repository's files (``workspace_preload``).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from lib.cache import phoenix_cache_dir
from scripts.tooling.step_tools import bun_binary
from scripts.tooling.windmill_tools import ensure_npm_tools
from tests.support.n8n_host_run import host_environment

REPO = Path(__file__).resolve().parents[2]
#: Windmill resolves a Bun step's `import ... from "/f/<path>.ts"` to that workspace script: here, the
#: package's own file under the repository (a Bun plugin loaded before the steps; the repository is the
#: PHOENIX_REPO environment variable of the process, or else its last argument)
WORKSPACE_IMPORTS = r"""
const root = process.env.PHOENIX_REPO ?? process.argv.at(-1);
Bun.plugin({ name: "windmill-workspace", setup(build) {
  build.onResolve({ filter: /^\/f\// }, (args) => ({ path: root + args.path }));
} });
"""


def workspace_preload(folder: Path) -> list[str]:
    """Bun's arguments that make ``/f/...`` imports this repository's files (writes the preload into ``folder``)."""
    preload = Path(folder, ".phoenix", "workspace.ts")
    preload.parent.mkdir(exist_ok=True)
    preload.write_text(WORKSPACE_IMPORTS, encoding="utf-8")
    return ["--preload", str(preload)]


def step_environment() -> dict:
    """The steps' environment: n8n's packages for host steps, the repository for workspace imports."""
    return {**host_environment(), "PHOENIX_REPO": REPO.as_posix()}


def npm_packages_for_steps() -> Path | None:
    """npm packages some steps import (luxon, cheerio, nodemailer...), as Bun would fetch them.

    No registry access in tests: they come from the cached n8n install (n8n ships the
    same libraries), when it is there.
    """
    folder = phoenix_cache_dir() / "n8n-2.8.4" / "node_modules"
    return folder if (folder / "luxon").is_dir() else None

RUNNER = r"""
const [stepFile, argsFile] = process.argv.slice(2);
const fs = await import("node:fs");
const step = await import(stepFile);
const args = JSON.parse(fs.readFileSync(argsFile, "utf8"));
let outcome;
try {
  outcome = { ok: true, result: await step.main(...args) };
} catch (error) {
  outcome = { ok: false, error: String(error?.message ?? error) };
}
fs.writeSync(1, JSON.stringify(outcome) + "\n");
process.exit(0);
"""


def run_ts_step(code: str, *args) -> dict:
    """``{"ok": True, "result": ...}`` or ``{"ok": False, "error": message}``; the step may use loopback.

    Host steps find n8n's packages in the cached n8n install (``PHOENIX_N8N_MODULES``).
    """
    with tempfile.TemporaryDirectory(prefix="phoenix-step-") as tmp:
        packages = npm_packages_for_steps()
        if packages:
            Path(tmp, "node_modules").symlink_to(packages)
        step, runner, arguments = Path(tmp, "step.ts"), Path(tmp, "run.ts"), Path(tmp, "args.json")
        step.write_text(code, encoding="utf-8")
        runner.write_text(RUNNER, encoding="utf-8")
        arguments.write_text(json.dumps(list(args)), encoding="utf-8")
        proc = subprocess.run([str(bun_binary()), "run", "--no-install", *workspace_preload(tmp), str(runner),
                               str(step), str(arguments)],
                              capture_output=True, text=True, timeout=300, cwd=tmp, env=step_environment())
    if proc.returncode != 0 or not proc.stdout.strip():
        raise AssertionError(f"step did not load: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().split("\n")[-1])  # not splitlines: U+2028 is no line end here


def syntax_errors(files: dict[str, str]) -> dict[str, str]:
    """esbuild's verdict on many TypeScript files at once: name -> first error (only failures)."""
    modules = ensure_npm_tools()
    script = r"""
const [,, modulesDir, listFile] = process.argv;
const fs = await import("node:fs");
const { createRequire } = await import("node:module");
const esbuild = createRequire(modulesDir + "/")("esbuild");
const files = JSON.parse(fs.readFileSync(listFile, "utf8"));
const errors = {};
for (const [name, code] of Object.entries(files)) {
  try { esbuild.transformSync(code, { loader: "ts", format: "esm" }); }
  catch (e) { errors[name] = String(e.message).split("\n").slice(0, 3).join(" "); }
}
console.log(JSON.stringify(errors));
"""
    with tempfile.TemporaryDirectory(prefix="phoenix-syntax-") as tmp:
        runner, listing = Path(tmp, "check.mjs"), Path(tmp, "files.json")
        runner.write_text(script, encoding="utf-8")
        listing.write_text(json.dumps(files), encoding="utf-8")
        proc = subprocess.run(["node", str(runner), str(modules), str(listing)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(proc.stderr[-2000:])
    return json.loads(proc.stdout)


BUN_RUNNER = r"""
// Load each step as a Windmill worker does, then (optionally) call main; never the network.
const [dir, argsFile, callMain] = process.argv.slice(2);
const fs = await import("node:fs");
const path = await import("node:path");
globalThis.fetch = async () => { throw new Error("no network in tests"); };
const args = JSON.parse(fs.readFileSync(argsFile, "utf8"));
const outcomes = {};
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && f !== "run.ts").sort()) {
  let step;
  try {
    step = await import(path.join(dir, file));
  } catch (error) {
    outcomes[file] = { loaded: false, error: String(error?.message ?? error) };
    continue;
  }
  if (callMain !== "1") { outcomes[file] = { loaded: true }; continue; }
  try {
    const result = await Promise.race([step.main(...args), new Promise((_, no) => setTimeout(() => no(new Error("timeout")), 10000))]);
    outcomes[file] = { loaded: true, ok: true, result };
  } catch (error) {
    outcomes[file] = { loaded: true, ok: false, error: String(error?.message ?? error) };
  }
}
fs.writeSync(1, JSON.stringify(outcomes) + "\n");
process.exit(0);
"""


def run_bun_steps(files: dict[str, str], *args, call_main: bool = True) -> dict[str, dict]:
    """Load every step with Bun (one process), then call ``main(*args)`` unless ``call_main`` is False.

    Per file: ``{"loaded": bool, "ok": bool, "result"|"error": ...}``. ``fetch`` is replaced by a
    function that fails, so no step reaches the network. Workspace imports (``/f/...``) are the
    repository's files, as Windmill resolves them to the pushed scripts.
    """
    with tempfile.TemporaryDirectory(prefix="phoenix-bun-steps-") as tmp:
        packages = npm_packages_for_steps()
        if packages:
            Path(tmp, "node_modules").symlink_to(packages)
        for name, code in files.items():
            Path(tmp, name).write_text(code, encoding="utf-8")
        runner, arguments = Path(tmp, "run.ts"), Path(tmp, "args.json")
        runner.write_text(BUN_RUNNER, encoding="utf-8")
        arguments.write_text(json.dumps(list(args)), encoding="utf-8")
        # no auto-install: a step's imports come from the local node_modules or fail
        proc = subprocess.run([str(bun_binary()), "run", "--no-install", *workspace_preload(tmp), str(runner), tmp,
                               str(arguments), "1" if call_main else "0"], capture_output=True, text=True,
                              timeout=600, cwd=tmp, env=step_environment())
    if proc.returncode != 0 or not proc.stdout.strip():
        raise AssertionError(f"Bun did not run the steps: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().split("\n")[-1])


def run_bun_step(code: str, *args) -> dict:
    """One step under Bun: ``{"ok": True, "result": ...}`` or ``{"ok": False, "error": ...}``."""
    outcome = run_bun_steps({"step.ts": code}, *args)["step.ts"]
    if not outcome["loaded"]:
        raise AssertionError(f"step did not load under Bun: {outcome['error']}")
    return {key: value for key, value in outcome.items() if key != "loaded"}
