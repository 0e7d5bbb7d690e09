import { assert, assertEquals, assertMatch } from "../../tests/testing.ts";
import type { EngineEvent } from "../engine/types.ts";
import { JsonReporter } from "./json.ts";
import { LiveReporter, stripAnsi } from "./live.ts";
import { PlainReporter } from "./plain.ts";
import { Summary } from "./summary.ts";
import { useColor } from "./mod.ts";

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
  { type: "step.stopped", layer: "01-infrastructure", step: "vm.b", durationMs: 300, reason: "layer failed" },
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
      "stopped vm.b (300ms): another step of the layer failed",
      "Summary",
      "next: re-run bootstrap",
    ]
  ) {
    assert(text.includes(part), `missing ${part} in\n${text}`);
  }
  assert(!text.includes("\x1b["), "no colour codes when colour is off");
});

Deno.test("live reporter: spinner, elapsed time and current action while running; summary at the end", async () => {
  let out = "";
  let now = 0;
  const r = new LiveReporter((t) => out += t, {
    color: false,
    now: () => now,
    size: () => ({ columns: 80, rows: 24 }),
    intervalMs: 0,
  });
  events.slice(0, 6).forEach((e) => r.event(e));
  now = 2_500;
  const frame = r.frame();
  assert(frame[0].startsWith("strata bootstrap · 2.5s"), frame[0]);
  assert(frame.some((l) => /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] layer 01-infrastructure/.test(l)), frame.join("\n"));
  assert(frame.some((l) => /^ {2}[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] create VM a 2\.5s {2}waiting$/.test(l)), frame.join("\n"));
  assert(out.includes("preflight:") && out.includes("warn  git"), "the preflight table is printed above");
  events.slice(6).forEach((e) => r.event(e));
  assert(r.frame().some((l) => l.startsWith("✗ layer 01-infrastructure")), r.frame().join("\n"));
  await r.close();
  assert(out.includes("Summary") && out.includes("total 1.7s"), out);
  assert(out.includes("error: boom") && out.includes("next: re-run bootstrap"), out);
});

Deno.test("live reporter: the view fits the terminal (folds, counts, cuts long lines)", async () => {
  let out = "";
  const r = new LiveReporter((t) => out += t, {
    color: true,
    now: () => 0,
    size: () => ({ columns: 40, rows: 10 }),
    intervalMs: 0,
  });
  const steps = Array.from(
    { length: 50 },
    (_, i) => ({ id: `vm.${i}`, title: `create VM number ${i} on a host` }),
  );
  r.event({ type: "layer.started", layer: "00-persistent-auth", steps: [] });
  r.event({ type: "layer.finished", layer: "00-persistent-auth", durationMs: 10, ok: true });
  r.event({ type: "layer.started", layer: "01-infrastructure", steps });
  for (const s of steps.slice(0, 20)) {
    r.event({ type: "step.started", layer: "01-infrastructure", step: s.id, title: s.title });
  }
  for (const s of steps.slice(0, 15)) {
    r.event({ type: "step.finished", layer: "01-infrastructure", step: s.id, durationMs: 5, changed: true });
  }
  const frame = r.frame();
  assert(frame.length <= 9, `${frame.length} lines for a 10-row terminal:\n${frame.join("\n")}`);
  const visible = stripAnsi;
  assert(frame.every((l) => [...visible(l)].length <= 39), frame.map(visible).join("\n"));
  assert(frame.some((l) => visible(l).startsWith("✓ layer 00-persistent-auth")), "finished layers fold");
  assert(frame.some((l) => /more: 15 done, 30 waiting/.test(visible(l))), frame.map(visible).join("\n"));
  await r.close();
});

Deno.test("summary: layers without steps, steps stopped by the end of the run", () => {
  const s = new Summary();
  s.add({ type: "layer.started", layer: "02-services", steps: [] });
  s.add({ type: "layer.finished", layer: "02-services", durationMs: 0, ok: true });
  s.add({
    type: "layer.started",
    layer: "01-infrastructure",
    steps: [{ id: "a", title: "A" }, { id: "b", title: "B" }],
  });
  s.add({ type: "step.started", layer: "01-infrastructure", step: "a", title: "A" });
  s.add({ type: "run.finished", ok: false, durationMs: 5, exitCode: 130 });
  s.add({
    type: "layer.started",
    layer: "00-persistent-auth",
    steps: [{ id: "k", title: "K" }, { id: "s", title: "S" }],
  });
  s.add({
    type: "step.finished",
    layer: "00-persistent-auth",
    step: "k",
    durationMs: 0,
    changed: false,
    reused: true,
  });
  s.add({
    type: "step.stopped",
    layer: "00-persistent-auth",
    step: "s",
    durationMs: 7,
    reason: "layer failed",
  });
  const text = s.render();
  assertMatch(text, /layer 02-services\s+done\s+0ms\s+no steps/);
  assertMatch(text, /\n {4}A\s+stopped/);
  assertMatch(text, /\n {4}B\s+not run/);
  assertMatch(text, /total 5ms, exit 130/);
  assertMatch(text, /\n {4}K\s+kept/);
  assertMatch(text, /\n {4}S\s+stopped\s+7ms\n\s+error: stopped because another step of the layer failed/);
});

Deno.test("colour: only on a terminal, never with NO_COLOR or TERM=dumb", () => {
  assertEquals(useColor({}, true), true);
  assertEquals(useColor({ NO_COLOR: "1" }, true), false);
  assertEquals(useColor({ TERM: "dumb" }, true), false);
  assertEquals(useColor({}, false), false);
});
