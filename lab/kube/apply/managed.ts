/**
 * `metadata.managedFields`: who owns which fields. Updates (create, PUT, non-apply PATCH) give the
 * updating manager the fields it changed and take them from everyone else; server-side apply
 * merges the applied configuration, reports conflicts with other managers (409 unless forced),
 * and removes fields the applier no longer sets when nobody else owns them.
 *
 * @example
 * ```ts
 * const next = applyConfiguration(live, applied, { manager: "strata", force: false, type, apiVersion: "v1", now });
 * ```
 */
import { ApiError } from "../status.ts";
import type { StructType } from "../schema/types.ts";
import {
  clone,
  isObject,
  type JsonObject,
  type KubeObject,
  type ManagedFieldsEntry,
  rfc3339,
} from "../types.ts";
import { FieldSet, pathString } from "./fieldset.ts";
import { diff, merge, removePaths, toFieldSet } from "./typed.ts";

/** Metadata the server controls: never tracked as a manager's field. */
const STRIPPED_META = [
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
];

/** Which part of the object a request may change: everything but status, or only status. */
export type Scope = "main" | "status" | "all";

function tracked(
  obj: KubeObject | Record<string, unknown> | undefined,
  scope: Scope,
): Record<string, unknown> {
  if (!obj) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === "apiVersion" || k === "kind") continue;
    if (scope === "main" && k === "status") continue;
    if (scope === "status" && k !== "status") continue;
    if (k === "metadata" && isObject(v)) {
      const meta: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(v)) if (!STRIPPED_META.includes(mk)) meta[mk] = mv;
      if (Object.keys(meta).length) out.metadata = meta;
      continue;
    }
    out[k] = v;
  }
  return out;
}

interface Entry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

function decode(entries: ManagedFieldsEntry[] | undefined): Entry[] {
  return (entries ?? []).map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time,
    subresource: e.subresource,
    set: FieldSet.fromFieldsV1(e.fieldsV1),
  }));
}

function encode(entries: Entry[]): ManagedFieldsEntry[] {
  const out = entries.filter((e) => !e.set.empty).map((e) => {
    const m: ManagedFieldsEntry = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      fieldsType: "FieldsV1",
      fieldsV1: e.set.toFieldsV1(),
    };
    if (!e.time) delete m.time;
    if (e.subresource) m.subresource = e.subresource;
    return m;
  });
  // sortEncodedManagedFields: operation, then time, manager, apiVersion, subresource
  const sec = (t?: string) => t ? Date.parse(t) : 0;
  return out.sort((p, q) =>
    p.operation !== q.operation
      ? (p.operation < q.operation ? -1 : 1)
      : sec(p.time) !== sec(q.time)
      ? sec(p.time) - sec(q.time)
      : p.manager !== q.manager
      ? (p.manager < q.manager ? -1 : 1)
      : p.apiVersion !== q.apiVersion
      ? (p.apiVersion < q.apiVersion ? -1 : 1)
      : (p.subresource ?? "") < (q.subresource ?? "")
      ? -1
      : 0
  );
}

const sameManager = (e: Entry, manager: string, operation: string, subresource?: string) =>
  e.manager === manager && e.operation === operation && (e.subresource ?? "") === (subresource ?? "");

/** printManager: `"kubectl"`, or `"kubectl-edit" using apps/v1` for an Update manager. */
export function printManager(
  e: { manager: string; operation: string; apiVersion: string; subresource?: string },
) {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === "Update") s += ` using ${e.apiVersion}`;
  return s;
}

export interface ManagedOptions {
  manager: string;
  type: StructType;
  apiVersion: string;
  now: number;
  subresource?: string;
  scope: Scope;
}

/** The managed fields after an update from `old` (undefined on create) to `next`. */
export function updateManagedFields(
  old: KubeObject | undefined,
  next: KubeObject,
  opts: ManagedOptions,
): ManagedFieldsEntry[] {
  const changes = diff(tracked(old, opts.scope), tracked(next, opts.scope), opts.type);
  const entries = decode(old?.metadata.managedFields);
  const gone = changes.changed.union(changes.removed);
  for (const e of entries) e.set = e.set.withoutPrefixes(gone);
  // a field the client dropped from the object (e.g. managedFields cleared) keeps no owner
  let own = entries.find((e) => sameManager(e, opts.manager, "Update", opts.subresource));
  if (!changes.changed.empty) {
    if (!own) {
      own = {
        manager: opts.manager,
        operation: "Update",
        apiVersion: opts.apiVersion,
        subresource: opts.subresource,
        set: new FieldSet(),
      };
      entries.push(own);
    }
    own.set = own.set.union(changes.changed);
    own.apiVersion = opts.apiVersion;
    own.time = rfc3339(opts.now);
  }
  return encode(entries);
}

/** Server-side apply of `applied` onto `live` (undefined when the object does not exist yet). */
export function applyConfiguration(
  live: KubeObject | undefined,
  applied: KubeObject,
  opts: ManagedOptions & { force: boolean },
): KubeObject {
  const base = tracked(live, opts.scope);
  const config = tracked(applied, opts.scope);
  const claimed = toFieldSet(config, opts.type);
  let merged = merge(base, config, opts.type) as Record<string, unknown>;
  const changes = diff(base, merged, opts.type);
  const entries = decode(live?.metadata.managedFields);
  const others = entries.filter((e) => !sameManager(e, opts.manager, "Apply", opts.subresource));
  const conflicts: { manager: string; path: string; entry: Entry; raw: string[] }[] = [];
  for (const e of others) {
    for (const p of e.set.paths()) {
      if (changes.changed.has(p) || changes.removed.has(p)) {
        conflicts.push({ manager: printManager(e), path: pathString(p), entry: e, raw: p });
      }
    }
  }
  if (conflicts.length && !opts.force) throw ApiError.applyConflict(conflicts);
  for (const c of conflicts) {
    const lost = new FieldSet();
    lost.insert(c.raw);
    c.entry.set = c.entry.set.difference(lost);
  }
  let own = entries.find((e) => sameManager(e, opts.manager, "Apply", opts.subresource));
  const previous = own?.set ?? new FieldSet();
  if (!own) {
    own = {
      manager: opts.manager,
      operation: "Apply",
      apiVersion: opts.apiVersion,
      subresource: opts.subresource,
      set: claimed,
    };
    entries.push(own);
  }
  own.set = claimed;
  own.apiVersion = opts.apiVersion;
  own.time = rfc3339(opts.now);
  // fields this manager applied before and no longer does go, unless someone else holds them
  const dropped = new FieldSet();
  for (const p of previous.difference(claimed).paths()) {
    if (claimed.hasPrefix(p)) continue;
    if (others.some((e) => e.set.hasPrefix(p))) continue;
    dropped.insert(p);
  }
  merged = clone(merged);
  removePaths(merged, dropped, opts.type);

  // reassemble: server-owned metadata from the live object (or the applied one on create)
  const out: KubeObject = {
    apiVersion: applied.apiVersion,
    kind: applied.kind,
    metadata: {},
  };
  const liveWhole = (live ?? {}) as Record<string, unknown>;
  // parts outside the request's scope stay as they are
  for (const [k, v] of Object.entries(liveWhole)) {
    if (k === "metadata" || k === "apiVersion" || k === "kind") continue;
    const outside = opts.scope === "main" ? k === "status" : opts.scope === "status" ? k !== "status" : false;
    if (outside) out[k] = clone(v);
  }
  const keepMeta: Record<string, unknown> = {};
  const srcMeta = (live?.metadata ?? applied.metadata ?? {}) as Record<string, unknown>;
  for (const k of STRIPPED_META) if (srcMeta[k] !== undefined) keepMeta[k] = clone(srcMeta[k]);
  if (!live) {
    keepMeta.name = applied.metadata?.name;
    if (applied.metadata?.namespace) keepMeta.namespace = applied.metadata.namespace;
  }
  for (const [k, v] of Object.entries(merged)) {
    if (k === "metadata") continue;
    out[k] = v;
  }
  // metadata outside the scope (e.g. labels on a /status apply) stays as it was
  const scopedMeta = opts.scope === "status"
    ? tracked(live, "main").metadata as Record<string, unknown> | undefined
    : merged.metadata as Record<string, unknown> | undefined;
  out.metadata = { ...keepMeta, ...(scopedMeta ?? {}) } as KubeObject["metadata"];
  out.metadata.managedFields = encode(entries);
  return out as KubeObject;
}

/** The fieldsV1 a set of paths encodes to (tests and debugging). */
export function fieldsOf(obj: JsonObject, type: StructType): JsonObject {
  return toFieldSet(tracked(obj as KubeObject, "all"), type).toFieldsV1();
}
