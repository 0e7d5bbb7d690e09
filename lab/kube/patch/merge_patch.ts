/**
 * JSON Merge Patch (RFC 7386): objects merge recursively, `null` deletes, everything else
 * (lists included) replaces.
 *
 * @example
 * ```ts
 * applyMergePatch({ a: { b: 1, c: 2 } }, { a: { c: null } }); // { a: { b: 1 } }
 * ```
 */
import { clone, isObject } from "../types.ts";

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}
