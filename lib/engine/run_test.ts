import { assert, assertEquals } from "../../tests/testing.ts";
import { ManualClock, systemClock } from "../clock/clock.ts";
import { TransientError } from "../errors.ts";
import { StateStore } from "../state/store.ts";
import { applyLayer, destroyLayer, type EngineOptions, orderSteps } from "./run.ts";
import type { EngineEvent, Step } from "./types.ts";

async function setup(clock = systemClock) {
  const dir = await Deno.makeTempDir();
  const env = { HOME: dir, XDG_CONFIG_HOME: dir };
  const state = await StateStore.open({ dir, cluster: "t", env });
  const events: EngineEvent[] = [];
  const ctl = new AbortController();
  const opts: EngineOptions = {
    clock,
    state,
    reporter: { event: (e) => events.push(e), close: () => Promise.resolve() },
    signal: ctl.signal,
    random: () => 0.5,
  };
  return { dir, env, state, events, ctl, opts, cleanup: () => Deno.remove(dir, { recursive: true }) };
}

const step = (
  id: string,
  dependsOn: string[] = [],
  apply: Step["apply"] = () => Promise.resolve({}),
): Step => ({
  id,
  title: id,
  dependsOn,
  apply,
});

Deno.test("steps run in dependency order, independent steps overlap", async () => {
  const t = await setup();
  const log: string[] = [];
  let active = 0, maxActive = 0;
  const work = (id: string) => async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    log.push(`start ${id}`);
    await new Promise((r) => setTimeout(r, 5));
    log.push(`end ${id}`);
    active--;
    return {};
  };
  const outcome = await applyLayer({
    id: "01-infrastructure",
    steps: [step("c", ["a", "b"], work("c")), step("a", [], work("a")), step("b", [], work("b"))],
  }, t.opts);
  assert(outcome.ok);
  assertEquals(maxActive, 2);
  assert(log.indexOf("start c") > log.indexOf("end a") && log.indexOf("start c") > log.indexOf("end b"));
  await t.cleanup();
});

Deno.test("resource limits bound concurrency per key", async () => {
  const t = await setup();
  let active = 0, maxActive = 0;
  const steps = Array.from({ length: 6 }, (_, i) => ({
    ...step(`vm${i}`, [], async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 3));
      active--;
      return {};
    }),
    resources: ["proxmox-host:pve1"],
  }));
  assert((await applyLayer({ id: "01-infrastructure", steps }, { ...t.opts, limits: () => 2 })).ok);
  assertEquals(maxActive, 2);
  await t.cleanup();
});

Deno.test("graph errors: unknown dependency and cycles", () => {
  for (
    const [steps, text] of [[[step("a", ["x"])], "unknown step x"], [
      [step("a", ["b"]), step("b", ["a"])],
      "cycle",
    ]] as const
  ) {
    try {
      orderSteps([...steps]);
      throw new Error("accepted");
    } catch (err) {
      assert(String(err).includes(text), String(err));
    }
  }
});

Deno.test("transient errors are retried with backoff through the clock; permanent ones stop the layer", async () => {
  const clock = new ManualClock(0);
  const t = await setup(clock);
  let calls = 0;
  const flaky = step("flaky", [], () => {
    calls++;
    return calls < 3 ? Promise.reject(new TransientError("503")) : Promise.resolve({ output: { ok: 1 } });
  });
  const run = applyLayer({ id: "01-infrastructure", steps: [flaky] }, t.opts);
  while (calls < 3) await clock.advance(60_000);
  assert((await run).ok);
  assertEquals(
    t.events.filter((e) => e.type === "step.retried").map((e) => (e as { delayMs: number }).delayMs),
    [500, 1000],
  );

  let sibling = "";
  const outcome = await applyLayer({
    id: "02-services",
    steps: [
      step("bad", [], () => Promise.reject(new Error("bad request"))),
      step("slow", [], async (ctx) => {
        await ctx.clock.sleep(10_000, ctx.signal).catch(() => sibling = "aborted");
        return {};
      }),
      step("after", ["bad"]),
    ],
  }, t.opts);
  assert(!outcome.ok && !outcome.interrupted && outcome.step === "bad");
  assertEquals(sibling, "aborted");
  assertEquals(t.state.step("after"), undefined);
  await t.cleanup();
});

Deno.test("resume after a failure at each step of a chain", async () => {
  for (let k = 0; k < 4; k++) {
    const t = await setup();
    const applied: string[] = [];
    let failAt: number | undefined = k;
    const steps = Array.from({ length: 4 }, (_, i) =>
      step(`s${i}`, i ? [`s${i - 1}`] : [], (ctx) => {
        if (failAt === i) return Promise.reject(new Error(`fail s${i}`));
        applied.push(`s${i}${ctx.previous ? "(again)" : ""}`);
        return Promise.resolve({ output: { i } });
      }));
    const first = await applyLayer({ id: "01-infrastructure", steps }, t.opts);
    assert(!first.ok);
    failAt = undefined;
    applied.length = 0;
    assert((await applyLayer({ id: "01-infrastructure", steps }, t.opts)).ok);
    const expected = steps.map((_, i) => i < k ? `s${i}(again)` : `s${i}`);
    assertEquals(applied, expected);
    assert(t.state.layer("01-infrastructure")?.completedAt);
    await t.cleanup();
  }
});

Deno.test("reuseCheckpoint skips apply when the step is checkpointed", async () => {
  const t = await setup();
  let calls = 0;
  const s: Step = {
    ...step("key", [], () => Promise.resolve({ secret: { k: ++calls } })),
    reuseCheckpoint: true,
  };
  await applyLayer({ id: "00-persistent-auth", steps: [s] }, t.opts);
  await applyLayer({ id: "00-persistent-auth", steps: [s] }, t.opts);
  assertEquals(calls, 1);
  assertEquals(await t.state.secret("key"), { k: 1 });
  await t.cleanup();
});

Deno.test("Ctrl-C: no new steps start, running ones stop, state is written", async () => {
  const t = await setup();
  const started: string[] = [];
  const steps = [
    step("a", [], () => Promise.resolve({ output: { a: 1 } })),
    step("b", ["a"], async (ctx) => {
      started.push("b");
      t.ctl.abort(new Error("SIGINT"));
      await ctx.clock.sleep(60_000, ctx.signal);
      return {};
    }),
    step("c", ["b"], () => {
      started.push("c");
      return Promise.resolve({});
    }),
  ];
  const outcome = await applyLayer({ id: "01-infrastructure", steps }, t.opts);
  assert(!outcome.ok && outcome.interrupted);
  assertEquals(started, ["b"]);
  const reread = await StateStore.open({ dir: t.dir, cluster: "t", env: t.env });
  assertEquals(reread.step("a")?.output, { a: 1 });
  assertEquals(reread.step("b"), undefined);
  await t.cleanup();
});

Deno.test("destroy runs in reverse dependency order and forgets the layer", async () => {
  const t = await setup();
  const order: string[] = [];
  const mk = (id: string, deps: string[]): Step => ({
    ...step(id, deps),
    destroy: () => {
      order.push(id);
      return Promise.resolve();
    },
  });
  const steps = [mk("a", []), mk("b", ["a"]), mk("c", ["b"])];
  await applyLayer({ id: "01-infrastructure", steps }, t.opts);
  assert((await destroyLayer({ id: "01-infrastructure", steps }, t.opts)).ok);
  assertEquals(order, ["c", "b", "a"]);
  assertEquals(t.state.layer("01-infrastructure"), undefined);
  await t.cleanup();
});
