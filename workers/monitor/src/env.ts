import type { D1Database, DurableObjectNamespace } from "../../shared/platform.ts";
import type { NotifyEnv } from "./notify.ts";

/**
 * The monitor Worker's bindings and variables (documented in `workers/monitor/.dev.vars.example`).
 * Secrets: API_TOKEN, notification credentials (see {@link NotifyEnv}) and MONITOR_SECRET_* values
 * referenced from monitor definitions as `${secret:MONITOR_SECRET_X}`.
 */
export interface MonitorEnv extends NotifyEnv {
  DB: D1Database;
  CHECKER: DurableObjectNamespace;
  API_TOKEN?: string;
  /** "free" (default) or "paid": which per-invocation limits the tick budgets for. */
  PLAN?: string;
  /** Overrides the plan's subrequests-per-invocation figure. */
  SUBREQUEST_LIMIT?: string;
  /** Days raw results are kept before only rollups remain (default 7). */
  RETENTION_DAYS?: string;
  /** Title of the public status page. */
  STATUS_PAGE_TITLE?: string;
  [name: string]: unknown;
}
