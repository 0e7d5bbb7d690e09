/**
 * Entry of the edge monitor Worker: the Hono app for HTTP, the cron tick for checks, and the checker
 * shard Durable Object class. Bundled by `workers/build.ts` (which maps `shared/sockets.ts` to
 * `cloudflare:sockets`).
 */
import type { ExecutionContext, ScheduledController } from "../../shared/platform.ts";
import { app } from "./app.ts";
import type { MonitorEnv } from "./env.ts";
import { runTick } from "./tick.ts";

export { CheckerShard } from "./shard.ts";

export default {
  fetch: app.fetch,
  async scheduled(
    controller: ScheduledController,
    env: MonitorEnv,
    _ctx: ExecutionContext,
  ): Promise<void> {
    await runTick(env, controller.scheduledTime);
  },
};
