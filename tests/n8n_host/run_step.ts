// Runs a generated host step the way Windmill calls it: argv[2] the step file, argv[3] a JSON
// list of main()'s arguments; prints one line RESULT {ok, result} or RESULT {ok: false, error}.
import { readFileSync } from "node:fs";

const step = await import(process.argv[2]);
const args = JSON.parse(readFileSync(process.argv[3], "utf8"));
try {
  console.log("RESULT " + JSON.stringify({ ok: true, result: await step.main(...args) }));
} catch (error: any) {
  console.log("RESULT " + JSON.stringify({ ok: false, error: String(error?.message ?? error) }));
}
process.exit(0);
