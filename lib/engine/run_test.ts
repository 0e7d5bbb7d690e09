import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { ManualClock } from "../clock/clock.ts";
import { InterruptedError, PreflightError, RefusedError, TransientError } from "../errors.ts";
import { StateStore } from "../state/store.ts";
import { deferred, until, untilSleeping } from "./_testing.ts";
import { StepGraphError } from "./graph.ts";
import {
  destroyLayer,
  destroyLayers,
  type EngineOptions,
  type Layer,
  planLayer,
  runLayer,
  runLayers,
} from "./run.ts";
import type { EngineEvent, LayerId, Step, StepContext } from "./types.ts";

async function setup() {
  const dir = await Deno.makeTempDir();
  const env = { HOME: dir, XDG_CONFIG_HOME: `${dir}/config` };
  const open = () =>
    StateStore.open({ dir: `${dir}/.strata`, cluster: "t", env, onIdentityCreated: () => {} });
  const state = await open();
  const clock = new ManualClock(1_000_000);
  const events: EngineEvent[] = [];
  const ctl = new AbortController();
  const opts: EngineOptions = {
    clock,
    state,
    reporter: { event: (e) => events.push(e), close: () => Promise.resolve() },
    signal: ctl.signal,
    random: () => 0.5,
    graceMs: 10_000,
  };
  const of = <T extends EngineEvent["type"]>(type: T) =>
    events.filter((e) => e.type === type) as Extract<EngineEvent, { type: T }>[];
  return {
    dir,
    env,
    state,
    open,
    clock,
    events,
    of,
    ctl,
    opts,
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

const step = (id: string, dependsOn: string[] = [], apply?: Step["apply"]): Step => ({
  id,
  title: `step ${id}`,
  dependsOn,
  apply: apply ?? (() => Promise.resolve({ output: { id } })),
});

const layer = (id: LayerId, steps: Step[]): Layer => ({ id, steps });

Deno.test("each step is checkpointed on disk as soon as it succeeds, before the layer ends", async () => {
  const t = await setup();
  const gate = deferred();
  const run = runLayer(
    layer("01-infrastructure", [
      step("a"),
      step("b", [], async () => {
        await gate.promise;
        return { output: { b: 1 } };
      }),
    ]),
    t.opts,
  );
  await until(() => t.of("step.finished").some((e) => e.step === "a"), "a finished");
  const meanwhile = await t.open();
  assertEquals(meanwhile.step("a")?.output, { id: "a" });
  assertEquals(meanwhile.step("b"), undefined);
  gate.resolve();
  assert((await run).ok);
  const after = await t.open();
  assertEquals(after.step("b")?.output, { b: 1 });
  assertEquals(after.layer("01-infrastructure")?.completedAt, t.clock.now());
  await t.cleanup();
});

Deno.test("independent steps run at the same time; dependents wait for all their dependencies", async () => {
  const t = await setup();
  const gates = new Map<string, { resolve: () => void }>();
  let running = 0, peak = 0;
  const started: string[] = [];
  const gated = (id: string, deps: string[] = []) =>
    step(id, deps, async () => {
      started.push(id);
      running++;
      peak = Math.max(peak, running);
      const g = deferred();
      gates.set(id, g);
      await g.promise;
      running--;
      return {};
    });
  const run = runLayer(
    layer("01-infrastructure", [
      gated("a"),
      gated("b"),
      gated("c"),
      gated("d"),
      gated("e", ["a", "b", "c", "d"]),
    ]),
    t.opts,
  );
  await until(() => running === 4, "four steps running together");
  for (const id of ["a", "b", "c"]) gates.get(id)!.resolve();
  await until(() => running === 1, "three finished");
  assertEquals(started, ["a", "b", "c", "d"], "e waits for d");
  gates.get("d")!.resolve();
  await until(() => started.includes("e"), "e started");
  gates.get("e")!.resolve();
  assert((await run).ok);
  assertEquals(peak, 4);
  await t.cleanup();
});

Deno.test("transient errors are retried through the clock with jittered backoff", async () => {
  const t = await setup();
  let calls = 0;
  const run = runLayer(
    layer("01-infrastructure", [{
      ...step("flaky", [], () => {
        calls++;
        return calls < 3
          ? Promise.reject(new TransientError("HTTP 503"))
          : Promise.resolve({ output: { calls } });
      }),
      retry: { attempts: 5, baseDelayMs: 2_000, maxDelayMs: 60_000 },
    }]),
    t.opts,
  );
  await untilSleeping(t.clock, 2);
  await t.clock.advance(1_000); // 0.5 × 2 s
  await untilSleeping(t.clock, 2);
  assertEquals(calls, 2);
  await t.clock.advance(2_000); // 0.5 × 4 s
  assert((await run).ok);
  assertEquals(t.of("step.retried").map((e) => [e.attempt, e.delayMs, e.error]), [
    [1, 1_000, "HTTP 503"],
    [2, 2_000, "HTTP 503"],
  ]);
  assertEquals(t.state.step("flaky")?.output, { calls: 3 });
  assertEquals(t.state.step("flaky")?.durationMs, 3_000);
  await t.cleanup();
});

Deno.test("a permanent error stops the layer at once with the step's message, remedy and exit code", async () => {
  const t = await setup();
  let siblingCleanedUp = false;
  const siblingRunning = deferred();
  const outcome = await runLayer(
    layer("00-persistent-auth", [
      step("bad", [], async () => {
        await siblingRunning.promise;
        throw new PreflightError(
          "host key of pve1 is unknown",
          "pin it: proxmox.hosts[0].ssh.hostKeyFingerprint",
        );
      }),
      step("sibling", [], async (ctx) => {
        siblingRunning.resolve();
        try {
          await ctx.clock.sleep(60_000, ctx.signal);
        } finally {
          siblingCleanedUp = true;
        }
        return { output: { never: true } };
      }),
      step("dependent", ["bad"]),
    ]),
    t.opts,
  );
  assert(!outcome.ok && !outcome.interrupted, JSON.stringify(outcome));
  assertEquals([outcome.step, outcome.exitCode, outcome.stopped, outcome.notStarted], [
    "bad",
    3,
    ["sibling"],
    ["dependent"],
  ]);
  assert(siblingCleanedUp, "the running sibling was aborted and awaited before the outcome");
  assertEquals(t.of("step.failed")[0].remedy, "pin it: proxmox.hosts[0].ssh.hostKeyFingerprint");
  assertEquals(t.of("layer.finished").map((e) => e.ok), [false]);
  const disk = await t.open();
  assertEquals(disk.step("sibling"), undefined);
  assertEquals(disk.layer("00-persistent-auth")?.lastRun, {
    command: "apply",
    outcome: "failed",
    at: t.clock.now(),
    steps: ["bad"],
  });
  await t.cleanup();
});

Deno.test("resume: a chain failing at step k re-runs; steps before k see their checkpoint, the run completes", async () => {
  const n = 5;
  for (let k = 0; k < n; k++) {
    const t = await setup();
    let failAt: number | undefined = k;
    let runNo = 1;
    const seen: Record<number, (string | undefined)[]> = { 1: [], 2: [] };
    const steps = Array.from(
      { length: n },
      (_, i) =>
        step(`s${i}`, i ? [`s${i - 1}`] : [], (ctx: StepContext) => {
          seen[runNo].push(ctx.previous ? `s${i}:${JSON.stringify(ctx.previous.output)}` : undefined);
          if (failAt === i) return Promise.reject(new Error(`s${i} broke`));
          return Promise.resolve({ output: { i, run: runNo } });
        }),
    );
    const first = await runLayer(layer("01-infrastructure", steps), t.opts);
    assert(!first.ok && !first.interrupted && first.step === `s${k}`, `k=${k}`);
    assertEquals(seen[1], Array(k + 1).fill(undefined), `k=${k}: a first run has no checkpoints`);

    failAt = undefined;
    runNo = 2;
    const state = await t.open(); // a new process reads what the first one wrote
    const second = await runLayer(layer("01-infrastructure", steps), { ...t.opts, state });
    assert(second.ok, `k=${k}`);
    assertEquals(
      seen[2],
      Array.from({ length: n }, (_, i) => i < k ? `s${i}:${JSON.stringify({ i, run: 1 })}` : undefined),
      `k=${k}`,
    );
    const doc = (await t.open()).layer("01-infrastructure")!;
    assert(doc.completedAt !== undefined && doc.lastRun === undefined, `k=${k}`);
    assertEquals(Object.keys(doc.steps).length, n);
    await t.cleanup();
  }
});

Deno.test("Ctrl-C: no new steps start, running ones reach a safe point, state is written, exit 130", async () => {
  const t = await setup();
  const started: string[] = [];
  const safePoints: string[] = [];
  const sleeper = (id: string, deps: string[]) =>
    step(id, deps, async (ctx) => {
      started.push(id);
      try {
        await ctx.clock.sleep(60_000, ctx.signal);
      } finally {
        safePoints.push(id);
      }
      return {};
    });
  const run = runLayer(
    layer("01-infrastructure", [
      step("a"),
      sleeper("b", ["a"]),
      sleeper("c", ["a"]),
      step("d", ["b"], () => {
        started.push("d");
        return Promise.resolve({});
      }),
    ]),
    t.opts,
  );
  await until(() => started.length === 2, "b and c running");
  t.ctl.abort(new InterruptedError());
  const outcome = await run;
  assert(!outcome.ok && outcome.interrupted, JSON.stringify(outcome));
  assertEquals([outcome.exitCode, outcome.stopped.sort(), outcome.notStarted], [130, ["b", "c"], ["d"]]);
  assertEquals(started, ["b", "c"]);
  assertEquals(safePoints.sort(), ["b", "c"]);
  assertEquals(t.of("step.stopped").map((e) => [e.step, e.reason]).sort(), [
    ["b", "interrupted"],
    ["c", "interrupted"],
  ]);
  assertEquals(t.of("step.failed"), []);
  const disk = await t.open();
  assertEquals(disk.step("a")?.output, { id: "a" });
  assertEquals(disk.layer("01-infrastructure")?.lastRun?.outcome, "interrupted");
  assertEquals(disk.layer("01-infrastructure")?.lastRun?.steps.sort(), ["b", "c"]);
  assertEquals(disk.layer("01-infrastructure")?.completedAt, undefined);
  await t.cleanup();
});

Deno.test("Ctrl-C: a step that ignores its signal is awaited up to the grace period; its late result is dropped", async () => {
  const t = await setup();
  const late = deferred<{ output: Record<string, unknown> }>();
  let settled = false;
  const run = runLayer(layer("01-infrastructure", [step("stubborn", [], () => late.promise)]), t.opts);
  run.then(() => settled = true);
  await until(() => t.of("step.started").length === 1, "started");
  await untilSleeping(t.clock, 1); // the step's budget
  t.ctl.abort(new InterruptedError());
  await untilSleeping(t.clock, 1); // the grace period
  await t.clock.advance(9_999);
  assert(!settled, "still within the grace period");
  await t.clock.advance(1);
  const outcome = await run;
  assert(!outcome.ok && outcome.interrupted && outcome.stopped[0] === "stubborn");
  assert(t.of("notice").some((e) => e.level === "warn" && e.message.includes("did not stop within 10.0s")));
  late.resolve({ output: { late: true } });
  await t.state.flush();
  assertEquals((await t.open()).step("stubborn"), undefined, "nothing is written after the engine returned");
  await t.cleanup();
});

Deno.test("resume after Ctrl-C completes the layer; finished steps see their checkpoint", async () => {
  const t = await setup();
  const previous: Record<string, boolean> = {};
  let hang = true;
  const steps = ["a", "b", "c"].map((id, i) =>
    step(id, i ? [["a", "b", "c"][i - 1]] : [], async (ctx) => {
      previous[id] = ctx.previous !== undefined;
      if (id === "b" && hang) await ctx.clock.sleep(60_000, ctx.signal);
      return { output: { id } };
    })
  );
  const run = runLayer(layer("02-services", steps), t.opts);
  await until(() => "b" in previous, "b running");
  t.ctl.abort(new InterruptedError());
  assert(!(await run).ok);
  hang = false;
  const again = await runLayer(layer("02-services", steps), {
    ...t.opts,
    state: await t.open(),
    signal: new AbortController().signal,
  });
  assert(again.ok);
  assertEquals(previous, { a: true, b: false, c: false });
  await t.cleanup();
});

Deno.test("reuseCheckpoint: true skips apply when checkpointed; a predicate decides per checkpoint", async () => {
  const t = await setup();
  let calls = 0;
  const key: Step = {
    ...step("key", [], () => Promise.resolve({ output: { n: ++calls, notAfter: t.clock.now() + 1_000 } })),
    reuseCheckpoint: true,
  };
  const cert: Step = {
    ...step("cert", [], () => Promise.resolve({ output: { n: ++calls, notAfter: t.clock.now() + 1_000 } })),
    reuseCheckpoint: (previous) => (previous.output.notAfter as number) > t.clock.now(),
  };
  const l = layer("00-persistent-auth", [key, cert]);
  assert((await runLayer(l, t.opts)).ok);
  assert((await runLayer(l, t.opts)).ok);
  assertEquals(calls, 2, "both reused on the second run");
  assertEquals(t.of("step.finished").slice(2).map((e) => [e.step, e.changed, e.reused]), [
    ["key", false, true],
    ["cert", false, true],
  ]);
  await t.clock.advance(5_000); // the certificate's checkpoint is no longer valid
  assert((await runLayer(l, t.opts)).ok);
  assertEquals(calls, 3);
  assertEquals(t.state.step("cert")?.output.n, 3);
  assertEquals(t.state.step("key")?.output.n, 1);
  await t.cleanup();
});

Deno.test("steps finishing together never lose each other's secrets", async () => {
  const t = await setup();
  const steps = Array.from(
    { length: 20 },
    (_, i) =>
      step(`token.${i}`, [], () => Promise.resolve({ output: { i }, secret: { token: `secret-${i}` } })),
  );
  assert((await runLayer(layer("00-persistent-auth", steps), t.opts)).ok);
  const disk = await t.open();
  for (let i = 0; i < 20; i++) assertEquals(await disk.secret(`token.${i}`), { token: `secret-${i}` });
  await t.cleanup();
});

Deno.test("steps read earlier layers' outputs and secrets through the context", async () => {
  const t = await setup();
  await runLayer(
    layer("00-persistent-auth", [
      step("auth.ca", [], () => Promise.resolve({ output: { pem: "P" }, secret: { k: "K" } })),
    ]),
    t.opts,
  );
  let seen: unknown;
  await runLayer(
    layer("01-infrastructure", [step("use", [], async (ctx) => {
      seen = [ctx.output("auth.ca"), await ctx.secret("auth.ca"), ctx.output("missing")];
      return {};
    })]),
    { ...t.opts, state: await t.open() },
  );
  assertEquals(seen, [{ pem: "P" }, { k: "K" }, undefined]);
  await t.cleanup();
});

Deno.test("destroy runs destroy in reverse dependency order, forgets each step, then the layer", async () => {
  const t = await setup();
  const order: string[] = [];
  const mk = (id: string, deps: string[]): Step => ({
    ...step(id, deps),
    destroy: (ctx) => {
      order.push(id);
      assert(ctx.previous?.output.id === id, "destroy sees the checkpoint");
      return Promise.resolve();
    },
  });
  const l = layer("01-infrastructure", [mk("a", []), mk("b", ["a"]), mk("c", ["a"]), mk("d", ["b", "c"])]);
  assert((await runLayer(l, t.opts)).ok);
  const outcome = await destroyLayer(l, t.opts);
  assert(outcome.ok);
  assertEquals(order[0], "d");
  assertEquals(order.slice(1, 3).sort(), ["b", "c"]);
  assertEquals(order[3], "a");
  assertEquals(t.state.layer("01-infrastructure"), undefined);
  await assertRejects(() => Deno.stat(t.state.layerPath("01-infrastructure")));
  await t.cleanup();
});

Deno.test("destroy of a protected layer is refused before anything runs; allowProtected destroys it", async () => {
  const t = await setup();
  let destroyed = 0;
  const l = layer("00-persistent-auth", [{
    ...step("auth.key"),
    destroy: () => Promise.resolve(void destroyed++),
  }]);
  assert((await runLayer(l, t.opts)).ok);
  const before = await Deno.readTextFile(t.state.layerPath("00-persistent-auth"));
  const events = t.events.length;
  for (const attempt of [() => destroyLayer(l, t.opts), () => destroyLayers([l], t.opts)]) {
    await assertRejects(attempt, (e) => assert(e instanceof RefusedError && e.exitCode === 4, String(e)));
  }
  assertEquals(destroyed, 0);
  assertEquals(t.events.length, events, "no event: nothing started");
  assertEquals(await Deno.readTextFile(t.state.layerPath("00-persistent-auth")), before);
  assert((await destroyLayer(l, { ...t.opts, allowProtected: true })).ok);
  assertEquals([destroyed, t.state.layer("00-persistent-auth")], [1, undefined]);
  await t.cleanup();
});

Deno.test("a failed destroy keeps the checkpoints of what was not destroyed", async () => {
  const t = await setup();
  const l = layer("02-services", [
    { ...step("a"), destroy: () => Promise.resolve() },
    { ...step("b", ["a"]), destroy: () => Promise.reject(new Error("flux is wedged")) },
  ]);
  assert((await runLayer(l, t.opts)).ok);
  const outcome = await destroyLayer(l, t.opts);
  assert(!outcome.ok && !outcome.interrupted && outcome.step === "b" && outcome.exitCode === 1);
  const disk = (await t.open()).layer("02-services")!;
  assertEquals(Object.keys(disk.steps), ["a", "b"]);
  assertEquals([disk.lastRun?.command, disk.lastRun?.outcome], ["destroy", "failed"]);
  await t.cleanup();
});

Deno.test("destroyLayers goes last layer first and checks every protected layer up front", async () => {
  const t = await setup();
  const order: string[] = [];
  const l = (id: LayerId) =>
    layer(id, [{ ...step(`${id}.x`), destroy: () => Promise.resolve(void order.push(id)) }]);
  const all = [l("00-persistent-auth"), l("01-infrastructure"), l("02-services")];
  assert((await runLayers(all, t.opts)).ok);
  await assertRejects(() => destroyLayers(all, t.opts), (e) => assert(e instanceof RefusedError));
  assertEquals(order, []);
  const outcome = await destroyLayers(all.slice(1), t.opts);
  assert(outcome.ok && outcome.exitCode === 0);
  assertEquals(order, ["02-services", "01-infrastructure"]);
  assert(t.state.layer("00-persistent-auth") !== undefined, "layer 00 kept");
  await t.cleanup();
});

Deno.test("runLayers stops at the first layer that fails; later layers do not start", async () => {
  const t = await setup();
  let later = false;
  const outcome = await runLayers([
    layer("00-persistent-auth", [step("ok")]),
    layer("01-infrastructure", [step("boom", [], () => Promise.reject(new Error("boom")))]),
    layer("02-services", [step("later", [], () => Promise.resolve(void (later = true)))]),
  ], t.opts);
  assert(!outcome.ok && outcome.exitCode === 1 && outcome.stopped?.layer === "01-infrastructure");
  assertEquals(outcome.layers.map((o) => [o.layer, o.ok]), [["00-persistent-auth", true], [
    "01-infrastructure",
    false,
  ]]);
  assert(!later);
  assertEquals(t.of("layer.started").map((e) => e.layer), ["00-persistent-auth", "01-infrastructure"]);
  await t.cleanup();
});

Deno.test("runLayers: an interruption between layers starts no further layer", async () => {
  const t = await setup();
  const outcome = await runLayers([
    layer("00-persistent-auth", [
      step("a", [], () => Promise.resolve(void t.ctl.abort(new InterruptedError()))),
    ]),
    layer("01-infrastructure", [step("b")]),
  ], t.opts);
  assert(!outcome.ok && outcome.exitCode === 130);
  assertEquals(outcome.stopped?.layer, "00-persistent-auth");
  assertEquals(t.state.step("b"), undefined);
  await t.cleanup();
});

Deno.test("graph errors are thrown before anything runs or is written", async () => {
  const t = await setup();
  const bad = [
    [layer("01-infrastructure", [step("a", ["ghost"])])],
    [layer("01-infrastructure", [step("a", ["b"]), step("b", ["a"])])],
    [layer("00-persistent-auth", [step("same")]), layer("01-infrastructure", [step("same")])],
  ];
  for (const layers of bad) {
    await assertRejects(
      () => runLayers(layers, t.opts),
      (e) => assert(e instanceof StepGraphError, String(e)),
    );
  }
  const rejected = runLayer(bad[0][0], t.opts); // a rejected promise, never a synchronous throw
  await assertRejects(() => rejected, (e) => assert(e instanceof StepGraphError));
  const limited = layer("01-infrastructure", [{ ...step("vm"), resources: ["proxmox-host:pve1"] }]);
  await assertRejects(
    () => runLayer(limited, { ...t.opts, limits: { "proxmox-host:pve1": 0 } }),
    (e) => assert(e instanceof StepGraphError && e.message.includes("proxmox-host:pve1"), String(e)),
  );
  assertEquals(t.events, []);
  await assertRejects(() => Deno.stat(`${t.dir}/.strata`));
  await t.cleanup();
});

Deno.test("checkpoints of steps a layer no longer has are kept, with a warning", async () => {
  const t = await setup();
  assert((await runLayer(layer("01-infrastructure", [step("vm.cp-1"), step("vm.cp-2")]), t.opts)).ok);
  assert((await runLayer(layer("01-infrastructure", [step("vm.cp-1")]), t.opts)).ok);
  assert(t.of("notice").some((e) => e.level === "warn" && e.message.includes("vm.cp-2")));
  assert(t.state.step("vm.cp-2") !== undefined);
  assert((await destroyLayer(layer("01-infrastructure", [step("vm.cp-1")]), t.opts)).ok);
  assertEquals(
    Object.keys(t.state.layer("01-infrastructure")?.steps ?? {}),
    ["vm.cp-2"],
    "the document is kept",
  );
  await t.cleanup();
});

Deno.test("plan collects each step's plan; steps without one report from their checkpoint", async () => {
  const t = await setup();
  const l = layer("01-infrastructure", [
    step("a"),
    {
      ...step("b", ["a"]),
      plan: (ctx) =>
        Promise.resolve([{
          action: "update",
          resource: "vm 1101",
          detail: `a: ${JSON.stringify(ctx.output("a"))}`,
        }]),
    },
    step("c"),
  ]);
  await runLayer(layer("01-infrastructure", [step("a")]), t.opts);
  assertEquals(await planLayer(l, t.opts), {
    a: [{ action: "noop", resource: "step a" }],
    b: [{ action: "update", resource: "vm 1101", detail: 'a: {"id":"a"}' }],
    c: [{ action: "create", resource: "step c" }],
  });
  await t.cleanup();
});
