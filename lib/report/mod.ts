/**
 * Reporters turn {@link EngineEvent}s into output: a live view on a terminal, one plain line per
 * event otherwise, JSON lines with `--json`. They only ever see events, which carry no secrets.
 *
 * @example
 * ```ts
 * const reporter = createReporter({ json: false, now: () => clock.now() });
 * reporter.event({ type: "run.started", command: "bootstrap", layers: [], at: clock.now() });
 * await reporter.close();
 * ```
 */
import type { Reporter } from "../engine/types.ts";
import { JsonReporter } from "./json.ts";
import { LiveReporter } from "./live.ts";
import { PlainReporter } from "./plain.ts";

export { JsonReporter, LiveReporter, PlainReporter };
export { Summary } from "./summary.ts";

/** Colour only on a terminal, never with `NO_COLOR` set (https://no-color.org) or `TERM=dumb`. */
export function useColor(env: Record<string, string | undefined>, isTerminal: boolean): boolean {
  return isTerminal && !env.NO_COLOR && env.TERM !== "dumb";
}

/** Picks the reporter for this terminal and these flags. */
export function createReporter(
  options: {
    json: boolean;
    env?: Record<string, string | undefined>;
    /** The run's clock, so live elapsed times match the summary's durations. */
    now?: () => number;
  },
): Reporter {
  const env = options.env ?? Deno.env.toObject();
  const enc = new TextEncoder();
  if (options.json) return new JsonReporter((line) => console.log(line));
  const tty = Deno.stdout.isTerminal();
  const color = useColor(env, tty);
  if (tty && env.TERM !== "dumb") {
    return new LiveReporter((text) => Deno.stdout.writeSync(enc.encode(text)), { color, now: options.now });
  }
  return new PlainReporter((line) => console.log(line), { color });
}
