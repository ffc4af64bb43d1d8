// Runs a generated trigger script once, the way a Windmill job does: argv[2] the script file,
// argv[3] a JSON file {args: {name: value}} (a run by hand or by a schedule) or {event} (an HTTP
// route: the script's preprocessor turns the event into the arguments). Arguments go to main()
// by name, as Windmill passes them. Prints one line RESULT {ok, result} or {ok: false, error}.
import { readFileSync } from "node:fs";

const MAIN_ARGS = ["action", "request", "base_url", "credentials"]; // the generated main()'s parameters, in order
const script = await import(process.argv[2]);
const job: { args?: Record<string, unknown>; event?: unknown } = JSON.parse(readFileSync(process.argv[3], "utf8"));
try {
  const args: Record<string, unknown> = job.event !== undefined ? await script.preprocessor(job.event) : job.args ?? {};
  const result = await script.main(...MAIN_ARGS.map((name) => args[name]));
  console.log("RESULT " + JSON.stringify({ ok: true, result }));
} catch (error: any) {
  console.log("RESULT " + JSON.stringify({ ok: false, error: `${error?.name}: ${error?.message ?? error}` }));
}
process.exit(0); // n8n-core leaves timers running
