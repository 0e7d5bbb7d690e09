/**
 * `--json`: one JSON object per event, one per line, for machines.
 *
 * @example
 * ```ts
 * const reporter = new JsonReporter((line) => console.log(line));
 * ```
 */
import type { EngineEvent, Reporter } from "../engine/types.ts";

export class JsonReporter implements Reporter {
  constructor(private readonly write: (line: string) => void) {}
  event(e: EngineEvent): void {
    this.write(JSON.stringify(e));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
