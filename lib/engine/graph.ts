/**
 * The step graph of a layer: checked (unique ids, known dependencies, no cycle, usable resource
 * limits) and ordered. A bad graph is a programming error in a layer, reported with the step ids
 * involved before anything runs.
 *
 * @example
 * ```ts
 * const order = orderSteps(steps, "01-infrastructure"); // dependencies first
 * const teardown = reverseSteps(order); // each step now waits for its dependents
 * ```
 */
import { StrataError } from "../errors.ts";
import type { Step } from "./types.ts";

/** A programming error in a layer's step graph (duplicate id, unknown dependency, cycle, bad limit). */
export class StepGraphError extends StrataError {
  constructor(message: string, remedy?: string) {
    super(message, undefined, remedy);
  }
}

/** How many steps may hold a resource key at once: a function or a map; absent keys are unlimited. */
export type ResourceLimits =
  | ((resource: string) => number | undefined)
  | Readonly<Record<string, number>>;

/** The limit of one resource key, or undefined when unlimited. */
export function limitOf(limits: ResourceLimits | undefined, resource: string): number | undefined {
  if (!limits) return undefined;
  return typeof limits === "function"
    ? limits(resource)
    : Object.hasOwn(limits, resource)
    ? limits[resource]
    : undefined;
}

function where(layer?: string): string {
  return layer ? ` in layer ${layer}` : "";
}

/**
 * Checks ids are unique, every dependency names a step of the same list, and there is no cycle;
 * returns the steps in a topological order (stable: input order where dependencies allow).
 */
export function orderSteps<S extends Step>(steps: readonly S[], layer?: string): S[] {
  const byId = new Map<string, S>();
  for (const s of steps) {
    if (!s.id) throw new StepGraphError(`a step${where(layer)} has an empty id (title "${s.title}")`);
    if (byId.has(s.id)) throw new StepGraphError(`duplicate step id ${s.id}${where(layer)}`);
    byId.set(s.id, s);
  }
  for (const s of steps) {
    for (const d of s.dependsOn ?? []) {
      if (!byId.has(d)) {
        throw new StepGraphError(
          `step ${s.id} depends on unknown step ${d}${where(layer)}`,
          "dependsOn names steps of the same layer; earlier layers' outputs are read with ctx.output()",
        );
      }
    }
  }
  const order: S[] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (s: S) => {
    const mark = state.get(s.id);
    if (mark === "done") return;
    if (mark === "visiting") {
      const cycle = [...stack.slice(stack.indexOf(s.id)), s.id];
      throw new StepGraphError(`dependency cycle${where(layer)}: ${cycle.join(" → ")}`);
    }
    state.set(s.id, "visiting");
    stack.push(s.id);
    for (const d of s.dependsOn ?? []) visit(byId.get(d)!);
    stack.pop();
    state.set(s.id, "done");
    order.push(s);
  };
  for (const s of steps) visit(s);
  return order;
}

/** The same steps with every edge turned around: a step now depends on the steps that depended on it. */
export function reverseSteps<S extends Step>(steps: readonly S[]): S[] {
  const dependents = new Map<string, string[]>(steps.map((s) => [s.id, []]));
  for (const s of steps) for (const d of s.dependsOn ?? []) dependents.get(d)?.push(s.id);
  return steps.map((s) => ({ ...s, dependsOn: dependents.get(s.id) ?? [] }));
}

/** Every limit a step's resources resolve to must be a whole number ≥ 1, or the steps could never start. */
export function checkLimits(
  steps: readonly Step[],
  limits: ResourceLimits | undefined,
  layer?: string,
): void {
  for (const s of steps) {
    for (const r of s.resources ?? []) {
      const limit = limitOf(limits, r);
      if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
        throw new StepGraphError(
          `resource ${r} of step ${s.id}${where(layer)} has limit ${limit}; it must be a whole number ≥ 1`,
          "fix the concurrency setting behind this resource (e.g. proxmox.vmCreateConcurrency)",
        );
      }
    }
  }
}
