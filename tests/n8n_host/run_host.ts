// Runs test cases through the node host, one Bun process for all: argv[2] is a JSON file
// {case name: RunRequest}; prints one JSON line {case name: RunResult | {thrown: message}}.
import { readFileSync } from "node:fs";
import { runNode, type RunRequest } from "../../f/phoenix/n8n_host/host.ts";

const cases: Record<string, RunRequest> = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results: Record<string, unknown> = {};
for (const [name, request] of Object.entries(cases)) {
  try {
    results[name] = await runNode(request);
  } catch (error: any) {
    results[name] = { thrown: `${error?.name}: ${error?.message}` };
  }
}
console.log("RESULTS " + JSON.stringify(results));
process.exit(0); // n8n-core leaves timers running
