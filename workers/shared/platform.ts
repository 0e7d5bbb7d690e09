/**
 * The slice of the Cloudflare Workers runtime API that strata's workers use, typed by hand so that
 * `deno check` works without `@cloudflare/workers-types`. Shapes follow the Workers runtime docs.
 *
 * @example
 * ```ts
 * import type { D1Database } from "./platform.ts";
 * async function count(db: D1Database) {
 *   return (await db.prepare("SELECT count(*) AS n FROM monitors").first<{ n: number }>())?.n ?? 0;
 * }
 * ```
 */
export interface D1Result<T = Record<string, unknown>> {
  results: T[];
  success: boolean;
  meta: {
    changes?: number;
    duration?: number;
    rows_read?: number;
    rows_written?: number;
  };
}

/** A prepared (and possibly bound) D1 statement. */
export interface D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<D1Result<T>>;
  run(): Promise<D1Result>;
}

/** A D1 database binding. `batch` runs its statements in one transaction. */
export interface D1Database {
  prepare(query: string): D1PreparedStatement;
  batch(statements: D1PreparedStatement[]): Promise<D1Result[]>;
  exec(query: string): Promise<unknown>;
}

/** Opaque Durable Object id. */
export interface DurableObjectId {
  toString(): string;
}

/** A stub to talk to one Durable Object. */
export interface DurableObjectStub {
  fetch(input: string | Request, init?: RequestInit): Promise<Response>;
}

/** A Durable Object namespace binding. */
export interface DurableObjectNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): DurableObjectStub;
}

/** What the runtime passes to a Durable Object's constructor. */
export interface DurableObjectState {
  id: DurableObjectId;
  waitUntil(promise: Promise<unknown>): void;
}

/** The execution context of a fetch or scheduled invocation. */
export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}

/** The controller passed to a scheduled (cron) handler. */
export interface ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
  noRetry(): void;
}
