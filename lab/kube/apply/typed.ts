/**
 * Typed operations on objects for server-side apply, following structured-merge-diff: the field
 * set an applied configuration claims, the paths an update changes, the merge of an applied
 * configuration into the live object, and the removal of fields a manager gave up.
 *
 * @example
 * ```ts
 * const set = toFieldSet({ spec: { replicas: 2 } }, BUILTIN_TYPES["apps/Deployment"]);
 * set.toFieldsV1(); // {"f:spec":{"f:replicas":{}}}
 * ```
 */
import { ApiError } from "../status.ts";
import { childType, type ListType, type TypeNode, typeOf } from "../schema/types.ts";
import { clone, isObject, type Json, jsonEqual } from "../types.ts";
import { field, FieldSet, keyed, type PathElement, pathString, setValue } from "./fieldset.ts";

function isAtomic(t: TypeNode): boolean {
  return t.kind === "scalar" || (t.kind === "list" && t.listType === "atomic") ||
    ((t.kind === "struct" || t.kind === "map") && !!t.atomic);
}

/** The path element of a list item, or an error naming the missing key. */
export function itemElement(t: ListType, item: unknown, path: PathElement[], i: number): PathElement {
  if (t.listType === "set") return setValue(item as Json);
  const keys: Record<string, Json> = {};
  for (const k of t.keys ?? []) {
    const v = isObject(item) ? item[k] : undefined;
    if (v !== undefined && v !== null) keys[k] = v as Json;
    else if (t.keyDefaults?.[k] !== undefined) keys[k] = t.keyDefaults[k];
    else {
      throw ApiError.internal(
        `failed to create typed patch object: ${
          pathString(path)
        }: element ${i}: associative list with keys has an ` +
          `element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`,
      );
    }
  }
  return keyed(keys);
}

/** The fields an applied configuration sets (typed.ToFieldSet). */
export function toFieldSet(
  value: unknown,
  type: TypeNode,
  path: PathElement[] = [],
  set = new FieldSet(),
): FieldSet {
  const t = typeOf(type, value);
  if (isAtomic(t) || value === null || value === undefined) {
    if (path.length) set.insert(path);
    return set;
  }
  if (t.kind === "list") {
    if (!Array.isArray(value)) {
      set.insert(path);
      return set;
    }
    value.forEach((item, i) => {
      const p = [...path, itemElement(t, item, path, i)];
      if (t.listType === "map") toFieldSet(item, t.items, p, set);
      set.insert(p);
    });
    return set;
  }
  if (!isObject(value)) {
    set.insert(path);
    return set;
  }
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const p = [...path, field(k)];
    toFieldSet(v, typeOf(childType(t, k), v), p, set);
    const named = t.kind === "struct" && k in t.fields;
    if (v === null || (isObject(v) && Object.keys(v).length === 0) || !named) set.insert(p);
  }
  return set;
}

/** Every path of a value that was added, containers of maps included (as Compare reports them). */
function addAll(value: unknown, type: TypeNode | undefined, path: PathElement[], set: FieldSet): void {
  const t = typeOf(type, value);
  if (isAtomic(t) || value === null || !(isObject(value) || Array.isArray(value))) {
    set.insert(path);
    return;
  }
  if (t.kind === "list" && Array.isArray(value)) {
    value.forEach((item, i) => {
      const p = [...path, itemElement(t, item, path, i)];
      if (t.listType === "map") addAll(item, t.items, p, set);
      set.insert(p);
    });
    return;
  }
  // maps and nested structs are members themselves once added; the top-level sections are not
  if (path.length > 1 || t.kind === "map") set.insert(path);
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) addAll(v, childType(t, k), [...path, field(k)], set);
    }
  }
}

/** What an update changed: paths added or modified, and paths removed. */
export interface Changes {
  changed: FieldSet;
  removed: FieldSet;
}

export function diff(
  oldValue: unknown,
  newValue: unknown,
  type: TypeNode,
  path: PathElement[] = [],
): Changes {
  const out = { changed: new FieldSet(), removed: new FieldSet() };
  walkDiff(oldValue, newValue, type, path, out);
  return out;
}

function walkDiff(
  a: unknown,
  b: unknown,
  type: TypeNode | undefined,
  path: PathElement[],
  out: Changes,
): void {
  if (a === undefined && b === undefined) return;
  if (b === undefined) {
    if (path.length) out.removed.insert(path);
    return;
  }
  if (a === undefined) {
    if (path.length) addAll(b, type, path, out.changed);
    return;
  }
  const t = typeOf(type, b);
  if (isAtomic(t) || a === null || b === null || Array.isArray(a) !== Array.isArray(b) || !isObjectLike(a)) {
    if (!jsonEqual(a, b) && path.length) out.changed.insert(path);
    return;
  }
  if (t.kind === "list" && Array.isArray(a) && Array.isArray(b)) {
    const index = (list: unknown[]) => {
      const m = new Map<PathElement, unknown>();
      list.forEach((item, i) => m.set(itemElement(t, item, path, i), item));
      return m;
    };
    const ia = index(a), ib = index(b);
    for (const [e, item] of ib) {
      const p = [...path, e];
      if (!ia.has(e)) {
        if (t.listType === "map") addAll(item, t.items, p, out.changed);
        out.changed.insert(p);
      } else if (t.listType === "map") walkDiff(ia.get(e), item, t.items, p, out);
    }
    for (const e of ia.keys()) if (!ib.has(e)) out.removed.insert([...path, e]);
    return;
  }
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      walkDiff(a[k], b[k], childType(t, k), [...path, field(k)], out);
    }
  }
}

function isObjectLike(v: unknown): boolean {
  return typeof v === "object" && v !== null;
}

/** Merges an applied configuration into the live object (merge.Updater.Apply's merge step). */
export function merge(
  live: unknown,
  applied: unknown,
  type: TypeNode | undefined,
  path: PathElement[] = [],
): unknown {
  if (applied === undefined) return clone(live);
  const t = typeOf(type, applied);
  if (isAtomic(t) || applied === null || live === null || live === undefined) return clone(applied);
  if (t.kind === "list") {
    if (!Array.isArray(applied) || !Array.isArray(live)) return clone(applied);
    const out = live.map((x) => clone(x));
    const pos = new Map<PathElement, number>();
    out.forEach((item, i) => pos.set(itemElement(t, item, path, i), i));
    applied.forEach((item, i) => {
      const e = itemElement(t, item, path, i);
      const at = pos.get(e);
      if (at === undefined) {
        pos.set(e, out.length);
        out.push(clone(item));
      } else if (t.listType === "map") out[at] = merge(out[at], item, t.items, [...path, e]);
    });
    return out;
  }
  if (!isObject(applied) || !isObject(live)) return clone(applied);
  const out: Record<string, unknown> = clone(live);
  for (const [k, v] of Object.entries(applied)) {
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else out[k] = merge(live[k], v, childType(t, k), [...path, field(k)]);
  }
  return out;
}

/** Removes each path of `set` from `obj` (in place). */
export function removePaths(obj: unknown, set: FieldSet, type: TypeNode): void {
  // deepest first, so an item's fields go before the item
  const paths = set.paths().sort((x, y) => y.length - x.length);
  for (const p of paths) removeAt(obj, p, type);
}

function removeAt(obj: unknown, path: PathElement[], type: TypeNode | undefined): void {
  let cur: unknown = obj;
  let t: TypeNode | undefined = type;
  for (let i = 0; i < path.length; i++) {
    const e = path[i];
    const last = i === path.length - 1;
    if (e.startsWith("f:")) {
      if (!isObject(cur)) return;
      const k = e.slice(2);
      if (last) {
        delete cur[k];
        return;
      }
      t = childType(typeOf(t, cur), k);
      cur = cur[k];
    } else {
      if (!Array.isArray(cur)) return;
      const lt = typeOf(t, cur);
      if (lt.kind !== "list") return;
      const at = cur.findIndex((item, j) => {
        try {
          return itemElement(lt, item, path.slice(0, i), j) === e;
        } catch {
          return false;
        }
      });
      if (at < 0) return;
      if (last) {
        cur.splice(at, 1);
        return;
      }
      t = lt.items;
      cur = cur[at];
    }
  }
}
