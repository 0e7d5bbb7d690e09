/**
 * Strategic merge patch for the built-in kinds (`application/strategic-merge-patch+json`): like a
 * merge patch, but lists with a patch merge key merge element by element (containers by name,
 * ports by containerPort, …), primitive merge lists union, and the directives `$patch`
 * (replace/delete/merge), `$retainKeys`, `$setElementOrder/<field>` and
 * `$deleteFromPrimitiveList/<field>` are honoured.
 *
 * @example
 * ```ts
 * applyStrategicPatch(pod, { spec: { containers: [{ name: "web", image: "nginx:2" }] } }, BUILTIN_TYPES["/Pod"]);
 * ```
 */
import { childType, type ListType, type TypeNode } from "../schema/types.ts";
import { clone, isObject, jsonEqual } from "../types.ts";

export class StrategicPatchError extends Error {}

const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

/** Removes directive keys from a value that is inserted as is. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => !(isObject(x) && x.$patch === "delete")).map(clean);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith("$")) continue;
    if (x === null) continue;
    out[k] = clean(x);
  }
  return out;
}

export function applyStrategicPatch(original: unknown, patch: unknown, type: TypeNode | undefined): unknown {
  if (!isObject(patch)) return clone(patch);
  const directive = patch.$patch;
  if (directive === "replace") return clean(patch);
  if (directive === "delete") return undefined;
  if (directive !== undefined && directive !== "merge") {
    throw new StrategicPatchError(`Unknown patch type: ${directive} in map: ${JSON.stringify(patch)}`);
  }
  const out: Record<string, unknown> = isObject(original) ? clone(original) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) continue;
    const t = childType(type, k);
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v) && t?.kind === "list" && t.smpKey !== undefined) {
      out[k] = mergeList(Array.isArray(out[k]) ? out[k] as unknown[] : [], v, t);
    } else if (isObject(v)) {
      const merged = applyStrategicPatch(out[k], v, t);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else {
      out[k] = clean(v);
    }
  }
  // $deleteFromPrimitiveList/<field>: values to drop from a primitive merge list
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(DELETE_PRIMITIVE)) continue;
    const f = k.slice(DELETE_PRIMITIVE.length);
    if (Array.isArray(out[f]) && Array.isArray(v)) {
      out[f] = (out[f] as unknown[]).filter((x) => !v.some((d) => jsonEqual(d, x)));
    }
  }
  // $setElementOrder/<field>: the final order of a merged list
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER) || !Array.isArray(v)) continue;
    const f = k.slice(SET_ORDER.length);
    const t = childType(type, f);
    if (Array.isArray(out[f]) && t?.kind === "list" && t.smpKey !== undefined) {
      out[f] = reorder(out[f] as unknown[], v, t.smpKey);
    }
  }
  // $retainKeys: only these fields survive (volumes' one-of sources)
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function keyOf(item: unknown, key: string): unknown {
  return key === "" ? item : isObject(item) ? item[key] : undefined;
}

function mergeList(original: unknown[], patch: unknown[], t: ListType): unknown[] {
  const key = t.smpKey!;
  if (patch.some((x) => isObject(x) && x.$patch === "replace")) {
    return patch.filter((x) => !(isObject(x) && x.$patch === "replace")).map(clean);
  }
  if (key === "") {
    const out = [...original];
    for (const x of patch) if (!out.some((y) => jsonEqual(x, y))) out.push(clone(x));
    return out;
  }
  const out = original.map((x) => clone(x));
  for (const item of patch) {
    if (!isObject(item)) throw new StrategicPatchError(`found non-map element in list with merge key ${key}`);
    const k = item[key];
    if (k === undefined) {
      throw new StrategicPatchError(
        `map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`,
      );
    }
    const at = out.findIndex((x) => jsonEqual(keyOf(x, key), k));
    if (item.$patch === "delete") {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = applyStrategicPatch(out[at], item, t.items);
    else out.push(applyStrategicPatch(undefined, item, t.items));
  }
  return out;
}

function reorder(list: unknown[], order: unknown[], key: string): unknown[] {
  const wanted = order.map((o) => keyOf(o, key));
  const ranked = list.map((x, i) => {
    const r = wanted.findIndex((w) => jsonEqual(w, keyOf(x, key)));
    return { x, r: r < 0 ? wanted.length + i : r };
  });
  return ranked.sort((a, b) => a.r - b.r).map((e) => e.x);
}
