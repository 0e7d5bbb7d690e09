/**
 * Preflight: a registry of checks that run in parallel before any change. Any failure stops
 * the run with exit 3 before anything is touched; `--skip-check=ID` skips one with a warning.
 *
 * @example
 * ```ts
 * registerCheck({ id: "deno", description: "Deno 2 or newer", run: () => ({ status: "pass" }) });
 * const { ok } = await runPreflight({ env, layers }, reporter);
 * ```
 */
import type { LayerId, Reporter } from "../engine/types.ts";
import type { LayerDefinition, RunEnv } from "../run/env.ts";

export interface CheckResult {
  status: "pass" | "warn" | "fail";
  message?: string;
  remedy?: string;
}

export interface PreflightContext {
  env: RunEnv;
  /** The layers this run will apply. */
  layers: LayerDefinition[];
}

export interface Check {
  id: string;
  description: string;
  /** Runs only when one of these layers runs; always when absent. */
  layers?: LayerId[];
  /**
   * Runs right before its layer rather than up front: for checks that need what an earlier layer
   * of the same run creates (e.g. the Proxmox API token of layer 00).
   */
  beforeLayer?: boolean;
  run(ctx: PreflightContext): Promise<CheckResult> | CheckResult;
}

const CHECKS: Check[] = [];

/**
 * Adds a check to the registry (ids are unique). Layers register theirs at module load, in their
 * `preflight.ts`. Returns a function that removes it again (tests).
 */
export function registerCheck(check: Check): () => void {
  if (CHECKS.some((c) => c.id === check.id)) throw new Error(`duplicate preflight check ${check.id}`);
  CHECKS.push(check);
  return () => {
    const i = CHECKS.indexOf(check);
    if (i !== -1) CHECKS.splice(i, 1);
  };
}

/** The registered checks. */
export function registeredChecks(): readonly Check[] {
  return CHECKS;
}

/** Runs the checks in parallel, reports each, and says whether the run may go on. */
export async function runPreflight(
  ctx: PreflightContext,
  reporter: Reporter,
  checks: readonly Check[] = CHECKS,
  /** "run": the up-front checks; "layer": the `beforeLayer` checks of `ctx.layers`. */
  phase: "run" | "layer" = "run",
): Promise<{ ok: boolean; results: (CheckResult & { id: string })[] }> {
  const ids = new Set(ctx.layers.map((l) => l.id));
  const relevant = checks.filter((c) =>
    (!c.layers || c.layers.some((l) => ids.has(l))) && (phase === "layer" ? c.beforeLayer : !c.beforeLayer)
  );
  const skip = new Set(ctx.env.flags.skipChecks);
  const unknown = [...skip].filter((id) => !checks.some((c) => c.id === id));
  const results = await Promise.all(relevant.map(async (check) => {
    if (skip.has(check.id)) {
      return { id: check.id, status: "warn" as const, message: `skipped by --skip-check=${check.id}` };
    }
    try {
      return { id: check.id, ...(await check.run(ctx)) };
    } catch (err) {
      return {
        id: check.id,
        status: "fail" as const,
        message: (err as Error).message,
        remedy: (err as { remedy?: string }).remedy,
      };
    }
  }));
  for (const id of phase === "run" ? unknown : []) {
    results.push({ id, status: "warn", message: `--skip-check=${id} names no check`, remedy: undefined });
  }
  for (const r of results) {
    const check = checks.find((c) => c.id === r.id);
    reporter.event({
      type: "preflight.result",
      id: r.id,
      description: check?.description ?? r.id,
      status: r.status,
      message: r.message,
      remedy: r.remedy,
    });
  }
  return { ok: results.every((r) => r.status !== "fail"), results };
}
