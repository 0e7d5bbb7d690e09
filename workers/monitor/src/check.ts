import type { Outcome } from "./state.ts";

/** What one check run produced (after retries within the run). */
export interface CheckResult {
  /** "skipped": the invocation's subrequest budget ran out before the first attempt; streaks are untouched. */
  outcome: Outcome | "skipped";
  latencyMs: number | null;
  status: number | null;
  error: string | null;
  attempts: number;
}

/** Budget hooks a check uses before every subrequest. */
export interface CheckBudget {
  first(): boolean;
  extra(): boolean;
}

/** Runs `attempt` once and then up to `retries` more times while it fails and budget is left. */
export async function withRetries(
  retries: number,
  budget: CheckBudget,
  attempt: (take: () => boolean) => Promise<Omit<CheckResult, "attempts">>,
): Promise<CheckResult> {
  let result: Omit<CheckResult, "attempts"> = await attempt(() => budget.first());
  let attempts = result.outcome === "skipped" ? 0 : 1;
  while (result.outcome === "down" && attempts <= retries) {
    const next = await attempt(() => budget.extra());
    if (next.outcome === "skipped") break;
    result = next;
    attempts++;
  }
  return { ...result, attempts };
}
