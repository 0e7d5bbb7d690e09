/** Renders preflight results as a table with the remedy of every non-pass. */
import type { EngineEvent } from "../engine/types.ts";

type Result = Extract<EngineEvent, { type: "preflight.result" }>;

export function preflightTable(results: Result[], color: (s: string, code: number) => string): string {
  const w = Math.max(...results.map((r) => r.id.length), 2);
  const mark = {
    pass: color("pass", 32),
    warn: color("warn", 33),
    fail: color("FAIL", 31),
    skip: color("skip", 90),
  };
  return results.map((r) => {
    const line = `  ${mark[r.status]}  ${r.id.padEnd(w)}  ${r.message ?? r.description}`;
    return r.remedy && r.status !== "pass" ? `${line}\n        fix: ${r.remedy}` : line;
  }).join("\n");
}
