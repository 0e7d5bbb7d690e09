/**
 * Runs the real monitor bundle inside workerd through Miniflare's API (used by tests/workers and
 * bench/workers.ts): in-memory D1 with the migrations applied, the checker Durable Objects, the vars
 * from wrangler.jsonc, a scheduled trigger with injectable time, and the runtime's log lines.
 *
 * @example
 * ```ts
 * import { startMonitor } from "./miniflare.ts";
 * const w = await startMonitor({ PLAN: "free" });
 * await w.tick(Date.UTC(2025, 0, 1, 12, 0));
 * await w.close();
 * ```
 */
import { createRequire } from "node:module";
import { parseJsonc } from "./jsonc.ts";
import { WORKERS_DIR } from "./paths.ts";
import { applyMigrations, type MigrationDb } from "./migrations.ts";

export const MONITOR_DIR = `${WORKERS_DIR}/monitor`;
export const API_TOKEN = "test-token-0123456789abcdef";

let built: Promise<string> | undefined;

/** Builds the monitor bundle once per test process (also installs workers/ deps via npm ci if needed). */
export function buildMonitor(): Promise<string> {
  built ??= (async () => {
    // A private output file, so parallel test processes never read each other's half-written bundle.
    const dir = await Deno.makeTempDir({ prefix: "strata-monitor-" });
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${WORKERS_DIR}/tools/build.ts`,
          "monitor",
          `${dir}/index.js`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) {
        throw new Error(
          `building the monitor failed:\n${new TextDecoder().decode(out.stderr)}`,
        );
      }
      return await Deno.readTextFile(`${dir}/index.js`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
  return built;
}

// deno-lint-ignore no-explicit-any
type Any = any;

/** A running monitor Worker inside workerd (Miniflare), with its own in-memory D1 and Durable Objects. */
export interface MonitorWorker {
  /** Sends a request to the Worker (path relative to http://monitor.test). */
  fetch(
    path: string,
    init?: RequestInit & { token?: string | null },
  ): Promise<Response>;
  /** Runs the scheduled handler with an injected scheduled time. */
  tick(scheduledTime: number): Promise<void>;
  /** The D1 database binding (Miniflare proxy). */
  db: MigrationDb & Any;
  /** Everything the runtime printed (console.log lines). */
  logs: string[];
  /** The last tick report stored by the Worker. */
  lastTick(): Promise<Any>;
  close(): Promise<void>;
}

/**
 * Starts the real monitor bundle in workerd via Miniflare with the bindings from `wrangler.jsonc`, applies
 * the D1 migrations, and returns helpers to call it. `bindings` adds or overrides vars/secrets.
 */
export async function startMonitor(
  bindings: Record<string, string> = {},
): Promise<MonitorWorker> {
  const code = await buildMonitor();
  const config = parseJsonc(
    await Deno.readTextFile(`${MONITOR_DIR}/wrangler.jsonc`),
  ) as Any;
  const { Miniflare } = createRequire(`${WORKERS_DIR}/package.json`)(
    "miniflare",
  );
  const logs: string[] = [];
  const mf = new Miniflare({
    modules: [{
      type: "ESModule",
      path: `${MONITOR_DIR}/dist/index.js`,
      contents: code,
    }],
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    d1Databases: { DB: "strata-monitor-test" },
    durableObjects: { CHECKER: { className: "CheckerShard", useSQLite: true } },
    bindings: { ...config.vars, API_TOKEN, ...bindings },
    handleRuntimeStdio(stdout: Any, stderr: Any) {
      const collect = (chunk: Any) => logs.push(...String(chunk).split("\n").filter(Boolean));
      stdout.on("data", collect);
      stderr.on("data", collect);
    },
  });
  await mf.ready;
  const db = await mf.getD1Database("DB");
  await applyMigrations(db, `${MONITOR_DIR}/migrations`);
  const worker = await mf.getWorker();
  return {
    db,
    logs,
    async fetch(path, init = {}) {
      const { token = API_TOKEN, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null) headers.set("authorization", `Bearer ${token}`);
      const res = await mf.dispatchFetch(`http://monitor.test${path}`, {
        ...rest,
        headers,
      });
      // Miniflare returns undici responses; copy into a Deno Response so bodies are always consumed.
      return new Response(await res.arrayBuffer(), {
        status: res.status,
        headers: Object.fromEntries(res.headers),
      });
    },
    async tick(scheduledTime) {
      const result = await worker.scheduled({
        scheduledTime: new Date(scheduledTime),
        cron: "* * * * *",
      });
      if (result.outcome !== "ok") {
        throw new Error(
          `scheduled handler failed: ${JSON.stringify(result)}\n${logs.join("\n")}`,
        );
      }
    },
    async lastTick() {
      const row = await db.prepare(
        "SELECT value FROM meta WHERE key = 'last_tick'",
      ).first();
      return row ? JSON.parse(row.value) : null;
    },
    async close() {
      await mf.dispose();
    },
  };
}
