/**
 * Reads a value at a simple JSONPath (`$.a.b[0].c`) from parsed JSON.
 *
 * @example
 * ```ts
 * import { readJsonPath } from "./jsonpath.ts";
 * readJsonPath({ checks: [{ ok: true }] }, "$.checks[0].ok"); // { found: true, value: true }
 * ```
 */
export function readJsonPath(
  root: unknown,
  path: string,
): { found: boolean; value?: unknown } {
  const steps = [...path.slice(1).matchAll(/\.([A-Za-z_$][\w$-]*)|\[(\d+)\]/g)];
  let cur: unknown = root;
  for (const [, key, index] of steps) {
    if (key !== undefined) {
      if (
        cur === null || typeof cur !== "object" || Array.isArray(cur) ||
        !Object.hasOwn(cur, key)
      ) {
        return { found: false };
      }
      cur = (cur as Record<string, unknown>)[key];
    } else {
      if (!Array.isArray(cur) || Number(index) >= cur.length) {
        return { found: false };
      }
      cur = cur[Number(index)];
    }
  }
  return { found: true, value: cur };
}

/** Structural equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (
    typeof a !== "object" || typeof b !== "object" || a === null || b === null
  ) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    Object.hasOwn(b, k) &&
    jsonEqual(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
    )
  );
}
