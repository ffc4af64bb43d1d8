// Runs AI cluster requests (f/phoenix/n8n_ai/cluster.ts) in one Bun process, as one Windmill
// step would: argv[2] is a JSON file {case name: ClusterRequest}, run in order; prints one line
// RESULTS {case name: RunResult | {thrown: message}}.
import { readFileSync } from "node:fs";
import { runCluster, type ClusterRequest } from "../../f/phoenix/n8n_ai/cluster.ts";

const cases: Record<string, ClusterRequest> = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results: Record<string, unknown> = {};
for (const [name, request] of Object.entries(cases)) {
  try {
    results[name] = await runCluster(request);
  } catch (error: any) {
    results[name] = { thrown: `${error?.name}: ${error?.message}` };
  }
}
console.log("RESULTS " + JSON.stringify(results));
process.exit(0); // n8n-core and LangChain leave timers running
