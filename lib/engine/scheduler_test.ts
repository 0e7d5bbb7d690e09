import { assert, assertEquals } from "../../tests/testing.ts";
import { ManualClock } from "../clock/clock.ts";
import { UsageError } from "../errors.ts";
import { untilSleeping } from "./_testing.ts";
import { orderSteps } from "./graph.ts";
import { schedule, type ScheduleOptions } from "./scheduler.ts";
import type { EngineEvent, Step } from "./types.ts";

/** Steps that each take `ms` of virtual time; the log holds [id, start, end] in virtual ms. */
function harness(limits?: ScheduleOptions["limits"]) {
  const clock = new ManualClock(0);
  const events: EngineEvent[] = [];
  const ctl = new AbortController();
  const log: [string, number, number][] = [];
  const active = new Map<string, number>();
  const peak = new Map<string, number>();
  const options: ScheduleOptions = {
    layer: "01-infrastructure",
    clock,
    reporter: { event: (e) => events.push(e), close: () => Promise.resolve() },
    signal: ctl.signal,
    limits,
  };
  const step = (
    id: string,
    dependsOn: string[] = [],
    ms = 1_000,
    resources: string[] = [],
  ): Step & { ms: number } => ({
    id,
    title: id,
    dependsOn,
    resources,
    ms,
    apply: () => Promise.resolve(),
  });
  const run = (steps: (Step & { ms: number; fail?: Error })[]) =>
    schedule(orderSteps(steps), options, async (s, signal) => {
      const st = s as Step & { ms: number; fail?: Error };
      for (const r of st.resources ?? []) {
        active.set(r, (active.get(r) ?? 0) + 1);
        peak.set(r, Math.max(peak.get(r) ?? 0, active.get(r)!));
      }
      const start = clock.now();
      try {
        await clock.sleep(st.ms, signal);
        if (st.fail) throw st.fail;
      } finally {
        for (const r of st.resources ?? []) active.set(r, active.get(r)! - 1);
        log.push([s.id, start, clock.now()]);
      }
      return { changed: true };
    });
  return { clock, events, ctl, log, peak, step, run };
}

Deno.test("independent steps overlap; a step starts as soon as its dependencies are done", async () => {
  const h = harness();
  //   a(1s) ─┬─ b(2s) ─┬─ d(1s)
  //          └─ c(1s) ─┘   e(5s) independent of everything
  const result = h.run([
    h.step("a"),
    h.step("b", ["a"], 2_000),
    h.step("c", ["a"]),
    h.step("d", ["b", "c"]),
    h.step("e", [], 5_000),
  ]);
  await untilSleeping(h.clock, 2);
  await h.clock.advance(10_000);
  assertEquals(await result, { ok: true });
  const at = Object.fromEntries(h.log.map(([id, s, e]) => [id, [s, e]]));
  assertEquals(at, { a: [0, 1000], c: [1000, 2000], b: [1000, 3000], d: [3000, 4000], e: [0, 5000] });
});

Deno.test("resource limits bound how many steps hold a key; other keys are independent", async () => {
  const h = harness({ "proxmox-host:pve1": 2, "proxmox-host:pve2": 1 });
  const steps = [
    ...Array.from({ length: 6 }, (_, i) => h.step(`pve1.vm${i}`, [], 1_000, ["proxmox-host:pve1"])),
    ...Array.from({ length: 3 }, (_, i) => h.step(`pve2.vm${i}`, [], 1_000, ["proxmox-host:pve2"])),
    h.step("both", [], 1_000, ["proxmox-host:pve1", "proxmox-host:pve2"]),
    h.step("free", [], 1_000, ["unlimited"]),
  ];
  const result = h.run(steps);
  await untilSleeping(h.clock, 4);
  await h.clock.advance(60_000);
  assertEquals(await result, { ok: true });
  assertEquals(Object.fromEntries(h.peak), { "proxmox-host:pve1": 2, "proxmox-host:pve2": 1, unlimited: 1 });
  const ends = Object.fromEntries(h.log.map(([id, , e]) => [id, e]));
  // 7 steps on pve1 by twos: 4 s; pve2 (4 steps incl. "both") one at a time: 4 s
  assertEquals(Math.max(...h.log.map(([, , e]) => e)), 4_000);
  assertEquals(ends.free, 1_000);
});

Deno.test("a permanent failure aborts running siblings, awaits them, and starts nothing more", async () => {
  const h = harness({ slot: 1 });
  const result = h.run([
    { ...h.step("bad", [], 1_000), fail: new UsageError("bad request", "fix field x") },
    h.step("slow", [], 10_000),
    h.step("after-bad", ["bad"]),
    h.step("queued-1", [], 3_000, ["slot"]),
    h.step("queued-2", [], 1_000, ["slot"]),
  ]);
  await untilSleeping(h.clock, 3);
  await h.clock.advance(1_000);
  const r = await result;
  assert(!r.ok && !r.interrupted, JSON.stringify(r));
  assertEquals([r.step, (r.error as Error).message], ["bad", "bad request"]);
  assertEquals(r.stopped.sort(), ["queued-1", "slow"]);
  assertEquals(r.notStarted, ["after-bad", "queued-2"]);
  assertEquals(
    h.log.find(([id]) => id === "slow"),
    ["slow", 0, 1_000],
    "slow was aborted and awaited at 1 s",
  );
  const failed = h.events.find((e) => e.type === "step.failed");
  assertEquals(failed, {
    type: "step.failed",
    layer: "01-infrastructure",
    step: "bad",
    durationMs: 1_000,
    error: "bad request",
    remedy: "fix field x",
  });
  assert(h.events.some((e) => e.type === "step.stopped" && e.step === "slow" && e.reason === "layer failed"));
  assert(!h.events.some((e) => e.type === "step.started" && e.step === "after-bad"));
});

Deno.test("an aborted signal: nothing new starts, running steps stop, the result says interrupted", async () => {
  const h = harness();
  const result = h.run([
    h.step("a"),
    h.step("b", ["a"], 5_000),
    h.step("c", ["a"], 5_000),
    h.step("d", ["b"]),
  ]);
  await untilSleeping(h.clock, 1);
  await h.clock.advance(2_000);
  h.ctl.abort(new Error("SIGINT"));
  const r = await result;
  assert(!r.ok && r.interrupted, JSON.stringify(r));
  assertEquals([r.stopped.sort(), r.notStarted], [["b", "c"], ["d"]]);
  assertEquals(h.events.filter((e) => e.type === "step.started").map((e) => (e as { step: string }).step), [
    "a",
    "b",
    "c",
  ]);
  assert(h.events.every((e) => e.type !== "step.failed"), "an interruption is not a failure");
});

Deno.test("a signal aborted before the start runs nothing", async () => {
  const h = harness();
  h.ctl.abort(new Error("SIGINT"));
  const r = await h.run([h.step("a")]);
  assert(!r.ok && r.interrupted && r.notStarted[0] === "a");
  assertEquals(h.events, []);
});
