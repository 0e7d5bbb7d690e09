/**
 * Per-invocation limits of the Workers platform, and how the monitor spends them.
 *
 * Every invocation (the cron tick, and each request to a checker shard Durable Object) gets its own
 * budget. Figures are the documented per-invocation limits; `paid` uses the conservative 1,000
 * subrequests (newer accounts may have more; raise `SUBREQUEST_LIMIT` to use them).
 */
export interface PlanLimits {
  /** Subrequests (fetch, connect, Durable Object calls) per invocation. */
  subrequests: number;
  /** Simultaneous open outgoing connections per invocation. */
  connections: number;
  /** D1 queries per invocation. */
  d1Queries: number;
  /** CPU milliseconds per invocation. */
  cpuMs: number;
}

export const PLAN_LIMITS: Record<"free" | "paid", PlanLimits> = {
  free: { subrequests: 50, connections: 6, d1Queries: 50, cpuMs: 10 },
  paid: { subrequests: 1000, connections: 6, d1Queries: 1000, cpuMs: 30_000 },
};

/** How one tick divides its budget. All figures are per invocation. */
export interface TickBudget {
  limits: PlanLimits;
  /** Subrequests the tick keeps for alert deliveries (one per channel, batched). */
  alertReserve: number;
  /** Shard Durable Object calls the tick may make (subrequests minus the alert reserve and slack). */
  shardCalls: number;
  /** Checks assigned to one shard: half its subrequests; the other half pays for retries and redirects. */
  checksPerShard: number;
  /** Concurrent checks inside a shard, and concurrent shard calls in the tick. */
  concurrency: number;
  /** Monitors one tick can check: shardCalls × checksPerShard. */
  capacity: number;
}

/** D1 queries the tick itself makes (2 loads, 1 meta read, alert log, 8 rollup statements, tick report). */
export const TICK_D1_QUERIES = 16;
/** D1 queries one shard makes (one batch of 4 statements). */
export const SHARD_D1_QUERIES = 4;

/**
 * Splits a plan's per-invocation limits into the tick's spending plan.
 *
 * @example
 * ```ts
 * import { PLAN_LIMITS, tickBudget } from "./budget.ts";
 * tickBudget(PLAN_LIMITS.free).capacity; // 1050 monitors per tick on the free plan
 * ```
 */
export function tickBudget(limits: PlanLimits, channels = 5): TickBudget {
  const alertReserve = channels;
  const slack = 3;
  const shardCalls = Math.max(1, limits.subrequests - alertReserve - slack);
  const checksPerShard = Math.max(1, Math.floor(limits.subrequests / 2));
  const concurrency = Math.min(6, limits.connections);
  return {
    limits,
    alertReserve,
    shardCalls,
    checksPerShard,
    concurrency,
    capacity: shardCalls * checksPerShard,
  };
}

/** Reads `PLAN` (free|paid) and optional `SUBREQUEST_LIMIT` from the Worker env. */
export function limitsFromEnv(
  env: { PLAN?: string; SUBREQUEST_LIMIT?: string },
): PlanLimits {
  const plan = env.PLAN === "paid" ? PLAN_LIMITS.paid : PLAN_LIMITS.free;
  const override = Number(env.SUBREQUEST_LIMIT);
  return Number.isInteger(override) && override > 0 ? { ...plan, subrequests: override } : plan;
}

/**
 * Counts the subrequests of one invocation and refuses to go past the limit, so the platform never has to
 * kill the invocation halfway through writing results.
 */
export class SubrequestBudget {
  #used = 0;
  constructor(readonly limit: number) {}
  /** Takes `n` subrequests if they are left; false (and nothing taken) otherwise. */
  take(n = 1): boolean {
    if (this.#used + n > this.limit) return false;
    this.#used += n;
    return true;
  }
  get used(): number {
    return this.#used;
  }
  get remaining(): number {
    return this.limit - this.#used;
  }
}

/**
 * A shard's subrequest budget with one first attempt reserved for every assigned check, so retries and
 * redirects of early checks (which run concurrently) can never starve a later check of its first try.
 */
export class ShardBudget {
  #budget: SubrequestBudget;
  #reserved: number;
  constructor(limit: number, firstAttempts: number) {
    this.#budget = new SubrequestBudget(limit);
    this.#reserved = Math.min(firstAttempts, limit);
  }
  /** The first attempt of a check: always granted while reservations last. */
  first(): boolean {
    if (this.#reserved > 0) {
      this.#reserved--;
      return this.#budget.take();
    }
    return this.extra();
  }
  /** A retry or redirect hop: only from what is left after the reservations. */
  extra(): boolean {
    if (this.#budget.remaining - this.#reserved < 1) return false;
    return this.#budget.take();
  }
  get used(): number {
    return this.#budget.used;
  }
}

/**
 * Runs async tasks with at most `max` in flight (the simultaneous-connection limit) and records the
 * peak, which shards report back so tests can check it.
 */
export class ConnectionPool {
  #active = 0;
  #peak = 0;
  #waiting: (() => void)[] = [];
  constructor(readonly max: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    while (this.#active >= this.max) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#active++;
    this.#peak = Math.max(this.#peak, this.#active);
    try {
      return await task();
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
  get peak(): number {
    return this.#peak;
  }
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}
