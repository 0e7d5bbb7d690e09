import { assert, assertEquals } from "../../tests/testing.ts";
import type { EngineEvent } from "../engine/types.ts";
import { JsonReporter } from "./json.ts";
import { LiveReporter } from "./live.ts";
import { PlainReporter } from "./plain.ts";

const events: EngineEvent[] = [
  { type: "run.started", command: "bootstrap", layers: ["01-infrastructure"], at: 0 },
  { type: "preflight.result", id: "config", description: "config valid", status: "pass" },
  {
    type: "preflight.result",
    id: "git",
    description: "clean",
    status: "warn",
    message: "dirty",
    remedy: "commit",
  },
  { type: "layer.started", layer: "01-infrastructure", steps: [{ id: "vm.a", title: "create VM a" }] },
  { type: "step.started", layer: "01-infrastructure", step: "vm.a", title: "create VM a" },
  { type: "step.progress", layer: "01-infrastructure", step: "vm.a", message: "waiting" },
  {
    type: "step.failed",
    layer: "01-infrastructure",
    step: "vm.a",
    durationMs: 1500,
    error: "boom",
    remedy: "fix it",
  },
  { type: "layer.finished", layer: "01-infrastructure", durationMs: 1600, ok: false },
  { type: "run.finished", ok: false, durationMs: 1700, exitCode: 1, next: "re-run bootstrap" },
];

Deno.test("JSON reporter: one parseable object per event", async () => {
  const lines: string[] = [];
  const r = new JsonReporter((l) => lines.push(l));
  events.forEach((e) => r.event(e));
  await r.close();
  assertEquals(lines.map((l) => JSON.parse(l)), events);
});

Deno.test("plain reporter: a line per event, preflight table with remedies, summary with next step", async () => {
  const lines: string[] = [];
  const r = new PlainReporter((l) => lines.push(l), { color: false });
  events.forEach((e) => r.event(e));
  await r.close();
  const text = lines.join("\n");
  for (
    const part of [
      "pass  config",
      "warn  git",
      "fix: commit",
      "FAILED  vm.a (1.5s): boom",
      "fix: fix it",
      "Summary",
      "next: re-run bootstrap",
    ]
  ) {
    assert(text.includes(part), `missing ${part} in\n${text}`);
  }
  assert(!text.includes("\x1b["), "no colour codes when colour is off");
});

Deno.test("live reporter draws steps and ends with the summary", async () => {
  let out = "";
  const r = new LiveReporter((t) => out += t, { color: false });
  events.forEach((e) => r.event(e));
  await r.close();
  assert(out.includes("✗ create VM a"), out);
  assert(out.includes("Summary") && out.includes("total 1.7s"), out);
});
