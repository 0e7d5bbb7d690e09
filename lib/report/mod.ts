/** Reporters: live view on a TTY, plain lines otherwise, JSON lines with --json. */
import type { Reporter } from "../engine/types.ts";
import { JsonReporter } from "./json.ts";
import { LiveReporter } from "./live.ts";
import { PlainReporter } from "./plain.ts";

export { JsonReporter, LiveReporter, PlainReporter };

/** Picks the reporter for this terminal and these flags. */
export function createReporter(
  options: { json: boolean; env?: Record<string, string | undefined> },
): Reporter {
  const env = options.env ?? Deno.env.toObject();
  const enc = new TextEncoder();
  if (options.json) return new JsonReporter((line) => console.log(line));
  const color = !env.NO_COLOR && Deno.stdout.isTerminal();
  if (Deno.stdout.isTerminal() && env.TERM !== "dumb") {
    return new LiveReporter((text) => Deno.stdout.writeSync(enc.encode(text)), { color });
  }
  return new PlainReporter((line) => console.log(line), { color });
}
