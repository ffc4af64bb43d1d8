// Runs trigger calls through f/phoenix/n8n_host/triggers.ts, in order, in one Bun process:
// argv[2] is a JSON file [{fn, args}], fn one of the exported functions below; prints one
// line RESULTS [result | {thrown: "Name: message"}] in the same order.
import { readFileSync } from "node:fs";
import * as triggers from "../../f/phoenix/n8n_host/triggers.ts";

const CALLS: Record<string, (...args: any[]) => Promise<unknown>> = {
  setupWebhooks: triggers.setupWebhooks, runWebhook: triggers.runWebhook, runPoll: triggers.runPoll,
  triggerMain: triggers.triggerMain, triggerPreprocessor: async (...args: any[]) => triggers.triggerPreprocessor(args[0], args[1]),
};
const calls: { fn: string; args: unknown[] }[] = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results: unknown[] = [];
for (const { fn, args } of calls) {
  try {
    if (!CALLS[fn]) throw new Error(`no such call ${fn}`);
    results.push(await CALLS[fn](...args));
  } catch (error: any) {
    results.push({ thrown: `${error?.name}: ${error?.message}` });
  }
}
console.log("RESULTS " + JSON.stringify(results));
process.exit(0); // n8n-core leaves timers running
