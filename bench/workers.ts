/**
 * Benchmark of the edge monitor inside workerd (Miniflare) against local targets on 127.0.0.1:
 * checks per second, CPU time per check (CPU of the workerd process, so an upper bound: it includes
 * the local D1 SQLite and the runtime's own I/O work, which Cloudflare does not bill as Worker CPU),
 * and how many monitors one tick completes within the free and paid plans' per-invocation limits
 * (subrequests, simultaneous connections and CPU).
 *
 * Run on its own: `deno run -A bench/workers.ts` (prints a table and a JSON line), or import
 * {@link runWorkersBench} from bench/main.ts.
 */
import { PLAN_LIMITS, type PlanLimits, tickBudget } from "../workers/monitor/src/budget.ts";
import { type MonitorWorker, startMonitor } from "../workers/tools/miniflare.ts";
import { TargetServer } from "../tests/workers/targets.ts";

export interface WorkersBenchResult {
  monitors: number;
  ticks: number;
  checksPerSecond: number;
  cpuMsPerHttpCheck: number;
  cpuMsPerHeartbeatCheck: number;
  /** CPU of a tick in which nothing is due, per defined monitor: the scheduler's fixed cost. */
  cpuMsTickPerIdleMonitor: number;
  plans: Record<"free" | "paid", {
    subrequestCapacity: number;
    cpuCapacity: number;
    monitorsPerTick: number;
    limitedBy: "subrequests" | "shard cpu" | "tick cpu" | "definitions limit";
    ratioToGoal: number;
  }>;
}

const MINUTE = 60_000;
const TICKS_PER_TIME = 3;
/** Idle ticks are cheap; many of them average out the 10 ms granularity of /proc CPU times. */
const IDLE_TICKS = 20;
const CLK_TCK = 100; // Linux USER_HZ

/** CPU seconds used so far by the workerd processes this process started. */
function workerdCpuSeconds(): number {
  let total = 0;
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (comm !== "workerd" || Number(fields[1]) !== Deno.pid) continue;
    total += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  }
  return total;
}

async function measure(
  w: MonitorWorker,
  start: number,
): Promise<{ wallMs: number; cpuMs: number; checks: number }> {
  let wallMs = 0, cpuMs = 0, checks = 0;
  for (let i = 0; i < TICKS_PER_TIME; i++) {
    const cpu0 = workerdCpuSeconds();
    const t0 = performance.now();
    await w.tick(start + i * MINUTE);
    wallMs += performance.now() - t0;
    cpuMs += (workerdCpuSeconds() - cpu0) * 1000;
    checks += (await w.lastTick()).checked;
  }
  return { wallMs, cpuMs, checks };
}

/** Most monitors one definitions document may hold (DefinitionsSchema). */
const DEFINITIONS_LIMIT = 5000;

function capacity(
  limits: PlanLimits,
  cpuMsPerCheck: number,
  cpuMsTickPerMonitor: number,
  goal: number,
) {
  const budget = tickBudget(limits, 5);
  const subrequestCapacity = budget.capacity;
  // Each shard invocation must stay within the CPU limit: checks per shard ≤ cpuMs / cpu per check.
  const perShardByCpu = Math.min(
    budget.checksPerShard,
    Math.floor(limits.cpuMs / cpuMsPerCheck),
  );
  const shardCpuCapacity = budget.shardCalls * perShardByCpu;
  // The tick invocation itself reads every monitor's state row once.
  const tickCpuCapacity = Math.floor(limits.cpuMs / cpuMsTickPerMonitor);
  const bounds = [
    ["subrequests", subrequestCapacity],
    ["shard cpu", shardCpuCapacity],
    ["tick cpu", tickCpuCapacity],
    ["definitions limit", DEFINITIONS_LIMIT],
  ] as const;
  const [limitedBy, monitorsPerTick] = bounds.reduce((
    a,
    b,
  ) => (b[1] < a[1] ? b : a));
  return {
    subrequestCapacity,
    cpuCapacity: Math.min(shardCpuCapacity, tickCpuCapacity),
    monitorsPerTick,
    limitedBy,
    ratioToGoal: Number((monitorsPerTick / goal).toFixed(2)),
  };
}

/** Runs the benchmark (about 10 s on 2 cores) and returns its figures. */
export async function runWorkersBench(
  monitors = 1000,
): Promise<WorkersBenchResult> {
  const targets = new TargetServer();
  const http = Array.from({ length: monitors }, (_, i) => {
    targets.routes.set(`/t/${i}`, () => new Response("ok: healthy"));
    return {
      id: `m-${i}`,
      name: `M ${i}`,
      type: "http",
      url: `${targets.url}/t/${i}`,
      keyword: "healthy",
    };
  });
  const heartbeats = Array.from(
    { length: monitors },
    (_, i) => ({ id: `h-${i}`, name: `H ${i}`, type: "heartbeat" }),
  );
  // A paid-plan budget so one tick takes every monitor; the plan capacities are computed below.
  const w = await startMonitor({ PLAN: "paid" });
  try {
    const put = (defs: unknown[]) =>
      w.fetch("/api/v1/monitors", {
        method: "PUT",
        body: JSON.stringify({ monitors: defs }),
      }).then((r) => r.text());
    const base = Math.floor(Date.now() / MINUTE) * MINUTE;
    await put(http);
    await w.tick(base - 10 * MINUTE); // warm-up (JIT, D1 pages, DO instances)
    const h = await measure(w, base);
    await put(heartbeats);
    await w.tick(base + 10 * MINUTE);
    const hb = await measure(w, base + 11 * MINUTE);
    // Ticks seconds after the last one: nothing is due, so only the scheduler's per-monitor work remains.
    await put(http);
    await w.tick(base + 20 * MINUTE);
    const cpu0 = workerdCpuSeconds();
    for (let i = 1; i <= IDLE_TICKS; i++) {
      await w.tick(base + 20 * MINUTE + i * 1_000);
    }
    const idle = (workerdCpuSeconds() - cpu0) * 1000 / (IDLE_TICKS * monitors);
    if ((await w.lastTick()).checked !== 0) {
      throw new Error("idle tick checked monitors");
    }
    const cpuMsPerHttpCheck = h.cpuMs / h.checks;
    return {
      monitors,
      ticks: TICKS_PER_TIME,
      checksPerSecond: Math.round(h.checks / (h.wallMs / 1000)),
      cpuMsPerHttpCheck: Number(cpuMsPerHttpCheck.toFixed(3)),
      cpuMsPerHeartbeatCheck: Number((hb.cpuMs / hb.checks).toFixed(3)),
      cpuMsTickPerIdleMonitor: Number(idle.toFixed(4)),
      plans: {
        free: capacity(PLAN_LIMITS.free, cpuMsPerHttpCheck, idle, 1000),
        paid: capacity(PLAN_LIMITS.paid, cpuMsPerHttpCheck, idle, 1000),
      },
    };
  } finally {
    await w.close();
    await targets.close();
  }
}

if (import.meta.main) {
  const r = await runWorkersBench();
  console.log(
    `edge monitor in workerd, ${r.monitors} HTTP monitors, ${r.ticks} ticks`,
  );
  console.log(`  checks per second:            ${r.checksPerSecond}`);
  console.log(
    `  CPU per HTTP check:           ${r.cpuMsPerHttpCheck} ms (workerd process, upper bound)`,
  );
  console.log(
    `  CPU per heartbeat check:      ${r.cpuMsPerHeartbeatCheck} ms (no network: tick + D1 overhead)`,
  );
  console.log(
    `  tick CPU per idle monitor:    ${r.cpuMsTickPerIdleMonitor} ms (scheduler reading state)`,
  );
  for (const [plan, p] of Object.entries(r.plans)) {
    console.log(
      `  ${plan} plan: ${p.monitorsPerTick} monitors per tick (limited by ${p.limitedBy}; ` +
        `subrequests allow ${p.subrequestCapacity}, CPU allows ${p.cpuCapacity}) = ${p.ratioToGoal}× the 1,000 goal`,
    );
  }
  console.log(JSON.stringify(r));
}
