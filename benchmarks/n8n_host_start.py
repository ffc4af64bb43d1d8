"""Start time of an n8n node-host step under Bun, against n8n's engine loaded the spike's way.

Windmill starts one process per step, so what a host step costs before it does
any work is the time to load n8n's engine. Each sample is a fresh Bun process:

- ``host``: imports f/phoenix/n8n_host/host.ts and loads the engine and the Set
  node type (the bundles the host builds once per worker, with their bytecode
  caches); ``ready`` is Bun's clock at that moment, measured from the process's
  own start: this is a host step's start;
- ``spike``: requires n8n-workflow, n8n-core, @n8n/di and @n8n/config unbundled,
  as docs/n8n-node-spike.cjs does (tests/n8n_host/reference.cjs), then loads the
  node type on first use;

``cpu`` is the CPU time the process had used at that moment (user + system, all
its threads): on a machine shared with other work the wall-clock figure grows
with the load, the CPU figure much less, so both are printed;

then both run the same Set node (5 assignments with Luxon, 2 items): ``set`` is
that first run inside the process, ``wall`` the whole process from spawn to
exit as seen from here. Figures are medians (and minima) of --runs samples taken
in alternation; the load average is printed before and after, since the machine
may be shared. The one-off bundle build is timed first.

    python scripts/bench.py n8n_host_start [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from tests.n8n_host.cases import CASES  # noqa: E402
from tests.support.n8n_host_run import HERE, bun_binary, host_environment, missing  # noqa: E402

HOST = REPO / "f" / "phoenix" / "n8n_host" / "host.ts"
SET_CASE = CASES["set_luxon_timezone"]

HOST_PROBE = """
const host = await import(process.argv[2]);
const request = JSON.parse(process.argv[3]);
await host.warmUp([request.node.type]);
const ready = performance.now();
const usage = process.cpuUsage();
const result = await host.runNode(request);
console.log("PROBE " + JSON.stringify({ ready, cpu: (usage.user + usage.system) / 1000, set: performance.now() - ready, items: result.outputs[0].length }));
process.exit(0);
"""

SPIKE_PROBE = """
const { run, nodeTypes } = require(process.argv[2]);
const request = JSON.parse(process.argv[3]);
nodeTypes.getByName(request.node.type);
const ready = performance.now();
const usage = process.cpuUsage();
run(request).then((result) => {
  console.log("PROBE " + JSON.stringify({ ready, cpu: (usage.user + usage.system) / 1000, set: performance.now() - ready, items: result.outputs[0].length }));
  process.exit(0);
});
"""


# Node types with many files (HTTP Request ~200, Google Sheets, the file family): their start,
# without running them (they would need a service), as ``ready`` above.
HEAVY_TYPES = ["n8n-nodes-base.httpRequest", "n8n-nodes-base.googleSheets", "n8n-nodes-base.extractFromFile"]

HOST_TYPE_PROBE = """
const host = await import(process.argv[2]);
await host.warmUp([process.argv[3]]);
console.log("PROBE " + JSON.stringify({ ready: performance.now() }));
process.exit(0);
"""

SPIKE_TYPE_PROBE = """
const { nodeTypes } = require(process.argv[2]);
nodeTypes.getByName(process.argv[3]);
console.log("PROBE " + JSON.stringify({ ready: performance.now() }));
process.exit(0);
"""


def type_sample(bun: Path, probe: Path, target: Path, node_type: str, env: dict) -> float:
    proc = subprocess.run([str(bun), str(probe), str(target), node_type], capture_output=True, text=True, env=env, timeout=300)
    lines = [line for line in proc.stdout.split("\n") if line.startswith("PROBE ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"{probe.name} {node_type} failed: {proc.stderr[-2000:]}")
    return json.loads(lines[-1][len("PROBE "):])["ready"]


def sample(bun: Path, probe: Path, target: Path, env: dict) -> dict:
    started = time.perf_counter()
    proc = subprocess.run([str(bun), str(probe), str(target), json.dumps(SET_CASE)],
                          capture_output=True, text=True, env=env, timeout=300)
    wall = (time.perf_counter() - started) * 1000
    lines = [line for line in proc.stdout.split("\n") if line.startswith("PROBE ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"{probe.name} failed: {proc.stderr[-2000:]}")
    figures = json.loads(lines[-1][len("PROBE "):])
    if figures["items"] != 2:
        raise SystemExit(f"{probe.name}: the Set node gave {figures['items']} items, not 2")
    return {**figures, "wall": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    if missing():
        print(f"cannot measure: {missing()}")
        return 1
    bun = bun_binary()
    with tempfile.TemporaryDirectory(prefix="phoenix-host-bench-") as tmp:
        host_probe, spike_probe = Path(tmp, "host_probe.ts"), Path(tmp, "spike_probe.cjs")
        host_probe.write_text(HOST_PROBE, encoding="utf-8")
        spike_probe.write_text(SPIKE_PROBE, encoding="utf-8")
        env = host_environment(Path(tmp, "cache"))
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        first = sample(bun, host_probe, HOST, env)
        print(f"bundle build (once per worker and n8n version) + first step: {time.perf_counter() - started:.2f} s")
        samples: dict[str, list[dict]] = {"host": [], "spike": []}
        for _ in range(args.runs):
            samples["host"].append(sample(bun, host_probe, HOST, env))
            samples["spike"].append(sample(bun, spike_probe, HERE / "reference.cjs", env))
        host_type_probe, spike_type_probe = Path(tmp, "host_type_probe.ts"), Path(tmp, "spike_type_probe.cjs")
        host_type_probe.write_text(HOST_TYPE_PROBE, encoding="utf-8")
        spike_type_probe.write_text(SPIKE_TYPE_PROBE, encoding="utf-8")
        heavy: dict[str, dict[str, list[float]]] = {}
        for node_type in HEAVY_TYPES:
            type_sample(bun, host_type_probe, HOST, node_type, env)  # bundles the node type once
            runs = max(3, args.runs // 2)
            heavy[node_type] = {"host": [], "spike": []}
            for _ in range(runs):
                heavy[node_type]["host"].append(type_sample(bun, host_type_probe, HOST, node_type, env))
                heavy[node_type]["spike"].append(type_sample(bun, spike_type_probe, HERE / "reference.cjs", node_type, env))
    print(f"Bun {subprocess.run([str(bun), '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"median of {args.runs} fresh processes each (first host step after the build: ready {first['ready']:.0f} ms)")
    print(f"load average before: {load_before:.2f} on {os.cpu_count()} cores")
    print(f"{'':8}{'ready (start)':>15}{'cpu at ready':>14}{'set node':>10}{'wall':>9}   (median / min)")
    for name, runs in samples.items():
        cells = []
        for key in ("ready", "cpu", "set", "wall"):
            values = [r[key] for r in runs]
            cells.append(f"{statistics.median(values):.0f}/{min(values):.0f} ms")
        print(f"{name:8}" + "".join(f"{cell:>14}" for cell in cells))
    print("start of heavier node types (ready, median/min):")
    for node_type, figures in heavy.items():
        host_ms, spike_ms = figures["host"], figures["spike"]
        print(f"  {node_type:34} host {statistics.median(host_ms):5.0f}/{min(host_ms):.0f} ms   "
              f"spike {statistics.median(spike_ms):5.0f}/{min(spike_ms):.0f} ms")
    ready = [r["ready"] for r in samples["host"]]
    median = statistics.median(ready)
    print(f"host step start (process start + engine + node type) {'within' if median <= 400 else 'ABOVE'} the 0.4 s target: "
          f"median {median / 1000:.3f} s, min {min(ready) / 1000:.3f} s = {median / 400:.2f} x target "
          f"(load average now {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
