/**
 * Engine and state benchmark: what a checkpoint costs (atomic write with fsync, with and without
 * re-encrypting secrets), the engine's per-step overhead on a wide layer, and how close the DAG
 * scheduler gets to the lower bound of a resource-limited layer in virtual time. Figures are
 * measured within one run; no test asserts on them.
 *
 * @example
 * ```ts
 * console.log(await runEngineBench()); // deno run -A lib/engine/bench.ts
 * ```
 */
import { ScaledClock } from "../clock/clock.ts";
import { StateStore } from "../state/store.ts";
import { runLayer } from "./run.ts";
import type { Step } from "./types.ts";

async function tempState() {
  const dir = await Deno.makeTempDir({ prefix: "strata-bench-" });
  const state = await StateStore.open({
    dir,
    cluster: "bench",
    env: { HOME: dir, XDG_CONFIG_HOME: dir },
    onIdentityCreated: () => {},
  });
  return { state, cleanup: () => Deno.remove(dir, { recursive: true }) };
}

const quiet = { event() {}, close: () => Promise.resolve() };

async function checkpointCost(n: number, withSecret: boolean): Promise<number> {
  const { state, cleanup } = await tempState();
  try {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await state.record(
        "00-persistent-auth",
        `step.${i % 20}`,
        { output: { i }, secret: withSecret ? { token: `t-${i}` } : undefined },
        1,
      );
    }
    return (performance.now() - t0) / n;
  } finally {
    await cleanup();
  }
}

async function wideLayer(n: number): Promise<{ steps: number; msPerStep: number }> {
  const { state, cleanup } = await tempState();
  try {
    const steps: Step[] = Array.from({ length: n }, (_, i) => ({
      id: `s.${i}`,
      title: `step ${i}`,
      apply: () => Promise.resolve({ output: { i } }),
    }));
    const t0 = performance.now();
    const outcome = await runLayer({ id: "02-services", steps }, {
      clock: new ScaledClock(1),
      state,
      reporter: quiet,
      signal: new AbortController().signal,
    });
    if (!outcome.ok) throw new Error("bench layer failed");
    return { steps: n, msPerStep: (performance.now() - t0) / n };
  } finally {
    await cleanup();
  }
}

/** 3 hosts × `perHost` VMs of `vmMs` virtual ms each, `limit` at a time per host, after one image step per host. */
async function limitedLayer(perHost: number, limit: number, scale: number) {
  const { state, cleanup } = await tempState();
  const clock = new ScaledClock(scale);
  const vmMs = 30_000, imageMs = 10_000;
  try {
    const steps: Step[] = [];
    for (const host of ["pve1", "pve2", "pve3"]) {
      steps.push({
        id: `image.${host}`,
        title: `image on ${host}`,
        apply: async (ctx) => void await ctx.clock.sleep(imageMs, ctx.signal),
      });
      for (let i = 0; i < perHost; i++) {
        steps.push({
          id: `vm.${host}.${i}`,
          title: `vm ${i} on ${host}`,
          dependsOn: [`image.${host}`],
          resources: [`proxmox-host:${host}`],
          apply: async (ctx) => void await ctx.clock.sleep(vmMs, ctx.signal),
        });
      }
    }
    const t0 = clock.now();
    const outcome = await runLayer({ id: "01-infrastructure", steps }, {
      clock,
      state,
      reporter: quiet,
      signal: new AbortController().signal,
      limits: (r) => r.startsWith("proxmox-host:") ? limit : undefined,
    });
    if (!outcome.ok) throw new Error("bench layer failed");
    const makespan = clock.now() - t0;
    const lowerBound = imageMs + Math.ceil(perHost / limit) * vmMs;
    return {
      vms: perHost * 3,
      limit,
      scale,
      makespanS: makespan / 1000,
      lowerBoundS: lowerBound / 1000,
      ratio: makespan / lowerBound,
    };
  } finally {
    await cleanup();
  }
}

export async function runEngineBench() {
  return {
    checkpointMs: { plain: await checkpointCost(200, false), withSecret: await checkpointCost(200, true) },
    wideLayer: await wideLayer(500),
    limited: [await limitedLayer(10, 3, 100), await limitedLayer(20, 3, 100)],
  };
}

if (import.meta.main) console.log(JSON.stringify(await runEngineBench(), null, 2));
